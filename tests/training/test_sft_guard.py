"""The contamination guard: a planted holdout task is refused by the builder and by the trainer."""

from __future__ import annotations

import hashlib
import json

import pytest
from conftest import Teacher

from procskill.skills import load_packs
from procskill.training import ContaminationError, build_corpus, check_rows, holdout_index, train
from testkit.scripted import scripted_model


def _plant_train_twin_of_a_holdout_prompt(packs):
    """Add a training task whose prompt is holdout task skill-01-h001's, re-cased and re-punctuated."""
    holdout = next(t for t in load_packs(packs, ["skill-01"])[0].split("holdout") if t.id == "skill-01-h001")
    twin = {
        **holdout.as_dict(),
        "id": "skill-01-t999",
        "split": "train",
        "prompt": "  " + holdout.prompt.upper().replace(".", " !") + " ",
    }
    with (packs / "skill-01" / "tasks.jsonl").open("a") as handle:
        handle.write(json.dumps(twin) + "\n")
    return holdout.id


def test_builder_refuses_a_training_task_that_is_a_holdout_prompt(packs, tmp_path):
    holdout_id = _plant_train_twin_of_a_holdout_prompt(packs)
    with pytest.raises(ContaminationError, match=rf"skill-01-t999.*prompt of holdout task '{holdout_id}'"):
        build_corpus("procedural", skills_dir=packs, out=tmp_path / "corpus")
    teacher = Teacher()
    with pytest.raises(ContaminationError, match="1 training row"):
        build_corpus(scripted_model(teacher), skills_dir=packs, out=tmp_path / "corpus2", display="none")
    assert teacher.calls == 0  # refused before any teacher call
    assert not (tmp_path / "corpus" / "corpus.jsonl").exists()


def test_guard_is_scoped_to_the_whole_skills_folder(packs, tmp_path):
    # Selecting only skill-00 does not hide skill-01's holdout from the guard.
    _plant_train_twin_of_a_holdout_prompt(packs)
    corpus = build_corpus("procedural", skills_dir=packs, skills="skill-00", out=tmp_path / "corpus")
    index = holdout_index(packs)
    check_rows([json.loads(line) for line in corpus.path.read_text().splitlines()], index, "corpus")
    with pytest.raises(ContaminationError, match="corpus:1: row 'skill-01-h000': task id 'skill-01-h000'"):
        check_rows([{"task_id": "skill-01-h000", "prompt": "anything"}], index, "corpus")


def test_trainer_refuses_a_planted_holdout_row_before_loading_any_model(packs, tmp_path):
    corpus = build_corpus("procedural", skills_dir=packs, out=tmp_path / "corpus")
    holdout = load_packs(packs, ["skill-00"])[0].split("holdout")[0]
    planted = json.loads(corpus.path.read_text().splitlines()[0])
    planted.update(task_id=holdout.id, prompt=holdout.prompt)
    with corpus.path.open("a") as handle:
        handle.write(json.dumps(planted) + "\n")
    planted_line = len(corpus.path.read_text().splitlines())
    # The card is updated too, so that its hash check passes and the guard is what refuses the row.
    card = json.loads(corpus.card_path.read_text())
    card["corpus_sha256"] = hashlib.sha256(corpus.path.read_bytes()).hexdigest()
    corpus.card_path.write_text(json.dumps(card))
    with pytest.raises(ContaminationError, match=rf"corpus.jsonl:{planted_line}: row '{holdout.id}'"):
        # The base model does not exist: the guard must fire before anything is loaded.
        train(tmp_path / "no-such-model", corpus.path, out=tmp_path / "run")
    assert not (tmp_path / "run").exists()
