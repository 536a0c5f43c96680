"""Judge agreement, compliance bias, matched comparisons and the recipe sweep, on logs scored
by the extractor and two scripted LLM judges through the real task."""

from __future__ import annotations

import pytest
from inspect_ai.log import read_eval_log, read_eval_log_sample_summaries
from sklearn.metrics import cohen_kappa_score

from procskill.analysis import UnmatchedComparisonError, build_report, sft_lift
from testkit.scores import labelled

JUDGE_A = "llm@mockllm/judge-a"
JUDGE_B = "llm@mockllm/judge-b"


@pytest.fixture(scope="module")
def report(judged_logs, tmp_path_factory):
    return build_report(
        [judged_logs], tmp_path_factory.mktemp("judged-report"), size_overrides={"mockllm/tiny": "1M"}
    )


def _verdicts(log_dir, model, a, b):
    """(a, b) verdicts on the episodes both scored, read straight from the log."""
    for file in log_dir.glob("*.eval"):
        if read_eval_log(str(file), header_only=True).eval.model == model:
            samples = read_eval_log_sample_summaries(str(file))
            pairs = [(labelled(s)[a].as_float(), labelled(s)[b].as_float()) for s in samples]
            pairs = [p for p in pairs if p[0] == p[0] and p[1] == p[1]]
            return [int(x) for x, _ in pairs], [int(y) for _, y in pairs]
    raise AssertionError(model)


def test_configurations_scores_and_skipped_logs(report):
    labels = {c.label for c in report.configurations}
    assert labels == {"tiny", "tiny+SFT (r_a)", "tiny+SFT (r_b)", "tiny+SFT (r_c)", "frontier"}
    assert report.summary["scorers"] == ["extract", JUDGE_A, JUDGE_B]
    assert [s["reason"] for s in report.summary["skipped_logs"]] == ["another task (other)"]
    judged = report.tables.scores[report.tables.scores["scorer"] == JUDGE_B]
    assert set(judged["path"]) == {"llm"} and set(judged["judge"]) == {"mockllm/judge-b"}


def test_agreement_matches_sklearn_on_the_same_verdicts(report, judged_logs):
    rows = {(r["config"], r["a"], r["b"]): r for r in report.summary["agreement"]}
    for model, label in (("mockllm/tiny", "tiny"), ("mockllm/tiny-sft-a", "tiny+SFT (r_a)")):
        for a, b in (("extract", JUDGE_A), (JUDGE_A, JUDGE_B)):
            va, vb = _verdicts(judged_logs, model, a, b)
            row = rows[(label, a, b)]
            assert row["n"] == len(va)
            assert row["kappa"] == pytest.approx(cohen_kappa_score(va, vb), abs=1e-12)
            assert row["agreement"] == pytest.approx(sum(x == y for x, y in zip(va, vb)) / len(va))
            assert row["kappa_low"] <= row["kappa"] <= row["kappa_high"]
    # judge-b never answers for code 101 (task skill-00-h001): unscored, excluded from its pairs
    assert rows[("tiny", JUDGE_A, JUDGE_B)]["excluded"] == 2
    pooled = rows[("pooled", JUDGE_A, JUDGE_B)]
    assert pooled["configs"] == 5 and pooled["n"] == sum(
        r["n"] for k, r in rows.items() if k[1:] == (JUDGE_A, JUDGE_B) and k[0] != "pooled"
    )
    all_a, all_b = [], []
    for model in ("tiny", "tiny-sft-a", "tiny-sft-b", "tiny-sft-c", "frontier"):
        va, vb = _verdicts(judged_logs, f"mockllm/{model}", JUDGE_A, JUDGE_B)
        all_a += va
        all_b += vb
    assert pooled["kappa"] == pytest.approx(cohen_kappa_score(all_a, all_b), abs=1e-12)


def test_extractor_bias_by_direction(report):
    rows = {(r["config"], r["condition"]): r for r in report.summary["compliance"]}
    row = rows[("tiny", "base")]
    versus_a = next(d for d in row["disagreements"] if d["judge"] == JUDGE_A)
    # judge-a accepts "Final answer: CODE" (no ANSWER line): exactly the finished-without-ANSWER-line episodes
    assert versus_a["judge_pass_extract_fail"] == round(row["no_answer_line"] * row["episodes"]) > 0
    assert versus_a["extract_pass_judge_fail"] == 0
    assert versus_a["undercount_points"] == pytest.approx(100 * row["no_answer_line"])
    versus_b = next(d for d in row["disagreements"] if d["judge"] == JUDGE_B)
    assert versus_b["judge_pass_extract_fail"] == 0 and versus_b["n"] == row["episodes"] - 1
    assert row["pass"][JUDGE_A]["pass"] == pytest.approx(row["pass"]["extract (lenient)"]["pass"])
    assert "the extractor under-counts by" in (report.out_dir / "report.md").read_text()


def test_findings_recomputed_under_each_judge(report):
    findings = {(f["finding"], f["config"]): f for f in report.summary["findings"]}
    assert {
        ("delta_pre", "tiny"),
        ("delta_post", "tiny+SFT (r_a)"),
        ("lift", "tiny+SFT (r_a)"),
        ("delta", "frontier"),
    } <= set(findings)
    for f in findings.values():
        assert set(f["by_scorer"]) == {"extract", JUDGE_A, JUDGE_B}
        signs = {v["sign"] for v in f["by_scorer"].values()} & {"+", "−"}
        assert f["flagged"] == (len(signs) == 2)
    lift_a = {r.scorer: r.lift.estimate for r in report.lifts if r.post == "tiny+SFT (r_a)"}
    assert findings[("lift", "tiny+SFT (r_a)")]["by_scorer"][JUDGE_A]["estimate"] == pytest.approx(
        lift_a[JUDGE_A]
    )


def test_unmatched_comparison_is_refused(report, judged_logs):
    [refused] = report.summary["refused"]
    assert refused["pre"] == "tiny" and refused["post"] == "tiny+SFT (r_c)"
    assert refused["reasons"] == ["max_tokens differs: 2048 (tiny) vs 1024 (tiny+SFT (r_c))"]
    assert not [r for r in report.lifts if r.post == "tiny+SFT (r_c)"]
    assert (
        "**Refused**: tiny vs tiny+SFT (r_c): max_tokens differs"
        in (report.out_dir / "report.md").read_text()
    )
    with pytest.raises(UnmatchedComparisonError, match="max_tokens differs: 2048"):
        sft_lift(report, "tiny", "tiny+SFT (r_c)")
    # the paper's artefact: Δ_pre under one path, Δ_post under another
    with pytest.raises(UnmatchedComparisonError, match="scoring differs"):
        sft_lift(report, "tiny", "tiny+SFT (r_a)", scorer="extract", post_scorer=JUDGE_A)
    assert sft_lift(report, "tiny", "tiny+SFT (r_a)", scorer=JUDGE_B).lift.estimate == pytest.approx(
        next(r.lift.estimate for r in report.lifts if r.post == "tiny+SFT (r_a)" and r.scorer == JUDGE_B)
    )
    with pytest.raises(UnmatchedComparisonError, match=r"tiny\+SFT \(r_c\)"):
        build_report([judged_logs], None, strict=True)


def test_recipe_sweep_band(report):
    sweeps = [s for s in report.summary["recipe_sweeps"] if s["scorer"] == "extract"]
    [sweep] = sweeps
    assert sweep["base_model"] == "tiny" and {r["recipe"] for r in sweep["recipes"]} == {"r_a", "r_b"}
    assert sweep["band_points"]["pass_base"] == pytest.approx(100 * (12 - 9) / 20)
    assert sweep["band_points"]["pass_skill"] == pytest.approx(100 * (16 - 15) / 20)
    assert sweep["pre_sft"]["pass_base"] == pytest.approx(8 / 20)
    for row in sweep["recipes"]:
        assert row["pass_base"]["low"] <= row["pass_base"]["estimate"] <= row["pass_base"]["high"]


def test_sizes_and_reference_lines(report):
    traj = report.summary["trajectory"]
    assert {(p["config"], p["parameters"]) for p in traj["points"]} == {
        ("tiny", 1e6),
        ("tiny+SFT (r_a)", 1e6),
        ("tiny+SFT (r_b)", 1e6),
        ("tiny+SFT (r_c)", 1e6),
    }
    assert [r["config"] for r in traj["references"]] == ["frontier"]


def test_agreement_command_and_report_give_the_same_kappa(report, judged_logs):
    """`procskill agreement` and report.md compute κ with the same code: same numbers for the same logs."""
    from procskill.analysis import agreement

    rows = agreement(judged_logs, JUDGE_A, JUDGE_B)
    in_report = {
        r["config"]: r for r in report.summary["agreement"] if (r["a"], r["b"]) == (JUDGE_A, JUDGE_B)
    }
    by_model = {c.model: c.label for c in report.configurations}
    assert len(rows) == len(in_report) == 6
    for row in rows:
        theirs = in_report["pooled" if row.model is None else by_model[row.model]]
        mine = (row.n, row.kappa, row.kappa_low, row.kappa_high, row.table, row.excluded)
        assert mine == (
            theirs["n"],
            theirs["kappa"],
            theirs["kappa_low"],
            theirs["kappa_high"],
            theirs["table"],
            theirs["excluded"],
        )


def test_judge_token_use_per_judge_and_path(report, judged_logs):
    """Issue 16 item 5: each judge's tokens per scoring path, from the `judge_usage` of its scores."""
    rows = {(r["judge"], r["path"]): r for r in report.summary["judge_tokens"]}
    assert set(rows) == {("mockllm/judge-a", "llm"), ("mockllm/judge-b", "llm")}
    # Read straight from the logs, independently of the report's tables.
    from_logs: dict[str, list[int]] = {}
    for file in judged_logs.glob("*.eval"):
        for sample in read_eval_log_sample_summaries(str(file)):
            for score in (sample.scores or {}).values():
                usage = (score.metadata or {}).get("judge_usage")
                if usage:
                    totals = from_logs.setdefault(score.metadata["judge"], [0, 0, 0])
                    totals[0] += 1
                    totals[1] += usage["input_tokens"]
                    totals[2] += usage["output_tokens"]
    # By hand: a scripted reply costs 10 input tokens and one output token per word; every episode is judged
    # (5 configurations × 20 tasks × 2 conditions = 200 calls per judge). The verdict reply has 9 words;
    # judge-b answers "I cannot decide." (3 words, unscored but paid for) on the 10 episodes whose gold is 101.
    by_hand = {"mockllm/judge-a": [200, 2000, 200 * 9], "mockllm/judge-b": [200, 2000, 190 * 9 + 10 * 3]}
    assert from_logs == by_hand
    for judge, (calls, tokens_in, tokens_out) in by_hand.items():
        row = rows[(judge, "llm")]
        assert (row["calls"], row["input_tokens"], row["output_tokens"]) == (calls, tokens_in, tokens_out)
        assert row["total_tokens"] == tokens_in + tokens_out and row["configs"] == 5
        assert row["scorers"] == [f"llm@{judge}"]
    text = (report.out_dir / "report.md").read_text()
    assert "### Judge token use" in text
    assert "| `mockllm/judge-b` | llm | 5 | 200 | 2,000 | 1,740 | 3,740 |" in text
    # the extractor calls no judge: no row, and no tokens counted for it
    assert (
        report.tables.scores.loc[report.tables.scores["scorer"] == "extract", "judge_input_tokens"]
        .isna()
        .all()
    )
