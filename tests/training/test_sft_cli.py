"""The thin CLI: `procskill corpus build`, `procskill train`, `procskill recipes`, `python -m procskill.training`."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from procskill.cli import app
from procskill.skills import load_packs
from procskill.training import list_recipes

runner = CliRunner()


def test_recipes_lists_every_shipped_recipe_with_what_it_tests():
    result = runner.invoke(app, ["recipes"])
    assert result.exit_code == 0, result.output
    for recipe in list_recipes():
        assert f"{recipe.name}" in result.output and recipe.tests in result.output


def test_corpus_build_and_a_refused_training_run(packs, tmp_path):
    out = tmp_path / "corpus"
    result = runner.invoke(
        app,
        [
            "corpus",
            "build",
            "--teacher",
            "procedural",
            "--skills-dir",
            str(packs),
            "--skills",
            "skill-01",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "4 rows kept of 4 episodes (100.0%, filter extract)" in result.output
    card = json.loads((out / "corpus_card.json").read_text())
    assert card["skills"] == ["skill-01"] and card["rows"] == 4

    holdout = load_packs(packs, ["skill-00"])[0].split("holdout")[0]
    # A hand-made JSONL file (no card) with a holdout row planted in it.
    corpus_file = tmp_path / "mine.jsonl"
    corpus_file.write_text((out / "corpus.jsonl").read_text())
    row = json.loads(corpus_file.read_text().splitlines()[0])
    with corpus_file.open("a") as handle:
        handle.write(json.dumps({**row, "task_id": holdout.id}) + "\n")
    flags = ["--base", str(tmp_path / "no-model"), "--corpus", str(corpus_file), "--skills-dir", str(packs)]
    result = runner.invoke(app, ["train", *flags, "--out", str(tmp_path / "run")])
    assert result.exit_code == 2
    assert f"row '{holdout.id}': task id '{holdout.id}' is a holdout task" in result.output
    assert "Traceback" not in result.output


def test_corpus_build_needs_a_teacher_or_a_log(tmp_path):
    result = runner.invoke(app, ["corpus", "build", "--out", str(tmp_path / "c")])
    assert result.exit_code == 2 and "pass a teacher" in result.output


def test_module_entry_point_takes_the_train_flags_and_reports_errors_in_one_line(tmp_path, capsys):
    """``python -m procskill.training`` (what ``accelerate launch -m`` runs) needs nothing from the CLI."""
    import subprocess
    import sys

    from procskill.training.__main__ import main

    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    usage = capsys.readouterr().out
    for flag in (
        "--base",
        "--corpus",
        "--out",
        "--recipe",
        "--resume",
        "--overwrite",
        "--max_steps",
        "--no_merge",
    ):
        assert flag in usage
    assert main(["--base", "b", "--corpus", str(tmp_path / "missing"), "--out", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err.strip() == f"error: {tmp_path / 'missing'}: corpus file not found"
    # No CLI module is imported on that path.
    probe = "import sys, procskill.training.__main__; print(sorted(m for m in sys.modules if m.startswith('procskill.cli')))"
    assert (
        subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True
        ).stdout.strip()
        == "[]"
    )


def test_train_refuses_a_corpus_edited_after_it_was_built(packs, tmp_path):
    out = tmp_path / "corpus"
    assert (
        runner.invoke(
            app, ["corpus", "build", "--teacher", "procedural", "--skills-dir", str(packs), "--out", str(out)]
        ).exit_code
        == 0
    )
    corpus_file = out / "corpus.jsonl"
    lines = corpus_file.read_text().splitlines(keepends=True)
    corpus_file.write_text("".join(lines[:-1]))  # a row removed by hand
    result = runner.invoke(
        app,
        ["train", "--base", str(tmp_path / "no-model"), "--corpus", str(out), "--out", str(tmp_path / "run")],
    )
    assert result.exit_code != 0 and "Traceback" not in result.output
    [line] = result.output.strip().splitlines()
    assert f"{corpus_file}: the rows no longer match {out / 'corpus_card.json'}" in line
    assert "rebuild it with procskill corpus build" in line
    assert not (tmp_path / "run").exists()


def test_the_printed_evaluation_command_names_what_the_run_left(tmp_path):
    """A merged run is evaluated through the hf provider; an unmerged one (``--no-merge``) as its adapter
    beside the base on a vLLM server, thinking switched per request (no ``merged/`` folder to point at)."""
    from procskill.training import evaluate_command
    from procskill.training._trainer import TrainResult

    meta = {"base_model": "Qwen/Qwen3.5-2B", "enable_thinking": False}
    merged = TrainResult(
        tmp_path,
        tmp_path / "merged",
        tmp_path / "adapter",
        {**meta, "layout": {"adapter": "adapter", "merged": "merged"}},
    )
    assert evaluate_command(merged) == (
        f"inspect eval procskill/procskill --model hf/local -M model_path={tmp_path / 'merged'} "
        "-M do_sample=false -M enable_thinking=false"
    )
    unmerged = TrainResult(
        tmp_path,
        tmp_path / "merged",
        tmp_path / "adapter",
        {**meta, "layout": {"adapter": "adapter", "merged": None}},
    )
    assert evaluate_command(unmerged) == (
        f"inspect eval procskill/procskill --model vllm/Qwen/Qwen3.5-2B:{tmp_path / 'adapter'} "
        """--extra-body '{"chat_template_kwargs":{"enable_thinking":false}}'"""
    )
