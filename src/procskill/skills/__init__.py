"""Skill packs: the built-in catalog and users' own folders of packs."""

from __future__ import annotations

from pathlib import Path

from procskill.skills._pack import (
    ANSWER_TYPES,
    MANIFEST,
    REQUIRED_FIELDS,
    REQUIRED_FRONT_MATTER,
    SPLITS,
    SkillPack,
    SkillPackError,
    TaskRecord,
    content_hash,
    load_pack,
    load_packs,
    parse_skill_md,
    parse_task_file,
    read_manifest,
    verify_manifest,
    write_manifest,
)

BUILTIN_DIR = Path(__file__).parent / "builtin"
"""The frozen built-in catalog shipped in the package."""

CATALOG_VERSION = "1.0.0"
"""Version of the built-in catalog; bump it whenever the frozen files change."""


def hf_dataset(split: str = "holdout", skills_dir: Path | str | None = None):
    """A ``datasets.Dataset`` view of one split (one row per task, with the skill's domain and block).

    Args:
        split: ``holdout`` or ``train``.
        skills_dir: A folder of skill packs; the built-in catalog by default.
    """
    from datasets import Dataset

    packs = load_packs(Path(skills_dir) if skills_dir else BUILTIN_DIR)
    rows = [
        {**t.as_dict(), "domain": p.domain, "skill_block": p.block, "rubric": t.rubric or "", "params": None}
        for p in packs
        for t in p.split(split)
    ]
    for row in rows:
        row.pop("params")
    return Dataset.from_list(rows)


__all__ = [
    "ANSWER_TYPES",
    "BUILTIN_DIR",
    "CATALOG_VERSION",
    "MANIFEST",
    "REQUIRED_FIELDS",
    "REQUIRED_FRONT_MATTER",
    "SPLITS",
    "SkillPack",
    "SkillPackError",
    "TaskRecord",
    "content_hash",
    "hf_dataset",
    "load_pack",
    "load_packs",
    "parse_skill_md",
    "parse_task_file",
    "read_manifest",
    "verify_manifest",
    "write_manifest",
]
