"""The built-in catalog: size, frozen splits, disjointness, oracle checks."""

from __future__ import annotations

import itertools
import random
import re

import pytest

from procskill.generators import load_generators
from procskill.generators._base import DIFFICULTIES
from procskill.generators.build import build_catalog
from procskill.scorers import answers_match, extract_answer
from procskill.skills import BUILTIN_DIR, hf_dataset, load_packs, read_manifest, verify_manifest
from procskill.skills._text import is_near_duplicate, normalise_prompt


@pytest.fixture(scope="module")
def packs():
    return load_packs(BUILTIN_DIR)


def test_forty_skills_two_hundred_holdout_tasks(packs):
    assert len(packs) == 40
    assert all(len(p.split("holdout")) == 5 for p in packs)
    assert all(len(p.split("train")) >= 20 for p in packs)
    assert len({p.domain for p in packs}) >= 8
    free = sum(1 for p in packs for t in p.split("holdout") if t.answer_type == "free")
    assert 25 <= free <= 40, f"{free}/200 free-form holdout tasks; the paper's holdout is 16.5% free-form"
    assert {t.answer_type for p in packs for t in p.tasks} <= {
        "integer",
        "number",
        "string",
        "list",
        "set",
        "free",
    }


def test_manifest_matches_and_files_stay_small(packs):
    manifest = read_manifest(BUILTIN_DIR)
    assert manifest["splits"]["holdout"]["tasks"] == 200
    for split in ("holdout", "train"):
        verify_manifest(BUILTIN_DIR, packs, split)
    assert max(f.stat().st_size for f in BUILTIN_DIR.rglob("*") if f.is_file()) < 1_000_000


def test_regenerating_reproduces_the_frozen_files_byte_for_byte(tmp_path):
    build_catalog(tmp_path)
    frozen = sorted(p.relative_to(BUILTIN_DIR) for p in BUILTIN_DIR.rglob("*") if p.is_file())
    rebuilt = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert frozen == rebuilt
    for rel in frozen:
        assert (BUILTIN_DIR / rel).read_bytes() == (tmp_path / rel).read_bytes(), rel


def test_holdout_and_train_are_disjoint(packs):
    for pack in packs:
        holdout, train = pack.split("holdout"), pack.split("train")
        for h, t in itertools.product(holdout, train):
            assert h.params != t.params, (h.id, t.id)
            assert normalise_prompt(h.prompt) != normalise_prompt(t.prompt), (h.id, t.id)
            assert not is_near_duplicate(h.prompt, t.prompt), (h.id, t.id)
    holdout_texts = {normalise_prompt(t.prompt) for p in packs for t in p.split("holdout")}
    assert not holdout_texts & {normalise_prompt(t.prompt) for p in packs for t in p.split("train")}


def test_no_near_duplicates_within_a_skill(packs):
    for pack in packs:
        for a, b in itertools.combinations(pack.tasks, 2):
            assert not is_near_duplicate(a.prompt, b.prompt), (a.id, b.id)


def test_worked_solutions_pass_the_scorer(packs):
    for pack in packs:
        for task in pack.tasks:
            assert task.solution.count("\nStep ") == 4 and task.solution.startswith("Step 1:"), task.id
            answer = extract_answer(task.solution)
            assert answer is not None, task.id
            if task.answer_type != "free":
                assert answers_match(answer, task.target, task.answer_type), task.id


def _perturb(target: str, answer_type: str) -> str:
    if answer_type in ("integer", "number"):
        return str(float(target) + 1 + abs(float(target)))
    if answer_type == "list":
        items = [i.strip() for i in target.split(",")]
        return ", ".join(items[::-1]) if len(set(items)) > 1 and items != items[::-1] else target + "x"
    return target + "x"


def test_a_perturbed_final_answer_fails(packs):
    for pack in packs:
        for task in pack.split("holdout"):
            if task.answer_type == "free":
                continue
            wrong = _perturb(task.target, task.answer_type)
            solution = task.solution.rsplit("ANSWER:", 1)[0] + f"ANSWER: {wrong}"
            assert not answers_match(extract_answer(solution), task.target, task.answer_type), task.id


def test_free_form_tasks_carry_rubric_and_conclusion(packs):
    free = [t for p in packs for t in p.tasks if t.answer_type == "free"]
    assert free and all(t.rubric and t.target for t in free)


def test_every_skill_pack_says_why_and_generators_take_a_difficulty(packs):
    registry = load_generators()
    assert sorted(registry) == sorted(p.id for p in packs)
    for spec in registry.values():
        assert spec.why
        sizes = {d: len(spec.generate(random.Random(7), d).prompt) for d in DIFFICULTIES}
        assert len(set(sizes.values())) > 1 or spec.answer_type == "free", spec.id


def test_datasets_view(packs):
    holdout = hf_dataset("holdout")
    assert holdout.num_rows == 200
    assert {"id", "skill", "domain", "prompt", "target", "answer_type", "skill_block"} <= set(
        holdout.column_names
    )


HEDGES = re.compile(r"partially correct|is expected|should mention|should rest|ideally|bonus", re.IGNORECASE)


def test_rubrics_state_a_binary_criterion(packs):
    """The judge answers PASS or FAIL, so each rubric says what passes and what fails, without a middle."""
    for task in (t for p in packs for t in p.tasks if t.answer_type == "free"):
        assert "Correct" in task.rubric and "Incorrect" in task.rubric, task.id
        assert not HEDGES.search(task.rubric), (
            f"{task.id}: {HEDGES.search(task.rubric)[0]!r} leaves the verdict open"
        )


FREE_FORM_SKILLS = (
    "log-root-cause",
    "flaky-test-diagnosis",
    "data-quality-diagnosis",
    "code-review-verdict",
    "incident-triage",
    "stat-test-choice",
    "capacity-decision",
)
FREE_FORM_MODULES = tuple(
    skill.replace("-", "_") for skill in FREE_FORM_SKILLS
)  # one generator module per skill


@pytest.mark.parametrize("name", FREE_FORM_MODULES)
def test_free_form_generators_are_built_in_four_stages(name):
    """Choose the scenario; render the prompt; derive target and rubric; write the worked solution."""
    import importlib

    module = importlib.import_module(f"procskill.generators.{name}")
    stages = ("_choose_scenario", "_render_prompt", "_target_and_rubric", "_worked_solution")
    assert all(callable(getattr(module, stage, None)) for stage in stages), name
