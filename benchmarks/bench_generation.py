"""Generation path: the procskill task on a local HF model vs a raw batched ``model.generate`` loop.

Both arms run in one process on the *same* weights (the hf provider's model object is reused by the raw
loop), over the same first N holdout episodes, with the same chat template (``enable_thinking=False``), the
same ``max_new_tokens``, greedy decoding and the same batch size. The Inspect arm runs twice: with Inspect's
defaults and with ``max_connections`` equal to the batch size. Rounds alternate order.

The gap is decomposed from timestamps taken inside Inspect's hf provider (module functions wrapped at run
time, nothing edited): time the batch thread spends generating (tokenise + generate + decode), waiting for a
batch to fill (the 2 s idle flush when fewer than ``batch_size`` requests are in flight), and the delay until
a finished sample notices its result (the provider polls its future with a 1 s sleep); the rest is the
harness (task setup, chat templating, scoring, logging).

Two ratios are reported: the per-round ratio of wall times (noisy when other jobs share the cores: the same
generation work took 25-99 s in one run here), and ``ratio_to_raw_from_overhead`` = raw / (raw + Inspect's
non-generating seconds), which holds because both arms do identical generation work (checked: same
prompts, same completions, same batch composition with ``max_connections`` = batch size).

Usage::

    python benchmarks/bench_generation.py --shape tiny  --episodes 40 --batch-size 8 --max-tokens 32
    python benchmarks/bench_generation.py --shape large --episodes 16 --batch-size 8 --max-tokens 32
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import Stopwatch, emit, holdout_episodes, ratio_summary, set_threads

SHAPES: dict[str, dict[str, int]] = {
    "tiny": {},  # build_tiny_qwen35 defaults: hidden 64, 4 layers, ~0.3M parameters
    "large": {"hidden_size": 512, "num_hidden_layers": 8},  # ~22M parameters: a raw loop of minutes on CPU
}


class ProviderProbe:
    """Timestamps from inside Inspect's hf provider (``inspect_ai.model._providers.hf``)."""

    def __init__(self) -> None:
        from inspect_ai.model._providers import hf

        self.hf = hf
        self.enqueued: dict[int, float] = {}
        self.returned: dict[int, float] = {}
        self.batches: list[dict[str, Any]] = []
        self.template_seconds: list[float] = []
        self._originals = (hf.batched_generate, hf._generate_batch, hf.HuggingFaceAPI.hf_chat)
        self.inner_batched_generate = hf.batched_generate
        """What the timed wrapper calls: the provider's own, or :func:`event_batched_generate`."""

    def install(self) -> ProviderProbe:
        hf = self.hf
        _, generate_batch, hf_chat = self._originals
        probe = self

        async def timed_batched_generate(input):
            probe.enqueued[id(input)] = time.perf_counter()
            try:
                return await probe.inner_batched_generate(input)
            finally:
                probe.returned[id(input)] = time.perf_counter()

        def timed_generate_batch(batch):
            first = batch[0].input
            parts: dict[str, float] = {"tokenize": 0.0, "generate": 0.0, "decode": 0.0}

            def timed(fn, part):
                def call(*args, **kwargs):
                    start = time.perf_counter()
                    try:
                        return fn(*args, **kwargs)
                    finally:
                        parts[part] += time.perf_counter() - start

                return call

            first.tokenizer = timed(first.tokenizer, "tokenize")
            first.generator = timed(first.generator, "generate")
            first.decoder = timed(first.decoder, "decode")
            start = time.perf_counter()
            generate_batch(batch)
            probe.batches.append(
                {"start": start, "end": time.perf_counter(), "items": [id(i.input) for i in batch], **parts}
            )

        def timed_hf_chat(self, messages, tools):
            start = time.perf_counter()
            try:
                return hf_chat(self, messages, tools)
            finally:
                probe.template_seconds.append(time.perf_counter() - start)

        hf.batched_generate = timed_batched_generate
        hf._generate_batch = timed_generate_batch
        hf.HuggingFaceAPI.hf_chat = timed_hf_chat
        return self

    def uninstall(self) -> None:
        hf = self.hf
        hf.batched_generate, hf._generate_batch, hf.HuggingFaceAPI.hf_chat = self._originals

    def reset(self) -> None:
        self.enqueued.clear()
        self.returned.clear()
        self.batches.clear()
        self.template_seconds.clear()

    def breakdown(self, wall: float, start: float | None = None) -> dict[str, Any]:
        """Where one eval's wall time went (seconds); ``start`` is the eval's ``perf_counter`` start."""
        busy = sum(b["end"] - b["start"] for b in self.batches)
        flush = sum(max(0.0, b["start"] - max(self.enqueued[i] for i in b["items"])) for b in self.batches)
        poll = sum(max(0.0, max(self.returned[i] for i in b["items"]) - b["end"]) for b in self.batches)
        parts = {
            "wall": wall,
            "batch_thread_busy": busy,
            "of_which_tokenize": sum(b["tokenize"] for b in self.batches),
            "of_which_generate": sum(b["generate"] for b in self.batches),
            "of_which_decode": sum(b["decode"] for b in self.batches),
            "flush_wait": flush,
            "poll_wait": poll,
            "chat_template": sum(self.template_seconds),
        }
        parts["harness_other"] = wall - busy - flush - poll
        if start is not None and self.enqueued:
            # Of which: before the first request reaches the provider (eval + task setup, dataset, log
            # start) and after the last result is back (scoring, metrics, writing the log).
            parts["of_which_startup"] = min(self.enqueued.values()) - start
            parts["of_which_finish"] = start + wall - max(self.returned.values())
        out: dict[str, Any] = {k: round(v, 3) for k, v in parts.items()}
        out["batch_sizes"] = [len(b["items"]) for b in self.batches]
        return out


async def event_batched_generate(input):
    """The hf provider's ``batched_generate`` without its polling: awaits the batch thread's future.

    Inspect 0.3.285 checks the future, then sleeps 1 s (``anyio.sleep(1)``) until it is done, so every
    finished batch waits up to a second before its samples move on. This is the proposed upstream change
    (a patch of Inspect's private module, used only by the ``inspect_event_wait`` arm of this benchmark).
    """
    import asyncio
    import concurrent.futures
    from threading import Thread

    from inspect_ai.model._providers import hf

    if hf.batch_thread is None:
        hf.batch_thread = Thread(target=hf.process_batches, daemon=True)
        hf.batch_thread.start()
    future: concurrent.futures.Future = concurrent.futures.Future()
    hf.batch_queue.put(hf._QueueItem(input=input, future=future, key=hf._batch_key(input)))
    return await asyncio.wrap_future(future)


def build_model(shape: str, work_dir: Path) -> Path:
    from procskill.testing.tiny_model import build_tiny_qwen35

    return build_tiny_qwen35(work_dir / f"qwen35-{shape}", **SHAPES[shape])


def raw_loop(model: Any, tokenizer: Any, episodes: list[dict[str, Any]], batch_size: int, max_tokens: int):
    """Template, tokenise, ``generate`` and decode in batches; returns (completions, timing parts)."""
    import torch

    parts = {"chat_template": 0.0, "tokenize": 0.0, "generate": 0.0, "decode": 0.0}
    completions: list[str] = []
    for start in range(0, len(episodes), batch_size):
        batch = episodes[start : start + batch_size]
        with Stopwatch() as sw:
            texts = [
                tokenizer.apply_chat_template(
                    e["messages"], add_generation_prompt=True, tokenize=False, enable_thinking=False
                )
                for e in batch
            ]
        parts["chat_template"] += sw.seconds
        with Stopwatch() as sw:
            encoded = tokenizer(texts, return_tensors="pt", padding=True)
        parts["tokenize"] += sw.seconds
        with Stopwatch() as sw, torch.inference_mode():
            sequences = model.generate(
                input_ids=encoded["input_ids"],
                attention_mask=encoded["attention_mask"],
                do_sample=False,
                max_new_tokens=max_tokens,
            )
        parts["generate"] += sw.seconds
        with Stopwatch() as sw:
            completions += tokenizer.batch_decode(
                sequences[:, encoded["input_ids"].shape[1] :],
                skip_special_tokens=True,
                clean_up_tokenization_spaces=False,
            )
        parts["decode"] += sw.seconds
    return completions, {k: round(v, 3) for k, v in parts.items()}


def run(
    shape: str = "tiny",
    episodes: int = 40,
    batch_size: int = 8,
    max_tokens: int = 32,
    repeats: int = 3,
    threads: int | None = 1,
    work_dir: str | Path | None = None,
    configs: tuple[str, ...] = ("inspect_default", "inspect_max_connections"),
    warmup: bool = True,
) -> dict[str, Any]:
    """Run the comparison; returns the results dict (see module docstring)."""
    from inspect_ai import eval as inspect_eval
    from inspect_ai.log import read_eval_log
    from inspect_ai.model import get_model
    from transformers import AutoTokenizer

    threads_used = set_threads(threads)
    work = Path(work_dir) if work_dir else Path(tempfile.gettempdir()) / "procskill-bench"
    model_dir = build_model(shape, work)
    items = holdout_episodes(episodes)
    if len(items) < episodes:
        raise ValueError(f"only {len(items)} holdout episodes available, asked for {episodes}")

    with Stopwatch() as load:
        model = get_model(
            "hf/local", model_path=str(model_dir), do_sample=False, enable_thinking=False, memoize=False
        )
    weights = model.api.model
    parameters = sum(p.numel() for p in weights.parameters())
    # An independent tokenizer set up exactly as the provider sets up its own (pad = eos, left padding).
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "left"

    eval_args: dict[str, dict[str, Any]] = {
        "inspect_default": {},
        "inspect_max_connections": {"max_connections": batch_size},
        "inspect_event_wait": {"max_connections": batch_size},
    }
    probe = ProviderProbe().install()
    breakdowns: dict[str, list[dict[str, Any]]] = {c: [] for c in configs}
    logs: dict[str, str] = {}
    raw_parts: list[dict[str, float]] = []
    raw_completions: list[str] = []

    def raw_arm() -> None:
        nonlocal raw_completions
        raw_completions, parts = raw_loop(weights, tokenizer, items, batch_size, max_tokens)
        raw_parts.append(parts)

    def inspect_arm(config: str):
        def arm() -> None:
            probe.reset()
            probe.inner_batched_generate = (
                event_batched_generate if config == "inspect_event_wait" else probe._originals[0]
            )
            log_dir = work / "logs" / shape / config
            started = time.perf_counter()
            with Stopwatch() as sw:
                [log] = inspect_eval(
                    "procskill/procskill",
                    model=model,
                    limit=episodes,
                    max_tokens=max_tokens,
                    log_dir=str(log_dir),
                    display="none",
                    **eval_args[config],
                )
            if log.status != "success":
                raise RuntimeError(f"{config}: eval failed: {log.error}")
            breakdowns[config].append(probe.breakdown(sw.seconds, started))
            logs[config] = log.location

        return arm

    if warmup:  # not timed: first-eval imports and registry lookups, first-call kernel setup
        raw_loop(weights, tokenizer, items[:1], 1, 1)
        inspect_eval(
            "procskill/procskill",
            model=model,
            limit=1,
            max_tokens=1,
            max_connections=1,
            log_dir=str(work / "logs" / shape / "warmup"),
            display="none",
        )

    arms = {"raw": raw_arm, **{c: inspect_arm(c) for c in configs}}
    seconds: dict[str, list[float]] = {name: [] for name in arms}
    try:
        for round_ in range(repeats):
            order = list(arms) if round_ % 2 == 0 else list(reversed(arms))
            for name in order:
                with Stopwatch() as sw:
                    arms[name]()
                seconds[name].append(sw.seconds)
    finally:
        probe.uninstall()

    # Same prompts, same work: compare the last Inspect log with the raw loop's prompts and completions.
    raw_by_id = {e["id"]: (e, c) for e, c in zip(items, raw_completions, strict=True)}
    checks: dict[str, Any] = {}
    for config, location in logs.items():
        log = read_eval_log(location)
        same_prompt = same_output = 0
        for sample in log.samples:
            episode, completion = raw_by_id[sample.id]
            sent = [{"role": m.role, "content": m.text} for m in sample.messages[:-1]]
            same_prompt += sent == episode["messages"]
            same_output += sample.output.completion == completion
        checks[config] = {
            "samples": len(log.samples),
            "same_prompt": same_prompt,
            "same_completion": same_output,
        }

    raw_eps = [episodes / s for s in seconds["raw"]]
    summary: dict[str, Any] = {
        "raw": {
            "seconds": [round(s, 2) for s in seconds["raw"]],
            "episodes_per_s": round(statistics.median(raw_eps), 3),
            "parts_last_round": raw_parts[-1],
        }
    }
    raw_median = statistics.median(seconds["raw"])
    for config in configs:
        # Robust to a noisy machine: the generation work is the same in both arms (same batches, same
        # completions: see "check"), so the ratio follows from Inspect's non-generating time alone.
        overhead = statistics.median(b["wall"] - b["batch_thread_busy"] for b in breakdowns[config])
        summary[config] = {
            "eval_args": eval_args[config],
            "seconds": [round(s, 2) for s in seconds[config]],
            "episodes_per_s": round(statistics.median(episodes / s for s in seconds[config]), 3),
            "ratio_to_raw": ratio_summary(seconds["raw"], seconds[config]),
            "overhead_seconds": round(overhead, 2),
            "ratio_to_raw_from_overhead": round(raw_median / (raw_median + overhead), 3),
            "breakdown_median": _median_breakdown(breakdowns[config]),
            "batch_sizes": breakdowns[config][-1]["batch_sizes"],
            "check": checks[config],
        }
    return {
        "shape": shape,
        "parameters": parameters,
        "model_load_seconds": round(load.seconds, 2),
        "episodes": episodes,
        "batch_size": batch_size,
        "max_tokens": max_tokens,
        "repeats": repeats,
        "torch_threads": threads_used,
        "results": summary,
    }


def _median_breakdown(rows: list[dict[str, Any]]) -> dict[str, float]:
    keys = [k for k in rows[0] if k != "batch_sizes"]
    return {k: round(statistics.median(r[k] for r in rows), 3) for k in keys}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shape", choices=sorted(SHAPES), default="tiny")
    parser.add_argument("--episodes", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (0 = torch's default)")
    parser.add_argument(
        "--event-wait",
        action="store_true",
        help="also time the proposed Inspect change "
        "(await the batch future instead of polling it every second)",
    )
    parser.add_argument("--work-dir", default=None)
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    configs = ("inspect_default", "inspect_max_connections") + (
        ("inspect_event_wait",) if args.event_wait else ()
    )
    results = run(
        shape=args.shape,
        episodes=args.episodes,
        batch_size=args.batch_size,
        max_tokens=args.max_tokens,
        repeats=args.repeats,
        threads=args.threads or None,
        work_dir=args.work_dir,
        configs=configs,
    )
    return emit(f"generation_{args.shape}", results, args.out)


if __name__ == "__main__":
    main()
