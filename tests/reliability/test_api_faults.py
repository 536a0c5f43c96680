"""API faults, against the local fake OpenAI-compatible server: the eval finishes, affected samples are
retried or marked as errors (never scored as FAIL), and a retry completes them without recomputing
finished samples -- the server's call counter proves it.
"""

from __future__ import annotations

import math

import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai import eval_retry
from inspect_ai.log import EvalLog, read_eval_log
from reliability_helpers import SAMPLES, FaultsAfter, correct_answer, fake_model

from procskill.analysis import rejudge
from procskill.scorers import judge_label
from testkit.fake_openai import FakeOpenAIServer
from testkit.packs import CODE
from testkit.scores import labelled
from testkit.scripted import scripted_model

JUDGE_REPLY = "The response states the gold code.\nVERDICT: PASS"


def _eval(model, packs, tmp_path, **options) -> EvalLog:
    # display "log": the rich display spends seconds syntax-highlighting each sample error's traceback
    (log,) = inspect_eval(
        "procskill/procskill",
        model=model,
        task_args={"skills_dir": str(packs), **options.pop("task_args", {})},
        log_dir=str(tmp_path / "logs"),
        display="log",
        **options,
    )
    return log


def _never_fail(log: EvalLog, score: str = "extract") -> None:
    """Every sample passed, was unscored, or is an error: the server only ever answered correctly."""
    for sample in log.samples or []:
        if sample.error is None:
            value = labelled(sample)[score].value
            assert value == 1.0 or (isinstance(value, float) and math.isnan(value)), (sample.id, value)


def test_bursts_of_rate_limits_server_errors_and_hangs_are_retried(packs, tmp_path, fake_env):
    with FakeOpenAIServer(correct_answer, retry_after_ms=1, hang_seconds=10) as server:
        fake_env(server)
        server.inject("429", "500", "503", "hang", "429")
        log = _eval(fake_model("student", sdk_retries=5), packs, tmp_path)

    assert log.status == "success"
    assert [s.scores["extract"].value for s in log.samples] == [1.0] * SAMPLES
    assert server.faults_served == ["429", "500", "503", "hang", "429"]
    assert server.calls == SAMPLES + 5 and server.completed == SAMPLES


@pytest.mark.parametrize("fault", ["truncated", "nonjson"])
def test_unreadable_bodies_are_errors_and_eval_retry_redoes_only_those(fault, packs, tmp_path, fake_env):
    responder = FaultsAfter(3, fault)
    with FakeOpenAIServer(responder, retry_after_ms=1) as server:
        responder.server = server
        fake_env(server)
        first = _eval(fake_model("student"), packs, tmp_path)

        errors = [s for s in first.samples if s.error is not None]
        finished = [s for s in first.samples if s.error is None and s.scores]
        assert first.status == "error" and errors, "an unreadable body must surface as a sample error"
        assert any(type_ in e.error.message for e in errors for type_ in ("JSONDecodeError", "RetryError"))
        _never_fail(first)
        assert finished, "the samples before the fault finished"

        calls_before = server.calls
        (retried,) = eval_retry(first.location, log_dir=str(tmp_path / "logs"), display="log")
        new_calls = server.calls - calls_before

    assert retried.status == "success"
    assert [s.scores["extract"].value for s in retried.samples] == [1.0] * SAMPLES
    assert new_calls == SAMPLES - len(finished)  # finished samples were carried over, not regenerated
    carried = {s.id: s.output.completion for s in finished}
    assert {s.id: s.output.completion for s in retried.samples if s.id in carried} == carried


def test_samples_retry_within_the_eval_with_retry_on_error(packs, tmp_path, fake_env):
    responder = FaultsAfter(2, "truncated")
    with FakeOpenAIServer(responder, retry_after_ms=1) as server:
        responder.server = server
        fake_env(server)
        log = _eval(fake_model("student"), packs, tmp_path, retry_on_error=2)

    assert log.status == "success" and server.faults_served == ["truncated"]
    assert [s.scores["extract"].value for s in log.samples] == [1.0] * SAMPLES
    assert server.calls == SAMPLES + 1


def test_an_empty_completion_is_an_error_not_a_fail(packs, tmp_path, fake_env):
    responder = FaultsAfter(2, "empty")
    with FakeOpenAIServer(responder, retry_after_ms=1) as server:
        responder.server = server
        fake_env(server)
        first = _eval(fake_model("student"), packs, tmp_path)
        _never_fail(first)
        errored = sum(1 for s in first.samples if s.error)
        finished = {s.id: s.uuid for s in first.samples if not s.error}
        assert errored >= 1
        calls_before = server.calls
        (retried,) = eval_retry(first.location, log_dir=str(tmp_path / "logs"), display="log")
        # Only the errored samples are generated again: finished ones are carried over as they were
        # (the SDK may retry a call, so the count is bounded rather than exact).
        assert 1 <= server.calls - calls_before <= errored * 4
        assert {s.id: s.uuid for s in retried.samples if s.id in finished} == finished

    assert [s.scores["extract"].value for s in retried.samples] == [1.0] * SAMPLES


# -- the judge -----------------------------------------------------------------------------------------


def _counting_student():
    calls = []

    def answer(messages):
        calls.append(1)
        return f"Step 1: read the code.\nANSWER: {CODE.search(messages[-1].text).group(1)}"

    return scripted_model(answer, name="student"), calls


def test_judge_faults_are_retried_or_unscored_and_rejudge_redoes_only_failed_calls(packs, tmp_path, fake_env):
    student, student_calls = _counting_student()
    with FakeOpenAIServer(JUDGE_REPLY, retry_after_ms=1, hang_seconds=10) as server:
        fake_env(server)
        judge = fake_model("judge", sdk_retries=3)
        # 429, 503 and the hang (timed out) are absorbed by the SDK's retries, whichever calls meet
        # them. "nonjson" is retried by Inspect only, which is off here: exactly one call fails.
        server.inject("429", "503", "hang", "nonjson")
        log = _eval(
            student, packs, tmp_path, model_roles={"grader": judge}, task_args={"scoring": "extract,llm"}
        )
        name = judge_label("llm", judge)
        assert log.status == "success" and len(student_calls) == SAMPLES
        _never_fail(log, name)
        reasons = [labelled(s)[name].reason for s in log.samples]
        failed_calls = reasons.count("grader_error")
        assert failed_calls == 1 and reasons.count(None) == SAMPLES - 1

        calls_before = server.calls
        (result,) = rejudge(log.location, judge)
        new_calls = server.calls - calls_before

    rejudged = read_eval_log(log.location)
    assert result.action == "redone" and result.unscored == {}
    assert [labelled(s)[name].value for s in rejudged.samples] == [1.0] * SAMPLES
    assert new_calls <= failed_calls  # answered calls come from the cache; identical prompts may share one
    assert len(student_calls) == SAMPLES  # re-judging never calls the evaluated model


def test_a_truncated_judge_reply_is_a_sample_error_not_a_fail(packs, tmp_path, fake_env):
    student, _ = _counting_student()
    with FakeOpenAIServer(JUDGE_REPLY, retry_after_ms=1) as server:
        fake_env(server)
        judge = fake_model("judge")
        server.inject("truncated")
        log = _eval(
            student, packs, tmp_path, model_roles={"grader": judge}, task_args={"scoring": "extract,llm"}
        )
    name = judge_label("llm", judge)
    errors = [
        s.error.message for s in log.samples if s.error is not None
    ]  # the failed one, and any cancelled
    assert any("JSONDecodeError" in message for message in errors), errors
    _never_fail(log, name)


def test_an_empty_judge_reply_is_asked_again(packs, tmp_path, fake_env):
    student, _ = _counting_student()
    with FakeOpenAIServer(JUDGE_REPLY, retry_after_ms=1) as server:
        fake_env(server)
        judge = fake_model("judge")
        server.inject("empty")
        log = _eval(
            student, packs, tmp_path, model_roles={"grader": judge}, task_args={"scoring": "extract,llm"}
        )
        rejudge(log.location, judge)
    name = judge_label("llm", judge)
    assert [labelled(s)[name].value for s in read_eval_log(log.location).samples] == [1.0] * SAMPLES
