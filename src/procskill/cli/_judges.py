"""``procskill rejudge`` and ``procskill agreement``: judges over stored logs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from procskill.cli._app import app, parse_model_args


@app.command("rejudge")
def rejudge_command(
    logs: Annotated[list[Path], typer.Argument(help="Log files and/or folders (searched recursively).")],
    judge: Annotated[
        str, typer.Option(help="Judge model, e.g. openai/gpt-5.4 or openrouter/openai/gpt-5.4.")
    ],
    path: Annotated[str, typer.Option(help="Scoring path: llm (judge every task) or bench.")] = "llm",
    max_connections: Annotated[int | None, typer.Option(help="Concurrent judge calls.")] = None,
    base_url: Annotated[str | None, typer.Option(help="Base URL of the judge's API.")] = None,
    model_arg: Annotated[
        list[str] | None,
        typer.Option("-M", "--model-arg", help="Judge model argument key=value (repeatable)."),
    ] = None,
    timeout: Annotated[
        int | None, typer.Option(help="Seconds before a judge call (with retries) gives up.")
    ] = None,
    attempt_timeout: Annotated[
        int | None, typer.Option(help="Seconds before one attempt is retried.")
    ] = None,
    max_retries: Annotated[int | None, typer.Option(help="Retries of a failed judge call.")] = None,
    batch: Annotated[
        str | None,
        typer.Option(
            help="Send judge calls through the provider's batch API (about half the price; results can take "
            "up to 24 hours): 'true', or a batch size."
        ),
    ] = None,
) -> None:
    """Add the score <path>@<judge> to stored logs without regenerating (idempotent, cached).

    Prints one line per log as soon as it is written (or left as it is, and why).
    """
    from procskill.analysis.rejudge import JUDGE_PATHS, check_judge_name, log_files, rejudge
    from procskill.errors import ProcskillError

    def fail(message: str) -> None:
        typer.echo(f"error: {message}", err=True)
        raise typer.Exit(2)

    # Inputs first: nothing is built (no model, no API key looked up) for a bad path or name.
    try:
        log_files(logs)
        if path not in JUDGE_PATHS:
            raise ProcskillError(f"--path must be one of {', '.join(JUDGE_PATHS)}, got {path!r}")
        check_judge_name(judge)
        batch_setting = _parse_batch(batch)
        model_args = parse_model_args(model_arg)
    except (ProcskillError, FileNotFoundError, typer.BadParameter) as err:
        fail(str(err))

    from inspect_ai.model import GenerateConfig, get_model

    config = GenerateConfig(
        max_connections=max_connections,
        timeout=timeout,
        attempt_timeout=attempt_timeout,
        max_retries=max_retries,
        batch=batch_setting,
    )
    try:
        model = get_model(judge, base_url=base_url, config=config, **model_args)
    except Exception as err:  # noqa: BLE001 - unknown provider, missing key, bad model argument
        fail(f"--judge {judge}: {_plain(err)}")

    def show(result) -> None:
        if result.note:
            detail = f"  ({result.note})"
        elif result.judged:
            detail = (
                f" ({result.judged} judged"
                + (f", unscored {result.unscored}" if result.unscored else "")
                + ")"
            )
        else:
            detail = ""
        typer.echo(f"{result.action:>13}  {result.score}  {result.log}{detail}")

    try:
        rejudge(logs, model, path=path, config=config, display="plain", on_result=show)
    except (ProcskillError, FileNotFoundError) as err:
        fail(str(err))


def _parse_batch(value: str | None) -> bool | int | None:
    if value is None:
        return None
    lowered = value.strip().lower()
    if lowered in ("true", "yes", "1", "on"):
        return True
    if lowered in ("false", "no", "0", "off"):
        return False
    if lowered.isdigit():
        return int(lowered)
    raise typer.BadParameter(f"--batch {value!r}: expected true, false or a batch size")


def _plain(err: BaseException) -> str:
    """An error's message on one line, without rich markup (``[bold]``...)."""
    import re

    text = re.sub(r"\[/?[a-z ]+\]", "", str(err)).strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " ".join(lines) if lines else type(err).__name__


@app.command("agreement")
def agreement_command(
    logs: Annotated[list[Path], typer.Argument(help="Log files and/or folders (searched recursively).")],
    a: Annotated[
        str, typer.Option("--a", help="First score name, e.g. extract or llm@anthropic/claude-haiku-4-5.")
    ],
    b: Annotated[str, typer.Option("--b", help="Second score name, e.g. llm@openrouter/openai/gpt-5.4.")],
    resamples: Annotated[int, typer.Option(help="Bootstrap replicates for the kappa interval.")] = 2000,
    seed: Annotated[
        int | None, typer.Option(help="Bootstrap seed (default: procskill.stats.DEFAULT_SEED).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the rows as JSON.")] = False,
) -> None:
    """Agreement of two named scores: raw agreement, Cohen's kappa (bootstrap 95% CI), prevalence, 2x2 table."""
    from procskill import stats
    from procskill.analysis import agreement

    rows = agreement(logs, a, b, resamples=resamples, seed=stats.DEFAULT_SEED if seed is None else seed)
    if rows.skipped:
        # on stderr, so that --json output stays one JSON document
        typer.echo(f"skipped {len(rows.skipped)} log(s):", err=True)
        for s in rows.skipped:
            typer.echo(f"  {s.log}: {s.reason}", err=True)
    if as_json:
        typer.echo(json.dumps([r.as_dict() for r in rows], indent=2))
        return
    typer.echo(f"a = {a}\nb = {b}")
    typer.echo(
        f"{'model':<32} {'n':>5} {'agree':>6} {'kappa [95% CI]':>22} {'pass a':>7} {'pass b':>7}"
        f"  {'[[ff, fp], [pf, pp]]':<22} {'excluded':>8}  log"
    )
    for r in rows:
        kappa = f"{r.kappa:.3f} [{r.kappa_low:.3f}, {r.kappa_high:.3f}]" + ("*" if r.degenerate else "")
        typer.echo(
            f"{r.model or r.configuration:<32} {r.n:>5} {r.agreement:>6.3f} {kappa:>22} {r.prevalence_a:>7.3f}"
            f" {r.prevalence_b:>7.3f}  {r.table!s:<22} {r.excluded:>8}  {Path(r.log).name if r.log else ''}"
        )
    if any(r.degenerate for r in rows):
        typer.echo(
            "* degenerate: both scores gave a single, identical verdict (kappa undefined, reported as 1.0), "
            "or nothing to compare (NaN)"
        )
