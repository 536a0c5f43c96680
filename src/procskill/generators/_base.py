"""Skill generator registry: one seeded generator per skill.

A generator module declares a skill with :func:`skill` and a function
``generate(rng, difficulty) -> GeneratedTask``. The build script
(:mod:`procskill.generators.build`) turns every registered skill into a skill pack:
``SKILL.md`` (front matter + the 5-step procedure) and frozen ``holdout.jsonl`` /
``train.jsonl`` files.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from procskill.prompts import ANSWER_INSTRUCTION, ANSWER_TYPES

DIFFICULTIES = (1, 2, 3)
HOLDOUT_DIFFICULTY = 2
"""The frozen holdout is generated at this level for every skill."""


@dataclass(frozen=True)
class GeneratedTask:
    """One task produced by a generator.

    Attributes:
        prompt: The task text, self-contained. It states the expected answer format
            (e.g. "comma-separated") but not the shared ANSWER-line instruction, which
            the prompt builder appends.
        target: The gold answer as it should appear after ``ANSWER:`` (for ``free``
            tasks: the gold conclusion in one or two sentences).
        steps: Exactly five worked-solution steps, one per procedure step, each stating
            its own intermediate result.
        params: The generating parameters (JSON-serialisable). Two tasks with equal
            params are the same task; holdout and training pool never share params.
        rubric: Grading rubric for the judge (required for ``free`` tasks).
    """

    prompt: str
    target: str
    steps: list[str]
    params: dict[str, Any]
    rubric: str | None = None

    def solution(self) -> str:
        """The worked solution: the five steps, then the ANSWER line."""
        body = "\n".join(f"Step {i}: {s}" for i, s in enumerate(self.steps, start=1))
        return f"{body}\nANSWER: {self.target}"


Generator = Callable[[random.Random, int], GeneratedTask]


@dataclass(frozen=True)
class SkillSpec:
    """A registered skill: its pack metadata and its generator."""

    id: str
    name: str
    domain: str
    description: str
    answer_type: str
    procedure: list[str]
    why: str
    generate: Generator = field(repr=False)

    def procedure_steps(self) -> list[str]:
        """The five steps as written to SKILL.md (step 5 ends with the answer instruction)."""
        return [*self.procedure[:4], f"{self.procedure[4].rstrip()} {ANSWER_INSTRUCTION}"]


REGISTRY: dict[str, SkillSpec] = {}


def skill(
    *,
    id: str,
    name: str,
    domain: str,
    description: str,
    answer_type: str,
    procedure: list[str],
    why: str,
) -> Callable[[Generator], Generator]:
    """Register a generator as the source of a skill pack.

    Args:
        id: Skill id (snake_case, unique); the pack's folder name.
        name: Human-readable name (front matter ``name``).
        domain: Domain the skill belongs to (front matter ``domain``).
        description: One line saying what the skill does.
        answer_type: One of ``integer``, ``number``, ``string``, ``list``, ``set``, ``free``.
        procedure: Exactly five procedure steps, without numbering. Step five must
            not contain the answer instruction: it is appended when the pack is written.
        why: One sentence on why the procedure helps a model on this skill.

    Returns:
        A decorator that registers ``generate(rng, difficulty) -> GeneratedTask``.
    """
    if answer_type not in ANSWER_TYPES:
        raise ValueError(f"skill {id}: unknown answer_type {answer_type!r}")
    if len(procedure) != 5:
        raise ValueError(f"skill {id}: procedure needs exactly 5 steps, got {len(procedure)}")

    def register(generate: Generator) -> Generator:
        if id in REGISTRY:
            raise ValueError(f"skill {id} registered twice")
        REGISTRY[id] = SkillSpec(
            id=id,
            name=name,
            domain=domain,
            description=description,
            answer_type=answer_type,
            procedure=list(procedure),
            why=why,
            generate=generate,
        )
        return generate

    return register
