"""`procskill models alias` makes `--model hf/qwen3.5-0.8b` work from any directory, offline."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from inspect_ai.log import read_eval_log
from typer.testing import CliRunner

from procskill.cli import app
from procskill.testing.packs import write_synthetic_packs
from procskill.testing.tiny_model import install_in_hub_cache


def test_alias_without_download_says_how():
    result = CliRunner().invoke(app, ["models", "alias", "qwen3.5-0.8b=Qwen/Qwen3.5-0.8B", "--cache-dir", "/nonexistent"])
    assert result.exit_code != 0
    assert "hf download Qwen/Qwen3.5-0.8B" in str(result.exception)


@pytest.mark.slow
def test_short_name_evaluates_offline(tiny_model_dir, tmp_path):
    cache = tmp_path / "hub"
    install_in_hub_cache(tiny_model_dir, cache, "Qwen/Qwen3.5-0.8B")
    result = CliRunner().invoke(app, ["models", "alias", "--cache-dir", str(cache)])
    assert "hf download Qwen/Qwen3.5-2B" in str(result.exception)  # the defaults need all three models
    result = CliRunner().invoke(app, ["models", "alias", "qwen3.5-0.8b=Qwen/Qwen3.5-0.8B", "--cache-dir", str(cache)])
    assert result.exit_code == 0, result.output
    assert "hf/qwen3.5-0.8b ->" in result.output

    skills_dir = write_synthetic_packs(tmp_path / "packs", skills=1, tasks_per_skill=1)
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(cache)}
    run = subprocess.run(
        [Path(sys.executable).with_name("inspect"), "eval", "procskill", "--model", "hf/qwen3.5-0.8b",
         "-M", "do_sample=false", "-T", f"skills_dir={skills_dir}", "--max-tokens", "4",
         "--log-dir", str(tmp_path / "logs"), "--display", "none"],
        cwd=workdir, env=env, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    [log_file] = (tmp_path / "logs").glob("*.eval")
    log = read_eval_log(str(log_file))
    assert log.status == "success" and log.eval.model == "hf/qwen3.5-0.8b"
