"""Re-judging stored logs: no regeneration, no evaluated model, idempotent, valid Inspect logs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from inspect_ai import Task
from inspect_ai import eval as inspect_eval
from inspect_ai.dataset import Sample
from inspect_ai.log import read_eval_log, write_eval_log
from inspect_ai.scorer import Score, match
from inspect_ai.scorer._scorer import unique_scorer_name
from judge_helpers import answering_solver, code_of, recording_judge, run_eval

from procskill.analysis import rejudge
from testkit.scores import labelled
from testkit.scripted import scripted_model

NAME = "llm@mockllm/judge-r"


def test_rejudge_adds_a_named_score_and_recomputes_metrics(packs, tmp_path) -> None:
    log = run_eval(packs, tmp_path / "logs")
    before = read_eval_log(log.location)
    grader, seen = recording_judge("judge-r")

    [result] = rejudge(tmp_path / "logs", grader)

    assert (result.action, result.score, result.judged, result.unscored) == ("added", NAME, 12, {})
    after = read_eval_log(log.location)
    # Inspect keys the judge's score by its path; procskill's readers call it NAME (its metadata says so).
    assert [s.name for s in after.results.scores] == ["extract", "answer_format", "llm"]
    assert [s.name for s in after.eval.scorers] == ["extract", "answer_format", "llm"]
    assert after.eval.scorers[2].options == {"path": "llm", "judge": "mockllm/judge-r", "model_role": None}
    # Nothing regenerated: outputs and the original score are untouched.
    for old, new in zip(before.samples, after.samples):
        assert new.output.completion == old.output.completion
        assert new.scores["extract"] == old.scores["extract"]
        assert labelled(new)[NAME].value == 1.0 and labelled(new)[NAME].metadata["path"] == "llm"
    metrics = after.results.scores[2].metrics
    assert metrics["pass_base"].value == 1.0
    assert after.results.scores[1].metrics["compliance_base"].value == pytest.approx(0.5)
    assert (
        after.results.scores[0].metrics["pass_base"].value
        == before.results.scores[0].metrics["pass_base"].value
    )

    # Idempotent: the same judge again changes nothing and calls nothing.
    calls = len(seen)
    [again] = rejudge([log.location], grader)
    assert again.action == "skipped" and len(seen) == calls
    assert [s.name for s in read_eval_log(log.location).results.scores] == ["extract", "answer_format", "llm"]


def test_rejudge_bench_path_and_a_second_judge(packs, tmp_path) -> None:
    log = run_eval(packs, tmp_path / "logs")
    grader, seen = recording_judge("judge-r")
    [result] = rejudge(log.location, grader, path="bench")
    assert result.score == "bench@mockllm/judge-r"
    assert seen and all("GOLD CONCLUSION" in text for text in seen)  # bench judges free-form tasks only
    other, _ = recording_judge("judge-s", reply=lambda text: "VERDICT: FAIL")
    rejudge(log.location, other)
    third, _ = recording_judge("judge-t")
    [result] = rejudge(log.location, third)
    assert result.score == "llm@mockllm/judge-t"
    after = read_eval_log(log.location)
    # Inspect's keys (a second judge on a path is `llm1`), and the labels procskill reads from each score.
    assert [s.name for s in after.results.scores] == ["extract", "answer_format", "bench", "llm", "llm1"]
    assert list(labelled(after.samples[0])) == [
        "extract",
        "answer_format",
        "bench@mockllm/judge-r",
        "llm@mockllm/judge-s",
        "llm@mockllm/judge-t",
    ]
    assert [labelled(s)["llm@mockllm/judge-s"].value for s in after.samples] == [0.0] * 12
    assert [labelled(s)["llm@mockllm/judge-t"].value for s in after.samples] == [1.0] * 12


def test_a_log_keying_judges_by_label_still_reads_and_rejudges(packs, tmp_path) -> None:
    """Logs of task versions before 1.4.0 keyed each judge's score `llm@<judge>`: readers and re-judging
    still know it by that name, and a further judge gets Inspect's key."""

    from procskill.analysis import agreement

    grader, _ = recording_judge("judge-r")
    log = run_eval(packs, tmp_path / "logs", "extract,llm", roles={"grader": grader})
    old = read_eval_log(log.location)
    for sample in old.samples:
        sample.scores = {(NAME if k == "llm" else k): v for k, v in sample.scores.items()}
    for entry in [*old.results.scores, *old.eval.scorers]:
        entry.name = NAME if entry.name == "llm" else entry.name
    for reduction in old.reductions:
        reduction.scorer = NAME if reduction.scorer == "llm" else reduction.scorer
    write_eval_log(old, log.location)

    again, seen = recording_judge("judge-r")
    assert rejudge(log.location, again)[0].action == "skipped" and seen == []
    other, _ = recording_judge("judge-s", reply=lambda text: "VERDICT: FAIL")
    assert rejudge(log.location, other)[0].action == "added"
    after = read_eval_log(log.location)
    assert [s.name for s in after.results.scores] == ["extract", NAME, "answer_format", "llm"]
    [row, pooled] = agreement(log.location, NAME, "llm@mockllm/judge-s")
    assert row.n == 12 and row.prevalence_a == 1.0 and row.prevalence_b == 0.0

    # Redo the legacy-keyed judge after a failed call: it is added anew under Inspect's numbering (in
    # place it would be numbered otherwise than its key), keeping the role it is bound to.
    failed = read_eval_log(log.location)
    failed.samples[0].scores[NAME] = Score.unscored(
        reason="grader_error", metadata=failed.samples[0].scores[NAME].metadata
    )
    write_eval_log(failed, log.location)
    assert rejudge(log.location, again)[0].action == "redone"
    after = read_eval_log(log.location)
    keys = []
    for entry in after.eval.scorers:
        keys.append(unique_scorer_name(entry.name, keys))
    assert keys == [s.name for s in after.results.scores] == ["extract", "answer_format", "llm", "llm1"]
    assert {r.scorer for r in after.reductions} == set(keys)
    assert [after.samples[0].scores[k].metadata["judge"] for k in ("llm", "llm1")] == [
        "mockllm/judge-s",
        "mockllm/judge-r",
    ]
    assert after.eval.scorers[3].options["model_role"] == "grader"
    assert all(labelled(s)[NAME].value == 1.0 for s in after.samples)


def test_a_judge_scored_twice_on_a_path_counts_once(packs, tmp_path) -> None:
    """`inspect score --action append` with a judge the log has gives two keys one label (`llm`, `llm1`):
    every reader takes the later one, so the report counts each episode once and agrees with
    `procskill agreement`."""
    from inspect_ai import score

    from procskill.analysis import agreement, build_report, read_logs
    from procskill.scorers import judge

    grader, _ = recording_judge("judge-r")
    log = run_eval(packs, tmp_path / "logs", "extract,llm", roles={"grader": grader})
    twice = score(read_eval_log(log.location), [judge("llm", judge=grader)], action="append", display="none")
    assert [s.name for s in twice.results.scores] == ["extract", "llm", "answer_format", "llm1"]
    write_eval_log(twice, log.location)

    rows = read_logs(log.location).scores
    assert rows.groupby("scorer").size().to_dict() == {"extract": 12, NAME: 12}
    summary = build_report(log.location, out_dir=None, figures=False).summary
    [pair] = [r for r in summary["agreement"] if r["config"] != "pooled"]
    [row, _] = agreement(log.location, "extract", NAME)
    assert (pair["a"], pair["b"], pair["n"]) == ("extract", NAME, row.n) and pair["kappa"] == row.kappa


def test_rejudge_skips_errored_samples(packs, tmp_path) -> None:
    def flaky(messages):
        if code_of(messages) == 100:
            raise RuntimeError("generation failed")
        return answering_solver(messages)

    [log] = inspect_eval(
        "procskill/procskill",
        model=scripted_model(flaky),
        task_args={"skills_dir": str(packs)},
        log_dir=str(tmp_path / "logs"),
        display="none",
        fail_on_error=False,
    )
    grader, seen = recording_judge("judge-r")
    [result] = rejudge(log.location, grader)
    samples = read_eval_log(log.location).samples
    errored = [s for s in samples if s.error is not None]
    assert len(errored) == 2 and all(NAME not in (s.scores or {}) for s in errored)
    assert result.judged == 10 and not any("code is 100" in text for text in seen)


def test_rejudge_refuses_a_log_of_another_task(tmp_path) -> None:
    task = Task(dataset=[Sample(input="Say hi", target="hi")], scorer=match())
    [log] = inspect_eval(task, model=scripted_model("hi"), log_dir=str(tmp_path / "other"), display="none")
    grader, _ = recording_judge("judge-r")
    with pytest.raises(ValueError, match="not a procskill log"):
        rejudge(log.location, grader)
    assert rejudge(tmp_path / "other", grader)[0].action == "not_procskill"
    with pytest.raises(FileNotFoundError, match="no such log file or folder"):
        rejudge(tmp_path / "missing.eval", grader)
    with pytest.raises(ValueError, match="--path must be one of"):
        rejudge(tmp_path / "other", grader, path="extract")


@pytest.mark.slow
def test_rejudge_needs_no_evaluated_model(tiny_model_dir, packs, tmp_path) -> None:
    model_dir = shutil.copytree(tiny_model_dir, tmp_path / "tiny")
    [log] = inspect_eval(
        "procskill/procskill",
        model=f"hf/{model_dir}",
        model_args={"do_sample": False, "enable_thinking": False},
        max_tokens=4,
        task_args={"skills_dir": str(packs), "skills": "skill-02"},
        log_dir=str(tmp_path / "logs"),
        display="none",
    )
    assert log.status == "success" and log.eval.model == f"hf/{model_dir}"
    shutil.rmtree(model_dir)  # the weights are gone: a re-judge must not try to load them

    grader, seen = recording_judge("judge-r", reply=lambda text: "Random text.\nVERDICT: FAIL")
    [result] = rejudge(tmp_path / "logs", grader)

    assert result.action == "added" and result.judged == 4
    after = read_eval_log(log.location)
    assert (
        all(labelled(s)[NAME].value == 0.0 for s in after.samples) and after.eval.model == f"hf/{model_dir}"
    )
    # Compliance facts as the extractor saw them (hf reports no stop reason: the token limit tells).
    for sample in after.samples:
        judged, extracted = labelled(sample)[NAME].metadata, sample.scores["extract"].metadata
        assert (judged["truncated"], judged["compliant"]) == (extracted["truncated"], extracted["compliant"])
    assert any(labelled(s)[NAME].metadata["truncated"] for s in after.samples)


@pytest.mark.slow
def test_rejudged_log_opens_in_inspect_view(packs, tmp_path) -> None:
    log = run_eval(packs, tmp_path / "logs")
    grader, _ = recording_judge("judge-r")
    rejudge(log.location, grader)

    port = 7000 + (abs(hash(str(tmp_path))) % 2000)
    inspect_bin = Path(sys.executable).with_name("inspect")
    view = subprocess.Popen(
        [
            str(inspect_bin),
            "view",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-dir",
            str(tmp_path / "logs"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/api/logs/{urllib.request.quote('file://' + log.location, safe='')}"
        body = None
        deadline = time.monotonic() + 60
        while body is None and time.monotonic() < deadline and view.poll() is None:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    body = json.load(response)
            except OSError:
                time.sleep(0.5)
        assert body is not None, "inspect view did not serve the log"
        assert [s["name"] for s in body["results"]["scores"]] == ["extract", "answer_format", "llm"]
        assert all(s["scores"]["llm"]["metadata"]["judge"] == "mockllm/judge-r" for s in body["samples"])
    finally:
        view.terminate()
        view.wait(timeout=10)
