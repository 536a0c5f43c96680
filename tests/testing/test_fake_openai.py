"""FakeOpenAIServer: scripted replies, fault injection and counters on chat completions, the Responses API and
Anthropic's Messages API, via the openai and anthropic clients and Inspect's providers."""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time

os.environ["HF_HUB_OFFLINE"] = "1"

import anthropic
import openai
import pytest

from testkit.fake_openai import (
    CHAT_COMPLETIONS,
    HANG_REPLY,
    MESSAGES,
    RESPONSES,
    FakeOpenAIServer,
    last_user_text,
)

USER = [{"role": "user", "content": "What is 2 + 2?"}]


def client(server: FakeOpenAIServer, *, max_retries: int = 2, timeout: float = 5.0) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=server.base_url, api_key="test-key", max_retries=max_retries, timeout=timeout
    )


def ask(c: openai.OpenAI, **kwargs):
    return c.chat.completions.create(model="fake-model", messages=USER, **kwargs)


# -- raw openai client ------------------------------------------------------------------------------


def test_loopback_only():
    with pytest.raises(ValueError):
        FakeOpenAIServer(host="0.0.0.0")
    with pytest.raises(ValueError):
        FakeOpenAIServer().inject("418")


def test_list_responder_in_order_then_repeats_last_with_usage_and_counters():
    with FakeOpenAIServer(["first", "second answer"]) as server:
        assert server.base_url == f"http://127.0.0.1:{server.port}/v1"
        c = client(server)
        replies = [ask(c) for _ in range(3)]
        assert [r.choices[0].message.content for r in replies] == ["first", "second answer", "second answer"]
        assert replies[1].usage.prompt_tokens == 5 and replies[1].usage.completion_tokens == 2  # words
        assert replies[1].usage.total_tokens == 7
        assert server.calls == server.completed == 3 and server.faults_served == []
        assert server.requests[0]["messages"] == USER
        assert server.request_headers[0]["authorization"] == "Bearer test-key"
        assert [m.id for m in c.models.list()] == ["fake-model"]
    assert not server.running


def test_default_and_callable_responders():
    with FakeOpenAIServer() as server:
        assert ask(client(server)).choices[0].message.content == "OK"
    with FakeOpenAIServer(lambda req: "echo: " + req["messages"][-1]["content"]) as server:
        assert ask(client(server)).choices[0].message.content == "echo: What is 2 + 2?"


def test_responder_exception_is_a_500_and_counted():
    def broken(req):
        raise RuntimeError("boom")

    with FakeOpenAIServer(broken) as server:
        with pytest.raises(openai.InternalServerError):
            ask(client(server, max_retries=0))
        assert server.calls == 1 and server.completed == 0 and "boom" in server.errors[0]


def test_status_faults_are_retried_by_the_sdk_in_order_without_consuming_the_script():
    with FakeOpenAIServer(["one", "two"], retry_after_ms=1) as server:
        server.inject("429", "500", "503")
        c = client(server, max_retries=3)
        t0 = time.monotonic()
        assert ask(c).choices[0].message.content == "one"  # faults never consume the responder
        assert time.monotonic() - t0 < 2
        assert ask(c).choices[0].message.content == "two"
        assert server.faults_served == ["429", "500", "503"]
        assert server.calls == 5 and server.completed == 2
        assert server.pending_faults == []


def test_429_carries_retry_after_and_openai_error_body():
    with FakeOpenAIServer() as server:
        server.inject("429")
        with pytest.raises(openai.RateLimitError) as info:
            ask(client(server, max_retries=0))
        assert info.value.response.headers["retry-after"] == "0"
        assert info.value.body["code"] == "rate_limit_exceeded"


def test_nonjson_truncated_and_empty_through_the_raw_client():
    with FakeOpenAIServer("a b c") as server:
        c = client(server, max_retries=0)
        server.inject("nonjson", "truncated", "empty")
        html = ask(c)
        assert isinstance(html, str) and html.startswith("<html>")  # the SDK hands back the raw body
        with pytest.raises(json.JSONDecodeError):
            ask(c)
        empty = ask(c)
        assert empty.choices[0].message.content == "" and empty.usage.completion_tokens == 0
        assert server.calls == 3 and server.completed == 0


def test_hang_times_out_and_the_retry_succeeds():
    with FakeOpenAIServer("fine", hang_seconds=10) as server:
        server.inject("hang")
        t0 = time.monotonic()
        assert ask(client(server, max_retries=1, timeout=0.3)).choices[0].message.content == "fine"
        assert time.monotonic() - t0 < 3
        assert server.calls == 2 and server.completed == 1 and server.faults_served == ["hang"]


def test_hang_answers_late_if_the_client_waits():
    with FakeOpenAIServer("fine", hang_seconds=0.2) as server:
        server.inject("hang")
        assert ask(client(server, max_retries=0)).choices[0].message.content == HANG_REPLY


def test_stop_does_not_wait_for_a_hang():
    server = FakeOpenAIServer(hang_seconds=30).start()
    server.inject("hang")
    errors: list[BaseException] = []

    def call():
        try:
            ask(client(server, max_retries=0, timeout=30))
        except BaseException as ex:  # noqa: BLE001
            errors.append(ex)

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    deadline = time.monotonic() + 3
    while server.calls == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    t0 = time.monotonic()
    server.stop()
    assert time.monotonic() - t0 < 2
    thread.join(3)
    assert not thread.is_alive() and isinstance(errors[0], openai.APIConnectionError)


def test_streaming_sse_with_usage_and_truncated_stream():
    with FakeOpenAIServer("hello there world") as server:
        c = client(server, max_retries=0)
        chunks = list(ask(c, stream=True, stream_options={"include_usage": True}))
        text = "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)
        assert text == "hello there world"
        assert chunks[-1].usage.completion_tokens == 3
        server.inject("truncated")
        partial = list(ask(c, stream=True, stream_options={"include_usage": True}))
        text = "".join(ch.choices[0].delta.content or "" for ch in partial if ch.choices)
        assert text == "hello th" and all(ch.usage is None for ch in partial)


# -- through Inspect --------------------------------------------------------------------------------


def inspect_generate(server: FakeOpenAIServer, *, inspect_retries: int = 0, **model_args):
    from inspect_ai.model import GenerateConfig, get_model

    model = get_model(
        "openai-api/fake/judge-1",
        base_url=server.base_url,
        api_key="test-key",
        config=GenerateConfig(max_retries=inspect_retries),
        memoize=False,
        **model_args,
    )
    return asyncio.run(model.generate("What is 2 + 2?"))


def test_inspect_generate_plain_has_usage():
    with FakeOpenAIServer("GRADE: C") as server:
        out = inspect_generate(server)
        assert out.completion == "GRADE: C"
        assert out.usage.input_tokens == 5 and out.usage.output_tokens == 2
        assert server.requests[0]["model"] == "judge-1" and not server.requests[0].get("stream")


def test_inspect_status_faults_absorbed_by_sdk_retries_fast():
    with FakeOpenAIServer("GRADE: C", retry_after_ms=1) as server:
        server.inject("429", "500")
        t0 = time.monotonic()
        out = inspect_generate(server, max_retries=3, client_timeout=2.0)
        assert out.completion == "GRADE: C"
        assert time.monotonic() - t0 < 3
        assert server.calls == 3 and server.completed == 1


def test_inspect_exhausted_retries_raise_retry_error():
    from tenacity import RetryError

    with FakeOpenAIServer(retry_after_ms=1) as server:
        server.inject("503", "503")
        with pytest.raises(RetryError) as info:
            inspect_generate(server, max_retries=1)
        assert isinstance(info.value.last_attempt.exception(), openai.InternalServerError)
        assert server.calls == 2 and server.completed == 0


def test_inspect_hang_with_client_timeout_is_retried_by_the_sdk():
    with FakeOpenAIServer("GRADE: I", hang_seconds=10) as server:
        server.inject("hang")
        t0 = time.monotonic()
        out = inspect_generate(server, max_retries=1, client_timeout=0.3)
        assert out.completion == "GRADE: I" and time.monotonic() - t0 < 4
        assert server.calls == 2


def test_inspect_nonjson_is_a_retryable_response_error():
    from inspect_ai.model._openai import OpenAIResponseError
    from tenacity import RetryError

    with FakeOpenAIServer() as server:
        server.inject("nonjson")
        with pytest.raises(RetryError) as info:
            inspect_generate(server, max_retries=2)
        assert isinstance(info.value.last_attempt.exception(), OpenAIResponseError)
        assert server.calls == 1  # the SDK does not retry a 200; Inspect would (after 3-6 s)


def test_inspect_truncated_raises_json_error_without_retry():
    with FakeOpenAIServer() as server:
        server.inject("truncated")
        with pytest.raises(json.JSONDecodeError):
            inspect_generate(server, max_retries=2)
        assert server.calls == 1


def test_inspect_empty_is_an_empty_completion():
    with FakeOpenAIServer() as server:
        server.inject("empty")
        out = inspect_generate(server)
        assert out.completion == "" and out.stop_reason == "stop" and out.usage.output_tokens == 0


def test_inspect_truncated_stream_is_silently_accepted():
    with FakeOpenAIServer("GRADE: C because") as server:
        server.inject("truncated")
        out = inspect_generate(server, stream=True)
        assert out.completion == "GRADE: C"  # first half of "GRADE: C because"
        assert out.usage is None and server.requests[0]["stream"] is True


# -- OpenAI Responses API and Anthropic Messages API -------------------------------------------------------


def test_responses_api_reply_usage_and_counters():
    with FakeOpenAIServer(lambda req: "echo " + last_user_text(req)) as server:
        c = client(server)
        reply = c.responses.create(
            model="gpt-5.4",
            instructions="Be brief.",
            reasoning={"effort": "low"},
            input=[{"role": "user", "content": [{"type": "input_text", "text": "a b c"}]}],
        )
        assert reply.output_text == "echo a b c" and reply.status == "completed" and reply.model == "gpt-5.4"
        assert (reply.usage.input_tokens, reply.usage.output_tokens, reply.usage.total_tokens) == (5, 4, 9)
        assert reply.usage.output_tokens_details.reasoning_tokens == 0
        assert c.responses.create(model="gpt-5.4", input="plain string").output_text == "echo plain string"
        assert server.paths == [RESPONSES, RESPONSES] and server.calls == server.completed == 2
        assert server.requests[0]["reasoning"] == {"effort": "low"}


def test_responses_api_stream_and_truncated_stream():
    with FakeOpenAIServer("hello there world") as server:
        c = client(server, max_retries=0)
        events = list(c.responses.create(model="gpt-5.4", input="hi", stream=True))
        assert events[-1].type == "response.completed"
        assert events[-1].response.output_text == "hello there world"
        assert [e.sequence_number for e in events] == list(range(len(events)))
        server.inject("truncated")
        events = list(c.responses.create(model="gpt-5.4", input="hi", stream=True))
        assert [e.delta for e in events if e.type == "response.output_text.delta"] == ["hello th"]
        assert not any(e.type == "response.completed" for e in events)


def test_responses_api_faults_in_openai_shape():
    with FakeOpenAIServer("fine", retry_after_ms=1) as server:
        server.inject("500", "429")
        assert client(server, max_retries=2).responses.create(model="m", input="x").output_text == "fine"
        server.inject("429")
        with pytest.raises(openai.RateLimitError) as info:
            client(server, max_retries=0).responses.create(model="m", input="x")
        assert info.value.body["code"] == "rate_limit_exceeded"
        assert server.faults_served == ["500", "429", "429"] and server.calls == 4 and server.completed == 1


def anthropic_client(server: FakeOpenAIServer, max_retries: int = 2) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=server.url, api_key="test-key", max_retries=max_retries)


def test_messages_api_reply_usage_headers_and_count_tokens():
    with FakeOpenAIServer(["first answer", "second"]) as server:
        c = anthropic_client(server)
        message = c.messages.create(
            model="claude-haiku-4-5",
            max_tokens=50,
            system="Be brief.",
            messages=[{"role": "user", "content": "What is 2 + 2?"}],
        )
        assert [b.text for b in message.content] == ["first answer"] and message.stop_reason == "end_turn"
        assert (message.usage.input_tokens, message.usage.output_tokens) == (7, 2)  # system counts
        assert c.messages.count_tokens(model="claude-haiku-4-5", messages=USER).input_tokens == 5
        assert server.calls == 1 and server.paths == [MESSAGES]  # count_tokens is no generation call
        assert server.request_headers[0]["authorization"] == "Bearer test-key"  # anthropic SDK 2.x
        assert last_user_text(server.requests[0]) == "What is 2 + 2?"


def test_messages_api_stream_and_truncated_stream():
    with FakeOpenAIServer("hello there world") as server:
        c = anthropic_client(server, max_retries=0)
        with c.messages.stream(model="claude-haiku-4-5", max_tokens=50, messages=USER) as stream:
            final = stream.get_final_message()
        assert final.content[0].text == "hello there world" and final.usage.output_tokens == 3
        assert final.stop_reason == "end_turn" and server.requests[0]["stream"] is True
        server.inject("truncated")
        events = list(c.messages.create(model="claude-haiku-4-5", max_tokens=50, messages=USER, stream=True))
        assert [e.delta.text for e in events if e.type == "content_block_delta"] == ["hello th"]
        assert events[-1].type == "content_block_delta"  # no message_delta / message_stop


def test_messages_api_faults_in_anthropic_shape():
    with FakeOpenAIServer("fine", retry_after_ms=1) as server:
        server.inject("429", "503")
        t0 = time.monotonic()
        assert (
            anthropic_client(server, max_retries=2)
            .messages.create(model="claude-haiku-4-5", max_tokens=5, messages=USER)
            .content[0]
            .text
            == "fine"
        )
        assert time.monotonic() - t0 < 2  # retry-after-ms, not the SDK's backoff
        server.inject("429", "empty")
        c = anthropic_client(server, max_retries=0)
        with pytest.raises(anthropic.RateLimitError) as info:
            c.messages.create(model="claude-haiku-4-5", max_tokens=5, messages=USER)
        assert info.value.body["error"]["type"] == "rate_limit_error"
        assert c.messages.create(model="claude-haiku-4-5", max_tokens=5, messages=USER).content == []
        assert server.faults_served == ["429", "503", "429", "empty"] and server.completed == 1


def test_inspect_providers_reach_their_endpoints(monkeypatch):
    from inspect_ai.model import GenerateConfig, get_model

    def reply(request):
        return f"{request['model']} says hi"

    with FakeOpenAIServer(reply) as server:
        for key, value in server.provider_env().items():
            monkeypatch.setenv(key, value)

        async def generate(name: str, **config):
            model = get_model(name, config=GenerateConfig(max_retries=0, **config), memoize=False)
            return await model.generate("What is 2 + 2?")

        async def all_providers():
            return [
                await generate("openai/gpt-5.4", max_tokens=100),
                await generate("anthropic/claude-haiku-4-5", max_tokens=100),
                await generate("anthropic/claude-haiku-4-5"),  # 32000 tokens by default: streamed
                await generate("openrouter/qwen/qwen3.5-4b"),
            ]

        outputs = asyncio.run(all_providers())
        assert [o.completion for o in outputs] == [
            "gpt-5.4 says hi",
            "claude-haiku-4-5 says hi",
            "claude-haiku-4-5 says hi",
            "qwen/qwen3.5-4b says hi",
        ]
        assert all(o.usage.input_tokens == 5 and o.usage.output_tokens == 3 for o in outputs)
        assert all(o.stop_reason == "stop" for o in outputs)
        # gpt-5.4 is a reasoning model: Inspect first probes once for reasoning summaries
        assert server.paths == [RESPONSES, RESPONSES, MESSAGES, MESSAGES, CHAT_COMPLETIONS]
        probe, gpt, claude, claude_streamed, _ = server.requests
        assert probe["input"] == "Please say 'hello, world'" and gpt["max_output_tokens"] == 100
        assert not claude.get("stream") and claude_streamed["stream"] is True
        assert claude_streamed["max_tokens"] == 32000


def test_provider_env_points_every_provider_here():
    with FakeOpenAIServer() as server:
        env = server.provider_env("k")
        assert env["ANTHROPIC_BASE_URL"] == server.url  # the anthropic SDK appends /v1/messages itself
        assert {env[k] for k in ("OPENAI_BASE_URL", "OPENROUTER_BASE_URL", "FAKE_BASE_URL")} == {
            server.base_url
        }
        assert {v for k, v in env.items() if k.endswith("_API_KEY")} == {"k"}
