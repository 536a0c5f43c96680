"""Skill packs: loading, validation and content hashing.

A skill pack is an `Agent Skill <https://agentskills.io/specification>`_ folder plus procskill's task files:

- ``SKILL.md``: YAML front matter valid under the Agent Skills spec (``name`` equal to the folder name,
  ``description``; checked by the reference library ``skills-ref``, not by a copy of its rules) and a
  Markdown body, which is the procedure block shown to the model whatever its shape. procskill's own
  fields live under ``metadata`` (a string map): ``title`` (the name shown in the block header; the
  ``name`` by default), ``domain``, ``answer_type``, ``why`` and ``steps``. A pack that sets
  ``steps: "N"`` opts into the numbered-steps rule (the built-in catalog sets ``"5"``): its body is
  exactly N numbered steps, the last ending with the shared answer instruction word for word;
- one or more ``*.jsonl`` task files, one JSON object per line, with the fields in
  :data:`REQUIRED_FIELDS` (plus ``rubric`` for ``free`` tasks);
- optionally ``scripts/``, ``references/``, ``assets/`` or other files: tolerated, never shown to
  the model, and listed in :attr:`SkillPack.not_shown` (the task log and ``procskill catalog check``
  report them).

:func:`check_pack` lists every problem of a pack at once (file, line, field, message);
:func:`load_pack` refuses a pack with any problem.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from skills_ref.errors import ParseError
from skills_ref.parser import parse_frontmatter
from skills_ref.validator import validate_metadata

from procskill._files import read_utf8
from procskill.errors import ProcskillError
from procskill.prompts import (
    ANSWER_INSTRUCTION,
    ANSWER_TYPES,
    PROMPT_TEMPLATE_VERSION,
    SKILL_BLOCK_HEADER,
    SYSTEM_PROMPT,
)
from procskill.validation import field_path, pydantic_problems

SPLITS = ("holdout", "train")
METADATA_FIELDS = ("title", "domain", "answer_type", "why", "steps")
"""procskill's fields under the spec's ``metadata`` map (all optional)."""
DEFAULT_DOMAIN = "unspecified"
"""The domain of a pack whose metadata names none."""
REQUIRED_FIELDS = ("id", "skill", "prompt", "answer_type", "target", "solution", "split")
MANIFEST = "MANIFEST.json"
SKILL_FILE = "SKILL.md"
_STEP = re.compile(r"^(\d+)\.\s+(.*)$")
_SPEC_FIELD = re.compile(r"^Unexpected fields|\b(name|description|compatibility)\b", re.IGNORECASE)
"""How a message of the reference validator maps to the front-matter field it is about."""


class SkillPackError(ProcskillError):
    """A skill pack, task file or manifest is malformed. The message names file, line and field."""


@dataclass(frozen=True)
class Problem:
    """One problem in a skill pack: where it is and what to do."""

    file: Path
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        """``file:line: field: problem``, as every procskill validation error (:mod:`procskill.validation`)."""
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class SkillMetadata(BaseModel):
    """procskill's fields under SKILL.md ``metadata`` (all optional; other keys are the author's own and kept,
    since the spec's ``metadata`` is an open string map)."""

    model_config = ConfigDict(extra="allow")

    title: str | None = None
    domain: str | None = None
    answer_type: Literal[ANSWER_TYPES] | None = None  # type: ignore[valid-type]
    why: str | None = None
    steps: str | int | None = None

    @field_validator("steps")
    @classmethod
    def _positive_count(cls, value: str | int | None) -> str | None:
        if value is not None and (not str(value).isdigit() or int(value) < 1):
            raise ValueError(f"is {value!r}, not a positive whole number of steps")
        return None if value is None else str(value)


class TaskRow(BaseModel):
    """One row of a pack's JSONL task file."""

    model_config = ConfigDict(extra="allow")

    id: str
    skill: str
    prompt: str
    answer_type: Literal[ANSWER_TYPES]  # type: ignore[valid-type]
    target: str
    solution: str
    split: Literal[SPLITS]  # type: ignore[valid-type]
    rubric: str | None = None
    difficulty: int | None = None
    params: dict[str, Any] | None = None

    @field_validator("id", "skill", "prompt", "target", "solution")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("is empty")
        return value


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
    """A skill: its front matter, its SKILL.md body (the block) and its tasks."""

    id: str
    name: str
    description: str
    domain: str
    body: str
    path: Path
    tasks: tuple[TaskRecord, ...] = field(repr=False)
    title: str | None = None
    answer_type: str | None = None
    why: str | None = None
    steps: tuple[str, ...] | None = None
    """The numbered steps, for a pack that opts into the steps rule (``metadata.steps``)."""
    not_shown: tuple[str, ...] = ()
    """Files of the pack other than SKILL.md and task files (``scripts/``, ``references/``, …), relative
    to the pack folder: the model never sees them."""

    @property
    def block(self) -> str:
        """The procedure block as shown to the model: a header naming the skill, then the SKILL.md body."""
        return f"{SKILL_BLOCK_HEADER.format(name=self.title or self.name)}\n{self.body}"

    def split(self, split: str) -> list[TaskRecord]:
        return [t for t in self.tasks if t.split == split]


def jsonl_lines(text: str) -> list[str]:
    """JSONL lines: split on newlines only. ``str.splitlines`` would also split inside a JSON
    string holding U+2028, NEL or another Unicode line separator, which JSON allows raw."""
    return text.split("\n")


def _read(path: Path) -> tuple[str | None, Problem]:
    """A file's UTF-8 text, or ``None`` and the problem naming the line of the first bad byte."""
    text, line, problem = read_utf8(path)
    return text, Problem(path, line or None, None, problem)


def _field_line(lines: list[str], name: str | None, default: int = 1) -> int:
    """The line of a top-level front-matter field (or of ``name:`` nested under ``metadata``)."""
    if name:
        pattern = re.compile(rf"^\s*{re.escape(name)}\s*:")
        for i, text in enumerate(lines, start=1):
            if text.strip() == "---" and i > 1:
                break
            if pattern.match(text):
                return i
    return default


def _spec_problems(path: Path, lines: list[str], front: dict[str, Any]) -> list[Problem]:
    """The reference validator's findings on the front matter, each placed on its field's line."""
    problems = []
    for message in validate_metadata(front, path.parent):
        match = _SPEC_FIELD.search(message)
        name = match.group(1).lower() if match and match.group(1) else None
        line = _field_line(lines, name)
        if message.startswith("Unexpected fields"):
            extra = sorted(
                set(front) - {"name", "description", "license", "allowed-tools", "metadata", "compatibility"}
            )
            line = _field_line(lines, extra[0] if extra else None)
            name = extra[0] if extra else None
            if set(extra) & set(METADATA_FIELDS):
                message += " Move procskill's fields (" + ", ".join(METADATA_FIELDS) + ") under 'metadata:'."
        problems.append(Problem(path, line, name, f"{message} (Agent Skills spec)"))
    return problems


def _step_problems(
    path: Path, body_lines: list[tuple[int, str]], count: int
) -> tuple[list[Problem], tuple[str, ...]]:
    """The opt-in numbered-steps rule: exactly ``count`` steps, the last with the answer instruction."""
    steps: list[str] = []
    for lineno, raw in body_lines:
        text = raw.strip()
        if not text or (text.startswith("#") and not steps):
            continue
        match = _STEP.match(text)
        if match:
            if int(match.group(1)) != len(steps) + 1:
                return [
                    Problem(
                        path,
                        lineno,
                        "metadata.steps",
                        f"step numbered {match.group(1)}, expected {len(steps) + 1}",
                    )
                ], ()
            steps.append(match.group(2).strip())
        elif steps:
            steps[-1] = f"{steps[-1]} {text}"
        else:
            return [Problem(path, lineno, "metadata.steps", f"text before step 1: {text[:60]!r}")], ()
    end = body_lines[-1][0] if body_lines else None
    if len(steps) != count:
        return [
            Problem(
                path,
                end,
                "metadata.steps",
                f"the procedure must have exactly {count} numbered steps, found {len(steps)}",
            )
        ], ()
    if ANSWER_INSTRUCTION not in steps[-1]:
        return [
            Problem(
                path,
                end,
                "metadata.steps",
                f"step {count} must restate the answer instruction word for word: {ANSWER_INSTRUCTION!r}",
            )
        ], ()
    return [], tuple(steps)


def check_skill_md(path: Path) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Parse and check a SKILL.md: the Agent Skills spec (reference library), then procskill's metadata.

    Returns:
        The parsed fields (``name``, ``description``, ``body``, ``metadata``, ``steps``) — ``None`` when
        the file cannot be parsed — and every problem found.
    """
    if not path.is_file():
        return None, [
            Problem(
                path, None, None, f"missing {SKILL_FILE}: every skill folder needs one (Agent Skills spec)"
            )
        ]
    content, problem = _read(path)
    if content is None:
        return None, [problem]
    lines = content.splitlines()
    if not lines or lines[0].strip() != "---":
        return None, [Problem(path, 1, None, "no YAML front matter (the file must start with '---')")]
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        return None, [Problem(path, 1, None, "front matter is not closed by a '---' line")]
    try:
        front, body = parse_frontmatter(content)
    except ParseError as err:
        return None, [Problem(path, 2, None, f"front matter is not valid: {' '.join(str(err).split())}")]
    problems = _spec_problems(path, lines, front)
    raw_metadata = front.get("metadata") or {}
    metadata: dict[str, Any] = {}
    if not isinstance(raw_metadata, dict):
        problems.append(
            Problem(
                path,
                _field_line(lines, "metadata"),
                "metadata",
                "must be a map of strings (Agent Skills spec)",
            )
        )
    else:
        try:
            metadata = SkillMetadata.model_validate(raw_metadata).model_dump(exclude_none=True)
        except ValidationError as err:
            problems += [
                Problem(
                    path,
                    _field_line(lines, str(loc[-1]) if loc else "metadata"),
                    field_path(("metadata", *loc)),
                    message,
                )
                for loc, message in pydantic_problems(err)
            ]
    if not body.strip():
        problems.append(
            Problem(path, end + 1, None, "the body is empty: write the procedure below the front matter")
        )
    steps: tuple[str, ...] | None = None
    if metadata.get("steps") is not None:
        body_lines = [(i + 1, lines[i]) for i in range(end + 1, len(lines))]
        step_problems, steps = _step_problems(path, body_lines, int(metadata["steps"]))
        problems += step_problems
    fields = {
        "name": str(front.get("name", "")).strip(),
        "description": str(front.get("description", "")).strip(),
        "body": body.strip(),
        "metadata": metadata,
        "steps": steps,
    }
    return fields, problems


def parse_skill_md(path: Path) -> dict[str, Any]:
    """Parse a SKILL.md (see :func:`check_skill_md`).

    Raises:
        SkillPackError: any problem, every one listed.
    """
    fields, problems = check_skill_md(path)
    if problems:
        raise SkillPackError(_join(problems))
    assert fields is not None
    return fields


def _join(problems: list[Problem]) -> str:
    return "\n".join(str(p) for p in problems)


def check_task_file(path: Path, skill_id: str) -> tuple[list[TaskRecord], list[Problem]]:
    """Read one JSONL task file of the pack ``skill_id``: its valid rows and a problem per bad row."""
    records: list[TaskRecord] = []
    problems: list[Problem] = []
    text, problem = _read(path)
    if text is None:
        return [], [problem]
    known = set(TaskRecord.__dataclass_fields__)
    for lineno, raw in enumerate(jsonl_lines(text), start=1):
        if not raw.strip():
            continue
        row, row_problems = _row_problems(path, lineno, raw, skill_id)
        problems += row_problems
        if row is not None:
            records.append(TaskRecord(**{k: v for k, v in row.model_dump().items() if k in known}))
    return records, problems


def _row_problems(path: Path, lineno: int, raw: str, skill_id: str) -> tuple[TaskRow | None, list[Problem]]:
    """One task row validated into :class:`TaskRow`: every problem of the row, each with its field."""

    def problem(loc: tuple[str | int, ...], message: str) -> Problem:
        return Problem(path, lineno, field_path(loc) if loc else None, message)

    try:
        data = json.loads(raw)
    except json.JSONDecodeError as err:
        return None, [problem((), f"not valid JSON ({err.msg})")]
    if not isinstance(data, dict):
        return None, [problem((), "a task row must be a JSON object")]
    out: list[Problem] = []
    row = None
    try:
        row = TaskRow.model_validate(data)
    except ValidationError as err:
        out += [problem(loc, message) for loc, message in pydantic_problems(err)]
    skill = data.get("skill")
    if isinstance(skill, str) and skill.strip() and skill != skill_id:
        out.append(problem(("skill",), f"is {skill!r} but the pack folder is {skill_id!r}"))
    rubric = data.get("rubric")
    if data.get("answer_type") == "free" and not (isinstance(rubric, str) and rubric.strip()):
        out.append(problem(("rubric",), "is required for answer_type 'free'"))
    return (None if out else row), out


def parse_task_file(path: Path, skill_id: str) -> list[TaskRecord]:
    """Read and validate one JSONL task file of the pack ``skill_id`` (every bad row is listed)."""
    records, problems = check_task_file(path, skill_id)
    if problems:
        raise SkillPackError(_join(problems))
    return records


def not_shown_files(path: Path) -> tuple[str, ...]:
    """Every file of a pack the model is not shown (all but SKILL.md and the task files)."""
    return tuple(
        sorted(
            f.relative_to(path).as_posix()
            for f in path.rglob("*")
            if f.is_file() and not (f.parent == path and (f.name == SKILL_FILE or f.suffix == ".jsonl"))
        )
    )


def check_pack(path: Path) -> tuple[SkillPack | None, list[Problem]]:
    """Load one skill pack folder, collecting every problem instead of stopping at the first.

    Returns:
        The pack (``None`` if it has any problem) and the problems.
    """
    fields, problems = check_skill_md(path / SKILL_FILE)
    tasks: list[TaskRecord] = []
    task_files = sorted(path.glob("*.jsonl"))
    for task_file in task_files:
        records, file_problems = check_task_file(task_file, path.name)
        tasks += records
        problems += file_problems
    if not task_files:
        problems.append(
            Problem(
                path,
                None,
                None,
                f"no task file: add a holdout.jsonl next to {SKILL_FILE}, one JSON task per line with the fields "
                f"{', '.join(REQUIRED_FIELDS)} (skill = {path.name!r}, split = 'holdout'; see the README)",
            )
        )
    if problems or fields is None:
        return None, problems
    meta = fields["metadata"]
    pack = SkillPack(
        id=path.name,
        name=fields["name"],
        description=fields["description"],
        domain=str(meta.get("domain") or DEFAULT_DOMAIN).strip(),
        body=fields["body"],
        path=path,
        tasks=tuple(tasks),
        title=meta.get("title"),
        answer_type=meta.get("answer_type"),
        why=meta.get("why"),
        steps=fields["steps"],
        not_shown=not_shown_files(path),
    )
    return pack, []


def load_pack(path: Path) -> SkillPack:
    """Load and validate one skill pack folder.

    Raises:
        SkillPackError: any problem (every one listed, each with file, line and field).
    """
    pack, problems = check_pack(path)
    if problems:
        raise SkillPackError(_join(problems))
    assert pack is not None
    return pack


def pack_folders(skills_dir: Path) -> list[Path]:
    """The skill-pack folders of ``skills_dir`` (hidden and ``_``-prefixed folders are skipped)."""
    return sorted(p for p in Path(skills_dir).iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def duplicate_task_ids(packs: Iterable[SkillPack]) -> list[Problem]:
    """A problem per task id that appears in more than one row across ``packs``."""
    first_seen: dict[str, Path] = {}
    problems = []
    for pack in packs:
        for task in pack.tasks:
            if task.id in first_seen:
                problems.append(
                    Problem(
                        pack.path,
                        None,
                        "id",
                        f"duplicate task id {task.id!r} (also in {first_seen[task.id]})",
                    )
                )
            else:
                first_seen[task.id] = pack.path
    return problems


def check_packs(skills_dir: Path) -> tuple[list[SkillPack], list[Problem]]:
    """Every pack under ``skills_dir`` that loads, and every problem of every pack (for ``catalog check``)."""
    skills_dir = Path(skills_dir)
    if not skills_dir.is_dir():
        return [], [Problem(skills_dir, None, None, "skills_dir is not a folder")]
    packs: list[SkillPack] = []
    problems: list[Problem] = []
    folders = pack_folders(skills_dir)
    for folder in folders:
        pack, found = check_pack(folder)
        problems += found
        if pack is not None:
            packs.append(pack)
    if not folders:
        problems.append(
            Problem(skills_dir, None, None, f"no skill packs (folders with a {SKILL_FILE}) found")
        )
    return packs, problems + duplicate_task_ids(packs)


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
    folders = pack_folders(skills_dir)
    if skills is not None:
        wanted = _known_skills(skills_dir, skills, {p.name for p in folders})
        folders = [p for p in folders if p.name in wanted]
    packs = [load_pack(p) for p in folders]
    if not packs:
        raise SkillPackError(f"{skills_dir}: no skill packs (folders with a {SKILL_FILE}) found")
    duplicates = duplicate_task_ids(packs)
    if duplicates:
        raise SkillPackError(_join(duplicates))
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
        raise SkillPackError(
            f"{Path(skills_dir) / MANIFEST}: field 'splits.{split}.sha256' is missing"
        ) from None
    actual = content_hash(packs, split)
    if actual != expected:
        raise SkillPackError(
            f"{Path(skills_dir)}: the {split} split's content hash is {actual[:12]}…, but {MANIFEST} records "
            f"{expected[:12]}…: a task file, SKILL.md or prompt template was changed. Regenerate the catalog "
            f"(`procskill catalog build`) or, for your own skills, delete {MANIFEST}."
        )
    return str(manifest.get("version"))
