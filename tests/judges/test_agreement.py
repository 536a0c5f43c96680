"""Agreement between named scores: exact numbers on known verdicts, per log and pooled."""

from __future__ import annotations

import json
import math
import shutil
import warnings

import pytest
from inspect_ai.log import read_eval_log
from judge_helpers import GOLD, recording_judge, run_eval
from sklearn.metrics import cohen_kappa_score
from typer.testing import CliRunner

from procskill.analysis import agreement
from procskill.analysis.agreement import paired_verdicts
from procskill.cli import app
from procskill.stats import agreement as stats_agreement
from testkit.packs import write_synthetic_packs

# Codes of the synthetic packs: 100, 101 (skill-00), 200, 201 (skill-01), 300, 301 (skill-02, free-form).
PASSES_A = {"100", "101", "200"}
PASSES_B = {"100", "200", "300"}


def fixed_judge(name: str, passes: set[str]):
    return recording_judge(
        name, reply=lambda text: "VERDICT: " + ("PASS" if GOLD.search(text).group(1) in passes else "FAIL")
    )[0]


@pytest.fixture(scope="module")
def logs_dir(tmp_path_factory):
    """Two logs (two evaluated models), each judged by judges a and b; made once for this module."""
    root = tmp_path_factory.mktemp("agreement")
    packs = write_synthetic_packs(root / "skills", skills=3, tasks_per_skill=2, free_skills=1)
    roles = {"grader": [fixed_judge("a", PASSES_A), fixed_judge("b", PASSES_B)]}
    with pytest.MonkeyPatch.context() as env:  # the per-test isolation fixture has not run yet
        env.setenv("INSPECT_CACHE_DIR", str(root / "inspect-cache"))
        for i in (1, 2):  # one folder each: two logs written in the same second would sort at random
            run_eval(packs, root / "logs" / str(i), "extract,llm", roles=roles, model_name=f"model-{i}")
    return root / "logs"


@pytest.fixture
def two_logs(logs_dir):
    return sorted((read_eval_log(str(p)) for p in logs_dir.glob("*/*.eval")), key=lambda log: log.eval.model)


def test_known_verdicts_give_exact_numbers(two_logs, logs_dir) -> None:
    rows = agreement(logs_dir, "llm@mockllm/a", "llm@mockllm/b", resamples=500)
    assert [r.configuration.split(" ")[0] for r in rows] == ["mockllm/model-1", "mockllm/model-2", "pooled"]
    one, _, pooled = rows
    # Per log, each code twice (base, skill): 100 pp, 101 pf, 200 pp, 201 ff, 300 fp, 301 ff.
    assert one.table == [[4, 2], [2, 4]] and one.n == 12 and one.excluded == 0
    assert one.agreement == pytest.approx(8 / 12)
    assert one.prevalence_a == 0.5 and one.prevalence_b == 0.5
    assert one.kappa == pytest.approx(1 / 3)
    assert one.kappa_low <= one.kappa <= one.kappa_high and not one.degenerate
    assert pooled.table == [[8, 4], [4, 8]] and pooled.n == 24 and pooled.kappa == pytest.approx(1 / 3)

    log = two_logs[0]
    va, vb, tasks, _ = paired_verdicts(log.samples, "llm@mockllm/a", "llm@mockllm/b")
    assert one.kappa == cohen_kappa_score(va, vb)
    assert tasks == [s.metadata["task_id"] for s in log.samples]  # κ's resampling clusters
    assert rows == agreement(logs_dir, "llm@mockllm/a", "llm@mockllm/b", resamples=500)  # seeded


def test_extractor_vs_judge_excludes_unscored_episodes(two_logs) -> None:
    log = two_logs[0]
    [row, pooled] = agreement(log.location, "extract", "llm@mockllm/b")
    assert row.excluded == 4 and row.n == 8  # free-form tasks: no extractor verdict
    va, vb, _, _ = paired_verdicts(log.samples, "extract", "llm@mockllm/b")
    assert row.kappa == cohen_kappa_score(va, vb)
    assert row.table == pooled.table


def test_kappa_matches_sklearn_on_random_verdicts() -> None:
    import numpy as np

    rng = np.random.default_rng(4)
    for _ in range(50):
        n = int(rng.integers(2, 60))
        a, b = rng.integers(0, 2, n), rng.integers(0, 2, n)
        if len(set(a)) == len(set(b)) == 1 and a[0] == b[0]:
            continue
        assert stats_agreement(a, b, resamples=10).kappa == cohen_kappa_score(a, b)


def test_degenerate_cases_are_defined() -> None:
    # Both raters give one identical class: κ is 0/0 (sklearn warns and returns NaN); we report 1.0, flagged.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert math.isnan(cohen_kappa_score([1, 1, 1], [1, 1, 1]))
    same = stats_agreement([1, 1, 1], [1, 1, 1], resamples=10)
    assert (same.kappa, same.agreement, same.degenerate, same.table) == (1.0, 1.0, True, [[0, 0], [0, 3]])
    # One rater constant, the other not: κ is defined (0), as in sklearn.
    one_sided = stats_agreement([1, 1, 1, 1], [1, 0, 1, 1], resamples=10)
    assert (
        one_sided.kappa == cohen_kappa_score([1, 1, 1, 1], [1, 0, 1, 1]) == 0.0 and not one_sided.degenerate
    )


def test_nothing_to_compare_is_nan_and_flagged(packs, tmp_path) -> None:
    log = run_eval(
        packs,
        tmp_path / "logs",
        "extract,llm",
        roles={"grader": fixed_judge("a", PASSES_A)},
        skills="skill-02",
    )
    [row, _] = agreement(log.location, "extract", "llm@mockllm/a")
    assert row.n == 0 and row.excluded == 4 and row.degenerate and math.isnan(row.kappa)


def test_a_missing_score_names_the_log_and_the_scores(two_logs) -> None:
    with pytest.raises(ValueError, match=r"no score named 'llm@mockllm/c'.*'extract', 'llm@mockllm/a'"):
        agreement(two_logs[0].location, "llm@mockllm/a", "llm@mockllm/c")


def test_cli_agreement(logs_dir) -> None:
    args = ["agreement", str(logs_dir), "--a", "llm@mockllm/a", "--b", "llm@mockllm/b", "--resamples", "200"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "pooled" in result.output and "0.333" in result.output and "[[8, 4], [4, 8]]" in result.output
    rows = json.loads(CliRunner().invoke(app, [*args, "--json"]).output)
    assert [r["kappa"] for r in rows] == pytest.approx([1 / 3] * 3) and rows[-1]["n"] == 24


# -- a folder mixing judged and plain evaluations (the README keeps them all in logs/) -----------------------


@pytest.fixture(scope="module")
def mixed_dir(logs_dir, tmp_path_factory):
    """The two judged logs of ``logs_dir`` plus a plain evaluation (extractor only) in one folder."""
    root = tmp_path_factory.mktemp("mixed")
    packs = write_synthetic_packs(root / "skills", skills=3, tasks_per_skill=2, free_skills=1)
    shutil.copytree(logs_dir, root / "logs")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("INSPECT_CACHE_DIR", str(root / "inspect-cache"))
        plain = run_eval(packs, root / "logs", "extract", model_name="plain")
    return root / "logs", plain.location


def test_logs_without_both_scores_are_skipped_and_named(mixed_dir, logs_dir) -> None:
    folder, plain = mixed_dir
    rows = agreement(folder, "llm@mockllm/a", "llm@mockllm/b", resamples=500)
    judged_only = agreement(logs_dir, "llm@mockllm/a", "llm@mockllm/b", resamples=500)
    # the plain log changes nothing: same per-log numbers, same pooled table and κ
    assert [r.model for r in rows] == ["mockllm/model-1", "mockllm/model-2", None]
    assert [(r.table, r.kappa, r.n) for r in rows] == [(r.table, r.kappa, r.n) for r in judged_only]
    [skipped] = rows.skipped
    assert (skipped.log, skipped.model) == (plain, "mockllm/plain")
    assert skipped.missing == ["llm@mockllm/a", "llm@mockllm/b"] and skipped.scores == ["extract"]
    assert skipped.reason == "no score named 'llm@mockllm/a' and 'llm@mockllm/b'; the log has ['extract']"
    assert judged_only.skipped == []


def test_a_log_missing_one_of_the_two_scores_is_skipped(mixed_dir) -> None:
    folder, plain = mixed_dir
    rows = agreement(folder, "extract", "llm@mockllm/a", resamples=50)
    assert [r.model for r in rows] == ["mockllm/model-1", "mockllm/model-2", None]
    assert [(s.log, s.missing) for s in rows.skipped] == [(plain, ["llm@mockllm/a"])]
    assert (
        rows[-1].n == 16 and rows[-1].excluded == 8
    )  # two logs of 8 extractor-scored + 4 free-form episodes


def test_nothing_with_both_scores_fails_naming_every_log(mixed_dir) -> None:
    folder, plain = mixed_dir
    with pytest.raises(ValueError, match="no log has both scores 'llm@mockllm/a' and 'llm@mockllm/z'") as err:
        agreement(folder, "llm@mockllm/a", "llm@mockllm/z")
    lines = str(err.value).splitlines()[1:]
    assert len(lines) == 3 and any(
        line.startswith(f"  {plain}: no score named 'llm@mockllm/a' and") for line in lines
    )
    assert (
        sum(
            "no score named 'llm@mockllm/z'; the log has ['extract', 'llm@mockllm/a'" in line
            for line in lines
        )
        == 2
    )


def test_cli_agreement_on_a_mixed_folder(mixed_dir) -> None:
    folder, plain = mixed_dir
    args = ["agreement", str(folder), "--a", "llm@mockllm/a", "--b", "llm@mockllm/b", "--resamples", "200"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "[[8, 4], [4, 8]]" in result.stdout
    assert result.stderr.splitlines() == [
        "skipped 1 log(s):",
        f"  {plain}: no score named 'llm@mockllm/a' and 'llm@mockllm/b'; the log has ['extract']",
    ]
    rows = json.loads(CliRunner().invoke(app, [*args, "--json"]).stdout)  # the skip note stays off stdout
    assert [r["n"] for r in rows] == [12, 12, 24]

    failed = CliRunner().invoke(
        app, ["agreement", str(folder), "--a", "llm@mockllm/a", "--b", "llm@mockllm/z"]
    )
    assert failed.exit_code == 2
    assert failed.stderr.startswith("error: no log has both scores 'llm@mockllm/a' and 'llm@mockllm/z':")
    assert "Traceback" not in failed.output


def test_copies_corrupt_and_unfinished_logs(logs_dir, tmp_path) -> None:
    """Each evaluation counts once; a corrupt or unfinished log is skipped with a note naming it (issue 19)."""
    folder = tmp_path / "logs"
    shutil.copytree(logs_dir, folder)
    first = sorted(folder.glob("*/*.eval"))[0]
    (folder / "copy").mkdir()
    shutil.copy(first, folder / "copy" / first.name)  # the same evaluation found twice
    (folder / "broken.eval").write_bytes(b"PK\x03\x04 not a zip archive")
    log = read_eval_log(str(first))
    log.status = "started"
    log.eval.eval_id = "a-killed-rerun"
    from inspect_ai.log import write_eval_log

    write_eval_log(log, str(folder / "unfinished.eval"))
    rows = agreement(folder, "llm@mockllm/a", "llm@mockllm/b", resamples=200)
    clean = agreement(logs_dir, "llm@mockllm/a", "llm@mockllm/b", resamples=200)
    assert [(r.n, r.kappa, r.kappa_low, r.kappa_high) for r in rows] == [
        (r.n, r.kappa, r.kappa_low, r.kappa_high) for r in clean
    ]
    reasons = {s.log.rsplit("/", 1)[-1]: s.reason for s in rows.skipped}
    assert reasons["broken.eval"].startswith("unreadable (")
    assert "counted once" in reasons[first.name]
    assert reasons["unfinished.eval"] == "evaluation status 'started' (only finished runs count)"
    result = CliRunner().invoke(
        app, ["agreement", str(folder), "--a", "llm@mockllm/a", "--b", "llm@mockllm/b", "--resamples", "200"]
    )
    assert result.exit_code == 0 and "broken.eval: unreadable" in result.stderr
