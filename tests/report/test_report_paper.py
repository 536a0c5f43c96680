"""The report on logs that reproduce the paper's published Δ: its lifts must come out exactly."""

from __future__ import annotations

import json
import math

import pytest
from inspect_ai.log import read_eval_log
from report_helpers import PAPER, RECIPE, SIZES
from scipy.stats import binomtest
from statsmodels.stats.contingency_tables import mcnemar

from procskill.analysis import build_report

pytestmark = pytest.mark.slow  # 7 evals × 400 episodes through the real task (~1 min of CPU on 2 cores)

PRE = {"qwen3.5-0.8b": -0.075, "qwen3.5-2b": 0.060, "qwen3.5-4b": -0.010}
POST = {"qwen3.5-0.8b": -0.005, "qwen3.5-2b": 0.100, "qwen3.5-4b": 0.065}
LIFT = {"qwen3.5-0.8b": 0.070, "qwen3.5-2b": 0.040, "qwen3.5-4b": 0.075}


@pytest.fixture(scope="module")
def report(paper_logs, tmp_path_factory):
    return build_report([paper_logs], tmp_path_factory.mktemp("report"), size_overrides=SIZES)


def test_configurations_come_from_the_logs(report):
    configs = {c.label: c for c in report.configurations}
    assert set(configs) == {*PRE, *(f"{m}+SFT ({RECIPE})" for m in PRE), "claude-haiku-4-5"}
    post = configs[f"qwen3.5-2b+SFT ({RECIPE})"]
    assert post.is_sft and post.recipe == RECIPE and post.checkpoint["base_model"] == "mockllm/qwen3.5-2b"
    assert post.parameters == 2e9 and post.size_source == "override"
    assert configs["claude-haiku-4-5"].parameters is None and not configs["claude-haiku-4-5"].is_sft
    assert all(c.scorers == ("extract",) and c.max_tokens == 2048 for c in configs.values())


def test_paper_deltas_and_lifts_exact(report):
    for model, delta in PRE.items():
        assert report.delta(model).delta.estimate == pytest.approx(delta, abs=1e-12)
        assert report.delta(model).n == 200
        post = f"{model}+SFT ({RECIPE})"
        assert report.delta(post).delta.estimate == pytest.approx(POST[model], abs=1e-12)
        lift = report.lift(post)
        assert lift.pre == model
        assert lift.lift.estimate == pytest.approx(LIFT[model], abs=1e-12)
        assert lift.lift.low < lift.lift.estimate < lift.lift.high
        base, skill = PAPER[model]
        post_base, post_skill = PAPER[f"{model}-sft"]
        assert lift.gain_base.estimate == pytest.approx((post_base - base) / 200)
        assert lift.gain_skill.estimate == pytest.approx((post_skill - skill) / 200)
        assert lift.pre_pass_base == pytest.approx(base / 200)
    assert report.delta("claude-haiku-4-5").delta.estimate == pytest.approx(0.030)
    summary = report.summary
    assert summary["refused"] == [] and summary["unpaired"] == []
    lifts = {r["post"]: r["lift"]["estimate"] for r in summary["lifts"]}
    assert lifts == pytest.approx({f"{m}+SFT ({RECIPE})": v for m, v in LIFT.items()})


def test_paper_intervals_tests_and_size_pattern_beside_the_arithmetic(report):
    from statsmodels.stats.multitest import multipletests

    summary = report.summary
    deltas = [r for r in summary["deltas"] if r["scorer"] == "extract"]
    assert [r["p_holm"] for r in deltas] == pytest.approx(
        list(multipletests([r["p"] for r in deltas], method="holm")[1])
    )
    for iv in [r["delta"] for r in deltas] + [r["lift"] for r in summary["lifts"]]:
        assert iv["mde"] > 0 and iv["clusters"] == 40 and iv["df"] == 39
        # the interval excludes 0 exactly when the test rejects at 5 %
        assert (iv["low"] > 0 or iv["high"] < 0) == (iv["p"] < 0.05)
    pattern = summary["size_pattern"]
    assert pattern["delta_pre"]["configs"] == ["qwen3.5-0.8b", "qwen3.5-2b", "qwen3.5-4b"]
    steps = pattern["delta_pre"]["differences"]
    assert [d["estimate"] for d in steps] == pytest.approx([0.060 + 0.075, -0.010 - 0.060])
    for part in ("delta_pre", "delta_post", "lift"):
        assert pattern[part]["p"] >= 0.05 and "do not support a size pattern" in pattern[part]["verdict"]
    assert summary["method"]["smallest_p_per_skill_cell"] == 0.0625
    text = (report.out_dir / "report.md").read_text()
    assert "Per-skill view (exploratory)" in text
    summary_md = text.split("## Summary")[1].split("## Configurations")[0]  # the summary opens the report
    assert (
        "- Δ of **qwen3.5-2b+SFT (lora_r16_lr2e-4)**: the skill block moves the pass rate from 60.0 % to 70.0 % "
        "on 200 tasks, +10.0 points (95 % CI"
    ) in summary_md
    assert (
        "but not distinguishable from 0 after correcting for the other comparisons" in summary_md
        and "**Power**" in summary_md
    )
    assert "do not support a size pattern" in summary_md


def test_mcnemar_matches_statsmodels_and_scipy_on_the_same_verdicts(report, paper_logs):
    logs = {read_eval_log(str(f), header_only=True).eval.model: f for f in paper_logs.glob("*.eval")}
    log = read_eval_log(str(logs["mockllm/qwen3.5-0.8b"]))
    verdicts: dict[str, dict[str, float]] = {}
    for sample in log.samples:
        verdicts.setdefault(sample.metadata["task_id"], {})[sample.metadata["condition"]] = sample.scores[
            "extract"
        ].as_float()
    table = [[0, 0], [0, 0]]
    for v in verdicts.values():
        table[int(v["base"])][int(v["skill"])] += 1
    result = report.delta("qwen3.5-0.8b")
    assert (result.base_only, result.skill_only) == (table[1][0], table[0][1])
    expected = mcnemar(table, exact=True).pvalue
    assert result.mcnemar_p == pytest.approx(expected, rel=1e-9)
    b, c = table[1][0], table[0][1]
    assert result.mcnemar_p == pytest.approx(binomtest(min(b, c), b + c, 0.5).pvalue, rel=1e-9)


def test_outputs_written_and_documented(report):
    out = report.out_dir
    assert {p.name for p in out.iterdir()} == {
        "report.md",
        "summary.json",
        "trajectory.png",
        "lift.png",
        "compliance.png",
        "skills_heatmap.png",
    }
    summary = json.loads((out / "summary.json").read_text())
    assert summary["primary_scorer"] == "extract" and summary["version"] == 2
    traj = summary["trajectory"]
    assert [p["parameters"] for p in traj["points"] if not p["sft"]] == [0.8e9, 2e9, 4e9]
    assert [r["config"] for r in traj["references"]] == ["claude-haiku-4-5"]
    text = (out / "report.md").read_text()
    assert "**+7.0 [" in text and "**+4.0 [" in text and "**+7.5 [" in text  # lifts in points
    assert "![trajectory](trajectory.png)" in text
    for png in out.glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # every documented top-level key is present
    doc_keys = {
        "version",
        "primary_scorer",
        "scorers",
        "method",
        "configurations",
        "deltas",
        "lifts",
        "refused",
        "unpaired",
        "lift_missing",
        "claim_check",
        "recipe_sweeps",
        "trajectory",
        "compliance",
        "tokens",
        "agreement",
        "findings",
        "skills",
        "block_length",
        "skipped_logs",
        "figures",
        "refusals",
        "size_pattern",
        "seed_pools",
        "judge_tokens",
    }
    assert set(summary) == doc_keys


def test_compliance_and_tokens(report):
    rows = {(r["config"], r["condition"]): r for r in report.summary["compliance"]}
    # qwen3.5-0.8b base: 80 pass; the 120 failures split by task index mod 4.
    row = rows[("qwen3.5-0.8b", "base")]
    assert row["episodes"] == 200
    failures = 120
    assert row["compliance"] + row["truncated"] + row["no_answer_line"] == pytest.approx(1.0)
    assert row["truncated"] * 200 == pytest.approx(round(row["truncated"] * 200))
    assert 0 < row["truncated"] < failures / 200 and 0 < row["no_answer_line"] < failures / 200
    assert row["pass"]["extract"]["pass"] == pytest.approx(80 / 200)
    # "Final answer: CODE" fails strictly and passes leniently
    assert row["pass"]["extract (lenient)"]["pass"] == pytest.approx(80 / 200 + row["no_answer_line"])
    tokens = {t["config"]: t for t in report.summary["tokens"]}
    assert tokens["qwen3.5-0.8b"]["episodes"] == 400
    assert tokens["qwen3.5-0.8b"]["output_ratio_skill_to_base"] > 1  # the block makes answers longer


def test_claim_check_and_skill_view(report):
    claim = report.summary["claim_check"]
    assert claim["scorer"] == "extract" and len(claim["model_level"]) == 6
    assert claim["skill_level_rho"]["n"] == 3 * 40 * 2
    rho = claim["skill_level_rho"]
    # pass sets here are random: no relation between difficulty and gain. Correlating a skill's gain
    # with its own noisy pre-SFT score would still "agree" (regression to the mean); this must not.
    assert not math.isnan(rho["estimate"]) and rho["low"] < 0 < rho["high"]
    assert claim["verdict"].startswith("inconclusive")
    view = report.summary["skills"]
    assert len(view["summary"]) == 40
    assert all(len(row) == 7 for row in view["delta"].values())


def test_paper_figures_are_readable(report):
    """Seven configurations, three sizes and a reference: no overlapping text, ticks a reader writes."""
    from figure_checks import layout_problems, tick_problems

    from procskill.analysis import _figures

    figures = _figures.figures(report.summary)
    assert set(figures) == {"trajectory", "lift", "compliance", "skills_heatmap"}
    for name, fig in figures.items():
        assert layout_problems(fig) == [] and tick_problems(fig) == [], name
    ticks = [t.get_text() for t in figures["trajectory"].axes[0].get_xticklabels()]
    assert ticks == ["0.8B", "2B", "4B"]
