"""Skill packs: the format, and bad data refused with file, line and field."""

from __future__ import annotations

import json
import shutil

import pytest

from procskill.skills import (
    SkillPackError,
    content_hash,
    load_packs,
    select_packs,
    verify_manifest,
    write_manifest,
)
from testkit.packs import write_synthetic_packs


@pytest.fixture
def packs_dir(tmp_path):
    return write_synthetic_packs(
        tmp_path / "packs", skills=2, tasks_per_skill=3, free_skills=1, train_per_skill=2
    )


def test_loads_steps_front_matter_and_splits(packs_dir):
    packs = load_packs(packs_dir)
    assert [p.id for p in packs] == ["skill-00", "skill-01"]
    assert len(packs[0].steps) == 5 and packs[0].domain == "d0" and packs[0].name == "skill-00"
    assert len(packs[0].split("holdout")) == 3 and len(packs[0].split("train")) == 2
    assert packs[1].split("holdout")[0].rubric.startswith("Pass if")
    assert packs[0].block.splitlines()[0] == "Follow this procedure (Synthetic 0):"


def _rewrite(path, old, new):
    path.write_text(path.read_text().replace(old, new))


def test_skill_md_without_front_matter(packs_dir):
    md = packs_dir / "skill-00" / "SKILL.md"
    md.write_text("1. a\n2. b\n")
    with pytest.raises(SkillPackError, match=r"skill-00/SKILL.md:1: no YAML front matter"):
        load_packs(packs_dir)


def test_skill_md_missing_field(packs_dir):
    _rewrite(packs_dir / "skill-00" / "SKILL.md", 'description: "Repeat the code."\n', "")
    with pytest.raises(
        SkillPackError, match=r"SKILL.md:1: description: Missing required field in frontmatter: description"
    ):
        load_packs(packs_dir)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("4. Do part 4 of the synthetic procedure.\n", "", "step numbered 5, expected 4"),
        ("Check the code.", "Check the code.\n6. One step too many.", "exactly 5 numbered steps, found 6"),
        ("`ANSWER: <answer>`", "`RESULT: <answer>`", "step 5 must restate the answer instruction"),
    ],
)
def test_skill_md_steps(packs_dir, old, new, message):
    _rewrite(packs_dir / "skill-00" / "SKILL.md", old, new)
    with pytest.raises(SkillPackError, match=message):
        load_packs(packs_dir)


def _edit_row(packs_dir, line_no, **changes):
    path = packs_dir / "skill-00" / "tasks.jsonl"
    lines = path.read_text().splitlines()
    row = json.loads(lines[line_no - 1])
    for key, value in changes.items():
        if value is None:
            row.pop(key)
        else:
            row[key] = value
    lines[line_no - 1] = json.dumps(row)
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"target": None}, r"tasks.jsonl:2: target: is required"),
        ({"answer_type": "date"}, r"tasks.jsonl:2: answer_type: Input should be 'integer'"),
        ({"split": "dev"}, r"tasks.jsonl:2: split: Input should be 'holdout' or 'train'"),
        ({"skill": "other"}, r"tasks.jsonl:2: skill: is 'other' but the pack folder is 'skill-00'"),
        ({"answer_type": "free"}, r"tasks.jsonl:2: rubric: is required"),
    ],
)
def test_bad_task_rows(packs_dir, changes, message):
    _edit_row(packs_dir, 2, **changes)
    with pytest.raises(SkillPackError, match=message):
        load_packs(packs_dir)


def test_not_json(packs_dir):
    path = packs_dir / "skill-00" / "tasks.jsonl"
    path.write_text(path.read_text() + "{not json\n")
    with pytest.raises(SkillPackError, match=r"tasks.jsonl:6: not valid JSON"):
        load_packs(packs_dir)


def test_duplicate_task_id(packs_dir):
    _edit_row(packs_dir, 2, id="skill-00-h000")
    with pytest.raises(SkillPackError, match=r": id: duplicate task id 'skill-00-h000'"):
        load_packs(packs_dir)


def test_duplicate_id_across_packs(packs_dir):
    shutil.copy(packs_dir / "skill-00" / "tasks.jsonl", packs_dir / "skill-01" / "more.jsonl")
    with pytest.raises(SkillPackError):  # rows name skill-00 inside skill-01: refused before ids
        load_packs(packs_dir)


def test_unknown_skill_subset(packs_dir):
    with pytest.raises(SkillPackError, match=r"unknown skill id\(s\) \['nope'\]"):
        load_packs(packs_dir, ["nope"])
    packs = load_packs(packs_dir)  # the task loads every pack once (for the manifest), then selects
    with pytest.raises(SkillPackError, match=r"unknown skill id\(s\) \['nope'\]"):
        select_packs(packs, ["skill-00", "nope"], packs_dir)
    assert [p.id for p in select_packs(packs, ["skill-01"], packs_dir)] == ["skill-01"]


def test_manifest_hash_mismatch_is_refused(packs_dir):
    write_manifest(packs_dir, version="t")
    packs = load_packs(packs_dir)
    assert verify_manifest(packs_dir, packs, "holdout") == "t"
    _edit_row(packs_dir, 1, target="999")
    with pytest.raises(SkillPackError, match=r"holdout split's content hash is .* but MANIFEST.json records"):
        verify_manifest(packs_dir, load_packs(packs_dir), "holdout")


def test_hash_covers_blocks_and_tasks(packs_dir):
    before = content_hash(load_packs(packs_dir), "holdout")
    _rewrite(packs_dir / "skill-00" / "SKILL.md", "Do part 1", "Do step 1")
    assert content_hash(load_packs(packs_dir), "holdout") != before
