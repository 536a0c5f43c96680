"""Metrics over paired base/skill episodes, shared by every scoring path.

Inspect removes unscored samples (NaN values) before calling a metric, so a pair with
an unscored side reaches us as a task seen in one condition only: that pair is dropped
from Δ and counted in ``pairs_dropped``.
"""

from __future__ import annotations

from collections import defaultdict

from inspect_ai.scorer import Metric, SampleScore, metric

from procskill import stats


def _by_task(scores: list[SampleScore]) -> tuple[dict[str, dict[str, float]], dict[str, str]]:
    """Per task id: {condition: value}; and each task's skill."""
    values: dict[str, dict[str, float]] = defaultdict(dict)
    skills: dict[str, str] = {}
    for s in scores:
        meta = s.sample_metadata or {}
        values[meta["task_id"]][meta["condition"]] = s.score.as_float()
        skills[meta["task_id"]] = meta["skill"]
    return values, skills


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs) if xs else float("nan")


@metric
def procedural_delta(
    resamples: int = stats.DEFAULT_RESAMPLES,
    seed: int = stats.DEFAULT_SEED,
    mode: str = "within",
) -> Metric:
    """Pass rate per condition and the procedural Δ with a paired bootstrap interval.

    Args:
        resamples: Bootstrap replicates (see :mod:`procskill.stats`).
        seed: Bootstrap seed.
        mode: ``"within"`` (tasks resampled within skills) or ``"cluster"`` (skills resampled).

    Returns:
        A metric whose value holds ``pass_base`` and ``pass_skill`` (over all scored
        episodes of each condition), ``delta`` = pass(skill) − pass(base) over paired
        tasks with ``delta_low`` / ``delta_high`` (95%), ``pairs`` and ``pairs_dropped``
        (tasks with one side unscored).
    """

    def compute(scores: list[SampleScore]) -> dict[str, float]:
        values, skills = _by_task(scores)
        out = {
            f"pass_{cond}": _mean([v[cond] for v in values.values() if cond in v]) for cond in ("base", "skill")
        }
        paired = sorted(t for t, v in values.items() if len(v) == 2)
        out["pairs_dropped"] = float(sum(1 for v in values.values() if len(v) == 1))
        out["pairs"] = float(len(paired))
        if paired:
            interval = stats.paired_delta(
                [values[t]["base"] for t in paired],
                [values[t]["skill"] for t in paired],
                [skills[t] for t in paired],
                resamples=resamples,
                seed=seed,
                mode=mode,
            )
            out |= {"delta": interval.estimate, "delta_low": interval.low, "delta_high": interval.high}
        return {k: v for k, v in out.items() if v == v}  # NaN: the condition was not run

    return compute


@metric
def answer_compliance() -> Metric:
    """Share of episodes per condition with an ANSWER line, and why the others have none.

    Returns:
        A metric with ``compliance_<cond>``, ``truncated_<cond>`` (stopped by the token
        limit without an ANSWER line) and ``no_answer_line_<cond>`` (finished without one).
    """

    def compute(scores: list[SampleScore]) -> dict[str, float]:
        out: dict[str, float] = {}
        for cond in ("base", "skill"):
            metas = [
                s.score.metadata or {} for s in scores if (s.sample_metadata or {}).get("condition") == cond
            ]
            if not metas:
                continue
            n = len(metas)
            compliant = sum(1 for m in metas if m.get("compliant"))
            truncated = sum(1 for m in metas if not m.get("compliant") and m.get("truncated"))
            out[f"compliance_{cond}"] = compliant / n
            out[f"truncated_{cond}"] = truncated / n
            out[f"no_answer_line_{cond}"] = (n - compliant - truncated) / n
        return out

    return compute


@metric
def skill_pass() -> Metric:
    """Pass rate per skill and condition, keyed ``<skill>:<condition>``."""

    def compute(scores: list[SampleScore]) -> dict[str, float]:
        groups: dict[str, list[float]] = defaultdict(list)
        for s in scores:
            meta = s.sample_metadata or {}
            groups[f"{meta['skill']}:{meta['condition']}"].append(s.score.as_float())
        return {k: _mean(v) for k, v in sorted(groups.items())}

    return compute


PATH_METRICS = [procedural_delta(), answer_compliance(), skill_pass()]
"""The metrics every scoring path reports."""
