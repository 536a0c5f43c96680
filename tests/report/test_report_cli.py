"""`procskill report` on the command line, and how logs of one configuration combine."""

from __future__ import annotations

import json

import pytest
from report_helpers import responder_for, run, scripted
from typer.testing import CliRunner

from procskill.analysis import ReportInputError, build_report, read_logs
from procskill.cli import app
from testkit.packs import write_synthetic_packs


def test_cli_writes_the_report(judged_logs, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["report", str(judged_logs), "--out", str(out), "--size", "mockllm/tiny=1M",
                                      "--resamples", "300", "--no-figures"])
    assert result.exit_code == 0, result.output
    assert "lift tiny+SFT (r_a):" in result.output and "refused tiny vs tiny+SFT (r_c)" in result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["method"]["resamples"] == 300 and summary["figures"] == {}
    assert sorted(p.name for p in out.iterdir()) == ["report.md", "summary.json"]
    tiny = next(c for c in summary["configurations"] if c["label"] == "tiny")
    assert tiny["parameters"] == 1e6 and tiny["size_source"] == "override"


def test_cli_errors_are_clear(judged_logs, tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["report", str(judged_logs), "--out", str(tmp_path), "--size", "nobody=1B"])
    assert result.exit_code == 1 and "--size for unknown model(s) ['nobody']" in result.output
    result = runner.invoke(app, ["report", str(judged_logs), "--out", str(tmp_path), "--size", "1B"])
    assert result.exit_code != 0 and "expected MODEL=PARAMS" in result.output
    result = runner.invoke(app, ["report", str(tmp_path / "missing"), "--out", str(tmp_path)])
    assert result.exit_code == 1 and "no such log file or folder" in result.output
    result = runner.invoke(app, ["report", str(judged_logs), "--out", str(tmp_path), "--strict"])
    assert result.exit_code == 1 and "max_tokens differs" in result.output


def test_logs_of_one_configuration_combine_latest_wins(tmp_path):
    skills_dir = write_synthetic_packs(tmp_path / "packs", skills=2, tasks_per_skill=5)
    logs = tmp_path / "logs"
    run([scripted("dup", responder_for("first", 0, 0, 10))], logs, skills_dir)
    run([scripted("dup", responder_for("second", 10, 5, 10))], logs, skills_dir, condition="skill")
    tables = read_logs(logs)
    [config] = tables.configurations
    assert len(config.logs) == 2
    # the rerun replaced the skill episodes only; the base episodes are still the first run's
    report = build_report([logs], None)
    assert report.delta("dup").pass_base.estimate == 0 and report.delta("dup").pass_skill.estimate == 0.5
    with pytest.raises(ReportInputError, match="not a procskill log"):
        from report_helpers import other_task

        other_task(tmp_path / "other")
        read_logs([*(tmp_path / "other").glob("*.eval")])
