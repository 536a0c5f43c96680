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
            raise typer.BadParameter(
                f"{pair!r}: expected MODEL=PARAMS, e.g. hf/local=0.8B", param_hint="--size"
            )
        sizes[model.strip()] = params.strip()
    return sizes


def _points(x: float) -> str:
    return "not estimable" if x != x else f"{100 * x:.1f} points"


def _p(p: float) -> str:
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _tests(p: float | None, p_holm: float | None, n: int) -> str:
    """``n=…, p=…, Holm p=…``, leaving out tests that were not computed (one skill)."""
    parts = [f"n={n}"]
    if p is not None:
        parts.append(f"p={_p(p)}")
    if p_holm is not None:
        parts.append(f"Holm p={_p(p_holm)}")
    return ", ".join(parts)


def _effect(iv: dict[str, float | None]) -> str:
    """An effect in points with its interval and MDE, or what is missing (the report's units)."""
    from procskill.analysis._units import interval, missing, pct

    if missing(iv["estimate"]):
        return "not estimable"
    if missing(iv.get("low")):
        return interval(iv) + " points (no interval: one skill)"
    if iv.get("se") == 0:
        return (
            interval({"estimate": iv["estimate"]})
            + " points (no interval: every task gave the same difference)"
        )
    text = interval(iv) + " points"
    return text + (f", MDE {pct(iv['mde'])} points" if not missing(iv.get("mde")) else "")


@app.command("report")
def report_command(
    logs: Annotated[list[Path], typer.Argument(help="Log files and/or folders (searched recursively).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for report.md, summary.json and the figures.")],
    size: Annotated[
        list[str] | None,
        typer.Option(
            "--size", help="Model size MODEL=PARAMS, e.g. hf/local=0.8B (repeatable); wins over the logs."
        ),
    ] = None,
    primary: Annotated[
        str | None, typer.Option(help="Headline score for figures, e.g. extract or llm@openai/gpt-5.4.")
    ] = None,
    mode: Annotated[
        str,
        typer.Option(
            help="Intervals: cluster (skills as clusters, t with G-1 df; default), cluster-bootstrap (skills resampled) "
            "or fixed-skills (tasks resampled within skills; assumes the skills are fixed)."
        ),
    ] = "cluster",
    resamples: Annotated[
        int, typer.Option(help="Bootstrap replicates (bootstrap modes, kappa interval).")
    ] = 2000,
    seed: Annotated[
        int | None, typer.Option(help="Bootstrap seed (default: procskill.stats.DEFAULT_SEED).")
    ] = None,
    strict: Annotated[
        bool,
        typer.Option(
            help="Exit non-zero on any refused comparison (settings, catalog, path or judge mismatch)."
        ),
    ] = False,
    figures: Annotated[bool, typer.Option(help="Draw the PNG figures.")] = True,
) -> None:
    """Procedural Δ, SFT-attributable lift, Δ vs size, format compliance and judge agreement, with intervals."""
    from procskill import stats
    from procskill.analysis import build_report

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
    summary = report.summary
    scorer = summary["primary_scorer"]
    for x in summary["skipped_logs"]:
        typer.echo(f"note: skipped {x['log']}: {x['reason']}", err=True)
    for r in summary["refusals"]:
        typer.echo(f"REFUSED {r['what']}: {r['why']}", err=True)
    typer.echo(
        f"{len(summary['configurations'])} configurations; headline score {scorer}; "
        "Δ, lift and MDE in percentage points with 95% intervals"
    )
    for r in summary["deltas"]:
        if r["scorer"] == scorer:
            typer.echo(f"  Δ    {r['config']}: {_effect(r['delta'])} ({_tests(r['p'], r['p_holm'], r['n'])})")
    for r in summary["lifts"]:
        if r["scorer"] == scorer:
            typer.echo(
                f"  lift {r['post']}: {_effect(r['lift'])} ({_tests(r['lift']['p'], r['p_holm'], r['n'])})"
            )
    for j in summary.get("judge_tokens") or []:
        typer.echo(
            f"  judge tokens {j['judge']} ({j['path']}): {j['input_tokens']:,} input, "
            f"{j['output_tokens']:,} output over {j['calls']:,} calls"
        )
    for kind, part in (summary.get("size_pattern") or {}).items():
        if isinstance(part, dict):
            typer.echo(f"  size ({kind}): {part['verdict']}")
    for _, path in sorted(report.files.items()):
        typer.echo(f"wrote {path}")


@app.command("plan")
def plan_command(
    logs: Annotated[
        list[Path], typer.Argument(help="Pilot log files and/or folders (searched recursively).")
    ],
    delta: Annotated[float | None, typer.Option(help="Δ to detect, as a fraction (0.05 = 5 points).")] = None,
    lift: Annotated[float | None, typer.Option(help="SFT lift to detect, as a fraction.")] = None,
    scorer: Annotated[str | None, typer.Option(help="Score to plan for (default: extract).")] = None,
) -> None:
    """Epochs (and tasks) needed to detect a Δ or lift with 80% power, from pilot logs."""
    from procskill.analysis.plan import plan_study

    rows = plan_study(logs, delta=delta, lift=lift, scorer=scorer)
    for r in rows:
        head = (
            f"{r['kind']:<5} {r['config']} ({r['scorer']}): now {r['tasks']} tasks x {r['epochs']} epoch(s), "
            f"MDE {_points(r['mde_now'])}; to detect {100 * r['target']:.1f} points"
        )
        ways = [f"{r['epochs_needed']} epoch(s)"] if r.get("epochs_needed") else []
        if "tasks_needed_at_these_epochs" in r:
            ways.append(f"{r['tasks_needed_at_these_epochs']} tasks at {r['epochs']} epoch(s)")
        detail = (": " + " or ".join(ways)) if ways else ""
        typer.echo(head + detail + (f" ({r['note']})" if r.get("note") else ""))
