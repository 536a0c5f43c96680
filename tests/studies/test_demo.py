"""`procskill demo --quick`: every step of the offline pipeline, then a rerun that resumes."""

from __future__ import annotations

import json

import pytest
from inspect_ai.log import list_eval_logs, read_eval_log

from procskill.studies import run_demo

pytestmark = pytest.mark.slow


def test_quick_demo_runs_every_step_and_resumes(tmp_path):
    lines: list[str] = []
    summary = run_demo(tmp_path, quick=True, display="none", echo=lines.append)

    configs = {c["label"]: c for c in summary["configurations"]}
    assert set(configs) == {"tiny-qwen35", "tiny-qwen35+SFT (demo_tiny_lora)"}
    post = configs["tiny-qwen35+SFT (demo_tiny_lora)"]
    assert post["sft"] and post["recipe"] == "demo_tiny_lora" and post["checkpoint"]["steps"] == 4
    assert summary["lifts"] and summary["lifts"][0]["pre"] == "tiny-qwen35"
    for name in ("report.md", "summary.json", "trajectory.png"):
        assert (tmp_path / "report" / name).is_file()
    card = json.loads((tmp_path / "corpus" / "corpus_card.json").read_text())
    assert card["teacher"] == "procedural-answers" and card["rows"] == 48
    logs = [read_eval_log(info, header_only=True) for info in list_eval_logs(str(tmp_path / "logs"))]
    assert len(logs) == 2 and all(log.status == "success" for log in logs)
    assert f"inspect view --log-dir {tmp_path / 'logs'}" in "\n".join(lines)

    rerun: list[str] = []
    run_demo(tmp_path, quick=True, display="none", echo=rerun.append)
    statuses = [line.split()[1] for line in rerun if line.startswith("[")]
    assert statuses == ["done"] * 6
    assert len(list_eval_logs(str(tmp_path / "logs"))) == 2
