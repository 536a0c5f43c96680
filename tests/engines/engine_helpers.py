"""Shared by the engine tests: the evaluation users run against a vLLM server, and the sweep study."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

SKILLS = "day-of-week,gcd-euclid"
"""10 holdout tasks, 20 paired episodes per evaluation."""
MAX_TOKENS = 24
THINKING_OFF = '{"chat_template_kwargs":{"enable_thinking":false}}'
RECIPE = Path(__file__).with_name("engine_tiny_lora.yaml")


def inspect_eval(env: Path, model: str, base_url: str, log_dir: Path, *args: str) -> Path:
    """Run the procskill task as a user would, from vLLM's environment: ``inspect eval procskill
    --model vllm/<name>`` against the running server; return the log file."""
    environ = {**os.environ, "VLLM_BASE_URL": base_url, "VLLM_API_KEY": "x", "HF_HUB_OFFLINE": "1"}
    environ.pop("PYTHONPATH", None)  # vLLM's environment has its own procskill
    command = [
        str(env / "bin" / "inspect"),
        "eval",
        "procskill",
        "--model",
        model,
        "-T",
        f"skills={SKILLS}",
        "--max-tokens",
        str(MAX_TOKENS),
        "--temperature",
        "0",
        "--seed",
        "0",
        "--extra-body",
        THINKING_OFF,
        "--log-dir",
        str(log_dir),
        "--display",
        "none",
        *args,
    ]
    done = subprocess.run(command, check=False, env=environ, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{' '.join(command)}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    [log] = sorted(log_dir.glob("*.eval"))
    return log


STUDY = """\
name: engine-sweep
out: {out}
task: {{skills: "{skills}", scoring: extract}}
generate: {{max_tokens: {max_tokens}, temperature: 0, seed: 0}}
models:
  - {{id: tiny-qwen3, model: "hf/{base}", engine: vllm, vllm_model: "{base}",
     model_args: {{enable_thinking: false}}}}
corpus: {{teacher: procedural-answers}}
sft:
  - {{base: tiny-qwen3, recipes: ["{recipe}"]}}
report: {{}}
"""
