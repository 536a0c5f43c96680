"""A fake model-API server on 127.0.0.1 with scripted replies and fault injection. It speaks three protocols:
OpenAI chat completions, the OpenAI Responses API and Anthropic's Messages API.

Measured against inspect-ai 0.3.285 + openai SDK 3.57 + anthropic SDK 2.13 (httpx2), November 2026. Two retry
layers stack: the **SDK** retries inside one Inspect attempt, then **Inspect** (tenacity) retries attempts.

Which model string, which endpoint
----------------------------------
* ``openai-api/fake/<name>`` + ``base_url=server.base_url`` (on the CLI ``FAKE_BASE_URL`` / ``FAKE_API_KEY``)
  posts to ``/v1/chat/completions``, non-streaming (``stream`` is only sent with ``-M stream=true`` or an
  ``on_stream`` callback; this server also speaks SSE). The retry and fault notes below were measured here.
* ``openrouter/<org>/<name>``: chat completions too; the base URL comes from ``OPENROUTER_BASE_URL``
  (``server.base_url``), the key from ``OPENROUTER_API_KEY``. The request's ``model`` is ``<org>/<name>``.
* ``openai/<name>``: ``OPENAI_BASE_URL`` (``server.base_url``) + ``OPENAI_API_KEY``. GPT-5 / o-series /
  codex names use the **Responses API** (``POST /v1/responses``, non-streaming unless ``on_stream`` is
  given); other names use chat completions unless ``-M responses_api=true``. For a reasoning model
  (``gpt-5*``) Inspect first sends one probe per model instance (``input="Please say 'hello, world'"``,
  ``reasoning={"effort": "low", "summary": "auto"}``) to learn whether reasoning summaries are allowed:
  it takes one reply from a scripted list, so give such a model a callable responder.
* ``anthropic/<name>``: ``ANTHROPIC_BASE_URL`` = ``server.url`` (**no** ``/v1``: the SDK adds
  ``/v1/messages``) + ``ANTHROPIC_API_KEY`` (the anthropic SDK 2.13 sends it as ``Authorization: Bearer``).
  Inspect streams (SSE, served here) when ``max_tokens >= 8192`` or thinking is on; with no ``max_tokens``
  in the config Anthropic models get 32000, so a judge without a token limit streams.
  ``POST /v1/messages/count_tokens`` is answered too.
* ``server.provider_env()`` sets all of these variables (and ``FAKE_*``) at once.
* Every provider also reads ``INSPECT_EVAL_MODEL_BASE_URL`` when its own variable is unset: do not set it
  globally for a mixed eval.

Knobs (names exact)
-------------------
* ``GenerateConfig.max_retries`` = Inspect retries (N -> N+1 attempts; 0 -> no Inspect retry). Inspect's
  backoff is ``wait_exponential_jitter(initial=3, jitter=3)``: **3-6 s before its first retry**; the
  ``Retry-After`` value does not shorten it. When retries run out on a retryable error Inspect raises
  ``tenacity.RetryError`` (``ex.last_attempt.exception()`` is the real error), not the error itself.
* ``GenerateConfig.timeout`` is NOT a request timeout: it is the total retry budget, checked only after a
  failed attempt (a backoff sleep can overshoot it; a hung request is not interrupted by it).
* ``GenerateConfig.attempt_timeout`` (int s, >= 1) cancels a slow attempt; Inspect then retries (3-6 s wait).
* Model arg ``max_retries`` (``get_model(..., max_retries=5)`` / ``-M max_retries=5``) goes to ``AsyncOpenAI``:
  SDK retries (default 2) on 408/409/429/5xx and connection errors/timeouts, waiting 0.5 s, 1 s, 2 s... unless
  the response carries ``retry-after-ms``/``Retry-After`` > 0 (``Retry-After: 0`` is ignored -> 0.5 s).
  The anthropic SDK reads the same two headers.
* Model arg ``client_timeout`` (float s): the httpx timeout -> ``openai.APITimeoutError``, retried by the SDK.
* **Fast and deterministic for tests**: ``FakeOpenAIServer(..., retry_after_ms=1)`` + model args
  ``max_retries=<faults to absorb>, client_timeout=0.3`` + ``GenerateConfig(max_retries=0)`` (Inspect never
  sleeps). Measured: "429","500" -> 3 calls, 0.03-0.3 s; six faults with SDK max_retries=5 -> 0.2 s.
  To exercise Inspect's own retry loop fast instead, patch its wait:
  ``monkeypatch.setattr(OpenAICompatibleAPI, "retry_wait", lambda self: tenacity.wait_fixed(0.01))``
  (``inspect_ai.model._providers.openai_compatible``; a private path, guard it with a test).
* With ``GenerateConfig(max_retries=3, timeout=2)`` and defaults: "429" -> 2 calls, 0.6 s; "429","500" ->
  3 calls, 1.6 s (all SDK); "429","500","503" -> 3 calls, then ``RetryError`` after 2.6 s (budget spent).

What Inspect does with each fault (``openai-api``, non-streaming unless said)
---------------------------------------------------------------------------------
* ``"429"`` (``RateLimitError``; Inspect classes it ``rate_limit``), ``"500"``/``"503"``
  (``InternalServerError``, ``transient``): retried by the SDK first, then by Inspect; output is correct.
* ``"hang"``: only ``client_timeout`` (SDK retry, ~timeout + 0.5 s) or ``attempt_timeout`` (Inspect retry,
  + 3-6 s) end it; otherwise the call waits ``hang_seconds`` and gets ``HANG_REPLY``. Three hangs with
  ``client_timeout=0.5`` and SDK retries 2 -> ``RetryError`` wrapping ``APITimeoutError``. ``stop()``
  during a hang returns in ~0.02 s; the client sees ``APIConnectionError`` (server disconnected).
* ``"nonjson"`` (200 + HTML): the SDK returns the body as ``str`` (raw client: ``create()`` returns a str);
  Inspect raises ``OpenAIResponseError("server_error", "Unexpected non-ChatCompletion response ...")``,
  classed transient -> Inspect-level retry (3-6 s, not SDK). With Inspect max_retries=0 -> ``RetryError``;
  in ``eval()`` a sample error ``RetryError(...OpenAIResponseError)``.
* ``"truncated"`` (200, JSON cut in half): ``json.JSONDecodeError`` from the SDK, retried by NEITHER layer:
  ``generate`` raises it at once; in ``eval()`` it is a sample error ``JSONDecodeError(...)``. Streaming:
  the stream closes mid-content without [DONE] and Inspect silently ACCEPTS the partial text
  (``stop_reason="unknown"``, ``usage=None``).
* ``"empty"``: a normal ``ModelOutput`` with ``completion == ""``, ``stop_reason="stop"``, output_tokens 0;
  nothing retries it -- the scorer sees an empty answer.
* Every normal response carries ``usage`` (whitespace word counts, prompt >= 1), so ``eval()`` logs
  ``model_usage`` without tiktoken. Note: an ``eval()`` whose sample errors spent several extra seconds
  (4-19 s measured) in Inspect's error path; test error handling at the ``get_model().generate`` level.
* On the Responses and Messages APIs the same faults are served in that API's own shape (its error body,
  its SSE events; a truncated stream stops after half the text, before the terminal event); the client-side
  consequences above were measured on chat completions only.

Server behaviour
----------------
``calls`` counts generation requests on all three APIs (``paths`` says which endpoint each one hit);
``completed`` only normal (non-fault) 200 replies; ``calls == completed + len(faults_served) + len(errors)``.
Faults apply strictly in order, one per generation request whatever its API, never consume a list/callable
responder, and do not apply to ``GET /v1/models`` or ``count_tokens``. The responder gets the request's JSON
body as sent (``messages`` for chat and Messages, ``input`` for Responses); ``last_user_text(request)``
reads the last user turn from any of them. HTTP/1.0, one request per connection, daemon handler threads:
``stop()`` never waits for a hang.

Example::

    with FakeOpenAIServer(lambda req: "GRADE: C", retry_after_ms=1) as server:
        server.inject("429", "500")
        model = get_model("openai-api/fake/judge-1", base_url=server.base_url, api_key="test-key",
                          config=GenerateConfig(max_retries=0), max_retries=3, client_timeout=0.3,
                          memoize=False)
        output = await model.generate("hi")   # server.calls == 3, server.completed == 1
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

__all__ = [
    "CHAT_COMPLETIONS",
    "DEFAULT_REPLY",
    "FAULT_KINDS",
    "HANG_REPLY",
    "MESSAGES",
    "RESPONSES",
    "FakeOpenAIServer",
    "Responder",
    "count_tokens",
    "last_user_text",
]

Responder = Callable[[dict[str, Any]], str]

DEFAULT_REPLY = "OK"
HANG_REPLY = "late reply after hang"
FAULT_KINDS = ("429", "500", "503", "hang", "truncated", "nonjson", "empty")
LOOPBACK = "127.0.0.1"

CHAT_COMPLETIONS = "/v1/chat/completions"
RESPONSES = "/v1/responses"
MESSAGES = "/v1/messages"
"""The generation endpoints, as recorded in :attr:`FakeOpenAIServer.paths`."""

_ROUTES = {
    CHAT_COMPLETIONS: CHAT_COMPLETIONS,
    "/chat/completions": CHAT_COMPLETIONS,
    RESPONSES: RESPONSES,
    "/responses": RESPONSES,
    MESSAGES: MESSAGES,
    "/messages": MESSAGES,
}
_COUNT_TOKENS = ("/v1/messages/count_tokens", "/messages/count_tokens")

_NONJSON_BODY = (
    b"<html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>502 Bad Gateway</h1><p>injected non-JSON body</p></body></html>"
)
_ERRORS = {
    "429": (429, "rate_limit_exceeded", "requests", "Rate limit reached (injected fault)."),
    "500": (500, None, "server_error", "The server had an error processing your request (injected fault)."),
    "503": (503, None, "server_error", "The server is overloaded or not ready yet (injected fault)."),
}
_ANTHROPIC_ERROR_TYPES = {429: "rate_limit_error", 500: "api_error", 503: "overloaded_error"}


def count_tokens(value: Any) -> int:
    """Whitespace word count of a message content (string, or a list of ``{"type": "text"}`` parts)."""
    if value is None:
        return 0
    if isinstance(value, str):
        return len(value.split())
    if isinstance(value, list):
        return sum(count_tokens(p.get("text") if isinstance(p, dict) else p) for p in value)
    return 0


def _turns(request: dict[str, Any]) -> list[dict[str, Any]]:
    """The conversation turns of a request in any of the three APIs (Responses ``input`` may be a string)."""
    turns = request.get("messages")
    if turns is None:
        turns = request.get("input")
    if isinstance(turns, str):
        return [{"role": "user", "content": turns}]
    return [t for t in turns or [] if isinstance(t, dict)]


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(p["text"] for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
    return ""


def last_user_text(request: dict[str, Any]) -> str:
    """Text of the last user turn of a chat-completions, Responses or Messages request ("" if none)."""
    users = [t for t in _turns(request) if t.get("role") == "user"]
    return _text(users[-1].get("content")) if users else ""


def _prompt_tokens(request: dict[str, Any]) -> int:
    system = count_tokens(request.get("system")) + count_tokens(request.get("instructions"))
    return max(1, system + sum(count_tokens(t.get("content")) for t in _turns(request)))


def _make_responder(responder: Responder | str | Sequence[str] | None) -> Responder:
    if responder is None:
        return lambda request: DEFAULT_REPLY
    if isinstance(responder, str):
        text = responder
        return lambda request: text
    if callable(responder):
        return responder
    replies = list(responder)
    if not replies or not all(isinstance(r, str) for r in replies):
        raise TypeError("responder must be a callable, a string, or a non-empty list of strings")
    lock = threading.Lock()
    position = itertools.count()

    def scripted(request: dict[str, Any]) -> str:
        with lock:
            i = next(position)
        return replies[min(i, len(replies) - 1)]

    return scripted


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False
    fake: FakeOpenAIServer


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"  # one request per connection: no idle keep-alive threads to outlive stop()
    server_version = "procskill-fake-openai/1.0"

    # -- plumbing -------------------------------------------------------------------------------------
    def log_message(self, format: str, *args: Any) -> None:  # silence the stderr access log
        pass

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, OSError):
            pass  # the client gave up (e.g. timed out during a hang)

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(payload).encode("utf-8"), "application/json", headers)

    def _send_error(self, status: int, message: str, type_: str, code: str | None = None) -> None:
        self._send_json(status, {"error": {"message": message, "type": type_, "param": None, "code": code}})

    def _send_events(self, events: list[bytes]) -> None:
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            for event in events:
                self.wfile.write(event)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, OSError):
            pass

    def _path(self) -> str:
        return self.path.split("?", 1)[0].rstrip("/")

    def _json_body(self) -> dict[str, Any] | None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            request = json.loads(raw.decode("utf-8") or "null")
            if not isinstance(request, dict):
                raise TypeError("request body must be a JSON object")
        except (ValueError, TypeError) as ex:
            self._send_error(400, f"Invalid JSON body: {ex}", "invalid_request_error")
            return None
        return request

    # -- routes ---------------------------------------------------------------------------------------
    def do_GET(self) -> None:
        if self._path() in ("/v1/models", "/models"):
            self._send_json(200, self.server.fake._models_payload())
        else:
            self._send_error(404, f"Unknown path {self.path}", "invalid_request_error", "not_found")

    def do_POST(self) -> None:
        path = self._path()
        if path in _COUNT_TOKENS:
            request = self._json_body()
            if request is not None:
                self._send_json(200, {"input_tokens": _prompt_tokens(request)})
            return
        endpoint = _ROUTES.get(path)
        if endpoint is None:
            self._send_error(404, f"Unknown path {self.path}", "invalid_request_error", "not_found")
            return
        request = self._json_body()
        if request is not None:
            self.server.fake._handle_generation(self, endpoint, request)


class FakeOpenAIServer:
    """Thread-based model-API server: ``POST /v1/chat/completions``, ``POST /v1/responses`` (OpenAI),
    ``POST /v1/messages`` (Anthropic), ``GET /v1/models``.

    Args:
        responder: what the assistant says. A callable ``(request_json) -> str``, a string, or a list of
            strings consumed in order (the last one repeats), shared by the three APIs. Default:
            ``DEFAULT_REPLY`` ("OK"). Fault-injected requests never consume the responder, so a script stays
            aligned with the successful calls. If the callable raises, the request gets a 500 (recorded in
            ``errors``).
        host: must be "127.0.0.1" (anything else raises ``ValueError``).
        port: 0 (default) picks a free port.
        hang_seconds: how long a "hang" fault sleeps before answering (woken early by ``stop()``).
        retry_after_ms: if set, "429"/"500"/"503" also send ``retry-after-ms: N``; the openai and anthropic
            SDKs prefer it over ``Retry-After`` and then wait N ms instead of their backoff (fast tests).
        models: model ids listed by ``GET /v1/models`` (plus every model id seen in requests).
    """

    def __init__(
        self,
        responder: Responder | str | Sequence[str] | None = None,
        *,
        host: str = LOOPBACK,
        port: int = 0,
        hang_seconds: float = 30.0,
        retry_after_ms: int | None = None,
        models: Iterable[str] = ("fake-model",),
    ) -> None:
        if host != LOOPBACK:
            raise ValueError(f"FakeOpenAIServer only binds {LOOPBACK} (loopback), not {host!r}")
        self._responder = _make_responder(responder)
        self.host = host
        self._requested_port = int(port)
        self.hang_seconds = float(hang_seconds)
        self.retry_after_ms = retry_after_ms
        self._models = list(models)
        self._lock = threading.Lock()
        self._faults: deque[str] = deque()
        self._stop_event = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._ids = itertools.count(1)
        self._calls = 0
        self._completed = 0
        self._faults_served: list[str] = []
        self._errors: list[str] = []
        self._requests: list[dict[str, Any]] = []
        self._headers: list[dict[str, str]] = []
        self._paths: list[str] = []

    # -- lifecycle ------------------------------------------------------------------------------------
    def start(self) -> Self:
        if self._server is not None:
            return self
        self._stop_event.clear()
        server = _Server((self.host, self._requested_port), _Handler)
        server.fake = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-openai", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stop_event.set()  # wakes "hang" handlers
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("server is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (no ``/v1``): the base URL the anthropic SDK wants."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1``: pass as ``base_url`` to the openai client or Inspect."""
        return f"{self.url}/v1"

    def provider_env(self, api_key: str = "test-key") -> dict[str, str]:
        """Environment variables that point Inspect's ``openai/``, ``openai-api/fake/``, ``openrouter/``
        and ``anthropic/`` providers at this server, with a dummy key for each."""
        return {
            "OPENAI_BASE_URL": self.base_url,
            "OPENAI_API_KEY": api_key,
            "FAKE_BASE_URL": self.base_url,
            "FAKE_API_KEY": api_key,
            "OPENROUTER_BASE_URL": self.base_url,
            "OPENROUTER_API_KEY": api_key,
            "ANTHROPIC_BASE_URL": self.url,
            "ANTHROPIC_API_KEY": api_key,
        }

    # -- fault injection ------------------------------------------------------------------------------
    def inject(self, *faults: str) -> FakeOpenAIServer:
        """Queue faults; each applies to one following generation request (any API), strictly in order."""
        for fault in faults:
            if fault not in FAULT_KINDS:
                raise ValueError(f"unknown fault {fault!r}; expected one of {FAULT_KINDS}")
        with self._lock:
            self._faults.extend(faults)
        return self

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def pending_faults(self) -> list[str]:
        with self._lock:
            return list(self._faults)

    # -- counters (thread-safe snapshots) -------------------------------------------------------------
    @property
    def calls(self) -> int:
        """Generation requests on any API (including faulted ones; excluding unparseable bodies)."""
        with self._lock:
            return self._calls

    @property
    def completed(self) -> int:
        """Normal 200 replies (not fault-injected). calls == completed + len(faults_served) + len(errors)."""
        with self._lock:
            return self._completed

    @property
    def faults_served(self) -> list[str]:
        with self._lock:
            return list(self._faults_served)

    @property
    def errors(self) -> list[str]:
        """Responder exceptions (answered with 500), as ``repr`` strings."""
        with self._lock:
            return list(self._errors)

    @property
    def requests(self) -> list[dict[str, Any]]:
        """JSON bodies of all generation requests, in arrival order."""
        with self._lock:
            return list(self._requests)

    @property
    def request_headers(self) -> list[dict[str, str]]:
        """Headers of all generation requests (lower-cased names), in arrival order."""
        with self._lock:
            return list(self._headers)

    @property
    def paths(self) -> list[str]:
        """The endpoint of each generation request (``CHAT_COMPLETIONS``, ``RESPONSES`` or ``MESSAGES``),
        parallel to ``requests``."""
        with self._lock:
            return list(self._paths)

    def reset_counters(self) -> None:
        with self._lock:
            self._calls = self._completed = 0
            self._faults_served.clear()
            self._errors.clear()
            self._requests.clear()
            self._headers.clear()
            self._paths.clear()

    # -- request handling (runs on handler threads) ---------------------------------------------------
    def _models_payload(self) -> dict[str, Any]:
        with self._lock:
            seen = [r.get("model") for r in self._requests]
        ids = list(dict.fromkeys([*self._models, *(m for m in seen if isinstance(m, str))]))
        return {
            "object": "list",
            "data": [{"id": m, "object": "model", "created": 0, "owned_by": "procskill-fake"} for m in ids],
        }

    def _handle_completion(self, handler: _Handler, request: dict[str, Any]) -> None:
        self._handle_generation(handler, CHAT_COMPLETIONS, request)

    def _handle_generation(self, handler: _Handler, endpoint: str, request: dict[str, Any]) -> None:
        with self._lock:
            self._calls += 1
            self._requests.append(request)
            self._headers.append({k.lower(): v for k, v in handler.headers.items()})
            self._paths.append(endpoint)
            fault = self._faults.popleft() if self._faults else None
            if fault is not None:
                self._faults_served.append(fault)

        if fault in _ERRORS:
            status, code, type_, message = _ERRORS[fault]
            headers = {"Retry-After": "0"} if fault == "429" else {}
            if self.retry_after_ms is not None:
                headers["retry-after-ms"] = str(int(self.retry_after_ms))
            handler._send_json(status, _error_body(endpoint, status, message, type_, code), headers)
            return
        if fault == "nonjson":
            handler._send(200, _NONJSON_BODY, "text/html; charset=utf-8")
            return
        if fault == "hang":
            if self._stop_event.wait(self.hang_seconds):
                return  # stopping: drop the connection without an answer
            content = HANG_REPLY
        elif fault == "empty":
            content = ""
        else:
            try:
                content = self._responder(request)
                if not isinstance(content, str):
                    raise TypeError(f"responder returned {type(content).__name__}, expected str")
            except Exception as ex:  # noqa: BLE001 - report any responder bug to the client as a 500
                with self._lock:
                    self._errors.append(repr(ex))
                handler._send_json(
                    500, _error_body(endpoint, 500, f"responder failed: {ex!r}", "server_error", None)
                )
                return

        if endpoint == RESPONSES:
            reply = self._response(request, content)
        elif endpoint == MESSAGES:
            reply = self._message(request, content)
        else:
            reply = self._completion(request, content)
        if fault is None:  # counted before the response goes out, so a client never sees it uncounted
            with self._lock:
                self._completed += 1
        truncated = fault == "truncated"
        if request.get("stream"):
            if endpoint == RESPONSES:
                handler._send_events(_response_events(reply, content, truncated))
            elif endpoint == MESSAGES:
                handler._send_events(_message_events(reply, content, truncated))
            else:
                self._send_stream(handler, request, reply, truncated=truncated)
        elif truncated:
            body = json.dumps(reply).encode("utf-8")
            handler._send(200, body[: len(body) // 2], "application/json")
        else:
            handler._send_json(200, reply)

    def _completion(self, request: dict[str, Any], content: str) -> dict[str, Any]:
        prompt_tokens = _prompt_tokens(request)
        completion_tokens = count_tokens(content)
        n = request.get("n") or 1
        return {
            "id": f"chatcmpl-fake-{next(self._ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request.get("model") or "fake-model",
            "system_fingerprint": "fp_procskill_fake",
            "choices": [
                {
                    "index": i,
                    "message": {"role": "assistant", "content": content, "refusal": None},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
                for i in range(int(n))
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens * int(n),
                "total_tokens": prompt_tokens + completion_tokens * int(n),
            },
        }

    def _response(self, request: dict[str, Any], content: str) -> dict[str, Any]:
        """A completed Responses API ``response`` object with one assistant message."""
        n = next(self._ids)
        now = int(time.time())
        input_tokens, output_tokens = _prompt_tokens(request), count_tokens(content)
        return {
            "id": f"resp_fake_{n}",
            "object": "response",
            "created_at": now,
            "completed_at": now,
            "status": "completed",
            "model": request.get("model") or "fake-model",
            "output": [
                {
                    "type": "message",
                    "id": f"msg_fake_{n}",
                    "status": "completed",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": content, "annotations": [], "logprobs": []}],
                }
            ],
            "usage": {
                "input_tokens": input_tokens,
                "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
                "output_tokens": output_tokens,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": input_tokens + output_tokens,
            },
            "error": None,
            "incomplete_details": None,
            "instructions": request.get("instructions"),
            "max_output_tokens": request.get("max_output_tokens"),
            "metadata": {},
            "parallel_tool_calls": True,
            "previous_response_id": None,
            "reasoning": request.get("reasoning"),
            "store": request.get("store", True),
            "temperature": request.get("temperature"),
            "text": request.get("text") or {"format": {"type": "text"}},
            "tool_choice": request.get("tool_choice", "auto"),
            "tools": request.get("tools") or [],
            "top_p": request.get("top_p"),
            "truncation": "disabled",
            "user": None,
        }

    def _message(self, request: dict[str, Any], content: str) -> dict[str, Any]:
        """An Anthropic Messages API ``message``; an empty reply has no content block, as the API sends it."""
        return {
            "id": f"msg_fake_{next(self._ids)}",
            "type": "message",
            "role": "assistant",
            "model": request.get("model") or "fake-model",
            "content": [{"type": "text", "text": content}] if content else [],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {
                "input_tokens": _prompt_tokens(request),
                "output_tokens": count_tokens(content),
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
                "service_tier": "standard",
            },
        }

    @staticmethod
    def _send_stream(
        handler: _Handler, request: dict[str, Any], completion: dict[str, Any], truncated: bool
    ) -> None:
        """Server-sent events, as the OpenAI API streams; "truncated" closes mid-content without [DONE]."""
        base = {k: completion[k] for k in ("id", "created", "model", "system_fingerprint")}
        base["object"] = "chat.completion.chunk"
        chunks: list[dict[str, Any]] = []
        for choice in completion["choices"]:
            i, content = choice["index"], choice["message"]["content"]
            chunks.append(
                {
                    **base,
                    "choices": [
                        {
                            "index": i,
                            "delta": {"role": "assistant", "content": ""},
                            "logprobs": None,
                            "finish_reason": None,
                        }
                    ],
                }
            )
            if content:
                chunks.append(
                    {
                        **base,
                        "choices": [
                            {
                                "index": i,
                                "delta": {"content": content},
                                "logprobs": None,
                                "finish_reason": None,
                            }
                        ],
                    }
                )
            chunks.append(
                {**base, "choices": [{"index": i, "delta": {}, "logprobs": None, "finish_reason": "stop"}]}
            )
        if (request.get("stream_options") or {}).get("include_usage"):
            chunks.append({**base, "choices": [], "usage": completion["usage"]})
        if truncated:  # first choice's role chunk + the first half of its content; no finish, usage or [DONE]
            content = completion["choices"][0]["message"]["content"]
            chunks = [chunks[0]]
            if content[: len(content) // 2]:
                chunks.append(
                    {
                        **base,
                        "choices": [
                            {
                                "index": 0,
                                "delta": {"content": content[: len(content) // 2]},
                                "logprobs": None,
                                "finish_reason": None,
                            }
                        ],
                    }
                )
        events = [f"data: {json.dumps(c)}\n\n".encode() for c in chunks]
        if not truncated:
            events.append(b"data: [DONE]\n\n")
        handler._send_events(events)


def _error_body(endpoint: str, status: int, message: str, type_: str, code: str | None) -> dict[str, Any]:
    if endpoint == MESSAGES:
        return {
            "type": "error",
            "error": {"type": _ANTHROPIC_ERROR_TYPES.get(status, "api_error"), "message": message},
        }
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


def _sse(events: list[dict[str, Any]]) -> list[bytes]:
    return [f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events]


def _response_events(response: dict[str, Any], content: str, truncated: bool) -> list[bytes]:
    """The Responses API event stream for a one-message response; "truncated" stops after half the text,
    before ``response.completed``."""
    item = response["output"][0]
    part = item["content"][0]
    where = {"item_id": item["id"], "output_index": 0, "content_index": 0}
    pending = {**response, "status": "in_progress", "output": [], "usage": None, "completed_at": None}
    head: list[dict[str, Any]] = [
        {"type": "response.created", "response": pending},
        {"type": "response.in_progress", "response": pending},
        {
            "type": "response.output_item.added",
            "output_index": 0,
            "item": {**item, "status": "in_progress", "content": []},
        },
        {"type": "response.content_part.added", **where, "part": {**part, "text": ""}},
    ]
    if truncated:
        events = head + [
            {
                "type": "response.output_text.delta",
                **where,
                "delta": content[: len(content) // 2],
                "logprobs": [],
            }
        ]
    else:
        events = head + [
            {"type": "response.output_text.delta", **where, "delta": content, "logprobs": []},
            {"type": "response.output_text.done", **where, "text": content, "logprobs": []},
            {"type": "response.content_part.done", **where, "part": part},
            {"type": "response.output_item.done", "output_index": 0, "item": item},
            {"type": "response.completed", "response": response},
        ]
    return _sse([{**e, "sequence_number": i} for i, e in enumerate(events)])


def _message_events(message: dict[str, Any], content: str, truncated: bool) -> list[bytes]:
    """The Messages API event stream; "truncated" stops after half the text, before ``message_stop``."""
    usage = message["usage"]
    events: list[dict[str, Any]] = [
        {
            "type": "message_start",
            "message": {
                **message,
                "content": [],
                "stop_reason": None,
                "usage": {**usage, "output_tokens": 1},
            },
        },
    ]
    text = content[: len(content) // 2] if truncated else content
    if content:
        events.append(
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}
        )
        events.append({"type": "ping"})
        if text:
            events.append(
                {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}}
            )
    if truncated:
        return _sse(events)
    if content:
        events.append({"type": "content_block_stop", "index": 0})
    events += [
        {
            "type": "message_delta",
            "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
            "usage": {"output_tokens": usage["output_tokens"]},
        },
        {"type": "message_stop"},
    ]
    return _sse(events)
