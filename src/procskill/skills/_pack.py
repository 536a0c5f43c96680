"""Skill packs: loading, validation and content hashing.

A skill pack is a folder named after the skill id holding

- ``SKILL.md``: YAML front matter (``name``, ``description``, ``domain`` required;
  ``answer_type``, ``why`` optional) and a body of exactly five numbered steps, the
  fifth ending with the shared answer instruction word for word;
- one or more ``*.jsonl`` task files, one JSON object per line, with the fields in
  :data:`REQUIRED_FIELDS` (plus ``rubric`` for ``free`` tasks).

Every error names the file, the line and the field.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from procskill.errors import ProcskillError
from procskill.prompts import (
    ANSWER_INSTRUCTION,
    ANSWER_TYPES,
    PROMPT_TEMPLATE_VERSION,
    SKILL_BLOCK_HEADER,
    SYSTEM_PROMPT,
    skill_block,
)

SPLITS = ("holdout", "train")
REQUIRED_FRONT_MATTER = ("name", "description", "domain")
REQUIRED_FIELDS = ("id", "skill", "prompt", "answer_type", "target", "solution", "split")
MANIFEST = "MANIFEST.json"
_STEP = re.compile(r"^(\d+)\.\s+(.*)$")


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML has it: the same documents, a tenth of the pack-loading time."""


class SkillPackError(ProcskillError):
    """A skill pack, task file or manifest is malformed. The message names file, line and field."""


@dataclass(frozen=True)
class TaskRecord:
    """One task row of a skill pack's JSONL file."""

    id: str
    skill: str
    prompt: str
    answer_type: str
    target: str
    solution: str
    split: str
    rubric: str | None = None
    difficulty: int | None = None
    params: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class SkillPack:
    """A skill: its front matter, its five procedure steps and its tasks."""

    id: str
    name: str
    description: str
    domain: str
    steps: tuple[str, ...]
    path: Path
    tasks: tuple[TaskRecord, ...] = field(repr=False)
    answer_type: str | None = None
    why: str | None = None

    @property
    def block(self) -> str:
        """The procedure block as shown to the model."""
        return skill_block(self.name, list(self.steps))

    def split(self, split: str) -> list[TaskRecord]:
        return [t for t in self.tasks if t.split == split]


def read_text(path: Path, error: type[ValueError] = ValueError) -> str:
    """A UTF-8 text file's contents; a file that is not UTF-8 raises ``error`` naming it and the line."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        raise error(f"{path}:{line}: not UTF-8 text (byte {err.start}: {err.reason})") from None


def jsonl_lines(text: str) -> list[str]:
    """JSONL lines: split on newlines only. ``str.splitlines`` would also split inside a JSON
    string holding U+2028, NEL or another Unicode line separator, which JSON allows raw."""
    return text.split("\n")


def parse_skill_md(path: Path) -> dict[str, Any]:
    """Parse a SKILL.md into its front matter and its five steps.

    Raises:
        SkillPackError: no front matter, a missing front-matter field, or other than
            five numbered steps, or a fifth step without the answer instruction.
    """
    if not path.is_file():
        raise SkillPackError(f"{path}: missing SKILL.md")
    lines = read_text(path, SkillPackError).splitlines()
    if not lines or lines[0].strip() != "---":
        raise SkillPackError(f"{path}:1: no YAML front matter (the file must start with '---')")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise SkillPackError(f"{path}:1: front matter is not closed by a '---' line") from None
    try:
        front = yaml.load("\n".join(lines[1:end]), Loader=_YAML_LOADER) or {}
    except yaml.YAMLError as err:
        raise SkillPackError(f"{path}: front matter is not valid YAML: {err}") from None
    if not isinstance(front, dict):
        raise SkillPackError(f"{path}:2: front matter must be a mapping of fields")
    for key in REQUIRED_FRONT_MATTER:
        if not isinstance(front.get(key), str) or not front[key].strip():
            raise SkillPackError(f"{path}: front matter field '{key}' is missing or empty")
    if front.get("answer_type") is not None and front["answer_type"] not in ANSWER_TYPES:
        raise SkillPackError(
            f"{path}: front matter field 'answer_type' is {front['answer_type']!r}, "
            f"not one of {ANSWER_TYPES}"
        )

    steps: list[str] = []
    for lineno in range(end + 2, len(lines) + 1):
        text = lines[lineno - 1].strip()
        if not text or (text.startswith("#") and not steps):
            continue
        match = _STEP.match(text)
        if match:
            if int(match.group(1)) != len(steps) + 1:
                raise SkillPackError(
                    f"{path}:{lineno}: step numbered {match.group(1)}, expected {len(steps) + 1}"
                )
            steps.append(match.group(2).strip())
        elif steps:
            steps[-1] = f"{steps[-1]} {text}"
        else:
            raise SkillPackError(f"{path}:{lineno}: text before step 1: {text[:60]!r}")
    if len(steps) != 5:
        raise SkillPackError(f"{path}: the procedure must have exactly 5 numbered steps, found {len(steps)}")
    if ANSWER_INSTRUCTION not in steps[4]:
        raise SkillPackError(
            f"{path}: step 5 must restate the answer instruction word for word: {ANSWER_INSTRUCTION!r}"
        )
    return {**front, "steps": tuple(steps)}


def parse_task_file(path: Path, skill_id: str) -> list[TaskRecord]:
    """Read and validate one JSONL task file of the pack ``skill_id``."""
    records: list[TaskRecord] = []
    for lineno, raw in enumerate(jsonl_lines(read_text(path, SkillPackError)), start=1):
        if not raw.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            row = json.loads(raw)
        except json.JSONDecodeError as err:
            raise SkillPackError(f"{where}: not valid JSON ({err.msg})") from None
        if not isinstance(row, dict):
            raise SkillPackError(f"{where}: a task row must be a JSON object")
        for key in REQUIRED_FIELDS:
            if not isinstance(row.get(key), str) or not row[key].strip():
                raise SkillPackError(f"{where}: field '{key}' is missing or not a non-empty string")
        if row["answer_type"] not in ANSWER_TYPES:
            raise SkillPackError(
                f"{where}: field 'answer_type' is {row['answer_type']!r}, not one of {ANSWER_TYPES}"
            )
        if row["split"] not in SPLITS:
            raise SkillPackError(f"{where}: field 'split' is {row['split']!r}, not one of {SPLITS}")
        if row["skill"] != skill_id:
            raise SkillPackError(
                f"{where}: field 'skill' is {row['skill']!r} but the pack folder is {skill_id!r}"
            )
        if row["answer_type"] == "free" and not (isinstance(row.get("rubric"), str) and row["rubric"].strip()):
            raise SkillPackError(f"{where}: field 'rubric' is required for answer_type 'free'")
        known = {f for f in TaskRecord.__dataclass_fields__}
        records.append(TaskRecord(**{k: v for k, v in row.items() if k in known}))
    return records


def load_pack(path: Path) -> SkillPack:
    """Load and validate one skill pack folder."""
    meta = parse_skill_md(path / "SKILL.md")
    tasks: list[TaskRecord] = []
    for task_file in sorted(path.glob("*.jsonl")):
        tasks += parse_task_file(task_file, path.name)
    return SkillPack(
        id=path.name,
        name=meta["name"].strip(),
        description=meta["description"].strip(),
        domain=meta["domain"].strip(),
        steps=meta["steps"],
        path=path,
        tasks=tuple(tasks),
        answer_type=meta.get("answer_type"),
        why=meta.get("why"),
    )


def _known_skills(skills_dir: Path, skills: Iterable[str], known: set[str]) -> set[str]:
    wanted = list(skills)
    unknown = [s for s in wanted if s not in known]
    if unknown:
        raise SkillPackError(f"{skills_dir}: unknown skill id(s) {unknown}; known: {sorted(known)}")
    return set(wanted)


def select_packs(packs: list[SkillPack], skills: Iterable[str], skills_dir: Path) -> list[SkillPack]:
    """The named subset of already loaded packs (an unknown id is an error, as in :func:`load_packs`)."""
    wanted = _known_skills(skills_dir, skills, {p.id for p in packs})
    return [p for p in packs if p.id in wanted]


def load_packs(skills_dir: Path, skills: Iterable[str] | None = None) -> list[SkillPack]:
    """Load every pack under ``skills_dir`` (or the named subset), checking task ids are unique.

    Args:
        skills_dir: A folder of skill-pack folders.
        skills: Skill ids to keep; ``None`` keeps all. An unknown id is an error.

    Returns:
        The packs, sorted by id.
    """
    skills_dir = Path(skills_dir)
    if not skills_dir.is_dir():
        raise SkillPackError(f"{skills_dir}: skills_dir is not a folder")
    folders = sorted(p for p in skills_dir.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    if skills is not None:
        wanted = _known_skills(skills_dir, skills, {p.name for p in folders})
        folders = [p for p in folders if p.name in wanted]
    packs = [load_pack(p) for p in folders]
    if not packs:
        raise SkillPackError(f"{skills_dir}: no skill packs (folders with a SKILL.md) found")
    first_seen: dict[str, Path] = {}
    for pack in packs:
        for task in pack.tasks:
            if task.id in first_seen:
                raise SkillPackError(
                    f"{pack.path}: field 'id': duplicate task id {task.id!r} (also in {first_seen[task.id]})"
                )
            first_seen[task.id] = pack.path
    return packs


def content_hash(packs: Iterable[SkillPack], split: str) -> str:
    """SHA-256 over a split's tasks, the procedure blocks and the prompt templates.

    Any change to what a model is shown, or to what it is scored against, changes it.
    """
    payload = {
        "templates": [PROMPT_TEMPLATE_VERSION, SYSTEM_PROMPT, ANSWER_INSTRUCTION, SKILL_BLOCK_HEADER],
        "skills": [
            {
                "id": p.id,
                "block": p.block,
                "domain": p.domain,
                "tasks": sorted((t.as_dict() for t in p.split(split)), key=lambda r: r["id"]),
            }
            for p in sorted(packs, key=lambda p: p.id)
        ],
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


def write_manifest(skills_dir: Path, version: str) -> Path:
    """Record the catalog version and each split's size and content hash in MANIFEST.json."""
    packs = load_packs(skills_dir)
    manifest = {
        "version": version,
        "skills": len(packs),
        "splits": {
            split: {
                "tasks": sum(len(p.split(split)) for p in packs),
                "sha256": content_hash(packs, split),
            }
            for split in SPLITS
        },
    }
    path = Path(skills_dir) / MANIFEST
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return path


def read_manifest(skills_dir: Path) -> dict[str, Any] | None:
    path = Path(skills_dir) / MANIFEST
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise SkillPackError(f"{path}:{err.lineno}: not valid JSON ({err.msg})") from None


def verify_manifest(skills_dir: Path, packs: list[SkillPack], split: str) -> str | None:
    """Check a split against the folder's MANIFEST.json, if it has one.

    Returns:
        The catalog version recorded in the manifest, or ``None`` without a manifest.

    Raises:
        SkillPackError: the split's content hash differs from the recorded one.
    """
    manifest = read_manifest(skills_dir)
    if manifest is None:
        return None
    try:
        expected = manifest["splits"][split]["sha256"]
    except (KeyError, TypeError):
        raise SkillPackError(f"{Path(skills_dir) / MANIFEST}: field 'splits.{split}.sha256' is missing") from None
    actual = content_hash(packs, split)
    if actual != expected:
        raise SkillPackError(
            f"{Path(skills_dir)}: the {split} split's content hash is {actual[:12]}…, but {MANIFEST} records "
            f"{expected[:12]}…: a task file, SKILL.md or prompt template was changed. Regenerate the catalog "
            f"(`procskill catalog build`) or, for your own skills, delete {MANIFEST}."
        )
    return str(manifest.get("version"))
