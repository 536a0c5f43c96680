"""Seeded task generators, one module per skill family.

Importing a module registers its skills in :data:`REGISTRY`; :func:`load_generators`
imports them all.
"""

from __future__ import annotations

import importlib
import pkgutil

from procskill.generators._base import (
    ANSWER_TYPES,
    HOLDOUT_DIFFICULTY,
    REGISTRY,
    GeneratedTask,
    SkillSpec,
    skill,
)


def load_generators() -> dict[str, SkillSpec]:
    """Import every generator module in this package and return the registry, by skill id."""
    for module in pkgutil.iter_modules(__path__):
        if not module.name.startswith("_") and module.name != "build":
            importlib.import_module(f"{__name__}.{module.name}")
    return dict(sorted(REGISTRY.items()))


__all__ = [
    "ANSWER_TYPES",
    "HOLDOUT_DIFFICULTY",
    "REGISTRY",
    "GeneratedTask",
    "SkillSpec",
    "load_generators",
    "skill",
]
