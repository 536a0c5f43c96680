"""`procskill demo --quick`: every step of the offline pipeline, a rerun that resumes, and every command the
demo prints pasted into a fresh bash with the environment activated (the README's setup).

One quick demo (module fixture, ~40 s on 2 cores) serves both tests; pasting its commands costs ~60 s more
(each is a fresh process that imports Inspect / torch).
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from inspect_ai.log import list_eval_logs, read_eval_log

from procskill.studies import run_demo

pytestmark = pytest.mark.slow

ACTIVATE = Path(sys.executable).parent / "activate"
"""The README's `. .venv/bin/activate`, for the environment running these tests."""


@pytest.fixture(scope="module")
def quick_demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    lines: list[str] = []
    summary = run_demo(out, quick=True, display="none", echo=lines.append)
    return out, lines, summary


def test_quick_demo_runs_every_step_and_resumes(quick_demo):
    tmp_path, lines, summary = quick_demo

    configs = {c["label"]: c for c in summary["configurations"]}
    assert set(configs) == {"tiny-qwen35", "tiny-qwen35+SFT (demo_tiny_lora)"}
    post = configs["tiny-qwen35+SFT (demo_tiny_lora)"]
    assert post["sft"] and post["recipe"] == "demo_tiny_lora" and post["checkpoint"]["steps"] == 4
    assert summary["lifts"] and summary["lifts"][0]["pre"] == "tiny-qwen35"
    for name in ("report.md", "summary.json", "trajectory.png"):
        assert (tmp_path / "report" / name).is_file()
    card = json.loads((tmp_path / "corpus" / "corpus_card.json").read_text())
    assert card["teacher"] == "procedural-answers" and card["rows"] == 48
    logs = [read_eval_log(info, header_only=True) for info in list_eval_logs(str(tmp_path / "logs"))]
    assert len(logs) == 2 and all(log.status == "success" for log in logs)
    assert f"inspect view --log-dir {tmp_path / 'logs'}" in "\n".join(lines)
    assert sum("finished in" in line for line in lines) == 6  # every step says how long it took

    rerun: list[str] = []
    run_demo(tmp_path, quick=True, display="none", echo=rerun.append)
    statuses = [line.split()[1] for line in rerun if line.startswith("[")]
    assert statuses == ["done"] * 6
    assert len(list_eval_logs(str(tmp_path / "logs"))) == 2


def _bash(script: str, cwd: Path, **popen: object) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONHOME")}
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin"  # a fresh shell: the venv's bin comes from `activate` only
    env["HF_HUB_OFFLINE"] = "1"
    return subprocess.Popen(
        ["bash", "-c", f". {shlex.quote(str(ACTIVATE))} && {script}"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **popen,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_printed_commands_run_when_pasted(quick_demo, tmp_path):
    out, lines, _ = quick_demo
    printed = "\n".join(lines).splitlines()
    commands = [line.split("$ ", 1)[1] for line in printed if line.strip().startswith("$ ")]
    assert [c.split()[:2] for c in commands] == [
        ["procskill", "models"],
        ["inspect", "eval-set"],
        ["procskill", "corpus"],
        ["procskill", "train"],
        ["inspect", "eval-set"],
        ["procskill", "report"],
    ]
    # Bounded: steps that write go to fresh folders (a finished training run refuses a second one in its folder)
    pasted = []
    for command in commands:
        argv = shlex.split(command)
        if "--out" in argv and argv[0] == "procskill":
            argv[argv.index("--out") + 1] = str(tmp_path / argv[1])
        pasted.append(shlex.join(argv))
    script = " && ".join(f"echo '>>> {i}' && {c}" for i, c in enumerate(pasted))
    done = _bash(script, cwd=tmp_path)
    output, _ = done.communicate(timeout=900)
    assert done.returncode == 0, output[-4000:]
    assert (tmp_path / "train" / "merged").is_dir() and (tmp_path / "report" / "summary.json").is_file()

    [view] = [line.split("  ", 1)[1].strip() for line in printed if "inspect view" in line]
    port = _free_port()
    server = _bash(f"exec {view} --port {port}", cwd=tmp_path, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert server.poll() is None, server.communicate()[0][-3000:]
                assert time.monotonic() < deadline, "inspect view did not answer"
                time.sleep(1)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
