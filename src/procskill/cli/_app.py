"""The typer application that every command module registers on, and its one error handler.

A user-fixable error (:class:`procskill.errors.ProcskillError`, a missing ``local`` extra, a bad
command-line parameter) ends any command as one line on stderr, ``error: <message>``, with exit code 2
and no traceback. ``procskill --debug …`` or ``PROCSKILL_DEBUG=1`` shows the traceback instead.
Commands therefore raise these errors and never catch them one by one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
import yaml
from typer.core import TyperGroup

from procskill._local import LocalStackMissing
from procskill.errors import ProcskillError

USER_ERROR_EXIT = 2
"""Exit code of every user error (click's own code for a usage error)."""

DEBUG_ENV = "PROCSKILL_DEBUG"
"""Set to 1 to see the traceback of a user error (same as ``procskill --debug``)."""

USER_ERRORS: tuple[type[Exception], ...] = (ProcskillError, LocalStackMissing)
"""What the CLI reports as one line. ``LocalStackMissing`` is an ``ImportError`` (code that imports
optional modules catches it as one), so it is listed beside the base class."""


# typer >= 0.24 vendors click (typer._click) and re-exports only BadParameter: find its UsageError base
_UsageError: type[Exception] = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")


def _debug_enabled(ctx: Any) -> bool:
    return bool(ctx.meta.get("procskill.debug")) or os.environ.get(DEBUG_ENV, "") not in ("", "0")


def _one_line(message: str) -> str:
    return " ".join(message.split())


def _usage_hint(err: Any) -> str:
    ctx = getattr(err, "ctx", None)
    return f" (see: {ctx.command_path} --help)" if ctx is not None else ""


@contextmanager
def _one_line_errors(ctx: Any) -> Iterator[None]:
    """Report user errors and usage errors raised inside the block as one line, exit code 2."""
    try:
        yield
    except USER_ERRORS as err:
        if _debug_enabled(ctx):
            raise
        typer.echo(f"error: {err}", err=True)  # a list of problems keeps its lines
        raise typer.Exit(USER_ERROR_EXIT) from None
    except _UsageError as err:
        if type(err).__name__ == "NoArgsIsHelpError" or _debug_enabled(ctx):
            raise  # a bare group prints its help
        typer.echo(f"error: {_one_line(err.format_message())}{_usage_hint(err)}", err=True)  # type: ignore[attr-defined]
        raise typer.Exit(USER_ERROR_EXIT) from None


class _ProcskillGroup(TyperGroup):
    """The root command group: reports user errors of every subcommand as one line."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        with _one_line_errors(ctx):  # the root's own options (`procskill --bogus`)
            return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        with _one_line_errors(ctx):  # every subcommand: its parameters, then its run
            return super().invoke(ctx)


app = typer.Typer(
    name="procskill",
    cls=_ProcskillGroup,
    help="Procedural-skill evaluation on Inspect AI: paired base vs skill-block episodes, "
    "judges, SFT and the study report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # --debug tracebacks must not print API keys held in locals
)


@app.callback()
def _main(
    ctx: typer.Context,
    debug: Annotated[
        bool, typer.Option("--debug", help=f"Show the traceback of an error (or set {DEBUG_ENV}=1).")
    ] = False,
) -> None:
    """Procedural-skill evaluation on Inspect AI: paired base vs skill-block episodes, judges, SFT and the
    study report."""
    ctx.meta["procskill.debug"] = debug


def parse_model_args(pairs: list[str] | None) -> dict[str, Any]:
    """``-M KEY=VALUE`` options as a dict, values parsed as YAML (``true``, ``0.5``, ``[a, b]``)."""
    args: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="-M")
        try:
            args[key.strip()] = yaml.safe_load(value)
        except yaml.YAMLError:
            raise typer.BadParameter(
                f"{pair!r}: the value is not valid YAML; quote it", param_hint="-M"
            ) from None
    return args
