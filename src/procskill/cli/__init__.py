"""The ``procskill`` command: one typer app, one module per group of subcommands.

Every subcommand is a thin wrapper over a Python function that users can call too.
"""

from procskill.cli import _catalog, _judges, _report, _study, _training  # noqa: F401  (register commands)
from procskill.cli._app import app

__all__ = ["app"]
