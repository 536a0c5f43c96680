"""Make procskill's bare names resolve: the task (``inspect eval procskill``) and its scorers as the log
records them (``inspect score LOG`` with no ``--scorer``).

Inspect resolves names through its registry; names without a package prefix are only looked up as-is
(or under ``inspect_ai/``), while entry points register ``procskill/<name>``. A log records each scorer
by its *unqualified* name (``extract``, ``answer_format``), so ``inspect score`` looks up the bare name.
Inspect loads every entry point at start-up (for hooks), so registering aliases here, at entry-point
import time, makes the bare names resolve. This relies on Inspect internals (``registry_add`` and the
start-up entry-point load); ``tests/core/test_task_hf.py`` (task) and ``tests/core/test_rescore.py``
(scorers) run the real CLI so an upgrade that breaks it fails CI. A bare name some other package already
registered is left alone.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from inspect_ai._util.registry import RegistryInfo, RegistryType, registry_add, registry_has, registry_info

BARE_NAME = "procskill"

BARE_SCORERS = ("extract", "answer_format", "bench", "llm")
"""Scorers re-created by ``inspect score`` from the names a log records. A judge is recorded by its path
(``bench`` / ``llm``) with its ``path`` and ``judge`` as parameters, so both names lead to ``procskill/judge``."""


def _alias(kind: RegistryType, name: str, target: Callable[..., Any]) -> None:
    if registry_has(kind, name):
        return

    @functools.wraps(target)
    def alias(*args: Any, **kwargs: Any) -> Any:
        # The wrapped factory names what it returns `procskill/<name>`.
        return target(*args, **kwargs)

    registry_add(alias, RegistryInfo(type=kind, name=name, metadata=dict(registry_info(target).metadata)))


def register_bare_task_name() -> None:
    """Register ``procskill`` as an alias of the ``procskill/procskill`` task (idempotent)."""
    from procskill.tasks import procskill

    _alias("task", BARE_NAME, procskill)


def register_bare_scorer_names() -> None:
    """Register ``extract``, ``answer_format``, ``bench`` and ``llm`` as aliases of ``procskill/extract``,
    ``procskill/answer_format`` and (both judge paths) ``procskill/judge`` (idempotent)."""
    from procskill.scorers import answer_format_score, extract, judge

    for name, factory in zip(BARE_SCORERS, (extract, answer_format_score, judge, judge), strict=True):
        _alias("scorer", name, factory)
