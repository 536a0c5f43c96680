"""Plan a study from pilot logs: epochs (and tasks, for user skill packs) needed to detect a Δ or a lift.

The pilot's per-task differences give two variance parts: *within* a task (epoch-to-epoch, shrinks as
1/K with K epochs) and *between* tasks (does not shrink with epochs; only more tasks help). The clustered
SE of the pilot (skills as clusters, :func:`procskill.stats.clustered_se`) is scaled by

    SE(K, T)² = SE_pilot² · (between + within / K) / (between + within / K_pilot) · T_pilot / T

and the minimum detectable effect is (t₀.₉₇₅ + t₀.₈₀) · SE with G−1 df (:func:`procskill.stats.mde`).
The within part needs a pilot with at least two epochs; a one-epoch pilot can plan tasks only.
Assumes: the pilot's discordance and clustering carry over; more tasks come in proportion across skills.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from procskill import stats
from procskill.analysis._logs import ReportInputError, read_logs
from procskill.analysis._report import Tables, pair_checkpoints
from procskill.scorers import EXTRACT_PATH

MAX_EPOCHS = 100


def _parts(tables: Tables, config: str, scorer: str) -> tuple[np.ndarray, list[str], float, int]:
    """Per-task mean differences, skills, the within-task variance of one epoch's difference, and K."""
    per_task = tables.tasks(config, scorer)
    paired = tables.paired_epochs(config, scorer)
    diff = (paired["skill"] - paired["base"]).groupby(paired["task_id"])
    k = int(diff.size().median()) if len(paired) else 1
    within = float(diff.var(ddof=1).mean()) if k >= 2 else math.nan
    return (per_task["skill"] - per_task["base"]).to_numpy(float), per_task["skill_id"].tolist(), within, k


def _plan(values: np.ndarray, strata: list[str], within: float, k0: int, target: float) -> dict[str, Any]:
    se0, g = stats.clustered_se(values, strata)
    n0 = len(values)
    mde0 = stats.mde(se0, g - 1)
    out: dict[str, Any] = {"tasks": n0, "skills": g, "epochs": k0, "mde_now": mde0, "target": target}
    if not mde0 == mde0:
        out["note"] = "too few skills to estimate a clustered SE"
        return out
    if not mde0 > 0:
        # No variation to scale from: planning from it would promise any effect is detectable with 0 tasks.
        out["mde_now"] = math.nan
        out["note"] = (
            "every task in the pilot gave the same difference (no variation to plan from): run a pilot "
            "whose outputs vary — more tasks, a real model, or --epochs 2 or more"
        )
        return out
    out["tasks_needed_at_these_epochs"] = int(math.ceil(n0 * (mde0 / target) ** 2))
    if not within == within:
        out["epochs_needed"] = None
        out["note"] = (
            "a one-epoch pilot cannot tell epoch-to-epoch noise from task-to-task differences: "
            "run the pilot with --epochs 2 or more to plan epochs"
        )
        return out
    total = float(np.var(values, ddof=1)) if n0 > 1 else math.nan
    between = max(total - within / k0, 0.0)

    def mde_at(k: int) -> float:
        return mde0 * math.sqrt((between + within / k) / (between + within / k0)) if total > 0 else 0.0

    needed = next((k for k in range(1, MAX_EPOCHS + 1) if mde_at(k) <= target), None)
    out |= {
        "epochs_needed": needed,
        "mde_at_epochs": {k: mde_at(k) for k in (1, 2, 4, 8, 16) if k <= MAX_EPOCHS},
        "floor_with_infinite_epochs": mde0 * math.sqrt(between / (between + within / k0))
        if total > 0
        else 0.0,
    }
    if needed is None:
        out["note"] = (
            f"no number of epochs up to {MAX_EPOCHS} reaches it: the task-to-task part of the variance "
            "dominates; more tasks (user skill packs) are needed"
        )
    return out


def plan_study(
    logs: str | Path | Iterable[str | Path],
    delta: float | None = None,
    lift: float | None = None,
    scorer: str | None = None,
) -> list[dict[str, Any]]:
    """For every configuration (Δ) and paired checkpoint (lift) in pilot logs: what detecting the target takes."""
    if delta is None and lift is None:
        raise ReportInputError("give --delta and/or --lift: the effect size to detect (e.g. 0.05)")
    for name, value in (("--delta", delta), ("--lift", lift)):
        if value is not None and not value > 0:
            raise ReportInputError(f"{name} {value}: must be a positive effect size, e.g. 0.05")
    log_tables = read_logs(logs)
    tables = Tables(log_tables)
    configs = log_tables.configurations
    rows = []
    for c in configs:
        score = scorer or (EXTRACT_PATH if EXTRACT_PATH in c.scorers else min(c.scorers))
        if delta is not None:
            values, strata, within, k = _parts(tables, c.label, score)
            rows.append(
                {
                    "kind": "delta",
                    "config": c.label,
                    "scorer": score,
                    **_plan(values, strata, within, k, delta),
                }
            )
    if lift is not None:
        for pre, post in pair_checkpoints(configs).pairs:
            score = scorer or EXTRACT_PATH
            a, b = tables.tasks(pre.label, score), tables.tasks(post.label, score)
            common = a.index.intersection(b.index)
            values = (b.loc[common, "skill"] - b.loc[common, "base"]) - (
                a.loc[common, "skill"] - a.loc[common, "base"]
            )
            _, _, w_pre, k = _parts(tables, pre.label, score)
            _, _, w_post, _ = _parts(tables, post.label, score)
            rows.append(
                {
                    "kind": "lift",
                    "config": post.label,
                    "scorer": score,
                    **_plan(
                        values.to_numpy(float), a.loc[common, "skill_id"].tolist(), w_pre + w_post, k, lift
                    ),
                }
            )
    return rows
