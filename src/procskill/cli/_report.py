"""``procskill report``: the study report from Inspect logs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from procskill.cli._app import app


def _sizes(pairs: list[str]) -> dict[str, str]:
    sizes: dict[str, str] = {}
    for pair in pairs:
        model, sep, params = pair.rpartition("=")
        if not sep or not model.strip() or not params.strip():
            raise typer.BadParameter(f"{pair!r}: expected MODEL=PARAMS, e.g. hf/local=0.8B", param_hint="--size")
        sizes[model.strip()] = params.strip()
    return sizes


def _interval(iv: dict[str, float | None]) -> str:
    if iv["estimate"] is None:
        return "n/a"
    if iv["low"] is None:
        return f"{iv['estimate']:+.3f}"
    return f"{iv['estimate']:+.3f} [{iv['low']:+.3f}, {iv['high']:+.3f}]"


@app.command("report")
def report_command(
    logs: Annotated[list[Path], typer.Argument(help="Log files and/or folders (searched recursively).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for report.md, summary.json and the figures.")],
    size: Annotated[
        list[str] | None,
        typer.Option("--size", help="Model size MODEL=PARAMS, e.g. hf/local=0.8B (repeatable); wins over the logs."),
    ] = None,
    primary: Annotated[
        str | None, typer.Option(help="Headline score for figures, e.g. extract or llm@openai/gpt-5.4.")
    ] = None,
    mode: Annotated[str, typer.Option(help="Bootstrap: within (tasks within skills) or cluster (skills).")] = "within",
    resamples: Annotated[int, typer.Option(help="Bootstrap replicates.")] = 2000,
    seed: Annotated[int | None, typer.Option(help="Bootstrap seed (default: procskill.stats.DEFAULT_SEED).")] = None,
    strict: Annotated[
        bool, typer.Option(help="Fail when a checkpoint's base model was only evaluated under unmatched settings.")
    ] = False,
    figures: Annotated[bool, typer.Option(help="Draw the PNG figures.")] = True,
) -> None:
    """Procedural Δ, SFT-attributable lift, Δ vs size, format compliance and judge agreement, with intervals."""
    from procskill import stats
    from procskill.analysis import ReportInputError, UnmatchedComparisonError, build_report

    try:
        report = build_report(
            logs,
            out,
            size_overrides=_sizes(size or []),
            primary=primary,
            mode=mode,
            resamples=resamples,
            seed=stats.DEFAULT_SEED if seed is None else seed,
            strict=strict,
            figures=figures,
        )
    except (ReportInputError, UnmatchedComparisonError, FileNotFoundError, ValueError) as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from None
    summary = report.summary
    scorer = summary["primary_scorer"]
    typer.echo(f"{len(summary['configurations'])} configurations; headline score {scorer}")
    for r in summary["deltas"]:
        if r["scorer"] == scorer:
            typer.echo(f"  Δ    {r['config']}: {_interval(r['delta'])} (n={r['n']})")
    for r in summary["lifts"]:
        if r["scorer"] == scorer:
            typer.echo(f"  lift {r['post']}: {_interval(r['lift'])}")
    for r in summary["refused"]:
        typer.echo(f"  refused {r['pre']} vs {r['post']}: {'; '.join(r['reasons'])}")
    for name, path in sorted(report.files.items()):
        typer.echo(f"wrote {path}")
