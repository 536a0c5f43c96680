"""Make the bare task name ``procskill`` resolve, as in ``inspect eval procskill``.

Inspect resolves ``inspect eval NAME`` through its registry; names without a package
prefix are only looked up as-is (or under ``inspect_ai/``), and entry points register
``procskill/procskill``. Inspect loads every entry point at start-up (for hooks), so
registering an alias here, at entry-point import time, makes ``procskill`` resolve.
This relies on Inspect internals (``registry_add`` and the start-up entry-point load);
``tests/test_readme_commands.py`` runs the README's ``inspect eval procskill …`` commands through the real
CLI, so an upgrade that breaks it fails CI.
"""

from __future__ import annotations

import functools
from typing import Any

from inspect_ai._util.registry import RegistryInfo, registry_add, registry_has, registry_info

BARE_NAME = "procskill"


def register_bare_task_name() -> None:
    """Register ``procskill`` as an alias of the ``procskill/procskill`` task (idempotent)."""
    from procskill.tasks import procskill

    if registry_has("task", BARE_NAME):
        return

    @functools.wraps(procskill)
    def alias(*args: Any, **kwargs: Any) -> Any:
        # The wrapped @task factory names the Task it returns `procskill/procskill`.
        return procskill(*args, **kwargs)

    info = registry_info(procskill)
    registry_add(alias, RegistryInfo(type="task", name=BARE_NAME, metadata=dict(info.metadata)))
