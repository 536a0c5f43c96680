"""Skill and task ids of logs made before the Agent Skills rename (built-in catalog 1.x).

Catalog 2.0.0 renamed every built-in skill to the spec's lowercase-hyphen form (underscores became hyphens:
skill ``day-of-week``, task ``day-of-week-h001``); the tasks themselves did not change.
Readers of logs (the report, the SFT corpus builder) pass ids through :func:`id_mapper` so that a 1.x log
pairs with, and reports beside, a 2.x log of the same tasks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

RENAMED_IN = "2.0.0"
"""The built-in catalog version that introduced the Agent Skills ids."""


def legacy_skill_id(skill_id: str) -> str:
    """The 2.x form of a built-in skill or task id of catalog 1.x (snake_case → hyphens)."""
    return skill_id.replace("_", "-")


def _identity(value: str) -> str:
    return value


def id_mapper(dataset: Mapping[str, Any] | None) -> Callable[[str], str]:
    """How to read the skill and task ids of a log, given its ``eval.metadata["dataset"]``.

    Returns:
        :func:`legacy_skill_id` for a log of the built-in catalog before 2.0.0; otherwise the identity
        (a user's own folder keeps its ids as written).
    """
    dataset = dataset or {}
    version = str(dataset.get("catalog_version") or "")
    if (
        dataset.get("source") == "builtin"
        and version.split(".")[0].isdigit()
        and int(version.split(".")[0]) < 2
    ):
        return legacy_skill_id
    return _identity
