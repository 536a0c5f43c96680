"""SFT throughput on the tiny Qwen3.5: tokens/s and padding per batch, default recipe vs length-grouped.

Runs procskill's own trainer (:func:`procskill.training.prepare_run` + ``trainer.train()``) on a procedural
corpus of the built-in training pool (catalog worked solutions, no model call) for one full epoch (or
``--steps`` optimizer steps) per configuration, alternating configurations over ``--repeats`` rounds. A full
epoch makes every configuration train on the very same rows, so tokens/s compares like with like:

* ``random``: the shipped default recipe with ``sft.train_sampling_strategy: random`` (uniform sampler: rows of very
  different lengths share a batch);
* ``default``: the shipped default recipe, ``sft.train_sampling_strategy: group_by_length`` (transformers' ``LengthGroupedSampler``:
  rows of similar length share a batch; made the default after this benchmark);
* ``no_grad_ckpt`` (optional, ``--with-grad-ckpt-off``): the default without activation checkpointing.

Every micro-batch the model sees is recorded (``compute_loss`` wrapped): real tokens, padded positions,
trained (label) tokens. ``tokens_per_s`` counts real tokens only; ``tokens_per_cpu_s`` divides by the
process's CPU seconds instead (steadier on a shared machine: torch runs on one thread here).

Padding-free training (TRL ``padding_free=True``: rows concatenated into one sequence with restarting
``position_ids``) is checked for exactness on this architecture instead of timed: the logits of a row must
not change when another row is placed before it. On CPU (no flash-attention / flash-linear-attention
kernels) the Gated DeltaNet layers ignore the sequence boundaries, so it is not exact (see ``padding_free``).

Usage::

    python benchmarks/bench_sft.py --repeats 2 --with-grad-ckpt-off
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import Stopwatch, emit, ratio_summary, set_threads

CONFIGS = ("random", "default")
SKILLS = "luhn-check-digit,rpn-evaluate,table-join,incident-triage"
"""Four skills whose 96 training rows span 520-1800 tokens with the tiny model's small tokenizer (the catalog's
spread of lengths; its longest skills exceed the default ``max_length=2048`` with this tokenizer)."""


def padding_free_probe(model_dir: Path) -> dict[str, Any]:
    """Do two rows concatenated padding-free (restarting position_ids) give each row's own logits?"""
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(model_dir).eval()
    torch.manual_seed(0)
    first, second = torch.randint(3, 1000, (1, 37)), torch.randint(3, 1000, (1, 53))
    with torch.inference_mode():
        alone = model(input_ids=second).logits[0]
        flat = torch.cat([first, second], dim=1)
        positions = torch.cat([torch.arange(first.shape[1]), torch.arange(second.shape[1])])[None]
        packed = model(input_ids=flat, position_ids=positions).logits[0, first.shape[1] :]
    diff = (alone - packed).abs().max().item()
    return {
        "attn_implementation": model.config._attn_implementation,
        "max_abs_logit_diff_second_row": round(diff, 6),
        "exact": diff < 1e-4,
    }


def _train_once(model_dir: Path, corpus: Path, out: Path, config: str, steps: int | None) -> dict[str, Any]:
    from procskill.training import load_recipe, prepare_run
    from procskill.training._recipes import DEFAULT_RECIPE

    # steps=None: exactly one epoch, so every configuration trains on the very same rows.
    length = {"max_steps": steps} if steps else {"num_train_epochs": 1}
    recipe = load_recipe(DEFAULT_RECIPE).with_sft(**length, save_steps=10**6, logging_steps=10**6)
    if config == "random":
        recipe = recipe.with_sft(train_sampling_strategy="random")
    if config == "no_grad_ckpt":
        recipe = recipe.with_sft(activation_checkpointing=False)
    with Stopwatch() as prep:
        run = prepare_run(model_dir, corpus, recipe, out=out)
    trainer = run.trainer
    trainer.args.save_strategy = "no"

    batches: list[dict[str, int]] = []
    compute_loss = trainer.compute_loss

    def recording_compute_loss(model, inputs, *args, **kwargs):
        mask = inputs["attention_mask"]
        batches.append(
            {
                "rows": int(mask.shape[0]),
                "positions": int(mask.numel()),
                "tokens": int(mask.sum()),
                "trained": int((inputs["labels"] != -100).sum()),
            }
        )
        return compute_loss(model, inputs, *args, **kwargs)

    trainer.compute_loss = recording_compute_loss
    cpu_start = time.process_time()
    with Stopwatch() as sw:
        output = trainer.train()
    cpu = time.process_time() - cpu_start
    positions = sum(b["positions"] for b in batches)
    tokens = sum(b["tokens"] for b in batches)
    pad_fractions = [1 - b["tokens"] / b["positions"] for b in batches]
    return {
        "prepare_seconds": prep.seconds,
        "train_seconds": sw.seconds,
        "train_cpu_seconds": cpu,
        "train_runtime": output.metrics.get("train_runtime"),
        "micro_batches": len(batches),
        "tokens": tokens,
        "positions": positions,
        "trained_tokens": sum(b["trained"] for b in batches),
        "padding_fraction": 1 - tokens / positions,
        "padding_fraction_per_batch_median": statistics.median(pad_fractions),
        "padding_fraction_per_batch_max": max(pad_fractions),
        "final_loss": output.training_loss,
    }


def run(
    steps: int | None = None,
    repeats: int = 3,
    threads: int | None = 1,
    work_dir: str | Path | None = None,
    configs: tuple[str, ...] = CONFIGS,
    skills: str | None = SKILLS,
) -> dict[str, Any]:
    import datasets
    import transformers

    from procskill.testing.tiny_model import build_tiny_qwen35
    from procskill.training import build_corpus

    datasets.disable_progress_bars()
    transformers.utils.logging.disable_progress_bar()

    threads_used = set_threads(threads)
    work = Path(work_dir) if work_dir else Path(tempfile.mkdtemp(prefix="procskill-bench-sft-"))
    model_dir = build_tiny_qwen35(work / "tiny")
    corpus = build_corpus("procedural", skills=skills, out=work / "corpus", display="none")

    rows: dict[str, list[dict[str, Any]]] = {c: [] for c in configs}
    for round_ in range(repeats):
        for config in configs if round_ % 2 == 0 else tuple(reversed(configs)):
            rows[config].append(
                _train_once(model_dir, corpus.path, work / f"run-{config}-{round_}", config, steps)
            )

    summary: dict[str, Any] = {}
    for config, results in rows.items():
        tps = [r["tokens"] / r["train_seconds"] for r in results]
        tpc = [r["tokens"] / r["train_cpu_seconds"] for r in results]
        summary[config] = {
            "tokens_per_s_median": round(statistics.median(tps), 1),
            "tokens_per_s": [round(t, 1) for t in tps],
            "tokens_per_cpu_s_median": round(statistics.median(tpc), 1),
            "positions_per_cpu_s_median": round(
                statistics.median(r["positions"] / r["train_cpu_seconds"] for r in results), 1
            ),
            "train_seconds": [round(r["train_seconds"], 2) for r in results],
            "train_cpu_seconds": [round(r["train_cpu_seconds"], 2) for r in results],
            "padding_fraction": round(statistics.median(r["padding_fraction"] for r in results), 3),
            "padding_fraction_per_batch_median": round(
                statistics.median(r["padding_fraction_per_batch_median"] for r in results), 3
            ),
            "padding_fraction_per_batch_max": round(
                max(r["padding_fraction_per_batch_max"] for r in results), 3
            ),
            "micro_batches": results[-1]["micro_batches"],
            "tokens_per_run": [r["tokens"] for r in results],
            "positions_per_run": [r["positions"] for r in results],
            "final_loss": [round(r["final_loss"], 4) for r in results],
            "prepare_seconds": round(statistics.median(r["prepare_seconds"] for r in results), 2),
        }
    base = configs[0]
    for config in configs[1:]:
        # Time per real token, other config over the base: >1 means the other is faster.
        summary[config]["speedup_tokens_per_s_over_" + base] = ratio_summary(
            [r["train_seconds"] / r["tokens"] for r in rows[base]],
            [r["train_seconds"] / r["tokens"] for r in rows[config]],
        )
        summary[config]["speedup_tokens_per_cpu_s_over_" + base] = ratio_summary(
            [r["train_cpu_seconds"] / r["tokens"] for r in rows[base]],
            [r["train_cpu_seconds"] / r["tokens"] for r in rows[config]],
        )
    return {
        "model": "build_tiny_qwen35 defaults",
        "corpus_skills": skills,
        "corpus_rows": sum(1 for _ in open(corpus.path, encoding="utf-8")),
        "steps": steps,
        "repeats": repeats,
        "torch_threads": threads_used,
        "results": summary,
        "padding_free": padding_free_probe(model_dir),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=0, help="optimizer steps per run (0 = one full epoch)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (0 = torch's default)")
    parser.add_argument("--skills", default=SKILLS, help="comma list of skills for the corpus")
    parser.add_argument(
        "--with-grad-ckpt-off",
        action="store_true",
        help="also time the recipe without activation checkpointing",
    )
    parser.add_argument("--work-dir", default=None)
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    configs = CONFIGS + (("no_grad_ckpt",) if args.with_grad_ckpt_off else ())
    results = run(args.steps or None, args.repeats, args.threads or None, args.work_dir, configs, args.skills)
    return emit("sft", results, args.out)


if __name__ == "__main__":
    main()
