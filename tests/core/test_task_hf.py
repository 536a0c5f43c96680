"""End to end: the real task on a tiny Qwen3.5 through Inspect's hf provider."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai.log import read_eval_log

from testkit.packs import write_synthetic_packs

pytestmark = pytest.mark.slow


def _count_weight_loads(monkeypatch) -> list[str]:
    import transformers

    loads: list[str] = []
    original = transformers.AutoModelForCausalLM.from_pretrained.__func__

    def counting(cls, *args, **kwargs):
        loads.append(str(args[0]) if args else "")
        return original(cls, *args, **kwargs)

    monkeypatch.setattr(transformers.AutoModelForCausalLM, "from_pretrained", classmethod(counting))
    return loads


def test_tiny_qwen35_end_to_end(tiny_model_dir, tmp_path, monkeypatch):
    loads = _count_weight_loads(monkeypatch)
    skills_dir = write_synthetic_packs(tmp_path / "packs", skills=2, tasks_per_skill=2)
    [log] = inspect_eval(
        "procskill/procskill",
        model="hf/local",
        model_args={"model_path": str(tiny_model_dir), "do_sample": False, "enable_thinking": False},
        task_args={"skills_dir": str(skills_dir)},
        max_tokens=12,
        max_connections=8,  # one full batch: the hf provider flushes at once instead of idling 2 s
        log_dir=str(tmp_path / "logs"),
        display="none",
    )
    assert log.status == "success", log.error
    assert len(loads) == 1, f"weights loaded {len(loads)} times: {loads}"

    log = read_eval_log(log.location)
    ids = sorted(s.id for s in log.samples)
    assert ids == sorted(
        f"skill-0{s}-h00{t}:{c}" for s in range(2) for t in range(2) for c in ("base", "skill")
    )
    sample = next(s for s in log.samples if s.id == "skill-00-h000:skill")
    assert sample.metadata["condition"] == "skill" and sample.metadata["answer_type"] == "integer"
    assert "Follow this procedure" in sample.messages[1].text
    score = sample.scores["extract"]
    assert score.metadata["truncated"] == (sample.output.usage.output_tokens >= 12)
    metrics = log.results.scores[0].metrics
    assert {"pass_base", "pass_skill", "delta", "delta_low", "delta_high"} <= set(metrics)
    assert "compliance_base" in next(s for s in log.results.scores if s.name == "answer_format").metrics
    run = sample.metadata["procskill_run"]
    assert run["generation"]["enable_thinking"] is False and run["generation"]["max_tokens"] == 12
    assert run["model"]["parameters"] > 100_000
    assert run["checkpoint"] is None


@pytest.mark.parametrize(
    ("command", "task_name"),
    [("eval", "procskill"), ("eval", "procskill/procskill"), ("eval-set", "procskill")],
)
def test_task_names_resolve_from_any_directory(command, task_name, tiny_model_dir, tmp_path):
    """`inspect eval procskill` relies on an alias registered at entry-point import (see _alias.py).

    Every CLI form records the model it ran: parameter count and the --max-tokens given."""
    skills_dir = write_synthetic_packs(tmp_path / "packs", skills=1, tasks_per_skill=1)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(
        [
            Path(sys.executable).with_name("inspect"),
            command,
            task_name,
            "--model",
            "hf/local",
            "-M",
            f"model_path={tiny_model_dir}",
            "-M",
            "do_sample=false",
            "-T",
            f"skills_dir={skills_dir}",
            "--max-tokens",
            "4",
            "--log-dir",
            str(tmp_path / "logs"),
            "--display",
            "none",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    [log_file] = (tmp_path / "logs").glob("*.eval")
    log = read_eval_log(str(log_file))
    assert log.status == "success" and log.eval.task == task_name
    assert len(log.samples) == 2
    run = log.samples[0].metadata["procskill_run"]
    assert run["model"]["name"] == "hf/local" and run["model"]["parameters"] > 100_000
    assert run["generation"]["max_tokens"] == 4 and run["generation"]["do_sample"] is False
