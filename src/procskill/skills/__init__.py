"""Skill packs: the built-in catalog and users' own folders of packs."""

from __future__ import annotations

from pathlib import Path

from procskill.skills._pack import (
    ANSWER_TYPES,
    DEFAULT_DOMAIN,
    MANIFEST,
    METADATA_FIELDS,
    REQUIRED_FIELDS,
    SPLITS,
    Problem,
    SkillPack,
    SkillPackError,
    TaskRecord,
    check_pack,
    check_packs,
    content_hash,
    load_pack,
    load_packs,
    parse_skill_md,
    parse_task_file,
    read_manifest,
    select_packs,
    verify_manifest,
    write_manifest,
)

BUILTIN_DIR = Path(__file__).parent / "builtin"
"""The frozen built-in catalog shipped in the package."""

CATALOG_VERSION = "2.0.0"
"""Version of the built-in catalog; bump it whenever the frozen files change.

2.0.0: skill ids in the Agent Skills form (``day-of-week``), procskill's fields under SKILL.md ``metadata``;
the tasks themselves (prompts, targets, solutions, rubrics) are those of 1.1.0.
1.1.0: answer-key fixes and binary rubrics (see docs/DATASET.md's changelog)."""


def hf_dataset(split: str = "holdout", skills_dir: Path | str | None = None):
    """A ``datasets.Dataset`` view of one split: one row per task, with its skill's domain and block.

    Args:
        split: ``holdout`` or ``train``.
        skills_dir: A folder of skill packs; the built-in catalog by default.
    """
    import json

    from datasets import Dataset

    packs = load_packs(Path(skills_dir) if skills_dir else BUILTIN_DIR)
    return Dataset.from_list(
        [
            {
                "id": t.id,
                "skill": t.skill,
                "domain": p.domain,
                "split": t.split,
                "prompt": t.prompt,
                "answer_type": t.answer_type,
                "target": t.target,
                "rubric": t.rubric or "",
                "solution": t.solution,
                "difficulty": t.difficulty,
                "params": json.dumps(t.params, sort_keys=True),
                "skill_block": p.block,
            }
            for p in packs
            for t in p.split(split)
        ]
    )


__all__ = [
    "ANSWER_TYPES",
    "BUILTIN_DIR",
    "CATALOG_VERSION",
    "DEFAULT_DOMAIN",
    "MANIFEST",
    "METADATA_FIELDS",
    "REQUIRED_FIELDS",
    "SPLITS",
    "Problem",
    "SkillPack",
    "SkillPackError",
    "TaskRecord",
    "check_pack",
    "check_packs",
    "content_hash",
    "hf_dataset",
    "load_pack",
    "load_packs",
    "parse_skill_md",
    "parse_task_file",
    "read_manifest",
    "select_packs",
    "verify_manifest",
    "write_manifest",
]
