"""Shared helpers for the benchmark scripts: machine facts, repeated side-by-side timing, episodes, output.

Every benchmark reports a *ratio measured side by side in one process* (the machine may be shared), repeated
``--repeats`` times in alternating order; the spread of the repeats is the stated noise.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

BENCH_DIR = Path(__file__).resolve().parent
# The test kit (scripted models, fake server, synthetic packs) lives in tests/testkit, outside the package.
if str(BENCH_DIR.parent / "tests") not in sys.path:
    sys.path.insert(0, str(BENCH_DIR.parent / "tests"))


def machine() -> dict[str, Any]:
    """nproc, CPU model, memory, load, date and the versions that decide the figures."""
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions: dict[str, str] = {"python": platform.python_version()}
    from importlib.metadata import PackageNotFoundError, version

    for name in ("inspect-ai", "torch", "transformers", "trl", "peft", "datasets", "accelerate", "procskill"):
        try:
            versions[name] = version(name)  # from package metadata: no import of the (heavy) package
        except PackageNotFoundError:
            continue
    mem_gib = None
    try:
        mem_gib = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError):
        pass
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "mem_gib": mem_gib,
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "versions": versions,
    }


def set_threads(threads: int | None) -> int:
    """Pin torch's intra-op threads (1 is far more stable than 2 when other jobs share the cores)."""
    import torch

    if threads:
        torch.set_num_threads(threads)
    return torch.get_num_threads()


class Stopwatch:
    """``with Stopwatch() as sw: ...`` then ``sw.seconds``."""

    def __enter__(self) -> Self:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start


def side_by_side(
    arms: dict[str, Callable[[], Any]], repeats: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Run every arm ``repeats`` times, alternating the order each round.

    Returns:
        Wall seconds and CPU seconds of this process (all its threads) per run per arm. CPU time is
        the steadier measure of in-process work when other jobs share the cores (a waiting process
        accrues none); wall time is what a user waits.
    """
    names = list(arms)
    wall: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(repeats):
        for name in names if round_ % 2 == 0 else reversed(names):
            cpu_start = time.process_time()
            with Stopwatch() as sw:
                arms[name]()
            cpu[name].append(time.process_time() - cpu_start)
            wall[name].append(sw.seconds)
    return wall, cpu


def ratio_summary(numerator: Sequence[float], denominator: Sequence[float]) -> dict[str, float]:
    """Per-round ratios (round i of one arm over round i of the other): median, min, max."""
    ratios = [n / d for n, d in zip(numerator, denominator, strict=True)]
    return {
        "median": round(statistics.median(ratios), 3),
        "min": round(min(ratios), 3),
        "max": round(max(ratios), 3),
        "rounds": [round(r, 3) for r in ratios],
    }


def holdout_episodes(n: int, skills_dir: str | None = None) -> list[dict[str, Any]]:
    """The first ``n`` episodes of the procskill task, in dataset order, as the messages the model is sent.

    Built with the task's own ``record_to_sample`` and the solver's ``add_procedure_block``, so a raw
    loop sees the same prompts (benchmarks check this against the Inspect log).
    """
    from procskill.prompts import CONDITIONS, add_procedure_block
    from procskill.skills import BUILTIN_DIR, load_packs
    from procskill.tasks import record_to_sample

    packs = load_packs(Path(skills_dir) if skills_dir else BUILTIN_DIR)
    episodes: list[dict[str, Any]] = []
    for pack in packs:
        for record in pack.split("holdout"):
            for condition in CONDITIONS:
                sample = record_to_sample(record, pack, condition)
                messages = list(sample.input)
                if condition == "skill":
                    messages = add_procedure_block(messages, pack.block)
                episodes.append(
                    {"id": sample.id, "messages": [{"role": m.role, "content": m.text} for m in messages]}
                )
                if len(episodes) == n:
                    return episodes
    return episodes


def emit(name: str, results: dict[str, Any], out: str | None) -> dict[str, Any]:
    """Attach machine facts, print the JSON, and write it to ``out`` (or benchmarks/results/<name>.json)."""
    results = {"benchmark": name, "machine": machine(), **results}
    text = json.dumps(results, indent=2, default=str)
    target = Path(out) if out else BENCH_DIR / "results" / f"{name}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text + "\n", encoding="utf-8")
    print(text)
    print(f"-> {target}", file=sys.stderr)
    return results
