"""The contamination guard: no holdout task ever reaches a training corpus.

A row is contaminated when its task id is a holdout task id, or when its task text is a
holdout prompt up to case, accents, punctuation and whitespace
(:func:`procskill.skills._text.normalise_prompt`). The builder checks every row before
writing it and the trainer checks every row before training, against the holdout of the
skills folder the corpus was built from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from procskill.errors import ProcskillError
from procskill.skills import BUILTIN_DIR, load_packs
from procskill.skills._text import normalise_prompt

_SHOWN = 5


class ContaminationError(ProcskillError):
    """A training row is a holdout task. The message names each offending row and the holdout task."""


@dataclass(frozen=True)
class HoldoutIndex:
    """Holdout task ids and normalised holdout prompts of one skills folder."""

    skills_dir: Path
    ids: frozenset[str]
    prompts: Mapping[str, str]
    """Normalised prompt -> holdout task id."""

    def match(self, task_id: str, prompt: str) -> str | None:
        """Why a row collides with the holdout, or ``None`` when it does not."""
        if task_id in self.ids:
            return f"task id {task_id!r} is a holdout task"
        twin = self.prompts.get(normalise_prompt(prompt))
        if twin is not None:
            return f"its prompt is the prompt of holdout task {twin!r} (after normalisation)"
        return None


def holdout_index(skills_dir: str | Path | None = None) -> HoldoutIndex:
    """Index the holdout split of every skill in a folder (not only the selected ones).

    Args:
        skills_dir: A folder of skill packs; the built-in catalog by default.

    Returns:
        The holdout ids and normalised prompts.
    """
    folder = Path(skills_dir) if skills_dir else BUILTIN_DIR
    packs = load_packs(folder)
    holdout = [task for pack in packs for task in pack.split("holdout")]
    return HoldoutIndex(
        skills_dir=folder,
        ids=frozenset(task.id for task in holdout),
        prompts={normalise_prompt(task.prompt): task.id for task in holdout},
    )


def check_rows(rows: Iterable[Mapping[str, Any]], index: HoldoutIndex, source: str) -> None:
    """Refuse rows whose task is in the holdout.

    Args:
        rows: Corpus rows with ``task_id`` and ``prompt`` (the task text).
        index: The holdout to check against (:func:`holdout_index`).
        source: Where the rows come from (a file path, or a description), used in the
            message; each row is named ``source:LINE``.

    Raises:
        ContaminationError: At least one row is a holdout task; every offender is counted
            and the first few are named.
    """
    offenders = []
    for line, row in enumerate(rows, start=1):
        why = index.match(str(row.get("task_id", "")), str(row.get("prompt", "")))
        if why:
            offenders.append(f"{source}:{line}: row {row.get('task_id')!r}: {why}")
    if offenders:
        shown = "\n  ".join(offenders[:_SHOWN])
        more = f"\n  … and {len(offenders) - _SHOWN} more" if len(offenders) > _SHOWN else ""
        raise ContaminationError(
            f"{len(offenders)} training row(s) are holdout tasks of {index.skills_dir}; "
            f"a holdout task must never be trained on:\n  {shown}{more}"
        )
