"""`procskill models alias` makes `--model hf/qwen3.5-0.8b` work from any directory, offline."""

from __future__ import annotations

from typer.testing import CliRunner

from procskill.cli import app
from procskill.testing.tiny_model import install_in_hub_cache


def test_alias_without_download_says_how():
    result = CliRunner().invoke(
        app, ["models", "alias", "qwen3.5-0.8b=Qwen/Qwen3.5-0.8B", "--cache-dir", "/nonexistent"]
    )
    assert result.exit_code == 2
    assert "hf download Qwen/Qwen3.5-0.8B" in result.output


def test_alias_needs_every_default_model_or_an_explicit_pair(tiny_model_dir, tmp_path):
    cache = tmp_path / "hub"
    install_in_hub_cache(tiny_model_dir, cache, "Qwen/Qwen3.5-0.8B")
    result = CliRunner().invoke(app, ["models", "alias", "--cache-dir", str(cache)])
    assert "hf download Qwen/Qwen3.5-2B" in result.output  # the defaults need all three models
    result = CliRunner().invoke(
        app, ["models", "alias", "qwen3.5-0.8b=Qwen/Qwen3.5-0.8B", "--cache-dir", str(cache)]
    )
    assert result.exit_code == 0, result.output
    assert "hf/qwen3.5-0.8b ->" in result.output
    # Evaluating under the alias from another directory: tests/test_readme_commands.py runs the README's line.
