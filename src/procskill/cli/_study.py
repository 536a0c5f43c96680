"""``procskill study``, ``procskill demo`` and ``procskill models``: whole studies and model names."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from procskill.cli._app import app

DISPLAYS = ("full", "conversation", "rich", "plain", "log", "none")
"""Inspect's progress displays (``inspect eval --display``)."""


def _display(value: str) -> str:
    if value not in DISPLAYS:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(DISPLAYS)}")
    return value


DisplayOption = Annotated[
    str, typer.Option(help="Inspect progress display: none, plain, rich.", callback=_display)
]
"""The ``--display`` option of the commands that run evaluations."""

models_app = typer.Typer(help="Short names for local Hugging Face models.", no_args_is_help=True)
app.add_typer(models_app, name="models")


@app.command("study")
def study_command(
    study: Annotated[
        str, typer.Argument(help="A study YAML file, or a shipped study: paper, paper-gpu-cluster, demo.")
    ],
    out: Annotated[Path | None, typer.Option(help="Output folder (default: the study's `out`).")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan and its commands; run nothing.")
    ] = False,
    display: DisplayOption = "plain",
) -> None:
    """Run every step a study file declares that is not done yet (rerun to resume)."""
    from procskill.studies import load_study, run_study

    run_study(load_study(study, out), dry_run=dry_run, display=display, echo=typer.echo)


@app.command("demo")
def demo_command(
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("procskill-out/demo"),
    quick: Annotated[
        bool, typer.Option("--quick", help="A two-skill smoke run (what the test suite runs).")
    ] = False,
    display: DisplayOption = "plain",
) -> None:
    """Run the whole pipeline offline on a tiny Qwen3.5: evaluate, build a corpus, train, evaluate, report."""
    from procskill.studies import run_demo

    run_demo(out, quick=quick, display=display, echo=typer.echo)


@models_app.command("alias")
def models_alias_command(
    names: Annotated[
        list[str] | None, typer.Argument(help="NAME=HUB_ID pairs (default: the Qwen3.5 short names).")
    ] = None,
    cache_dir: Annotated[
        Path | None, typer.Option(help="Hugging Face hub cache (default: HF_HUB_CACHE).")
    ] = None,
) -> None:
    """Make `--model hf/qwen3.5-2b` (etc.) resolve to a downloaded hub model, from any directory."""
    from procskill.studies import DEFAULT_ALIASES, alias_models

    pairs = dict(DEFAULT_ALIASES)
    if names:
        bad = [n for n in names if not all(part.strip() for part in n.partition("=")[::2])]
        if bad:
            raise typer.BadParameter(
                f"{bad}: expected NAME=HUB_ID, e.g. qwen3.5-2b=Qwen/Qwen3.5-2B", param_hint="NAMES"
            )
        pairs = dict(n.split("=", 1) for n in names)
    for alias, target in alias_models(pairs, cache_dir).items():
        typer.echo(f"hf/{alias} -> {target}")


@models_app.command("tiny")
def models_tiny_command(
    out: Annotated[Path, typer.Argument(help="Checkpoint folder to write (an equal build there is reused).")],
    tokenizer_text: Annotated[
        str | None,
        typer.Option(help="Fit the tokenizer to: 'catalog' (the skill catalog's text) or a text file."),
    ] = None,
    vocab_size: Annotated[int, typer.Option(help="Embedding rows.")] = 2048,
    initializer_range: Annotated[float, typer.Option(help="Weight init standard deviation.")] = 0.02,
    hidden_size: Annotated[int, typer.Option(help="Hidden width.")] = 64,
    num_hidden_layers: Annotated[int, typer.Option(help="Layers (3 DeltaNet : 1 attention).")] = 4,
    seed: Annotated[int, typer.Option(help="Weight seed.")] = 0,
) -> None:
    """Build a tiny random Qwen3.5 offline (tests, the demo): `--model hf/local -M model_path=OUT`."""
    from procskill.studies import build_tiny_model

    path = build_tiny_model(
        out,
        tokenizer_text=tokenizer_text,
        vocab_size=vocab_size,
        initializer_range=initializer_range,
        hidden_size=hidden_size,
        num_hidden_layers=num_hidden_layers,
        seed=seed,
    )
    typer.echo(f"tiny Qwen3.5 in {path}: evaluate with --model hf/local -M model_path={path}")
