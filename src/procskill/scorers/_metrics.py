"""Metrics over paired base/skill episodes.

Everything a metric reads is in ``Score.value`` or the sample's own metadata: with ``--epochs K``
Inspect reduces each sample's score *values* over its epochs (mean by default) and keeps only the first
epoch's score metadata, so a metric reading ``Score.metadata`` would see epoch 1 only. A sample's
reduced value is the mean over its scored epochs, so the pass rates are over all epochs and Δ pairs each
task's per-task means (the two-stage aggregation of the report).

Inspect removes unscored samples (NaN values, in every epoch) before calling a metric, so a pair with an
unscored side reaches us as a task seen in one condition only: that pair is dropped from Δ and counted in
``pairs_dropped``. A task with *both* sides unscored never reaches a metric; Inspect counts its samples
in the score's ``unscored_samples``.
"""

from __future__ import annotations

import math
from collections import defaultdict

from inspect_ai.scorer import Metric, SampleScore, metric

from procskill import stats

FORMAT_KEYS = ("compliant", "truncated", "no_answer_line")
"""The keys of the ``answer_format`` score value (each 1.0 or 0.0 per episode; exactly one is 1.0)."""


def _pass_value(score: SampleScore) -> float | None:
    value = score.score.value
    if isinstance(value, bool | int | float) and not (isinstance(value, float) and math.isnan(value)):
        return float(value)
    return None


def _by_task(scores: list[SampleScore]) -> tuple[dict[str, dict[str, float]], dict[str, str]]:
    """Per task id: {condition: value (mean over epochs)}; and each task's skill."""
    values: dict[str, dict[str, float]] = defaultdict(dict)
    skills: dict[str, str] = {}
    for s in scores:
        value = _pass_value(s)
        if value is None:
            continue
        meta = s.sample_metadata or {}
        values[meta["task_id"]][meta["condition"]] = value
        skills[meta["task_id"]] = meta["skill"]
    return values, skills


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs) if xs else float("nan")


@metric
def procedural_delta(
    resamples: int = stats.DEFAULT_RESAMPLES,
    seed: int = stats.DEFAULT_SEED,
    per_skill: bool = False,
) -> Metric:
    """Pass rate per condition and the procedural Δ with its paired bootstrap interval.

    Args:
        resamples: Bootstrap replicates (see :func:`procskill.stats.paired_delta`; its default resampling).
        seed: Bootstrap seed.
        per_skill: Also report the pass rate per skill and condition, keyed ``<skill>:<condition>``
            (opt-in: ``-T per_skill=true``; the report always has the per-skill view).

    Returns:
        A metric whose value holds ``delta`` = pass(skill) − pass(base) over paired tasks (each task's
        mean over epochs) with ``delta_low`` / ``delta_high`` (95%), ``pass_base`` and ``pass_skill``
        (over all scored episodes of each condition), ``pairs`` and ``pairs_dropped`` (tasks with one
        side unscored).
    """

    def compute(scores: list[SampleScore]) -> dict[str, float]:
        values, skills = _by_task(scores)
        paired = sorted(t for t, v in values.items() if len(v) == 2)
        out: dict[str, float] = {}
        if paired:
            interval = stats.paired_delta(
                [values[t]["base"] for t in paired],
                [values[t]["skill"] for t in paired],
                [skills[t] for t in paired],
                resamples=resamples,
                seed=seed,
            )
            out |= {"delta": interval.estimate, "delta_low": interval.low, "delta_high": interval.high}
        for cond in ("base", "skill"):
            out[f"pass_{cond}"] = _mean([v[cond] for v in values.values() if cond in v])
        out["pairs"] = float(len(paired))
        out["pairs_dropped"] = float(sum(1 for v in values.values() if len(v) == 1))
        if per_skill:
            groups: dict[str, list[float]] = defaultdict(list)
            for task, by_cond in values.items():
                for cond, value in by_cond.items():
                    groups[f"{skills[task]}:{cond}"].append(value)
            out |= {k: _mean(v) for k, v in sorted(groups.items())}
        return {k: v for k, v in out.items() if v == v}  # NaN: the condition was not run

    return compute


@metric
def answer_compliance() -> Metric:
    """Share of episodes per condition with an ANSWER line, and why the others have none.

    Reads the ``answer_format`` score's value (see :data:`FORMAT_KEYS`), which Inspect averages over
    epochs: each share is over all epochs.

    Returns:
        A metric with ``compliance_<cond>``, ``truncated_<cond>`` (stopped by the token limit without an
        ANSWER line) and ``no_answer_line_<cond>`` (finished without one).
    """

    def compute(scores: list[SampleScore]) -> dict[str, float]:
        out: dict[str, float] = {}
        for cond in ("base", "skill"):
            rows = [
                s.score.value
                for s in scores
                if isinstance(s.score.value, dict) and (s.sample_metadata or {}).get("condition") == cond
            ]
            if not rows:
                continue
            for key, name in zip(FORMAT_KEYS, ("compliance", "truncated", "no_answer_line"), strict=True):
                out[f"{name}_{cond}"] = _mean([float(row[key]) for row in rows])
        return out

    return compute


@metric
def skill_pass() -> Metric:
    """Pass rate per skill and condition, keyed ``<skill>:<condition>`` (also ``procedural_delta(per_skill=True)``)."""

    def compute(scores: list[SampleScore]) -> dict[str, float]:
        groups: dict[str, list[float]] = defaultdict(list)
        for s in scores:
            value = _pass_value(s)
            if value is None:
                continue
            meta = s.sample_metadata or {}
            groups[f"{meta['skill']}:{meta['condition']}"].append(value)
        return {k: _mean(v) for k, v in sorted(groups.items())}

    return compute


PATH_METRICS = [procedural_delta()]
"""The metrics every scoring path reports (Δ leads: the task's headline metric is ``delta``)."""
