"""A fake OpenAI-compatible chat-completions server on 127.0.0.1, with scripted replies and fault injection.

Measured against inspect-ai 0.3.285 + openai SDK (AsyncOpenAI, httpx2), November 2026. Two retry layers
stack: the **openai SDK** retries inside one Inspect attempt, then **Inspect** (tenacity) retries attempts.

Which model string
------------------
* Use ``get_model("openai-api/fake/<name>", base_url=server.base_url, api_key="test-key", ...)`` (or on the
  CLI ``--model openai-api/fake/<name>`` with ``FAKE_BASE_URL`` / ``FAKE_API_KEY`` in the environment). It
  posts to ``/v1/chat/completions``, non-streaming (``stream`` is only sent with ``-M stream=true`` or an
  ``on_stream`` callback; this server also speaks SSE).
* ``openai/<name>`` + ``base_url`` uses the **Responses API** (``POST /v1/responses``, not served here ->
  404 ``openai.NotFoundError``, not retried). It works like ``openai-api`` only with the model arg
  ``responses_api=False``. Prefer ``openai-api/...``.

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

Server behaviour
----------------
``calls`` counts chat-completions requests; ``completed`` only normal (non-fault) 200 completions;
``calls == completed + len(faults_served) + len(errors)``. Faults apply strictly in order, one per request,
never consume a list/callable responder, and do not apply to ``GET /v1/models``. HTTP/1.0, one request per
connection, daemon handler threads: ``stop()`` never waits for a hang.

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
from typing import Any

__all__ = [
    "DEFAULT_REPLY",
    "FAULT_KINDS",
    "HANG_REPLY",
    "FakeOpenAIServer",
    "Responder",
    "count_tokens",
]

Responder = Callable[[dict[str, Any]], str]

DEFAULT_REPLY = "OK"
HANG_REPLY = "late reply after hang"
FAULT_KINDS = ("429", "500", "503", "hang", "truncated", "nonjson", "empty")
LOOPBACK = "127.0.0.1"

_NONJSON_BODY = (
    b"<html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>502 Bad Gateway</h1><p>injected non-JSON body</p></body></html>"
)
_ERRORS = {
    "429": (429, "rate_limit_exceeded", "requests", "Rate limit reached (injected fault)."),
    "500": (500, None, "server_error", "The server had an error processing your request (injected fault)."),
    "503": (503, None, "server_error", "The server is overloaded or not ready yet (injected fault)."),
}


def count_tokens(value: Any) -> int:
    """Whitespace word count of a message content (string, or a list of ``{"type": "text"}`` parts)."""
    if value is None:
        return 0
    if isinstance(value, str):
        return len(value.split())
    if isinstance(value, list):
        return sum(count_tokens(p.get("text") if isinstance(p, dict) else p) for p in value)
    return 0


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
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence stderr access log
        pass

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
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

    def _path(self) -> str:
        return self.path.split("?", 1)[0].rstrip("/")

    # -- routes ---------------------------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802
        if self._path() in ("/v1/models", "/models"):
            self._send_json(200, self.server.fake._models_payload())
        else:
            self._send_error(404, f"Unknown path {self.path}", "invalid_request_error", "not_found")

    def do_POST(self) -> None:  # noqa: N802
        if self._path() not in ("/v1/chat/completions", "/chat/completions"):
            self._send_error(404, f"Unknown path {self.path}", "invalid_request_error", "not_found")
            return
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            request = json.loads(raw.decode("utf-8") or "null")
            if not isinstance(request, dict):
                raise ValueError("request body must be a JSON object")
        except ValueError as ex:
            self._send_error(400, f"Invalid JSON body: {ex}", "invalid_request_error")
            return
        self.server.fake._handle_completion(self, request)


class FakeOpenAIServer:
    """Thread-based OpenAI-compatible server (``POST /v1/chat/completions``, ``GET /v1/models``).

    Args:
        responder: what the assistant says. A callable ``(request_json) -> str``, a string, or a list of
            strings consumed in order (the last one repeats). Default: ``DEFAULT_REPLY`` ("OK").
            Fault-injected requests never consume the responder, so a script stays aligned with the
            successful calls. If the callable raises, the request gets a 500 (recorded in ``errors``).
        host: must be "127.0.0.1" (anything else raises ``ValueError``).
        port: 0 (default) picks a free port.
        hang_seconds: how long a "hang" fault sleeps before answering (woken early by ``stop()``).
        retry_after_ms: if set, "429"/"500"/"503" also send ``retry-after-ms: N``; the openai SDK prefers it
            over ``Retry-After`` and then waits N ms instead of its 0.5 s/1 s/2 s... backoff (fast tests).
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

    # -- lifecycle ------------------------------------------------------------------------------------
    def start(self) -> FakeOpenAIServer:
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

    def __enter__(self) -> FakeOpenAIServer:
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
        """``http://127.0.0.1:PORT`` (no ``/v1``)."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1``: pass as ``base_url`` to the openai client or Inspect."""
        return f"{self.url}/v1"

    # -- fault injection ------------------------------------------------------------------------------
    def inject(self, *faults: str) -> FakeOpenAIServer:
        """Queue faults; each applies to one following chat-completions request, strictly in order."""
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
        """Requests to chat completions (including faulted ones; excluding unparseable bodies)."""
        with self._lock:
            return self._calls

    @property
    def completed(self) -> int:
        """Normal 200 completions (not fault-injected). calls == completed + len(faults_served) + len(errors)."""
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
        """JSON bodies of all chat-completions requests, in arrival order."""
        with self._lock:
            return list(self._requests)

    @property
    def request_headers(self) -> list[dict[str, str]]:
        """Headers of all chat-completions requests (lower-cased names), in arrival order."""
        with self._lock:
            return list(self._headers)

    def reset_counters(self) -> None:
        with self._lock:
            self._calls = self._completed = 0
            self._faults_served.clear()
            self._errors.clear()
            self._requests.clear()
            self._headers.clear()

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
        with self._lock:
            self._calls += 1
            self._requests.append(request)
            self._headers.append({k.lower(): v for k, v in handler.headers.items()})
            fault = self._faults.popleft() if self._faults else None
            if fault is not None:
                self._faults_served.append(fault)

        if fault in _ERRORS:
            status, code, type_, message = _ERRORS[fault]
            headers = {"Retry-After": "0"} if fault == "429" else {}
            if self.retry_after_ms is not None:
                headers["retry-after-ms"] = str(int(self.retry_after_ms))
            handler._send_json(
                status, {"error": {"message": message, "type": type_, "param": None, "code": code}}, headers
            )
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
                handler._send_error(500, f"responder failed: {ex!r}", "server_error")
                return

        completion = self._completion(request, content)
        if fault is None:  # counted before the response goes out, so a client never sees it uncounted
            with self._lock:
                self._completed += 1
        if request.get("stream"):
            self._send_stream(handler, request, completion, truncated=fault == "truncated")
        elif fault == "truncated":
            body = json.dumps(completion).encode("utf-8")
            handler._send(200, body[: len(body) // 2], "application/json")
        else:
            handler._send_json(200, completion)

    def _completion(self, request: dict[str, Any], content: str) -> dict[str, Any]:
        prompt_tokens = max(1, sum(count_tokens(m.get("content")) for m in request.get("messages") or []
                                   if isinstance(m, dict)))
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

    @staticmethod
    def _send_stream(handler: _Handler, request: dict[str, Any], completion: dict[str, Any],
                     truncated: bool) -> None:
        """Server-sent events, as the OpenAI API streams; "truncated" closes mid-content without [DONE]."""
        base = {k: completion[k] for k in ("id", "created", "model", "system_fingerprint")}
        base["object"] = "chat.completion.chunk"
        chunks: list[dict[str, Any]] = []
        for choice in completion["choices"]:
            i, content = choice["index"], choice["message"]["content"]
            chunks.append({**base, "choices": [{"index": i, "delta": {"role": "assistant", "content": ""},
                                                "logprobs": None, "finish_reason": None}]})
            if content:
                chunks.append({**base, "choices": [{"index": i, "delta": {"content": content},
                                                    "logprobs": None, "finish_reason": None}]})
            chunks.append({**base, "choices": [{"index": i, "delta": {}, "logprobs": None,
                                                "finish_reason": "stop"}]})
        if (request.get("stream_options") or {}).get("include_usage"):
            chunks.append({**base, "choices": [], "usage": completion["usage"]})
        if truncated:  # first choice's role chunk + the first half of its content; no finish, usage or [DONE]
            content = completion["choices"][0]["message"]["content"]
            chunks = [chunks[0]]
            if content[: len(content) // 2]:
                chunks.append({**base, "choices": [{"index": 0, "delta": {"content": content[: len(content) // 2]},
                                                    "logprobs": None, "finish_reason": None}]})
        events = [f"data: {json.dumps(c)}\n\n".encode() for c in chunks]
        if not truncated:
            events.append(b"data: [DONE]\n\n")
        try:
            handler.send_response(200)
            handler.send_header("Content-Type", "text/event-stream")
            handler.send_header("Cache-Control", "no-cache")
            handler.send_header("Connection", "close")
            handler.end_headers()
            for event in events:
                handler.wfile.write(event)
            handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, OSError):
            pass
