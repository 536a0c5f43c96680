"""The study's numbers, computed from the log tables (logs → tables → estimates; rendering is elsewhere).

Every interval and test comes from :mod:`procskill.stats`: by default means over tasks are
clustered by skill (clustered SE, t with G−1 df — Inspect's ``ci(cluster=)``), κ resamples
tasks, and the claim check's interval is a delete-one-skill jackknife.

Epochs are aggregated in two stages: a task's pass in a condition is its mean over the epochs
scored in that condition; Δ, its interval and its test are computed on those per-task means.
A task counts as paired when both conditions have at least one scored epoch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from procskill import stats
from procskill.analysis._logs import Configuration, LogTables, base_model_matches
from procskill.errors import ProcskillError
from procskill.scorers import EXTRACT_PATH

CONDITIONS = ("base", "skill")


class UnmatchedComparisonError(ProcskillError):
    """A pre-SFT and a post-SFT configuration that may not be compared (the message says why).

    Comparing Δ across different scoring paths, judges, holdouts, thinking settings or
    token limits produces differences that are artefacts of the comparison, not of SFT
    (the paper's path-mismatch artefact).
    """


def _interval(iv: stats.Interval) -> dict[str, float | int]:
    return iv.as_dict()


@dataclass(frozen=True)
class EpochDelta:
    epoch: int
    n: int
    delta: float
    base_only: int
    skill_only: int
    mcnemar_p: float


@dataclass(frozen=True)
class PathResult:
    """Procedural Δ of one configuration under one score (scoring path + judge)."""

    config: str
    scorer: str
    path: str
    judge: str | None
    n: int
    """Paired tasks (both conditions have a scored epoch)."""
    pairs_dropped: int
    """Tasks in the log missing a scored side (one or both conditions never scored, e.g. an
    unparseable judge reply)."""
    pass_base: stats.Interval
    pass_skill: stats.Interval
    delta: stats.Interval
    base_only: int
    """Tasks whose mean pass over epochs is higher without the block."""
    skill_only: int
    """Tasks whose mean pass over epochs is higher with the block."""
    p: float
    """Two-sided p of Δ = 0: the paired test on per-task means, same method as the interval
    (clustered t by default); equals ``delta.p``."""
    mcnemar_p: float | None
    """Exact McNemar p on the discordant tasks, with one epoch only (per-task pass is 0/1);
    ``None`` with several epochs."""
    epochs: list[EpochDelta]
    epoch_sd: float | None
    epoch_range: float | None
    p_holm: float | None = None
    """``p`` Holm-adjusted across the configurations under this score (set by the report)."""

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("pass_base", "pass_skill", "delta"):
            out[key] = _interval(getattr(self, key))
        return out


@dataclass(frozen=True)
class LiftResult:
    """SFT-attributable lift of one checkpoint over its base model under one score."""

    base_model: str
    pre: str
    post: str
    recipe: str | None
    scorer: str
    n: int
    lift: stats.Interval
    delta_pre: stats.Interval
    delta_post: stats.Interval
    gain_base: stats.Interval
    """pass_post − pass_pre in the base condition (same tasks)."""
    gain_skill: stats.Interval
    pre_pass_base: float
    pre_pass_skill: float
    post_pass_base: float
    post_pass_skill: float
    p_holm: float | None = None
    """The lift's p Holm-adjusted across the checkpoints under this score (set by the report)."""

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("lift", "delta_pre", "delta_post", "gain_base", "gain_skill"):
            out[key] = _interval(getattr(self, key))
        return out


@dataclass
class Tables:
    """Per-(configuration, score) task matrices, built once."""

    logs: LogTables
    frames: dict[tuple[str, str], pd.DataFrame] = field(default_factory=dict)
    _tasks: dict[tuple[str, str], pd.DataFrame] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for (config, scorer), group in self.logs.scores.groupby(["config", "scorer"], sort=False):
            self.frames[(str(config), str(scorer))] = group

    def scorers(self, config: str) -> list[str]:
        return sorted(s for c, s in self.frames if c == config)

    def paired_epochs(self, config: str, scorer: str) -> pd.DataFrame:
        """Rows (task_id, epoch) with ``base``, ``skill`` (0/1) and ``skill_id``; both scored."""
        frame = self.frames.get((config, scorer))
        if frame is None:
            return pd.DataFrame(columns=["task_id", "epoch", "base", "skill", "skill_id"])
        wide = frame.pivot_table(
            index=["task_id", "epoch"], columns="condition", values="value", aggfunc="first", dropna=False
        )
        for cond in CONDITIONS:
            if cond not in wide:
                wide[cond] = np.nan
        wide = wide[list(CONDITIONS)].dropna()
        skills = frame.drop_duplicates("task_id").set_index("task_id")["skill"]
        wide = wide.reset_index()
        wide["skill_id"] = wide["task_id"].map(skills)
        return wide

    def tasks(self, config: str, scorer: str) -> pd.DataFrame:
        """Stage one: per task, the mean pass of each condition over its scored epochs.

        Indexed and sorted by task_id; only tasks with both conditions scored (paired tasks).
        """
        key = (config, scorer)
        if key in self._tasks:
            return self._tasks[key]
        frame = self.frames.get(key)
        if frame is None or frame.empty:
            return pd.DataFrame(columns=["base", "skill", "skill_id"])
        scored = frame[frame["value"].notna()]
        wide = scored.groupby(["task_id", "condition"], sort=False)["value"].mean().unstack("condition")
        for cond in CONDITIONS:
            if cond not in wide:
                wide[cond] = np.nan
        wide = wide[list(CONDITIONS)].dropna()
        skills = frame.drop_duplicates("task_id").set_index("task_id")["skill"]
        wide["skill_id"] = wide.index.map(skills)
        wide.columns.name = None
        out = wide.sort_index()
        self._tasks[key] = out
        return out

    def all_tasks(self, config: str, scorer: str) -> set[str]:
        """Every task the configuration's log holds under this score, scored or not."""
        frame = self.frames.get((config, scorer))
        return set() if frame is None else set(frame["task_id"])


def _opts(resamples: int, seed: int, mode: str) -> dict[str, Any]:
    return {"resamples": resamples, "seed": seed, "mode": mode}


def path_result(tables: Tables, config: str, scorer: str, resamples: int, seed: int, mode: str) -> PathResult:
    """Pass rates and Δ on per-task means (stage two), their test, and the per-epoch Δ spread."""
    frame = tables.frames[(config, scorer)]
    first = frame.iloc[0]
    per_task = tables.tasks(config, scorer)
    # the per-epoch spread exists only with several epochs (one epoch: the tasks table already is it)
    several = frame["epoch"].nunique() > 1
    paired = tables.paired_epochs(config, scorer) if several else per_task.reset_index().assign(epoch=1)
    strata = per_task["skill_id"].tolist()
    opts = _opts(resamples, seed, mode)
    epochs: list[EpochDelta] = []
    for epoch, rows in paired.groupby("epoch"):
        b = int(((rows["base"] == 1) & (rows["skill"] == 0)).sum())
        c = int(((rows["base"] == 0) & (rows["skill"] == 1)).sum())
        epochs.append(
            EpochDelta(
                int(epoch),
                len(rows),
                float((rows["skill"] - rows["base"]).mean()),
                b,
                c,
                stats.mcnemar_exact(b, c),
            )
        )
    deltas = [e.delta for e in epochs]
    base, skill = per_task["base"].to_numpy(float), per_task["skill"].to_numpy(float)
    base_only, skill_only = int((base > skill).sum()), int((skill > base).sum())
    binary = bool(np.isin(base, (0.0, 1.0)).all() and np.isin(skill, (0.0, 1.0)).all())
    delta = stats.paired_delta(base, skill, strata, **opts)
    return PathResult(
        config=config,
        scorer=scorer,
        path=str(first["path"]),
        judge=None if first["judge"] is None or first["judge"] != first["judge"] else str(first["judge"]),
        n=len(per_task),
        pairs_dropped=len(tables.all_tasks(config, scorer) - set(per_task.index)),
        pass_base=stats.bootstrap_mean(base, strata, bounds=(0.0, 1.0), **opts),
        pass_skill=stats.bootstrap_mean(skill, strata, bounds=(0.0, 1.0), **opts),
        delta=delta,
        base_only=base_only,
        skill_only=skill_only,
        p=delta.p,
        mcnemar_p=stats.mcnemar_exact(base_only, skill_only) if binary else None,
        epochs=epochs,
        epoch_sd=float(np.std(deltas, ddof=1)) if len(deltas) > 1 else None,
        epoch_range=float(max(deltas) - min(deltas)) if len(deltas) > 1 else None,
    )


def _setting(value: Any) -> str:
    return "not recorded" if value is None else repr(value)


def mismatches(
    pre: Configuration, post: Configuration, scorer: str, post_scorer: str | None = None
) -> list[str]:
    """Why ``pre`` and ``post`` may not be compared under ``scorer`` (empty when matched)."""
    reasons = []
    post_scorer = post_scorer or scorer
    if scorer != post_scorer:
        reasons.append(
            f"scoring differs: pre scored by {scorer!r}, post by {post_scorer!r} "
            "(Δ must be compared on the same path and judge)"
        )
    if scorer not in pre.scorers:
        reasons.append(
            f"{pre.label} has no {scorer!r} scores (its scores: {list(pre.scorers)}); "
            f"re-judge its log with the same path and judge"
        )
    if post_scorer not in post.scorers:
        reasons.append(
            f"{post.label} has no {post_scorer!r} scores (its scores: {list(post.scorers)}); "
            f"re-judge its log with the same path and judge"
        )
    for name, value in pre.settings().items():
        other = post.settings()[name]
        if value != other:
            reasons.append(
                f"{name} differs: {_setting(value)} ({pre.label}) vs {_setting(other)} ({post.label})"
            )
    return reasons


def sft_lift(
    tables: Tables,
    pre: Configuration,
    post: Configuration,
    scorer: str,
    post_scorer: str | None = None,
    resamples: int = stats.DEFAULT_RESAMPLES,
    seed: int = stats.DEFAULT_SEED,
    mode: str = stats.DEFAULT_MODE,
) -> LiftResult:
    """Δ_post − Δ_pre on the tasks scored in both conditions in both logs.

    Raises:
        UnmatchedComparisonError: Different scoring path or judge, holdout hash, thinking
            setting, token limit or placement; or a log lacks the score.
    """
    reasons = mismatches(pre, post, scorer, post_scorer)
    if reasons:
        raise UnmatchedComparisonError(
            f"refusing to compare {pre.label} (pre-SFT) with {post.label} (post-SFT): " + "; ".join(reasons)
        )
    a, b = tables.tasks(pre.label, scorer), tables.tasks(post.label, scorer)
    common = a.index.intersection(b.index)
    a, b = a.loc[common], b.loc[common]
    strata = a["skill_id"].tolist()
    opts = _opts(resamples, seed, mode)
    pb, ps = a["base"].to_numpy(float), a["skill"].to_numpy(float)
    qb, qs = b["base"].to_numpy(float), b["skill"].to_numpy(float)
    mean = (lambda x: float(x.mean())) if len(common) else (lambda x: math.nan)
    return LiftResult(
        base_model=pre.label,
        pre=pre.label,
        post=post.label,
        recipe=post.recipe,
        scorer=scorer,
        n=len(common),
        lift=stats.paired_lift(pb, ps, qb, qs, strata, **opts),
        delta_pre=stats.paired_delta(pb, ps, strata, **opts),
        delta_post=stats.paired_delta(qb, qs, strata, **opts),
        gain_base=stats.bootstrap_mean(qb - pb, strata, **opts),
        gain_skill=stats.bootstrap_mean(qs - ps, strata, **opts),
        pre_pass_base=mean(pb),
        pre_pass_skill=mean(ps),
        post_pass_base=mean(qb),
        post_pass_skill=mean(qs),
    )


@dataclass
class Pairing:
    """Which pre-SFT configuration each checkpoint is compared with."""

    pairs: list[tuple[Configuration, Configuration]]
    refused: list[dict[str, Any]]
    unpaired: list[dict[str, Any]]


def pair_checkpoints(configs: Sequence[Configuration]) -> Pairing:
    """Pair every SFT configuration with its base model's matched configuration.

    Candidates are the configurations :func:`procskill.analysis._logs.base_model_matches`
    accepts; among them, the one with the same holdout hash, thinking setting, token
    limit and placement (the most recent if several). Candidates that exist but none
    matched are *refused* (with the reasons); no candidate at all is *unpaired*.
    """
    pairs, refused, unpaired = [], [], []
    for post in configs:
        if not post.is_sft:
            continue
        candidates = [c for c in configs if base_model_matches(c, post)]
        matched = [c for c in candidates if c.settings() == post.settings()]
        if matched:
            pairs.append((max(matched, key=lambda c: c.created), post))
        elif candidates:
            for pre in candidates:
                reasons = [r for r in mismatches(pre, post, EXTRACT_PATH) if "differs" in r]
                refused.append({"pre": pre.label, "post": post.label, "reasons": reasons})
        else:
            unpaired.append(
                {
                    "post": post.label,
                    "base_model": (post.checkpoint or {}).get("base_model"),
                    "reason": "no log of its base model among the inputs (checkpoint base_model / "
                    f"base_model_resolved {list(post.base_identities)} match no evaluated model)",
                }
            )
    return Pairing(pairs, refused, unpaired)


def lifts(
    tables: Tables, pairing: Pairing, resamples: int, seed: int, mode: str
) -> tuple[list[LiftResult], list[dict[str, Any]]]:
    """Lifts of every pair under every score both logs have; the scores only one has are listed."""
    out, missing = [], []
    for pre, post in pairing.pairs:
        for scorer in sorted(set(pre.scorers) | set(post.scorers)):
            if scorer in pre.scorers and scorer in post.scorers:
                out.append(sft_lift(tables, pre, post, scorer, resamples=resamples, seed=seed, mode=mode))
            else:
                has, lacks = (pre, post) if scorer in pre.scorers else (post, pre)
                missing.append(
                    {
                        "pre": pre.label,
                        "post": post.label,
                        "scorer": scorer,
                        "reason": f"only {has.label} has {scorer!r} scores; re-judge {lacks.label}'s log "
                        "with the same path and judge to compare them",
                    }
                )
    return out, missing


def claim_cells(
    tables: Tables, lift_results: Sequence[LiftResult], scorer: str
) -> tuple[list[float], list[float], list[str]]:
    """The claim check's cells: per (base model, skill, condition), the pre-SFT pass rate of the
    *other* condition, the gain in this condition, and the skill.

    Per skill, over the tasks scored in the base model's log and in every one of its checkpoints' logs:
    pass rate = mean over the skill's tasks of each task's mean over epochs; gain = post-SFT pass rate −
    pre-SFT pass rate in the same condition, averaged over the base model's checkpoints (a recipe sweep or
    several seeds on one base model is one cell per skill and condition, not one per checkpoint).
    """
    by_pre: dict[str, list[LiftResult]] = {}
    for r in lift_results:
        if r.scorer == scorer:
            by_pre.setdefault(r.pre, []).append(r)
    xs, ys, strata = [], [], []
    for pre, members in by_pre.items():
        a = tables.tasks(pre, scorer)
        posts = [tables.tasks(r.post, scorer) for r in members]
        common = a.index
        for b in posts:
            common = common.intersection(b.index)
        a = a.loc[common]
        pre_mean = a.groupby("skill_id")[list(CONDITIONS)].mean()
        gain = (
            sum(b.loc[common, list(CONDITIONS)].groupby(a["skill_id"]).mean() for b in posts) / len(posts)
            - pre_mean
        )
        for cond, other in zip(CONDITIONS, reversed(CONDITIONS)):
            xs += pre_mean[other].tolist()
            ys += gain[cond].tolist()
            strata += [str(k) for k in pre_mean.index]
    return xs, ys, strata


def claim_verdict(rho: stats.Interval) -> str:
    """The claim check's verdict from the skill-level ρ and its interval (negative ρ agrees)."""
    if rho.estimate != rho.estimate:
        return "undetermined (too few cells)"
    if rho.low != rho.low:
        return "undetermined (too few skills for an interval)"
    if rho.high < 0:
        return "agree: gains are larger where the pre-SFT pass rate is lower"
    if rho.low > 0:
        return "disagree: gains are larger where the pre-SFT pass rate is higher"
    return "inconclusive: the interval of ρ includes 0"


def claim_check(tables: Tables, lift_results: Sequence[LiftResult], scorer: str) -> dict[str, Any] | None:
    """Does SFT help most where the base model struggles?

    Spearman ρ between a skill's pre-SFT pass rate and its gain after SFT, over every
    (base model, skill, condition) cell (:func:`claim_cells`), with skills as clusters: all cells of a
    skill, across base models and conditions, share the skill, so the interval is a delete-one-skill
    jackknife (:func:`procskill.stats.spearman`; t with G−1 df). The gain in one condition is set against
    the pre-SFT pass rate in the *other* condition: a skill's difficulty shows in both, but their sampling
    noise is independent, so regression to the mean (a noisy low pre-SFT score tends to rise) cannot fake
    a negative ρ. A negative ρ whose interval excludes 0 agrees with the claim. Also reported per
    (base model, condition) from the pass rates over all tasks, with base models as clusters (a
    description: with three base models its interval is necessarily wide).
    """
    chosen = [r for r in lift_results if r.scorer == scorer]
    if not chosen:
        return None
    xs, ys, strata = claim_cells(tables, chosen, scorer)
    cells = []
    for r in chosen:
        for cond in CONDITIONS:
            pre_pass = getattr(r, f"pre_pass_{cond}")
            cells.append(
                {
                    "base_model": r.pre,
                    "post": r.post,
                    "condition": cond,
                    "pre_pass": pre_pass,
                    "gain": getattr(r, f"post_pass_{cond}") - pre_pass,
                }
            )
    rho = stats.spearman(xs, ys, strata)
    model_rho = stats.spearman(
        [c["pre_pass"] for c in cells], [c["gain"] for c in cells], [c["base_model"] for c in cells]
    )
    return {
        "scorer": scorer,
        "skill_level_rho": rho.as_dict(),
        "model_level_rho": model_rho.as_dict(),
        "model_level": cells,
        "verdict": claim_verdict(rho),
    }


def recipe_sweeps(
    tables: Tables,
    configs: Sequence[Configuration],
    pairing: Pairing,
    scorer: str,
    resamples: int,
    seed: int,
    mode: str,
) -> list[dict[str, Any]]:
    """Post-SFT pass rates per recipe on one base model, and the max−min band in points."""
    pre_of = {post.label: pre for pre, post in pairing.pairs}
    groups: dict[str, list[Configuration]] = {}
    for c in configs:
        if c.is_sft:
            key = pre_of[c.label].label if c.label in pre_of else "|".join(c.base_identities)
            groups.setdefault(key, []).append(c)
    opts = _opts(resamples, seed, mode)
    sweeps = []
    for key, members in groups.items():
        members = [m for m in members if scorer in m.scorers]
        if len(members) < 2:
            continue
        rows = []
        for m in members:
            t = tables.tasks(m.label, scorer)
            strata = t["skill_id"].tolist()
            rows.append(
                {
                    "config": m.label,
                    "recipe": m.recipe,
                    "seed": (m.checkpoint or {}).get("seed"),
                    "steps": (m.checkpoint or {}).get("steps"),
                    "n": len(t),
                    "pass_base": stats.bootstrap_mean(t["base"].to_numpy(float), strata, **opts).as_dict(),
                    "pass_skill": stats.bootstrap_mean(t["skill"].to_numpy(float), strata, **opts).as_dict(),
                    "delta": stats.paired_delta(
                        t["base"].to_numpy(float), t["skill"].to_numpy(float), strata, **opts
                    ).as_dict(),
                }
            )
        band = {}
        for name in ("pass_base", "pass_skill", "delta"):
            values = [r[name]["estimate"] for r in rows]
            band[name] = 100 * (max(values) - min(values))
        pre = pre_of.get(members[0].label)
        reference = None
        if pre is not None and scorer in pre.scorers:
            t = tables.tasks(pre.label, scorer)
            reference = {
                "config": pre.label,
                "pass_base": float(t["base"].mean()),
                "pass_skill": float(t["skill"].mean()),
            }
        sweeps.append(
            {"base_model": key, "scorer": scorer, "recipes": rows, "band_points": band, "pre_sft": reference}
        )
    return sweeps


def compliance(
    tables: Tables, configs: Sequence[Configuration], resamples: int, seed: int, mode: str
) -> list[dict[str, Any]]:
    """ANSWER-line compliance and strict / lenient / judge pass per configuration and condition."""
    scores = tables.logs.scores
    rows = []
    for c in configs:
        frame = scores[scores["config"] == c.label]
        for cond in CONDITIONS:
            sub = frame[frame["condition"] == cond]
            if sub.empty:
                continue
            # Compliance facts are properties of the output, the same under every score: take
            # them once per episode, preferring the extractor's record.
            facts = sub.sort_values("scorer", key=lambda s: s != EXTRACT_PATH).drop_duplicates(
                ["task_id", "epoch"]
            )
            facts = facts[facts["compliant"].notna()]
            n = len(facts)
            compliant = facts["compliant"] == 1
            truncated = (~compliant) & (facts["truncated"] == 1)
            row: dict[str, Any] = {
                "config": c.label,
                "condition": cond,
                "episodes": n,
                "compliance": float(compliant.mean()) if n else math.nan,
                "truncated": float(truncated.mean()) if n else math.nan,
                "no_answer_line": float(((~compliant) & ~truncated).mean()) if n else math.nan,
                "pass": {},
                "disagreements": [],
            }
            for scorer, group in sub.groupby("scorer"):
                scored = group[group["value"].notna()]
                row["pass"][str(scorer)] = {
                    "pass": float(scored["value"].mean()) if len(scored) else math.nan,
                    "n": len(scored),
                }
            strict = sub[(sub["scorer"] == EXTRACT_PATH) & sub["value"].notna()]
            if len(strict):
                row["pass"]["extract (lenient)"] = {
                    "pass": float(strict["lenient_correct"].mean()),
                    "n": len(strict),
                }
                row["lenient_minus_strict_points"] = 100 * float(
                    (strict["lenient_correct"] - strict["value"]).mean()
                )
                for scorer in sorted(set(sub["scorer"]) - {EXTRACT_PATH}):
                    row["disagreements"].append(
                        _disagreement(
                            strict, sub[sub["scorer"] == scorer], str(scorer), resamples, seed, mode
                        )
                    )
            row["disagreements"] = [d for d in row["disagreements"] if d["n"]]
            rows.append(row)
    return rows


def _disagreement(
    strict: pd.DataFrame, judged: pd.DataFrame, scorer: str, resamples: int, seed: int, mode: str
) -> dict[str, Any]:
    keys = ["task_id", "epoch"]
    both = strict[[*keys, "skill", "value"]].merge(
        judged.loc[judged["value"].notna(), [*keys, "value"]], on=keys, suffixes=("_extract", "_judge")
    )
    n = len(both)
    out: dict[str, Any] = {"judge": scorer, "n": n}
    if not n:
        return out
    diff = both["value_judge"] - both["value_extract"]
    per_task = diff.groupby(both["task_id"]).mean()
    skills = both.drop_duplicates("task_id").set_index("task_id")["skill"].loc[per_task.index]
    interval = stats.bootstrap_mean(
        per_task.to_numpy(float), skills.tolist(), resamples=resamples, seed=seed, mode=mode
    )
    out |= {
        "judge_pass_extract_fail": int((diff > 0).sum()),
        "extract_pass_judge_fail": int((diff < 0).sum()),
        "undercount_points": 100 * interval.estimate,
        "undercount_low": 100 * interval.low,
        "undercount_high": 100 * interval.high,
    }
    return out


def token_use(tables: Tables, configs: Sequence[Configuration]) -> list[dict[str, Any]]:
    """Tokens per configuration and mean output tokens per condition."""
    episodes = tables.logs.episodes
    rows = []
    for c in configs:
        frame = episodes[episodes["config"] == c.label]
        row: dict[str, Any] = {
            "config": c.label,
            "episodes": len(frame),
            "errors": int(frame["error"].sum()),
            "input_tokens": float(frame["input_tokens"].sum(min_count=1)),
            "output_tokens": float(frame["output_tokens"].sum(min_count=1)),
            "mean_output_tokens": float(frame["output_tokens"].mean()),
        }
        for cond in CONDITIONS:
            row[f"mean_output_tokens_{cond}"] = float(
                frame.loc[frame["condition"] == cond, "output_tokens"].mean()
            )
        base, skill = row["mean_output_tokens_base"], row["mean_output_tokens_skill"]
        row["output_ratio_skill_to_base"] = (
            skill / base if base and np.isfinite(base) and np.isfinite(skill) else math.nan
        )
        rows.append(row)
    return rows


def judge_token_use(tables: Tables) -> list[dict[str, Any]]:
    """Tokens the judges used, per judge and scoring path, summed over every configuration.

    Read from each judge score's ``judge_usage`` metadata (one entry per judge call). ``calls``
    counts the scores that carry it; scores decided without a judge call (``bench`` on a
    deterministic task, an empty response) and calls that failed carry none. A reply served
    from Inspect's cache reports the original call's usage, so a rerun counts it again.
    """
    scores = tables.logs.scores
    if "judge_input_tokens" not in scores:
        return []
    called = scores[scores["judge_input_tokens"].notna() | scores["judge_output_tokens"].notna()]
    rows = []
    for (judge, path), group in called.groupby(["judge", "path"], sort=True):
        rows.append(
            {
                "judge": str(judge),
                "path": str(path),
                "scorers": sorted(map(str, group["scorer"].unique())),
                "configs": int(group["config"].nunique()),
                "calls": len(group),
                "input_tokens": int(group["judge_input_tokens"].sum()),
                "output_tokens": int(group["judge_output_tokens"].sum()),
            }
        )
        rows[-1]["total_tokens"] = rows[-1]["input_tokens"] + rows[-1]["output_tokens"]
    return rows


def _agreement_pairs(scorers: Sequence[str]) -> list[tuple[str, str]]:
    # bench@J is the extractor itself on deterministic tasks, and unscored by it elsewhere.
    return [
        (a, b)
        for a, b in combinations(sorted(scorers), 2)
        if not ({a, b} & {EXTRACT_PATH} and any(s.startswith("bench@") for s in (a, b)))
    ]


def judge_agreement(
    tables: Tables, configs: Sequence[Configuration], resamples: int, seed: int
) -> list[dict[str, Any]]:
    """Agreement and κ between every two scores, per configuration and pooled."""
    keys = ["task_id", "condition", "epoch"]
    pooled: dict[tuple[str, str], list[pd.DataFrame]] = {}
    rows = []
    for c in configs:
        for a, b in _agreement_pairs(tables.scorers(c.label)):
            fa, fb = tables.frames[(c.label, a)], tables.frames[(c.label, b)]
            both = fa.loc[fa["value"].notna(), [*keys, "skill", "value"]].merge(
                fb.loc[fb["value"].notna(), [*keys, "value"]], on=keys, suffixes=("_a", "_b")
            )
            excluded = len(fa[keys].merge(fb[keys], on=keys, how="outer")) - len(both)
            if not len(both) or not both[["value_a", "value_b"]].isin([0.0, 1.0]).all().all():
                continue
            result = stats.agreement(
                both["value_a"], both["value_b"], both["task_id"].tolist(), resamples=resamples, seed=seed
            )
            rows.append({"config": c.label, "a": a, "b": b, "excluded": excluded, **result.as_dict()})
            pooled.setdefault((a, b), []).append(both)
    for (a, b), parts in pooled.items():
        both = pd.concat(parts)
        # the same task in several configurations is one cluster: its episodes share the task
        result = stats.agreement(
            both["value_a"], both["value_b"], both["task_id"].tolist(), resamples=resamples, seed=seed
        )
        rows.append(
            {
                "config": "pooled",
                "a": a,
                "b": b,
                "configs": len(parts),
                "excluded": sum(
                    r["excluded"] for r in rows if r["a"] == a and r["b"] == b and r["config"] != "pooled"
                ),
                **result.as_dict(),
            }
        )
    return rows


def _sign(x: float) -> str:
    if math.isnan(x):
        return "n/a"
    return "+" if x > 0 else "−" if x < 0 else "0"


def findings_agreement(
    path_results: Sequence[PathResult],
    lift_results: Sequence[LiftResult],
    pairing: Pairing,
    configs: Sequence[Configuration],
) -> list[dict[str, Any]]:
    """Each finding (Δ per configuration, lift per checkpoint) under every score, with signs.

    Kinds: ``delta_pre`` (a base model with a checkpoint), ``delta_post`` (a checkpoint),
    ``delta`` (any other model), ``lift``. A finding is *flagged* when two scores give it
    opposite signs (a zero next to a sign is not a disagreement).
    """
    pre_labels = {pre.label for pre, _ in pairing.pairs}
    post_labels = {c.label for c in configs if c.is_sft}
    findings: dict[tuple[str, str], dict[str, Any]] = {}
    for r in path_results:
        kind = "delta_post" if r.config in post_labels else "delta_pre" if r.config in pre_labels else "delta"
        entry = findings.setdefault((kind, r.config), {"finding": kind, "config": r.config, "by_scorer": {}})
        entry["by_scorer"][r.scorer] = {
            "estimate": r.delta.estimate,
            "low": r.delta.low,
            "high": r.delta.high,
            "sign": _sign(r.delta.estimate),
        }
    for r in lift_results:
        entry = findings.setdefault(("lift", r.post), {"finding": "lift", "config": r.post, "by_scorer": {}})
        entry["by_scorer"][r.scorer] = {
            "estimate": r.lift.estimate,
            "low": r.lift.low,
            "high": r.lift.high,
            "sign": _sign(r.lift.estimate),
        }
    rows = []
    for entry in findings.values():
        if len(entry["by_scorer"]) < 2:
            continue
        signs = {v["sign"] for v in entry["by_scorer"].values()} & {"+", "−"}
        entry["signs_agree"] = len(signs) <= 1
        entry["flagged"] = not entry["signs_agree"]
        rows.append(entry)
    return rows


def skill_view(tables: Tables, configs: Sequence[Configuration], scorer: str) -> dict[str, Any]:
    """Δ per skill and configuration, and which skills the block helps or hurts across them."""
    matrix: dict[str, dict[str, float]] = {}
    for c in configs:
        t = tables.tasks(c.label, scorer)
        if t.empty:
            continue
        per_skill = (t["skill"] - t["base"]).groupby(t["skill_id"]).mean()
        for skill, value in per_skill.items():
            matrix.setdefault(str(skill), {})[c.label] = float(value)
    summary = []
    for skill, values in matrix.items():
        v = np.array(list(values.values()))
        summary.append(
            {
                "skill": skill,
                "mean_delta": float(v.mean()),
                "helped": int((v > 0).sum()),
                "hurt": int((v < 0).sum()),
                "configs": len(v),
            }
        )
    summary.sort(key=lambda r: (-r["mean_delta"], r["skill"]))
    return {"scorer": scorer, "delta": matrix, "summary": summary}


def trajectory(
    path_results: Sequence[PathResult], configs: Sequence[Configuration], scorer: str
) -> dict[str, Any]:
    """Δ against model size (pre and post SFT), and unsized models as reference lines."""
    by_label = {r.config: r for r in path_results if r.scorer == scorer}
    points, references = [], []
    for c in configs:
        r = by_label.get(c.label)
        if r is None:
            continue
        entry = {"config": c.label, "delta": r.delta.as_dict(), "sft": c.is_sft, "recipe": c.recipe}
        if c.parameters:
            points.append({**entry, "parameters": c.parameters, "size_source": c.size_source})
        else:
            references.append(entry)
    points.sort(key=lambda p: (p["sft"], p["parameters"]))
    return {"scorer": scorer, "points": points, "references": references}


def adjust_holm(
    deltas: Sequence[PathResult], lift_results: Sequence[LiftResult]
) -> tuple[list[PathResult], list[LiftResult]]:
    """Holm-adjust the Δ p-values across configurations and the lift p-values across checkpoints, per score."""
    out_d = list(deltas)
    for scorer in {r.scorer for r in out_d}:
        idx = [i for i, r in enumerate(out_d) if r.scorer == scorer]
        for i, p in zip(idx, stats.holm([out_d[i].p for i in idx])):
            out_d[i] = replace(out_d[i], p_holm=p)
    out_l = list(lift_results)
    for scorer in {r.scorer for r in out_l}:
        idx = [i for i, r in enumerate(out_l) if r.scorer == scorer]
        for i, p in zip(idx, stats.holm([out_l[i].lift.p for i in idx])):
            out_l[i] = replace(out_l[i], p_holm=p)
    return out_d, out_l


def all_refusals(
    pairing: Pairing, lift_missing: Sequence[dict[str, Any]], skipped_logs: Sequence[dict[str, str]] = ()
) -> list[dict[str, str]]:
    """Every comparison the report refused, each with what was refused and why, in one list.

    Kinds: ``settings`` (holdout/catalog content, catalog version, thinking, token limit or
    placement differ between a checkpoint and its base model's log), ``score`` (the scoring
    path or judge is in only one of the two logs). Logs that were skipped are not refusals
    of a comparison and are listed separately (``skipped_logs``).
    """
    out = []
    for r in pairing.refused:
        out.append(
            {
                "kind": "settings",
                "what": f"lift of {r['post']} over {r['pre']}",
                "why": "; ".join(r["reasons"]) or "settings differ",
            }
        )
    for r in lift_missing:
        out.append(
            {
                "kind": "score",
                "what": f"lift of {r['post']} over {r['pre']} under {r['scorer']!r}",
                "why": r["reason"],
            }
        )
    return out


def _shape_verdict(
    labels: Sequence[str], test: stats.JointTest, what: str, level: float = stats.DEFAULT_LEVEL
) -> str:
    alpha = 1 - level
    if len(labels) < 2:
        return f"Only one size: no {what} trajectory to describe."
    if not test.p == test.p:
        return f"Too few skills to test whether {what} differs across sizes."
    if test.p >= alpha:
        return (
            f"The data do not support a size pattern in {what}: it is consistent with being equal at all "
            f"{len(labels)} sizes (joint test p = {test.p:.3f}); an apparent shape across sizes is within noise."
        )
    steps, unresolved = [], []
    for (a, b), d in zip(zip(labels, labels[1:]), test.differences):
        if d.low > 0:
            steps.append(f"rises from {a} to {b}")
        elif d.high < 0:
            steps.append(f"falls from {a} to {b}")
        else:
            unresolved.append(f"{a}→{b}")
    text = f"{what} differs across sizes (joint test p = {test.p:.3g})"
    text += ": it " + ", ".join(steps) if steps else ""
    if unresolved:
        text += (
            f"; the step(s) {', '.join(unresolved)} are not resolved (95% interval includes 0), so the "
            "trajectory's shape is only partly supported by the data"
        )
    return text + "."


def size_pattern(
    tables: Tables, configs: Sequence[Configuration], pairing: Pairing, scorer: str
) -> dict[str, Any]:
    """Is the Δ-vs-size trajectory real? Consecutive-size differences and joint tests.

    For the sized base models (and separately their checkpoints), Δ per task on the tasks all
    of them scored forms a task × size matrix; the consecutive differences get intervals from
    the joint clustered covariance (the same tasks in every configuration, so the
    differences' errors are correlated and accounted for) and a Wald/F test asks whether Δ
    differs across sizes. The same for the lift (per-task lift of each sized pair).
    """
    level = stats.DEFAULT_LEVEL

    def matrix(frames: list[pd.DataFrame]) -> tuple[np.ndarray, list[str]]:
        common = frames[0].index
        for f in frames[1:]:
            common = common.intersection(f.index)
        cols = np.column_stack(
            [(f.loc[common, "skill"] - f.loc[common, "base"]).to_numpy(float) for f in frames]
        )
        return cols, frames[0].loc[common, "skill_id"].tolist()

    out: dict[str, Any] = {"scorer": scorer}
    for kind, members in (
        ("delta_pre", [c for c in configs if not c.is_sft]),
        ("delta_post", [c for c in configs if c.is_sft]),
    ):
        sized = sorted(
            (c for c in members if c.parameters and scorer in c.scorers), key=lambda c: c.parameters
        )
        if len(sized) < 2:
            continue
        cols, strata = matrix([tables.tasks(c.label, scorer) for c in sized])
        test = stats.joint_equality(cols, strata, level)
        labels = [c.label for c in sized]
        out[kind] = {
            "configs": labels,
            "tasks": int(cols.shape[0]),
            **test.as_dict(),
            "verdict": _shape_verdict(labels, test, "Δ" if kind == "delta_pre" else "post-SFT Δ", level),
        }
    pairs = sorted(
        (
            (pre, post)
            for pre, post in pairing.pairs
            if pre.parameters and scorer in pre.scorers and scorer in post.scorers
        ),
        key=lambda p: p[0].parameters,
    )
    if len(pairs) >= 2:
        pre_f = [tables.tasks(pre.label, scorer) for pre, _ in pairs]
        post_f = [tables.tasks(post.label, scorer) for _, post in pairs]
        common = pre_f[0].index
        for f in pre_f + post_f:
            common = common.intersection(f.index)
        cols = np.column_stack(
            [
                (
                    q.loc[common, "skill"]
                    - q.loc[common, "base"]
                    - (p.loc[common, "skill"] - p.loc[common, "base"])
                ).to_numpy(float)
                for p, q in zip(pre_f, post_f)
            ]
        )
        test = stats.joint_equality(cols, pre_f[0].loc[common, "skill_id"].tolist(), level)
        labels = [post.label for _, post in pairs]
        out["lift"] = {
            "configs": labels,
            "tasks": int(cols.shape[0]),
            **test.as_dict(),
            "verdict": _shape_verdict([pre.label for pre, _ in pairs], test, "the lift", level),
        }
    return out


def seed_pools(
    tables: Tables, lift_results: Sequence[LiftResult], scorer: str, resamples: int, seed: int, mode: str
) -> list[dict[str, Any]]:
    """SFT runs of one recipe on one base model with several seeds: a pooled lift and the between-seed spread.

    The pooled lift is the mean over seeds of each task's lift (on the tasks every run scored),
    with the usual clustered interval; the between-seed SD is of the seeds' own lifts.
    """
    groups: dict[tuple[str, str | None], list[LiftResult]] = {}
    for r in lift_results:
        if r.scorer == scorer:
            groups.setdefault((r.pre, r.recipe), []).append(r)
    pools = []
    for (pre, recipe), members in groups.items():
        if len(members) < 2:
            continue
        a = tables.tasks(pre, scorer)
        posts = [tables.tasks(m.post, scorer) for m in members]
        common = a.index
        for p in posts:
            common = common.intersection(p.index)
        d_pre = (a.loc[common, "skill"] - a.loc[common, "base"]).to_numpy(float)
        per_task = np.mean(
            [(p.loc[common, "skill"] - p.loc[common, "base"]).to_numpy(float) - d_pre for p in posts], axis=0
        )
        lifts_ = [m.lift.estimate for m in members]
        pools.append(
            {
                "base_model": pre,
                "recipe": recipe,
                "scorer": scorer,
                "runs": [m.post for m in members],
                "seeds": len(members),
                "tasks": len(common),
                "pooled_lift": stats.bootstrap_mean(
                    per_task, a.loc[common, "skill_id"].tolist(), **_opts(resamples, seed, mode)
                ).as_dict(),
                "seed_lifts": lifts_,
                "between_seed_sd": float(np.std(lifts_, ddof=1)),
                "between_seed_range": float(max(lifts_) - min(lifts_)),
            }
        )
    return pools
