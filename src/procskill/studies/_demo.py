"""The offline demo: the ``demo`` study on a tiny Qwen3.5, then a short summary."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

from procskill._local import require_local
from procskill.studies._runner import LOGS, REPORT, run_study
from procskill.studies._spec import load_study

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
"""The demo's documented holdout subset (see ``studies/demo.yaml``)."""

QUICK_SKILLS = DEMO_SKILLS[:2]
QUICK_MAX_TOKENS = 24
QUICK_TRAIN_STEPS = 4


def catalog_text() -> str:
    """Everything the catalog shows a model: fits the demo tokenizer to the task text."""
    from procskill.prompts import ANSWER_INSTRUCTION, SYSTEM_PROMPT
    from procskill.skills import BUILTIN_DIR, load_packs

    packs = load_packs(BUILTIN_DIR)
    parts = [SYSTEM_PROMPT, ANSWER_INSTRUCTION] + [p.block for p in packs]
    parts += [f"{t.prompt}\n{t.solution}" for p in packs for t in p.tasks]
    return "\n".join(parts)


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
        study = dataclasses.replace(
            study,
            task={**study.task, "skills": QUICK_SKILLS},
            generate={**study.generate, "max_tokens": QUICK_MAX_TOKENS},
            sft=[dataclasses.replace(s, max_steps=QUICK_TRAIN_STEPS) for s in study.sft],
        )
    run_study(study, display=display, echo=echo)
    report_dir = study.out / REPORT
    summary = json.loads((report_dir / "summary.json").read_text(encoding="utf-8"))
    echo("")
    echo("ANSWER-line compliance (base / skill condition), pass rate on the extract path:")
    for row in _compliance_table(summary):
        echo(row)
    echo(f"Logs:   {study.out / LOGS}")
    echo(f"Report: {report_dir / 'report.md'} (figures beside it, numbers in summary.json)")
    echo(f"Open the logs in the viewer:  inspect view --log-dir {study.out / LOGS}")
    return summary


def _compliance_table(summary: dict) -> list[str]:
    by_config: dict[str, dict[str, dict]] = {}
    for row in summary["compliance"]:
        by_config.setdefault(row["config"], {})[row["condition"]] = row
    lines = []
    for config, conditions in by_config.items():
        cells = [
            f"{cond} {conditions[cond]['compliance']:.0%} (pass {conditions[cond]['pass']['extract']['pass']:.0%})"
            for cond in ("base", "skill")
            if cond in conditions
        ]
        lines.append(f"  {config:40} " + "  ".join(cells))
    return lines


__all__ = ["DEMO_SKILLS", "catalog_text", "run_demo"]
