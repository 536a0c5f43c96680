"""The OpenAI-compatible judge path end to end, against a local fake server on 127.0.0.1.

Fast settings (see testkit.fake_openai): the openai SDK absorbs 429/500 and
client time-outs (``max_retries``, ``client_timeout``), the server asks for a 1 ms
``retry-after-ms``, and Inspect's own retries are off unless a test wants them.
"""

from __future__ import annotations

import math
import re
import shutil

from inspect_ai.log import read_eval_log, write_eval_log
from inspect_ai.model import GenerateConfig, Model, ModelConfig, get_model
from judge_helpers import GOLD, RESPONSE, answering_solver, recording_judge, run_eval

from procskill.analysis import rejudge
from testkit.fake_openai import FakeOpenAIServer
from testkit.scores import labelled

JUDGE = "openai-api/fake/judge-1"
NAME = f"llm@{JUDGE}"


def verdicts(request: dict) -> str:
    """A judge that passes a response containing the gold answer; gibberish for code 201."""
    text = request["messages"][-1]["content"]
    gold = GOLD.search(text).group(1).strip()
    if gold == "201":
        return "I am not sure what to say here."
    return "Reasoning.\nVERDICT: " + (
        "PASS" if re.search(rf"\b{gold}\b", RESPONSE.search(text).group(2)) else "FAIL"
    )


def fake_judge(server: FakeOpenAIServer, name: str = JUDGE, sdk_retries: int = 3, **config) -> Model:
    return get_model(
        name,
        base_url=server.base_url,
        api_key="test-key",
        config=GenerateConfig(max_retries=0, **config),
        max_retries=sdk_retries,
        client_timeout=0.5,
        memoize=False,
    )


def condition_blind(log) -> None:
    """Both conditions of a task get the same verdict (same response, blind judge)."""
    by_task: dict[str, set] = {}
    for s in log.samples:
        value = labelled(s)[NAME].value
        by_task.setdefault(s.metadata["task_id"], set()).add("nan" if math.isnan(value) else value)
    assert all(len(v) == 1 for v in by_task.values()), by_task


def test_verdicts_garbage_and_faults_through_the_openai_path(packs, tmp_path) -> None:
    with FakeOpenAIServer(verdicts, retry_after_ms=1, hang_seconds=30) as server:
        server.inject("429", "500", "hang")
        log = run_eval(packs, tmp_path / "logs", "llm", roles={"grader": fake_judge(server)})
        assert server.faults_served == ["429", "500", "hang"]
        assert server.calls == server.completed + 3

    values = {s.id: labelled(s)[NAME] for s in log.samples}
    for sample in log.samples:
        score = values[sample.id]
        if sample.target == "201":  # garbage verdict: unscored, with the reply kept
            assert math.isnan(score.value) and score.reason == "grader_failed"
            assert "not sure" in score.explanation
        else:  # every other sample judged correctly despite 429, 500 and a hung request
            assert score.value == 1.0 and score.metadata["verdict"] == "PASS"
    assert all(s.error is None for s in log.samples)
    condition_blind(log)
    # A garbage verdict drops its pair from Δ, it does not count as a failure.
    metrics = log.results.scores[0].metrics
    assert metrics["pass_base"].value == 1.0 and metrics["pairs"].value == 5


def per_condition(messages) -> str:
    """Different responses in the two conditions, so every episode has its own judge prompt."""
    with_block = "Follow this procedure" in messages[-1].text
    return answering_solver(messages) + ("\nI followed the procedure." if with_block else "")


def test_a_hang_past_every_retry_is_marked_and_rejudged(packs, tmp_path) -> None:
    log_dir = tmp_path / "logs"
    with FakeOpenAIServer(verdicts, retry_after_ms=1, hang_seconds=30) as server:
        judge = fake_judge(server, sdk_retries=0, max_connections=1)
        server.inject("hang")
        log = run_eval(
            packs, log_dir, "llm", roles={"grader": judge}, skills="skill-00", solver=per_condition
        )
        failed = [s for s in log.samples if labelled(s)[NAME].reason == "grader_error"]
        # The hung call failed (nothing retries it here), its sample is marked; nothing else is lost.
        assert len(failed) == 1 and "judge call failed" in labelled(failed[0])[NAME].explanation
        assert failed[0].output.completion and failed[0].error is None
        assert sum(labelled(s)[NAME].value == 1.0 for s in log.samples) == 3

        calls = server.calls
        [result] = rejudge(log_dir, judge)  # re-judges only what failed; the rest comes from the cache
        assert result.action == "redone" and result.unscored == {}
        assert server.calls - calls == 1

        calls = server.calls
        assert rejudge(log_dir, judge)[0].action == "skipped" and server.calls == calls
    after = read_eval_log(log.location)
    assert all(labelled(s)[NAME].value == 1.0 for s in after.samples)
    assert [s.name for s in after.results.scores] == ["llm", "answer_format"]  # redone in place


def test_inspect_retries_a_hung_attempt(packs, tmp_path, monkeypatch) -> None:
    import tenacity
    from inspect_ai.model._providers.openai_compatible import OpenAICompatibleAPI

    # Inspect waits 3-6 s before retrying an attempt; a test need not.
    monkeypatch.setattr(OpenAICompatibleAPI, "retry_wait", lambda self: tenacity.wait_fixed(0.01))
    with FakeOpenAIServer(verdicts, hang_seconds=30) as server:
        judge = get_model(
            JUDGE,
            base_url=server.base_url,
            api_key="test-key",
            memoize=False,
            max_retries=0,
            config=GenerateConfig(max_retries=2, attempt_timeout=1),
        )
        server.inject("hang")
        log = run_eval(
            packs, tmp_path / "logs", "llm", roles={"grader": judge}, skills="skill-00", condition="base"
        )
        assert server.faults_served == ["hang"] and server.completed == 2
    assert [labelled(s)[NAME].value for s in log.samples] == [1.0, 1.0]


def test_rejudge_rerun_makes_no_api_calls(packs, tmp_path) -> None:
    log = run_eval(packs, tmp_path / "logs")
    copy = tmp_path / "copy" / "log.eval"
    copy.parent.mkdir()
    shutil.copy(log.location, copy)
    with FakeOpenAIServer(verdicts, retry_after_ms=1) as server:
        [first] = rejudge(log.location, fake_judge(server), max_connections=2)
        assert first.action == "added" and first.unscored == {"grader_failed": 2}
        assert 0 < server.calls <= 12
        calls = server.calls
        # The same responses in an unjudged copy of the log: every verdict comes from the cache.
        [second] = rejudge(copy, fake_judge(server), max_connections=2)
        assert second.action == "added" and server.calls == calls
        # bench after llm: the free-form prompts are the same, so no call either.
        rejudge(copy, fake_judge(server), path="bench")
        assert server.calls == calls
    a, b = read_eval_log(log.location), read_eval_log(str(copy))
    assert [labelled(s)[NAME].explanation for s in a.samples] == [
        labelled(s)[NAME].explanation for s in b.samples
    ]


def test_cross_family_rejudge_through_openrouter(packs, tmp_path, monkeypatch) -> None:
    """The paper's setup: graded by one family at eval time, re-judged by another via OpenRouter."""
    claude_stand_in, _ = recording_judge("claude-haiku-4-5")
    log = run_eval(packs, tmp_path / "logs", "extract,llm", roles={"grader": claude_stand_in})
    # As if graded by the real Claude: a re-judge must not need its API key (it never calls it).
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    stored = read_eval_log(log.location)
    stored.eval.model_roles = {"grader": ModelConfig(model="anthropic/claude-haiku-4-5")}
    write_eval_log(stored, log.location)
    with FakeOpenAIServer(verdicts, retry_after_ms=1) as server:
        gpt = fake_judge(server, name="openrouter/openai/gpt-5.4")
        [result] = rejudge(tmp_path / "logs", gpt)
        assert server.requests[0]["model"] == "openai/gpt-5.4"
    assert result.score == "llm@openrouter/openai/gpt-5.4"
    after = read_eval_log(log.location)
    assert [s.name for s in after.results.scores] == ["extract", "llm", "answer_format", "llm1"]
    assert list(labelled(after.samples[0])) == [
        "extract",
        "llm@mockllm/claude-haiku-4-5",
        "answer_format",
        "llm@openrouter/openai/gpt-5.4",
    ]
    assert after.eval.model_roles["grader"].model == "anthropic/claude-haiku-4-5"  # the record is kept


def test_cli_rejudge_against_the_fake_server(packs, tmp_path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from procskill.cli import app

    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    run_eval(packs, tmp_path / "logs")
    with FakeOpenAIServer(verdicts, retry_after_ms=1) as server:
        args = [
            "rejudge",
            str(tmp_path / "logs"),
            "--judge",
            "openai/judge-1",
            "--base-url",
            server.base_url,
            "-M",
            "responses_api=false",
            "-M",
            "client_timeout=0.5",
            "--max-retries",
            "0",
            "--max-connections",
            "3",
        ]
        first = CliRunner().invoke(app, args)
        assert first.exit_code == 0, first.output
        assert "added  llm@openai/judge-1" in first.output and "12 judged" in first.output
        second = CliRunner().invoke(app, args)
        assert second.exit_code == 0 and "skipped  llm@openai/judge-1" in second.output
        assert server.completed == server.calls <= 12
