"""The one place where procskill computes intervals, tests and agreement.

The eval-log metrics and the study report both call these functions with the same
seed, so a Δ interval in ``inspect view`` and in ``report.md`` can never disagree.

Bootstrap design: tasks are the unit of resampling. By default tasks are resampled
*within* each skill (a stratified bootstrap: every replicate keeps each skill's task
count), which matches the holdout's fixed 5-tasks-per-skill design. ``mode="cluster"``
resamples whole skills instead (more conservative when skills differ a lot).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from math import comb

import numpy as np

DEFAULT_SEED = 20260101
DEFAULT_RESAMPLES = 2000
DEFAULT_LEVEL = 0.95
BootstrapMode = str  # "within" | "cluster"
BOOTSTRAP_MODES = ("within", "cluster")


@dataclass(frozen=True)
class Interval:
    """A point estimate with a percentile-bootstrap interval."""

    estimate: float
    low: float
    high: float
    n: int

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def bootstrap_indices(
    strata: Sequence[object],
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    mode: BootstrapMode = "within",
) -> np.ndarray:
    """Resampling index matrix of shape ``(resamples, n)``.

    Args:
        strata: The stratum (skill) of each unit (task), in unit order.
        resamples: Number of bootstrap replicates.
        seed: Seed of the generator; the same inputs always give the same matrix.
        mode: ``"within"`` resamples units within each stratum; ``"cluster"`` resamples
            whole strata with replacement and keeps all their units.

    Returns:
        Integer indices into the units; each row is one replicate.
    """
    if mode not in BOOTSTRAP_MODES:
        raise ValueError(f"mode must be one of {BOOTSTRAP_MODES}, got {mode!r}")
    rng = np.random.default_rng(seed)
    labels = np.asarray([str(s) for s in strata])
    groups = [np.flatnonzero(labels == g) for g in sorted(set(labels.tolist()))]
    if not groups:
        return np.zeros((resamples, 0), dtype=np.int64)
    if mode == "within":
        columns = [g[rng.integers(0, len(g), size=(resamples, len(g)))] for g in groups]
        return np.concatenate(columns, axis=1)
    picks = rng.integers(0, len(groups), size=(resamples, len(groups)))
    rows = [np.concatenate([groups[j] for j in row]) for row in picks]
    width = max(len(r) for r in rows)
    # Clusters may differ in size: pad ragged replicates by repeating their own units
    # would bias the mean, so use a masked mean instead — see `_replicate_means`.
    out = np.full((resamples, width), -1, dtype=np.int64)
    for i, row in enumerate(rows):
        out[i, : len(row)] = row
    return out


def _replicate_means(values: np.ndarray, idx: np.ndarray) -> np.ndarray:
    if idx.size and (idx < 0).any():
        mask = idx >= 0
        picked = np.where(mask, values[np.clip(idx, 0, None)], 0.0)
        return picked.sum(axis=1) / mask.sum(axis=1)
    return values[idx].mean(axis=1)


def _interval(estimate: float, replicates: np.ndarray, n: int, level: float) -> Interval:
    alpha = (1 - level) / 2
    if n == 0 or replicates.size == 0:
        return Interval(float("nan"), float("nan"), float("nan"), n)
    low, high = np.quantile(replicates, [alpha, 1 - alpha])
    return Interval(float(estimate), float(low), float(high), n)


def bootstrap_mean(
    values: Sequence[float],
    strata: Sequence[object],
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    level: float = DEFAULT_LEVEL,
    mode: BootstrapMode = "within",
) -> Interval:
    """Mean of per-task values (a pass rate, a paired difference, a lift) with a bootstrap interval.

    Args:
        values: One value per task (e.g. 0/1 pass, or skill − base in {-1, 0, 1}).
        strata: The skill of each task.
        resamples: Bootstrap replicates.
        seed: Generator seed.
        level: Interval coverage.
        mode: See :func:`bootstrap_indices`.

    Returns:
        The mean and its percentile interval; NaN for no tasks.
    """
    arr = np.asarray(values, dtype=float)
    if arr.size == 0:
        return Interval(float("nan"), float("nan"), float("nan"), 0)
    idx = bootstrap_indices(strata, resamples, seed, mode)
    return _interval(arr.mean(), _replicate_means(arr, idx), arr.size, level)


def paired_delta(
    base: Sequence[float],
    skill: Sequence[float],
    strata: Sequence[object],
    **kwargs: object,
) -> Interval:
    """Procedural Δ = mean(skill) − mean(base) over paired tasks, with a paired bootstrap interval.

    Args:
        base: Pass (0/1) of each task in the base condition.
        skill: Pass of the same tasks, same order, in the skill condition.
        strata: The skill of each task.
        **kwargs: Passed to :func:`bootstrap_mean`.
    """
    diff = np.asarray(skill, dtype=float) - np.asarray(base, dtype=float)
    return bootstrap_mean(diff, strata, **kwargs)  # type: ignore[arg-type]


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value from the discordant pair counts.

    Args:
        b: Pairs that pass only in the first condition.
        c: Pairs that pass only in the second condition.

    Returns:
        ``min(1, 2 * P(X <= min(b, c)))`` for ``X ~ Binomial(b + c, 1/2)``; 1.0 when
        there are no discordant pairs.
    """
    n = b + c
    if n == 0:
        return 1.0
    k = min(b, c)
    tail = sum(comb(n, i) for i in range(k + 1)) / 2**n
    return float(min(1.0, 2 * tail))


@dataclass(frozen=True)
class Agreement:
    """Agreement between two binary raters on the same items.

    ``table`` is ``[[both_fail, a_fail_b_pass], [a_pass_b_fail, both_pass]]``.
    ``kappa`` is Cohen's κ; when both raters use a single, identical class
    (expected agreement 1) κ is undefined and reported as 1.0 with ``degenerate=True``
    if they agree on every item (they must), so tables never hold NaN surprises.
    """

    n: int
    agreement: float
    kappa: float
    kappa_low: float
    kappa_high: float
    prevalence_a: float
    prevalence_b: float
    table: list[list[int]]
    degenerate: bool

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _kappa_vectorised(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """κ for each row of 0/1 matrices ``a`` and ``b`` (replicates × items)."""
    # In counts and in scikit-learn's order of operations, so the two agree to the last bit.
    n = a.shape[-1]
    a1, b1 = a.sum(axis=-1), b.sum(axis=-1)
    disagreements = (a != b).sum(axis=-1)
    expected_disagreement = (n - a1) * b1 / n + a1 * (n - b1) / n
    with np.errstate(invalid="ignore", divide="ignore"):
        kappa = 1 - disagreements / expected_disagreement
    return np.where(expected_disagreement <= 1e-12, 1.0, kappa)


def cohen_kappa(a: Sequence[bool | int], b: Sequence[bool | int]) -> float:
    """Cohen's κ of two binary raters (equal to scikit-learn's where that is defined)."""
    return float(_kappa_vectorised(np.asarray(a, dtype=float), np.asarray(b, dtype=float)))


def agreement(
    a: Sequence[bool | int],
    b: Sequence[bool | int],
    strata: Sequence[object] | None = None,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    level: float = DEFAULT_LEVEL,
) -> Agreement:
    """Raw agreement, Cohen's κ with a bootstrap interval, prevalences and the 2×2 table.

    Args:
        a: First rater's pass/fail verdicts.
        b: Second rater's verdicts on the same items, same order.
        strata: Optional stratum per item for a stratified bootstrap (skills).
        resamples: Bootstrap replicates.
        seed: Generator seed.
        level: Interval coverage.
    """
    va, vb = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if va.shape != vb.shape:
        raise ValueError(f"raters rated different numbers of items: {va.size} vs {vb.size}")
    n = int(va.size)
    if n == 0:
        nan = float("nan")
        return Agreement(0, nan, nan, nan, nan, nan, nan, [[0, 0], [0, 0]], True)
    table = [
        [int(((va == 0) & (vb == 0)).sum()), int(((va == 0) & (vb == 1)).sum())],
        [int(((va == 1) & (vb == 0)).sum()), int(((va == 1) & (vb == 1)).sum())],
    ]
    kappa = cohen_kappa(va, vb)
    idx = bootstrap_indices(strata if strata is not None else ["all"] * n, resamples, seed)
    interval = _interval(kappa, _kappa_vectorised(va[idx], vb[idx]), n, level)
    pe_one = len({*va.tolist(), *vb.tolist()}) == 1
    return Agreement(
        n=n,
        agreement=float((va == vb).mean()),
        kappa=kappa,
        kappa_low=interval.low,
        kappa_high=interval.high,
        prevalence_a=float(va.mean()),
        prevalence_b=float(vb.mean()),
        table=table,
        degenerate=pe_one,
    )


def paired_lift(
    pre_base: Sequence[float],
    pre_skill: Sequence[float],
    post_base: Sequence[float],
    post_skill: Sequence[float],
    strata: Sequence[object],
    **kwargs: object,
) -> Interval:
    """SFT-attributable lift Δ_post − Δ_pre over the same tasks, resampled jointly.

    Each replicate draws one set of tasks and uses it in *both* the pre-SFT and the
    post-SFT log, so the interval keeps the pairing of a task with itself across the two
    models (task difficulty cancels) as well as across the two conditions.

    Args:
        pre_base: Pass of each task in the base condition before SFT.
        pre_skill: Pass of the same tasks in the skill condition before SFT.
        post_base: Pass of the same tasks, base condition, after SFT.
        post_skill: Pass of the same tasks, skill condition, after SFT.
        strata: The skill of each task.
        **kwargs: Passed to :func:`bootstrap_mean` (``resamples``, ``seed``, ``level``, ``mode``).

    Returns:
        The lift and its percentile interval; ``n`` is the number of tasks.
    """
    arrays = [np.asarray(x, dtype=float) for x in (pre_base, pre_skill, post_base, post_skill)]
    if len({a.shape for a in arrays}) != 1:
        raise ValueError(f"pre/post pass vectors differ in length: {[a.size for a in arrays]}")
    pb, ps, qb, qs = arrays
    return bootstrap_mean((qs - qb) - (ps - pb), strata, **kwargs)  # type: ignore[arg-type]


def _ranks(x: np.ndarray) -> np.ndarray:
    from scipy.stats import rankdata

    return rankdata(x, axis=-1)


def _pearson_rows(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    xc = x - x.mean(axis=-1, keepdims=True)
    yc = y - y.mean(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (xc * yc).sum(axis=-1) / np.sqrt((xc**2).sum(axis=-1) * (yc**2).sum(axis=-1))


def spearman(
    x: Sequence[float],
    y: Sequence[float],
    strata: Sequence[object] | None = None,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    level: float = DEFAULT_LEVEL,
    mode: BootstrapMode = "within",
) -> Interval:
    """Spearman rank correlation of paired values with a bootstrap interval.

    Args:
        x: One value per unit (e.g. a skill's pass rate before SFT).
        y: The paired value of the same unit (e.g. its gain after SFT).
        strata: Optional stratum per unit for the bootstrap (see :func:`bootstrap_indices`).
        resamples: Bootstrap replicates.
        seed: Generator seed.
        level: Interval coverage.
        mode: See :func:`bootstrap_indices`.

    Returns:
        ρ (equal to ``scipy.stats.spearmanr``) and its percentile interval over the
        replicates where ρ is defined; NaN when fewer than 3 units or a constant input.
    """
    vx, vy = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if vx.shape != vy.shape:
        raise ValueError(f"x and y differ in length: {vx.size} vs {vy.size}")
    n = int(vx.size)
    nan = float("nan")
    if n < 3:
        return Interval(nan, nan, nan, n)
    rho = float(_pearson_rows(_ranks(vx), _ranks(vy)))
    if not np.isfinite(rho):
        return Interval(nan, nan, nan, n)
    idx = bootstrap_indices(strata if strata is not None else ["all"] * n, resamples, seed, mode)
    if (idx < 0).any():  # ragged cluster replicates: correlate each replicate on its own units
        reps = np.array([_pearson_rows(_ranks(vx[r[r >= 0]]), _ranks(vy[r[r >= 0]])) for r in idx])
    else:
        reps = _pearson_rows(_ranks(vx[idx]), _ranks(vy[idx]))
    reps = reps[np.isfinite(reps)]
    return _interval(rho, reps, n, level)
