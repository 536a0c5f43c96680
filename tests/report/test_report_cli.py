"""`procskill report` on the command line, and how logs of one configuration combine."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from report_helpers import responder_for, run, scripted
from typer.testing import CliRunner

from procskill.analysis import ReportInputError, build_report, read_logs
from procskill.cli import app
from testkit.packs import write_synthetic_packs


def test_cli_writes_the_report(judged_logs, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "report",
            str(judged_logs),
            "--out",
            str(out),
            "--size",
            "mockllm/tiny=1M",
            "--resamples",
            "300",
            "--no-figures",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "lift tiny+SFT (r_a):" in result.output
    assert "REFUSED lift of tiny+SFT (r_c) over tiny: max_tokens differs" in result.output
    assert "judge tokens mockllm/judge-b (llm): 2,000 input, 1,740 output over 200 calls" in result.output
    # named at the top of report.md, before any table
    assert "comparison(s) refused" in (out / "report.md").read_text().split("## Configurations")[0]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["method"]["resamples"] == 300 and summary["figures"] == {}
    assert sorted(p.name for p in out.iterdir()) == ["report.md", "summary.json"]
    tiny = next(c for c in summary["configurations"] if c["label"] == "tiny")
    assert tiny["parameters"] == 1e6 and tiny["size_source"] == "override"


def test_cli_errors_are_clear(judged_logs, tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["report", str(judged_logs), "--out", str(tmp_path), "--size", "nobody=1B"])
    assert result.exit_code == 2 and "--size for unknown model(s) ['nobody']" in result.output
    result = runner.invoke(app, ["report", str(judged_logs), "--out", str(tmp_path), "--size", "1B"])
    assert result.exit_code != 0 and "expected MODEL=PARAMS" in result.output
    result = runner.invoke(app, ["report", str(tmp_path / "missing"), "--out", str(tmp_path)])
    assert result.exit_code == 2 and "no such log file or folder" in result.output
    result = runner.invoke(app, ["report", str(judged_logs), "--out", str(tmp_path), "--strict"])
    assert result.exit_code == 2 and "max_tokens differs" in result.output


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


def test_cli_plan_from_pilot_logs(judged_logs):
    result = CliRunner().invoke(app, ["plan", str(judged_logs), "--delta", "0.05", "--lift", "0.1"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith(("delta", "lift"))]
    assert any(line.startswith("delta tiny (extract): now") for line in lines)
    assert any(line.startswith("lift  tiny+SFT (r_a)") for line in lines)
    assert "run the pilot with --epochs 2 or more" in result.output  # one-epoch pilot: tasks only
    bad = CliRunner().invoke(app, ["plan", str(judged_logs)])
    assert bad.exit_code == 2 and "give --delta and/or --lift" in bad.output


def test_plan_epochs_by_hand():
    from procskill import stats
    from procskill.analysis.plan import _plan

    rng = np.random.default_rng(0)
    strata = [f"s{i // 5}" for i in range(200)]
    values = rng.normal(0.02, 0.3, 200)
    out = _plan(values, strata, within=0.08, k0=1, target=0.05)
    se, g = stats.clustered_se(values, strata)
    mde0 = stats.mde(se, g - 1)
    between = np.var(values, ddof=1) - 0.08
    for k, m in out["mde_at_epochs"].items():
        assert m == pytest.approx(mde0 * np.sqrt((between + 0.08 / k) / (between + 0.08)))
    assert out["tasks_needed_at_these_epochs"] == int(np.ceil(200 * (mde0 / 0.05) ** 2))


def test_a_pilot_without_variation_plans_nothing():
    """Every task gave the same difference (the demo's tiny model): no MDE, no "0 tasks needed"."""
    from procskill.analysis.plan import _plan

    out = _plan(np.zeros(40), [f"s{i // 5}" for i in range(40)], within=float("nan"), k0=1, target=0.1)
    assert out["mde_now"] != out["mde_now"] and "tasks_needed_at_these_epochs" not in out
    assert "no variation to plan from" in out["note"]


def test_copies_corrupt_and_unfinished_logs_are_skipped_and_named(judged_logs, tmp_path):
    """Each evaluation counts once; a corrupt or unfinished log is skipped with a note, the rest reported."""
    import shutil

    from inspect_ai.log import read_eval_log, write_eval_log

    folder = tmp_path / "logs"
    shutil.copytree(judged_logs, folder)
    first = sorted(folder.glob("**/*.eval"))[0]
    (folder / "copy").mkdir()
    shutil.copy(first, folder / "copy" / first.name)
    (folder / "broken.eval").write_bytes(b"PK\x03\x04 not a zip archive")
    log = read_eval_log(str(first))
    log.status, log.eval.eval_id = "started", "a-killed-rerun"
    write_eval_log(log, str(folder / "unfinished.eval"))
    clean, messy = build_report([judged_logs], None), build_report([folder], None)
    key = lambda s: sorted((r["config"], r["scorer"], r["n"], r["delta"]["estimate"]) for r in s["deltas"])  # noqa: E731
    assert key(messy.summary) == key(clean.summary)
    reasons = {Path(s["log"]).name: s["reason"] for s in messy.summary["skipped_logs"]}
    assert reasons["broken.eval"].startswith("unreadable (")
    assert reasons["unfinished.eval"] == "run status 'started' (only finished runs count)"
    assert "the same evaluation" in reasons[first.name]
    result = CliRunner().invoke(app, ["report", str(folder), "--out", str(tmp_path / "r"), "--no-figures"])
    assert result.exit_code == 0 and "broken.eval" in result.output


def test_a_lift_across_different_catalog_content_is_refused(judged_logs, tmp_path):
    """Issue 13 item 7: a checkpoint's log that ran other catalog content gets no lift over its base."""
    import shutil

    from inspect_ai.log import read_eval_log, write_eval_log

    from procskill.solvers import logged_run_facts

    folder = tmp_path / "logs"
    shutil.copytree(judged_logs, folder)
    changed = 0
    for file in sorted(folder.glob("**/*.eval")):
        log = read_eval_log(str(file))
        if logged_run_facts(log.eval.metadata, [s.metadata for s in log.samples]).get("checkpoint"):
            log.eval.metadata["dataset"] = {**log.eval.metadata["dataset"], "content_hash": "other-catalog"}
            write_eval_log(log, str(file))
            changed += 1
    assert changed
    report = build_report([folder], None)
    refusals = [r for r in report.summary["refusals"] if r["kind"] == "settings"]
    assert refusals and all("holdout hash (catalog content)" in r["why"] for r in refusals)
    assert not report.summary["lifts"]
    result = CliRunner().invoke(
        app, ["report", str(folder), "--out", str(tmp_path / "r"), "--no-figures", "--strict"]
    )
    assert result.exit_code == 2 and "refusal" in result.output
    assert result.output.count("REFUSED") == len(report.summary["refusals"])  # every one named, not the first


def test_a_lift_under_a_judge_only_one_log_has_is_refused_and_named(judged_logs, tmp_path):
    """Issue 15 item 5: a path/judge mismatch (a judge score missing from the checkpoint's log) is a named refusal."""
    import shutil

    from inspect_ai.log import read_eval_log, write_eval_log

    from procskill.scorers import score_labels

    judge_b = "llm@mockllm/judge-b"
    folder = tmp_path / "logs"
    shutil.copytree(judged_logs, folder)
    for file in sorted(folder.glob("**/*.eval")):
        log = read_eval_log(str(file))
        if log.eval.model == "mockllm/tiny-sft-a":  # this checkpoint was never judged by judge-b
            [key] = [k for k, label in score_labels(log.samples).items() if label == judge_b]
            for sample in log.samples:
                sample.scores.pop(key, None)
            log.results.scores = [s for s in log.results.scores if s.name != key]
            write_eval_log(log, str(file))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["report", str(folder), "--out", str(out), "--no-figures"])
    assert result.exit_code == 0, result.output
    line = f"REFUSED lift of tiny+SFT (r_a) over tiny under '{judge_b}': only tiny has '{judge_b}' scores; re-judge"
    assert line in result.output
    top = (out / "report.md").read_text().split("## Configurations")[0]
    assert f"lift of tiny+SFT (r_a) over tiny under '{judge_b}'" in top
    summary = json.loads((out / "summary.json").read_text())
    assert not [r for r in summary["lifts"] if r["post"] == "tiny+SFT (r_a)" and r["scorer"] == judge_b]
    assert [
        r for r in summary["lifts"] if r["post"] == "tiny+SFT (r_a)" and r["scorer"] == "extract"
    ]  # others stay
    strict = CliRunner().invoke(
        app, ["report", str(folder), "--out", str(tmp_path / "s"), "--no-figures", "--strict"]
    )
    assert strict.exit_code == 2 and line in strict.output
