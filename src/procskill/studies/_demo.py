"""The offline demo: the shipped ``demo`` study (``demo.yaml``) on a tiny Qwen3.5, then a short summary.

Everything the demo does is in ``demo.yaml`` (its skill list included); this wrapper only shrinks it for
``--quick`` and prints where the results are.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from pathlib import Path

from procskill._local import require_local
from procskill.studies._runner import LOGS, REPORT, run_study
from procskill.studies._spec import Study, load_study

QUICK_SKILL_COUNT = 2
QUICK_MAX_TOKENS = 24
QUICK_TRAIN_STEPS = 4


def quick_variant(study: Study) -> Study:
    """A smoke run of every step: the study's first two skills, a few tokens and training steps."""
    skills = study.task["skills"]
    skills = skills.split(",") if isinstance(skills, str) else list(skills)
    return study.model_copy(
        update={
            "task": {**study.task, "skills": skills[:QUICK_SKILL_COUNT]},
            "generate": {**study.generate, "max_tokens": QUICK_MAX_TOKENS},
            "sft": [s.model_copy(update={"max_steps": QUICK_TRAIN_STEPS}) for s in study.sft],
        }
    )


def run_demo(
    out: str | Path = "procskill-out/demo",
    quick: bool = False,
    display: str | None = "plain",
    echo: Callable[[str], None] = print,
) -> dict:
    """Run the ``demo`` study offline and print where its logs and report are.

    Args:
        out: Output folder (rerunning resumes: finished steps are skipped).
        quick: Two skills, a few tokens and training steps: a smoke run of every step.
        display: Inspect's progress display.
        echo: Where progress lines go.

    Returns:
        The report's ``summary.json`` contents.
    """
    require_local("procskill demo")  # fail before the first step, not at the training step
    study = load_study("demo", out=out)
    if quick:
        study = quick_variant(study)
    # Inspect's live metrics would show a partial value: the tiny model's 80 episodes finish in one batch
    run_study(study, display=display, echo=echo, score_display=False)
    report_dir = study.out / REPORT
    summary = json.loads((report_dir / "summary.json").read_text(encoding="utf-8"))
    echo("")
    echo("ANSWER-line compliance (base / skill condition), pass rate on the extract path:")
    for row in _compliance_table(summary):
        echo(row)
    logs = shlex.quote(str(study.out / LOGS))
    echo(f"Logs:   {study.out / LOGS}")
    echo(f"Report: {report_dir / 'report.md'} (figures beside it, numbers in summary.json)")
    echo(f"Open the logs in the viewer:  inspect view --log-dir {logs}")
    return summary


def _compliance_table(summary: dict) -> list[str]:
    by_config: dict[str, dict[str, dict]] = {}
    for row in summary["compliance"]:
        by_config.setdefault(row["config"], {})[row["condition"]] = row
    lines = []
    for config, conditions in by_config.items():
        cells = [
            f"{cond} {conditions[cond]['compliance']:.0%} "
            f"(pass {conditions[cond]['pass']['extract']['pass']:.0%})"
            for cond in ("base", "skill")
            if cond in conditions
        ]
        lines.append(f"  {config:40} " + "  ".join(cells))
    return lines


__all__ = ["quick_variant", "run_demo"]
