"""``procskill study``, ``procskill demo`` and ``procskill models``: whole studies and model names."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from procskill.cli._app import app

models_app = typer.Typer(help="Short names for local Hugging Face models.", no_args_is_help=True)
app.add_typer(models_app, name="models")


@app.command("study")
def study_command(
    study: Annotated[str, typer.Argument(help="A study YAML file, or a shipped study: paper, paper-gpu-cluster, demo.")],
    out: Annotated[Path | None, typer.Option(help="Output folder (default: the study's `out`).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan and its commands; run nothing.")] = False,
    display: Annotated[str, typer.Option(help="Inspect progress display: none, plain, rich.")] = "plain",
) -> None:
    """Run every step a study file declares that is not done yet (rerun to resume)."""
    from procskill._local import LocalStackMissing
    from procskill.studies import StudyError, load_study, run_study

    try:
        run_study(load_study(study, out), dry_run=dry_run, display=display, echo=typer.echo)
    except StudyError as err:
        raise typer.BadParameter(str(err), param_hint="STUDY") from None
    except LocalStackMissing as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from None


@app.command("demo")
def demo_command(
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("procskill-out/demo"),
    quick: Annotated[bool, typer.Option("--quick", help="A two-skill smoke run (what the test suite runs).")] = False,
    display: Annotated[str, typer.Option(help="Inspect progress display: none, plain, rich.")] = "plain",
) -> None:
    """Run the whole pipeline offline on a tiny Qwen3.5: evaluate, build a corpus, train, re-evaluate, report."""
    from procskill._local import LocalStackMissing
    from procskill.studies import run_demo

    try:
        run_demo(out, quick=quick, display=display, echo=typer.echo)
    except LocalStackMissing as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from None


@models_app.command("alias")
def models_alias_command(
    names: Annotated[list[str] | None, typer.Argument(help="NAME=HUB_ID pairs (default: the Qwen3.5 short names).")] = None,
    cache_dir: Annotated[Path | None, typer.Option(help="Hugging Face hub cache (default: HF_HUB_CACHE).")] = None,
) -> None:
    """Make `--model hf/qwen3.5-2b` (etc.) resolve to a downloaded hub model, from any directory."""
    from procskill.studies import DEFAULT_ALIASES, alias_models

    pairs = dict(n.split("=", 1) for n in names) if names else DEFAULT_ALIASES
    for alias, target in alias_models(pairs, cache_dir).items():
        typer.echo(f"hf/{alias} -> {target}")
