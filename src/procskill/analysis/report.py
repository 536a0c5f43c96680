"""The study report: procedural Δ, SFT-attributable lift, the Δ-vs-size trajectory,
format compliance, judge agreement and the per-skill view — from Inspect logs.

``build_report(logs, out_dir)`` reads the logs (files or folders), computes every number
with :mod:`procskill.stats` and writes ``report.md``, ``summary.json`` and PNG figures.
Each file is written to a temporary name and moved into place, so an interrupted run
never leaves a half-written file. The keys of ``summary.json`` are documented in
``docs/report.md``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from procskill import stats
from procskill._files import atomic_write
from procskill.analysis import _figures, _markdown
from procskill.analysis._block_length import block_length
from procskill.analysis._logs import (
    Configuration,
    LogTables,
    ReportInputError,
    base_model_matches,
    parse_size,
    read_logs,
)
from procskill.analysis._report import (
    LiftResult,
    PathResult,
    Tables,
    UnmatchedComparisonError,
    adjust_holm,
    all_refusals,
    claim_check,
    compliance,
    findings_agreement,
    judge_agreement,
    judge_token_use,
    lifts,
    pair_checkpoints,
    path_result,
    recipe_sweeps,
    seed_pools,
    size_pattern,
    skill_view,
    token_use,
    trajectory,
)
from procskill.analysis._report import sft_lift as _sft_lift
from procskill.scorers import EXTRACT_PATH

SUMMARY_VERSION = 2
"""Bumped when a key of ``summary.json`` changes meaning or disappears."""

MODE_DESCRIPTION = {
    "cluster": "clustered by skill: clustered standard error (finite-cluster correction) and t with G−1 degrees "
    "of freedom, as Inspect's ci(cluster=); skills are treated as a sample of procedures",
    "cluster-bootstrap": "percentile bootstrap resampling whole skills (skills treated as a sample of procedures)",
    "fixed-skills": "percentile bootstrap resampling tasks within each skill: ASSUMES the skills are fixed, not "
    "sampled, and under-covers when the block's effect varies by skill",
}

__all__ = [
    "Configuration",
    "LiftResult",
    "PathResult",
    "Report",
    "ReportInputError",
    "UnmatchedComparisonError",
    "base_model_matches",
    "build_report",
    "parse_size",
    "read_logs",
    "sft_lift",
]


@dataclass
class Report:
    """Everything the report computed, and where it was written.

    ``summary`` is the content of ``summary.json``; the typed results are kept for Python use.
    """

    summary: dict[str, Any]
    tables: LogTables
    deltas: list[PathResult]
    lifts: list[LiftResult]
    out_dir: Path | None = None
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def configurations(self) -> list[Configuration]:
        return self.tables.configurations

    def delta(self, config: str, scorer: str | None = None) -> PathResult:
        """The Δ result of a configuration (label) under a score (default: the headline score)."""
        scorer = scorer or self.summary["primary_scorer"]
        for r in self.deltas:
            if r.config == config and r.scorer == scorer:
                return r
        raise KeyError(f"no Δ for {config!r} under {scorer!r}")

    def lift(self, post: str, scorer: str | None = None) -> LiftResult:
        """The lift of an SFT configuration (label) under a score (default: the headline score)."""
        scorer = scorer or self.summary["primary_scorer"]
        for r in self.lifts:
            if r.post == post and r.scorer == scorer:
                return r
        raise KeyError(f"no lift for {post!r} under {scorer!r}")


def sft_lift(
    report: Report,
    pre: str,
    post: str,
    scorer: str | None = None,
    post_scorer: str | None = None,
    resamples: int | None = None,
    seed: int | None = None,
    mode: str | None = None,
) -> LiftResult:
    """Lift of any two configurations of a report, refused unless they are matched.

    Args:
        report: A built report (its tables are reused).
        pre: Label of the pre-SFT configuration.
        post: Label of the post-SFT configuration.
        scorer: Score to compare under (default: the headline score).
        post_scorer: A different score for ``post`` — always refused; exists so that the
            refusal of a cross-path comparison is explicit rather than impossible to ask.
        resamples: Bootstrap replicates (default: the report's).
        seed: Bootstrap seed (default: the report's).
        mode: ``cluster``, ``cluster-bootstrap`` or ``fixed-skills`` (default: the report's).

    Raises:
        UnmatchedComparisonError: Not the same scoring path and judge, holdout hash,
            thinking setting, token limit and placement; the message lists each difference.
    """
    method = report.summary["method"]
    return _sft_lift(
        Tables(report.tables),
        report.tables.configuration(pre),
        report.tables.configuration(post),
        scorer or report.summary["primary_scorer"],
        post_scorer,
        resamples=resamples or method["resamples"],
        seed=seed if seed is not None else method["seed"],
        mode=mode or method["mode"],
    )


def _primary(configs: list[Configuration], requested: str | None) -> str:
    present = [set(c.scorers) for c in configs]
    if requested:
        if not any(requested in p for p in present):
            raise ReportInputError(
                f"--primary {requested!r}: no log has this score; they have {sorted(set().union(*present))}"
            )
        return requested
    common = set.intersection(*present) if present else set()
    if EXTRACT_PATH in common:
        return EXTRACT_PATH
    if common:
        return min(common)
    counts: dict[str, int] = {}
    for p in present:
        for s in p:
            counts[s] = counts.get(s, 0) + 1
    return max(sorted(counts), key=lambda s: counts[s])


def _clean(value: Any) -> Any:
    """JSON-safe: NaN/inf become null (strict JSON has no NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def build_report(
    logs: str | Path | Iterable[str | Path],
    out_dir: str | Path | None,
    size_overrides: Mapping[str, str | float] | None = None,
    primary: str | None = None,
    mode: str = stats.DEFAULT_MODE,
    resamples: int = stats.DEFAULT_RESAMPLES,
    seed: int = stats.DEFAULT_SEED,
    split: str = "holdout",
    strict: bool = False,
    figures: bool = True,
) -> Report:
    """Compute the study report from procskill eval logs and write it to ``out_dir``.

    Args:
        logs: Log files and/or folders (searched recursively; other tasks' logs are skipped).
        out_dir: Folder for ``report.md``, ``summary.json`` and the figures; ``None``
            computes without writing.
        size_overrides: Parameter counts by model name, e.g. ``{"hf/local": "0.8B"}``
            (the Δ-vs-size trajectory needs a size for every model plotted on it; models
            without one are drawn as reference lines).
        primary: The headline score for figures and the per-skill view (default:
            ``extract`` when every log has it).
        mode: Interval design: ``cluster`` (default: clustered by skill, t with G−1 df),
            ``cluster-bootstrap`` (skills resampled) or ``fixed-skills`` (tasks resampled within
            skills; assumes the skills are fixed). See docs/report.md.
        resamples: Bootstrap replicates.
        seed: Bootstrap seed.
        split: The dataset split to report on.
        strict: Raise :class:`UnmatchedComparisonError` when a checkpoint's base model was
            evaluated only under unmatched settings, instead of listing the refusal.
        figures: Draw the PNG figures.

    Returns:
        The :class:`Report`.

    Raises:
        ReportInputError: Unreadable input (names the file and field).
        UnmatchedComparisonError: With ``strict``, an unmatched pre/post pair.
    """
    mode = stats.normalise_mode(mode)
    log_tables = read_logs(logs, size_overrides, split)
    configs = log_tables.configurations
    tables = Tables(log_tables)
    primary_scorer = _primary(configs, primary)

    deltas = [
        path_result(tables, c.label, s, resamples, seed, mode)
        for c in configs
        for s in tables.scorers(c.label)
    ]
    pairing = pair_checkpoints(configs)
    lift_results, lift_missing = lifts(tables, pairing, resamples, seed, mode)
    deltas, lift_results = adjust_holm(deltas, lift_results)
    refusals = all_refusals(pairing, lift_missing, log_tables.skipped)
    if strict and refusals:
        raise UnmatchedComparisonError(
            f"--strict: {len(refusals)} refusal(s):\n"
            + "\n".join(f"  REFUSED {r['what']}: {r['why']}" for r in refusals)
        )
    scorers = sorted({s for c in configs for s in c.scorers})
    traj = trajectory(deltas, configs, primary_scorer)
    view = skill_view(tables, configs, primary_scorer)
    summary: dict[str, Any] = {
        "version": SUMMARY_VERSION,
        "primary_scorer": primary_scorer,
        "scorers": scorers,
        "method": {
            "mode": mode,
            "mode_description": MODE_DESCRIPTION[mode],
            "resamples": resamples,
            "seed": seed,
            "level": stats.DEFAULT_LEVEL,
            "power": stats.DEFAULT_POWER,
            "test": "paired test of Δ = 0 on per-task means (mean over epochs), same method as the interval; "
            "exact McNemar beside it with one epoch",
            "multiplicity": "Holm across configurations per score "
            "(Δ) and across checkpoints per score (lift)",
            "smallest_p_per_skill_cell": stats.smallest_exact_p(5),
            "split": split,
        },
        "refusals": refusals,
        "configurations": [c.as_dict() for c in configs],
        "deltas": [r.as_dict() for r in deltas],
        "lifts": [r.as_dict() for r in lift_results],
        "refused": pairing.refused,
        "unpaired": pairing.unpaired,
        "lift_missing": lift_missing,
        "claim_check": claim_check(tables, lift_results, primary_scorer),
        "recipe_sweeps": [
            sweep
            for s in scorers
            for sweep in recipe_sweeps(tables, configs, pairing, s, resamples, seed, mode)
        ],
        "trajectory": traj,
        "compliance": compliance(tables, configs, resamples, seed, mode),
        "tokens": token_use(tables, configs),
        "judge_tokens": judge_token_use(tables),
        "agreement": judge_agreement(tables, configs, resamples, seed),
        "findings": findings_agreement(deltas, lift_results, pairing, configs),
        "size_pattern": size_pattern(tables, configs, pairing, primary_scorer),
        "seed_pools": seed_pools(tables, lift_results, primary_scorer, resamples, seed, mode),
        "skills": view,
        "block_length": block_length(configs, view),
        "skipped_logs": log_tables.skipped,
        "figures": {},
    }
    summary = _clean(summary)
    report = Report(summary=summary, tables=log_tables, deltas=deltas, lifts=lift_results)
    if out_dir is None:
        return report

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if figures:
        for name, fig in _figures.figures(summary).items():
            atomic_write(out / f"{name}.png", _figures.png(fig))
            summary["figures"][name] = f"{name}.png"
            report.files[name] = out / f"{name}.png"
    # summary.json last but one and report.md last: a reader seeing report.md sees a complete set.
    atomic_write(out / "summary.json", json.dumps(summary, indent=2, allow_nan=False) + "\n")
    atomic_write(out / "report.md", _markdown.render(summary))
    report.files |= {"summary": out / "summary.json", "report": out / "report.md"}
    report.out_dir = out
    return report
