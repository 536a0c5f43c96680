"""Smoke runs of the benchmarks that need no model weights: harness overhead, judge economy, report."""

from __future__ import annotations

import json

from testkit.packs import write_synthetic_packs


def test_harness_bench_compares_the_same_samples(bench, tmp_path):
    harness = bench("bench_harness")
    items = harness._with_targets(harness.holdout_episodes(6))
    task = harness.bare_task(items, "bare_metadata")
    assert [s.id for s in task.dataset] == [e["id"] for e in items]
    skill_sample = next(s for s in task.dataset if s.id.endswith(":skill"))
    assert "Follow this procedure" in skill_sample.input[-1].text
    assert skill_sample.metadata["skill"] == skill_sample.id.rsplit("-", 1)[0]

    shaped = harness.bare_task(items, "bare_match_shaped")
    assert shaped.setup is not None and len(shaped.scorer) == 2  # procskill's shape: a setup step, two scores

    result = harness.run(episodes=6, repeats=1, work_dir=tmp_path, warmup=False)
    assert set(result["wall_seconds"]) == {
        "procskill",
        "bare",
        "bare_match",
        "bare_metadata",
        "bare_match_shaped",
    }
    assert all(len(v) == 1 for v in result["cpu_seconds"].values())
    assert result["ratio_over_bare_cpu"]["procskill"]["median"] > 0
    assert {"task_construction", "metric_procedural_delta"} <= set(result["procskill_components_seconds"])


def test_judge_bench_counts_are_exact(bench, tmp_path):
    skills = write_synthetic_packs(tmp_path / "packs", skills=3, tasks_per_skill=2, free_skills=1)
    result = bench("bench_judge").run(episodes=12, work_dir=tmp_path / "work", skills_dir=str(skills))
    assert result["bench_eval"]["free_form_episodes"] == 4
    assert result["bench_eval"]["judge_calls"] == 4
    assert result["llm_rejudge"]["judge_calls"] == 12
    assert result["llm_rejudge_rerun"]["judge_calls"] == 0
    assert result["llm_rejudge_rerun"]["action"] == "skipped"
    assert result["llm_rejudge_of_bench_log"]["judge_calls"] == 8
    assert result["all_exact"] is True and result["server"]["errors"] == []


def test_report_bench_writes_the_report_from_seven_logs(bench, tmp_path):
    skills = write_synthetic_packs(tmp_path / "packs", skills=2, tasks_per_skill=2)
    report = bench("bench_report")
    result = report.run(
        repeats=1, work_dir=tmp_path / "work", profile=False, skills_dir=skills, without_figures=False
    )
    assert result["logs"] == 7 and result["configurations"] == 7
    assert result["episodes"] == 7 * 8
    assert result["lifts"] >= 3  # three SFT checkpoints paired with their base models
    assert {"report.md", "summary.json"} <= set(result["files_written"])
    assert any(name.endswith(".png") for name in result["files_written"])


def test_emit_records_machine_and_versions(bench, tmp_path):
    common = bench("_common")
    out = tmp_path / "r.json"
    common.emit("smoke", {"value": 1}, str(out))
    data = json.loads(out.read_text())
    assert data["benchmark"] == "smoke" and data["value"] == 1
    assert data["machine"]["nproc"] >= 1 and "inspect-ai" in data["machine"]["versions"]
