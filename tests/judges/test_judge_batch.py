"""Judges through the providers' batch APIs (Inspect's batch mode), end to end against the loopback fake
server speaking OpenAI's files + batches protocol: re-judges and the task's judges, same verdicts as
direct calls, token use recorded per judge score."""

from __future__ import annotations

import pytest
from fake_batch import BATCH, FakeBatchServer
from inspect_ai.log import read_eval_log
from inspect_ai.model import BatchConfig, GenerateConfig, get_model
from judge_helpers import GOLD, RESPONSE, answering_solver, run_eval

from procskill.analysis import rejudge
from testkit.fake_openai import CHAT_COMPLETIONS, last_user_text
from testkit.scores import labelled

# Batches sent as soon as 12 requests wait (or after 0.5 s), checked every 0.2 s: a test need not wait 15 s.
FAST_BATCH = BatchConfig(size=12, send_delay=0.5, tick=0.2)


def verdicts(request: dict) -> str:
    text = last_user_text(request)
    gold = GOLD.search(text).group(1).strip()
    return "Checked.\nVERDICT: " + ("PASS" if gold in RESPONSE.search(text).group(2) else "FAIL")


def per_condition(messages) -> str:
    with_block = "Follow this procedure" in messages[-1].text
    return answering_solver(messages) + ("\nI followed the procedure." if with_block else "")


@pytest.fixture
def openai_env(monkeypatch):
    def bind(server: FakeBatchServer) -> None:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")

    return bind


@pytest.mark.slow
def test_rejudge_through_the_batch_api_gives_the_direct_verdicts(packs, tmp_path, openai_env) -> None:
    batched_log = run_eval(packs, tmp_path / "batched", solver=per_condition)
    direct_log = run_eval(packs, tmp_path / "direct", solver=per_condition)
    name = "llm@openai/judge-batch"
    with FakeBatchServer(verdicts) as server:
        openai_env(server)
        # Chat completions: Inspect's Responses-API batch path sends one request per batch here.
        judge = get_model("openai/judge-batch", responses_api=False, memoize=False)
        [result] = rejudge(batched_log.location, judge, batch=FAST_BATCH, max_connections=12)
        assert result.action == "added" and result.judged == 12
        assert set(server.paths) == {BATCH} and len(server.batched) == 12  # every call went through a batch
        server.reset_counters()
        # Without batch mode (another judge name, so that nothing comes from the cache): direct calls.
        direct_judge = get_model("openai/judge-direct", responses_api=False, memoize=False)
        [direct] = rejudge(direct_log.location, direct_judge)
        assert direct.judged == 12 and set(server.paths) == {CHAT_COMPLETIONS} and server.calls == 12
    batched, plain = read_eval_log(batched_log.location), read_eval_log(direct_log.location)
    for a, b in zip(batched.samples, plain.samples):
        sa, sb = labelled(a)[name], labelled(b)["llm@openai/judge-direct"]
        assert (sa.value, sa.metadata["verdict"]) == (sb.value, sb.metadata["verdict"])
        assert (
            sa.metadata["judge_usage"] == sb.metadata["judge_usage"]
            and sa.metadata["judge_usage"]["input_tokens"] > 0
        )
    assert [s.value for s in (labelled(x)[name] for x in batched.samples)] == [1.0] * 12


def test_task_judges_use_the_batch_api_when_the_role_asks(packs, tmp_path, openai_env) -> None:
    with FakeBatchServer(verdicts) as server:
        openai_env(server)
        grader = get_model(
            "openai/judge-batch", config=GenerateConfig(batch=FAST_BATCH), responses_api=False, memoize=False
        )
        log = run_eval(
            packs, tmp_path / "logs", "extract,llm", roles={"grader": grader}, solver=per_condition
        )
        assert set(server.paths) == {BATCH} and len(server.batched) == 12
    scores = [labelled(s)["llm@openai/judge-batch"] for s in log.samples]
    assert [s.value for s in scores] == [1.0] * 12
    assert all(s.metadata["judge_usage"]["total_tokens"] > 0 for s in scores)
