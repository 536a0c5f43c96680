"""The thin CLI: `procskill corpus build`, `procskill train`, `procskill recipes`, `python -m procskill.training`."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from procskill.cli import app
from procskill.cli._training import train_app
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
    corpus_file = out / "corpus.jsonl"
    row = json.loads(corpus_file.read_text().splitlines()[0])
    with corpus_file.open("a") as handle:
        handle.write(json.dumps({**row, "task_id": holdout.id}) + "\n")
    result = runner.invoke(
        app,
        ["train", "--base", str(tmp_path / "no-model"), "--corpus", str(out), "--out", str(tmp_path / "run")],
    )
    assert result.exit_code == 1
    assert f"row '{holdout.id}': task id '{holdout.id}' is a holdout task" in result.output
    assert "Traceback" not in result.output


def test_corpus_build_needs_a_teacher_or_a_log(tmp_path):
    result = runner.invoke(app, ["corpus", "build", "--out", str(tmp_path / "c")])
    assert result.exit_code == 1 and "pass a teacher" in result.output


def test_module_entry_point_is_the_train_command():
    result = runner.invoke(train_app, ["--help"])
    assert result.exit_code == 0
    assert "--base" in result.output and "--recipe" in result.output and "--resume" in result.output
