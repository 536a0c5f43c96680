"""The fake model server, also speaking OpenAI's batch protocol (as Inspect's ``OpenAIBatcher`` calls it).

``POST /v1/files`` (multipart, ``purpose=batch``: a JSONL of ``{custom_id, method, url, body}``, chat completions or
Responses API bodies),
``POST /v1/batches`` (``{input_file_id, endpoint, completion_window}``), ``GET /v1/batches/{id}`` and
``GET /v1/files/{id}/content`` (a JSONL of ``{custom_id, response: {status_code, body}, error}``). A batch
completes as soon as it is created: each of its requests is answered by the server's responder, counted in
``calls`` like a direct request (``paths`` records ``BATCH``) and listed in ``batched``.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any, Self

from testkit.fake_openai import CHAT_COMPLETIONS, RESPONSES, FakeOpenAIServer, _Handler, _Server

BATCH = "/v1/batches"


class _BatchHandler(_Handler):
    server: _Server

    def do_GET(self) -> None:
        path = self._path()
        fake: FakeBatchServer = self.server.fake  # type: ignore[assignment]
        if path.startswith("/v1/batches/"):
            batch = fake._batches.get(path.removeprefix("/v1/batches/"))
            if batch is None:
                self._send_error(404, f"No batch {path}", "invalid_request_error", "not_found")
            else:
                fake.batch_checks += 1
                self._send_json(200, batch)
        elif path.startswith("/v1/files/") and path.endswith("/content"):
            content = fake._files.get(path.removeprefix("/v1/files/").removesuffix("/content"))
            if content is None:
                self._send_error(404, f"No file {path}", "invalid_request_error", "not_found")
            else:
                self._send(200, content, "application/octet-stream")
        else:
            super().do_GET()

    def do_POST(self) -> None:
        path = self._path()
        fake: FakeBatchServer = self.server.fake  # type: ignore[assignment]
        if path == "/v1/files":
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            header = f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode()
            message = BytesParser(policy=HTTP).parsebytes(header + raw)
            fields = {
                part.get_param("name", header="content-disposition"): part for part in message.iter_parts()
            }
            content = fields["file"].get_payload(decode=True)
            file_id = fake._add_file(content)
            self._send_json(
                200,
                {
                    "id": file_id,
                    "object": "file",
                    "bytes": len(content),
                    "created_at": int(time.time()),
                    "filename": "batch.jsonl",
                    "purpose": "batch",
                    "status": "processed",
                },
            )
        elif path == BATCH:
            request = self._json_body()
            if request is not None:
                self._send_json(200, fake._run_batch(request))
        else:
            super().do_POST()


class FakeBatchServer(FakeOpenAIServer):
    """:class:`FakeOpenAIServer` plus OpenAI's files and batches endpoints (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._files: dict[str, bytes] = {}
        self._batches: dict[str, dict[str, Any]] = {}
        self._batch_ids = itertools.count(1)
        self.batched: list[dict[str, Any]] = []
        """The request bodies answered through batches."""
        self.batch_checks = 0

    def start(self) -> Self:
        if self._server is not None:
            return self
        self._stop_event.clear()
        server = _Server((self.host, self._requested_port), _BatchHandler)
        server.fake = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-batch", daemon=True
        )
        self._thread.start()
        return self

    def _add_file(self, content: bytes) -> str:
        with self._lock:
            file_id = f"file-{next(self._batch_ids)}"
            self._files[file_id] = content
        return file_id

    def _run_batch(self, request: dict[str, Any]) -> dict[str, Any]:
        lines = [
            json.loads(line) for line in self._files[request["input_file_id"]].splitlines() if line.strip()
        ]
        output = []
        for line in lines:
            body = line["body"]
            with self._lock:
                self._calls += 1
                self._completed += 1
                self._requests.append(body)
                self._headers.append({})
                self._paths.append(BATCH)
                self.batched.append(body)
            content = self._responder(body)
            responses = line.get("url", request.get("endpoint")) == RESPONSES
            completion = self._response(body, content) if responses else self._completion(body, content)
            output.append(
                {
                    "id": f"batch_req_{len(output)}",
                    "custom_id": line["custom_id"],
                    "response": {"status_code": 200, "request_id": "req", "body": completion},
                    "error": None,
                }
            )
        output_id = self._add_file("\n".join(json.dumps(o) for o in output).encode() + b"\n")
        now = int(time.time())
        batch = {
            "id": f"batch_{next(self._batch_ids)}",
            "object": "batch",
            "endpoint": request.get("endpoint", CHAT_COMPLETIONS),
            "completion_window": request.get("completion_window", "24h"),
            "created_at": now,
            "completed_at": now,
            "input_file_id": request["input_file_id"],
            "status": "completed",
            "output_file_id": output_id,
            "error_file_id": None,
            "errors": None,
            "request_counts": {"total": len(lines), "completed": len(lines), "failed": 0},
        }
        with self._lock:
            self._batches[batch["id"]] = batch
        return batch
