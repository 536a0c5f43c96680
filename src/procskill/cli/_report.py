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


def _p(p: float | None) -> str:
    return "n/a" if p is None else ("<0.001" if p < 0.001 else f"{p:.3f}")


def _mde(iv: dict[str, float | None]) -> str:
    return "n/a" if iv.get("mde") is None else f"{iv['mde']:.3f}"


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
    mode: Annotated[str, typer.Option(
        help="Intervals: cluster (skills as clusters, t with G-1 df; default), cluster-bootstrap (skills resampled) "
        "or fixed-skills (tasks resampled within skills; assumes the skills are fixed).")] = "cluster",
    resamples: Annotated[int, typer.Option(help="Bootstrap replicates (bootstrap modes, kappa interval).")] = 2000,
    seed: Annotated[int | None, typer.Option(help="Bootstrap seed (default: procskill.stats.DEFAULT_SEED).")] = None,
    strict: Annotated[
        bool, typer.Option(help="Exit non-zero on any refused comparison (settings, catalog, path or judge mismatch).")
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
        raise typer.Exit(2) from None
    summary = report.summary
    scorer = summary["primary_scorer"]
    for x in summary["skipped_logs"]:
        typer.echo(f"note: skipped {x['log']}: {x['reason']}", err=True)
    for r in summary["refusals"]:
        typer.echo(f"REFUSED {r['what']}: {r['why']}", err=True)
    typer.echo(f"{len(summary['configurations'])} configurations; headline score {scorer}")
    for r in summary["deltas"]:
        if r["scorer"] == scorer:
            typer.echo(f"  Δ    {r['config']}: {_interval(r['delta'])} (n={r['n']}, p={_p(r['p'])}, "
                       f"Holm p={_p(r['p_holm'])}, MDE {_mde(r['delta'])})")
    for r in summary["lifts"]:
        if r["scorer"] == scorer:
            typer.echo(f"  lift {r['post']}: {_interval(r['lift'])} (p={_p(r['lift']['p'])}, "
                       f"Holm p={_p(r['p_holm'])}, MDE {_mde(r['lift'])})")
    for kind, part in (summary.get("size_pattern") or {}).items():
        if isinstance(part, dict):
            typer.echo(f"  size ({kind}): {part['verdict']}")
    for name, path in sorted(report.files.items()):
        typer.echo(f"wrote {path}")


@app.command("plan")
def plan_command(
    logs: Annotated[list[Path], typer.Argument(help="Pilot log files and/or folders (searched recursively).")],
    delta: Annotated[float | None, typer.Option(help="Δ to detect, as a fraction (0.05 = 5 points).")] = None,
    lift: Annotated[float | None, typer.Option(help="SFT lift to detect, as a fraction.")] = None,
    scorer: Annotated[str | None, typer.Option(help="Score to plan for (default: extract).")] = None,
) -> None:
    """Epochs (and tasks) needed to detect a Δ or lift with 80% power, from pilot logs."""
    from procskill.analysis import ReportInputError
    from procskill.analysis.plan import plan_study

    try:
        rows = plan_study(logs, delta=delta, lift=lift, scorer=scorer)
    except (ReportInputError, FileNotFoundError, ValueError) as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    for r in rows:
        head = (f"{r['kind']:<5} {r['config']} ({r['scorer']}): now {r['tasks']} tasks x {r['epochs']} epoch(s), "
                f"MDE {r['mde_now']:.3f}; to detect {r['target']:.3f}:")
        ways = [f"{r['epochs_needed']} epoch(s)"] if r.get("epochs_needed") else []
        if "tasks_needed_at_these_epochs" in r:
            ways.append(f"{r['tasks_needed_at_these_epochs']} tasks at {r['epochs']} epoch(s)")
        detail = (" " + " or ".join(ways)) if ways else ""
        typer.echo(head + detail + (f" ({r['note']})" if r.get("note") else ""))
