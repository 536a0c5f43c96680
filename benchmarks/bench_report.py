"""Report: time to read 2800 episodes (7 logs x 400) and write the whole report.

The seven logs are real procskill logs of the built-in holdout (200 tasks x 2 conditions), made once with
scripted ``mockllm`` models and kept in ``--work-dir`` for later runs: three base models of three sizes,
their three SFT checkpoints (marked the supported way, a ``model_path`` holding
``procskill_checkpoint.json``, so the report pairs them and computes lifts) and one frontier reference.
Pass/fail is decided per (model, task, condition) by a seeded draw, and failures take the four usual
forms (wrong answer, no ANSWER line, truncation, a stray ANSWER line), so every table has content.

Timed, ``--repeats`` times: ``read_logs`` alone, and ``build_report`` (read + statistics + report.md +
summary.json + PNG figures), plus ``build_report(figures=False)``. One extra profiled run lists the
functions where the time goes.

Usage::

    python benchmarks/bench_report.py --repeats 3
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import sys
import tempfile
import zlib
from pathlib import Path
from typing import Any

from _common import Stopwatch, emit

# (model name, P(pass | base), P(pass | skill), base model of an SFT checkpoint or None)
MODELS = [
    ("qwen3.5-0.8b", 0.40, 0.33, None),
    ("qwen3.5-2b", 0.50, 0.56, None),
    ("qwen3.5-4b", 0.65, 0.64, None),
    ("qwen3.5-0.8b-sft", 0.55, 0.55, "qwen3.5-0.8b"),
    ("qwen3.5-2b-sft", 0.60, 0.70, "qwen3.5-2b"),
    ("qwen3.5-4b-sft", 0.70, 0.77, "qwen3.5-4b"),
    ("frontier", 0.80, 0.83, None),
]
SIZES = {"mockllm/qwen3.5-0.8b": "0.8B", "mockllm/qwen3.5-2b": "2B", "mockllm/qwen3.5-4b": "4B"}
BLOCK_MARKER = "Follow this procedure"


def _responder(name: str, p_base: float, p_skill: float, targets: dict[str, str]):
    from testkit.scripted import scripted_output

    def respond(messages):
        user = messages[-1].text
        condition = "skill" if BLOCK_MARKER in user else "base"
        key = next(k for k in targets if user.endswith(k))
        target = targets[key]
        draw = zlib.crc32(f"{name}|{key}|{condition}".encode()) / 2**32  # deterministic, unsalted
        steps = (
            "Step 1: read the task.\nStep 2: apply the procedure.\nStep 5: check.\n"
            if condition == "skill"
            else ""
        )
        if draw < (p_skill if condition == "skill" else p_base):
            return f"{steps}ANSWER: {target}"
        mode = int(draw * 1000) % 4
        if mode == 0:
            return f"{steps}ANSWER: {target}x"
        if mode == 1:
            return f"{steps}Final answer: {target}"
        if mode == 2:
            return scripted_output(f"{steps}I am still working on", stop_reason="max_tokens")
        return f"{steps}The answer might be 7.\nANSWER: 7"

    return respond


def make_logs(log_dir: Path, skills_dir: str | Path | None = None, epochs: int = 1) -> list[Path]:
    """Seven logs of the built-in holdout, or of ``skills_dir``'s (reused when already there), ``epochs`` each."""
    existing = sorted(log_dir.glob("*.eval"))
    if len(existing) == len(MODELS):
        return existing
    from inspect_ai import eval as inspect_eval
    from inspect_ai.model import GenerateConfig, get_model

    from procskill.checkpoint_meta import CHECKPOINT_METADATA
    from procskill.prompts import user_prompt
    from procskill.skills import BUILTIN_DIR, load_packs
    from testkit.scripted import scripted_output

    packs = load_packs(Path(skills_dir) if skills_dir else BUILTIN_DIR)
    targets = {user_prompt(r.prompt): r.target for p in packs for r in p.split("holdout")}
    models = []
    for name, p_base, p_skill, base_model in MODELS:
        args: dict[str, Any] = {}
        if base_model:
            ckpt = log_dir.parent / "checkpoints" / name
            ckpt.mkdir(parents=True, exist_ok=True)
            (ckpt / CHECKPOINT_METADATA).write_text(
                json.dumps(
                    {
                        "base_model": base_model,
                        "base_model_resolved": base_model,
                        "recipe": "lora_r16_lr2e-4",
                        "seed": 0,
                        "steps": 100,
                        "corpus_sha256": "0" * 64,
                        "parameters": None,
                        "enable_thinking": False,
                    }
                )
            )
            args["model_path"] = str(ckpt)
        respond = _responder(name, p_base, p_skill, targets)

        def outputs(messages, *_, respond=respond, name=name):
            result = respond(messages)
            return result if not isinstance(result, str) else scripted_output(result, model=f"mockllm/{name}")

        models.append(
            get_model(
                f"mockllm/{name}", custom_outputs=outputs, config=GenerateConfig(), memoize=False, **args
            )
        )
    for old in existing:
        old.unlink()
    task_args = {"skills_dir": str(skills_dir)} if skills_dir else {}
    logs = inspect_eval(
        "procskill/procskill",
        model=models,
        task_args=task_args,
        log_dir=str(log_dir),
        display="none",
        log_realtime=False,
        max_samples=400,
        max_connections=400,
        max_tasks=len(models),
        epochs=epochs,
    )
    failed = [log.error for log in logs if log.status != "success"]
    if failed:
        raise RuntimeError(f"making the report's logs failed: {failed}")
    return sorted(log_dir.glob("*.eval"))


def _profile_top(fn, limit: int = 15) -> list[dict[str, Any]]:
    profile = cProfile.Profile()
    profile.enable()
    fn()
    profile.disable()
    rows = []
    for (file, line, func), (_, calls, tottime, cumtime, _) in pstats.Stats(profile).stats.items():
        rows.append(
            {
                "function": f"{file.split('site-packages/')[-1].split('/src/')[-1]}:{line}({func})",
                "calls": calls,
                "tottime": round(tottime, 3),
                "cumtime": round(cumtime, 3),
            }
        )
    rows.sort(key=lambda r: r["tottime"], reverse=True)
    return rows[:limit]


def run(
    repeats: int = 3,
    work_dir: str | Path | None = None,
    profile: bool = True,
    skills_dir: str | Path | None = None,
    without_figures: bool = True,
) -> dict[str, Any]:
    from procskill.analysis import build_report, read_logs

    work = Path(work_dir) if work_dir else Path(tempfile.gettempdir()) / "procskill-bench" / "report"
    with Stopwatch() as making:
        files = make_logs(work / "logs", skills_dir)
    episodes = 0
    times: dict[str, list[float]] = {"read_logs": [], "build_report": [], "build_report_no_figures": []}
    for _ in range(repeats):
        with Stopwatch() as sw:
            tables = read_logs(work / "logs", SIZES)
        times["read_logs"].append(sw.seconds)
        episodes = len(tables.episodes)
        with Stopwatch() as sw:
            report = build_report(work / "logs", work / "out", size_overrides=SIZES)
        times["build_report"].append(sw.seconds)
        if without_figures:
            with Stopwatch() as sw:
                build_report(work / "logs", work / "out-nofig", size_overrides=SIZES, figures=False)
            times["build_report_no_figures"].append(sw.seconds)
    out: dict[str, Any] = {
        "logs": len(files),
        "log_mib": round(sum(f.stat().st_size for f in files) / 2**20, 2),
        "configurations": len(report.configurations),
        "lifts": len(report.lifts),
        "files_written": sorted(p.name for p in (work / "out").iterdir()),
        "making_logs_seconds": round(making.seconds, 1),
        "seconds": {k: [round(x, 2) for x in v] for k, v in times.items() if v},
        "median_seconds": {k: round(statistics.median(v), 2) for k, v in times.items() if v},
    }
    if episodes:
        out["episodes"] = episodes
    if profile:
        out["profile_build_report_top_tottime"] = _profile_top(
            lambda: build_report(work / "logs", work / "out-prof", size_overrides=SIZES)
        )
    return out


def versus_samples_df(log_dir: Path, out_dir: Path, rounds: int = 3) -> dict[str, Any]:
    """Whole-process wall and CPU seconds: ``procskill report`` (numbers + figures) vs Inspect's ``samples_df``.

    Both read the same logs in fresh processes (imports included), alternating, ``rounds`` times each.
    CPU = user + system seconds of the child process (steadier than wall on a shared machine).
    """
    import os
    import resource
    import subprocess

    sizes = [arg for model, size in SIZES.items() for arg in ("--size", f"{model}={size}")]
    procskill = str(Path(sys.executable).parent / "procskill")
    arms = {
        "procskill_report": [procskill, "report", str(log_dir), "--out", str(out_dir), *sizes],
        "samples_df": [
            sys.executable,
            "-c",
            f"from inspect_ai.analysis import samples_df; print(len(samples_df({str(log_dir)!r})))",
        ],
    }
    times: dict[str, dict[str, list[float]]] = {k: {"wall": [], "cpu": []} for k in arms}
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    for _ in range(rounds):
        for name, cmd in arms.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            with Stopwatch() as sw:
                subprocess.run(cmd, check=True, capture_output=True, env=env)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            times[name]["wall"].append(round(sw.seconds, 2))
            times[name]["cpu"].append(
                round(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, 2)
            )
    med = {k: {m: statistics.median(v) for m, v in t.items()} for k, t in times.items()}
    return {
        "rounds": times,
        "median": med,
        "ratio_wall": round(med["procskill_report"]["wall"] / med["samples_df"]["wall"], 2),
        "ratio_cpu": round(med["procskill_report"]["cpu"] / med["samples_df"]["cpu"], 2),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--work-dir", default=None)
    parser.add_argument("--out", default=None)
    parser.add_argument(
        "--vs-samples-df",
        action="store_true",
        help="Time whole processes: procskill report vs Inspect's samples_df on the same logs.",
    )
    parser.add_argument("--epochs", type=int, default=1, help="Epochs per log (10 gives 28,000 episodes).")
    args = parser.parse_args(argv)
    if args.vs_samples_df:
        work = (
            Path(args.work_dir)
            if args.work_dir
            else Path(tempfile.gettempdir()) / "procskill-bench" / "report"
        )
        files = make_logs(work / "logs", epochs=args.epochs)
        result = {
            "episodes_per_log": 400 * args.epochs,
            "logs": len(files),
            **versus_samples_df(work / "logs", work / "out", args.repeats),
        }
        return emit(f"report_vs_samples_df_epochs{args.epochs}", result, args.out)
    return emit("report", run(args.repeats, args.work_dir, not args.no_profile), args.out)


if __name__ == "__main__":
    main()
