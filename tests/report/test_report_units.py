"""The report's rules on hand-built tables: epochs, pairing of checkpoints, sizes, statistics, writes."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from procskill import stats
from procskill._files import atomic_write
from procskill.analysis._logs import (
    Configuration,
    LogTables,
    base_model_matches,
    checkpoint_base_identities,
    model_identities,
    parse_size,
)
from procskill.analysis._report import Tables, path_result


def _config(model: str, model_path: str | None = None, checkpoint: dict | None = None) -> Configuration:
    return Configuration(
        label=model,
        model=model,
        model_path=model_path,
        checkpoint=checkpoint,
        recipe=None,
        identities=model_identities(model, model_path),
        base_identities=checkpoint_base_identities(checkpoint) if checkpoint else (),
        parameters=None,
        size_source=None,
        dataset_hash="h",
        split="holdout",
        placement="user",
        thinking=False,
        max_tokens=2048,
        generation={},
        scorers=("extract",),
        epochs=1,
        logs=(),
        created="",
    )


def test_pairing_rule(tmp_path):
    hub = _config("hf/Qwen/Qwen3.5-0.8B")
    assert base_model_matches(hub, _config("hf/local", "/ckpt/a", {"base_model": "Qwen/Qwen3.5-0.8B"}))
    assert base_model_matches(
        hub, _config("hf/local", "/ckpt/a", {"base_model_resolved": "Qwen/Qwen3.5-0.8B@abc"})
    )
    assert base_model_matches(hub, _config("hf/local", "/ckpt/a", {"base_model": "hf/Qwen/Qwen3.5-0.8B"}))
    assert not base_model_matches(hub, _config("hf/local", "/ckpt/a", {"base_model": "Qwen/Qwen3.5-2B"}))
    local = tmp_path / "models" / "base"
    local.mkdir(parents=True)
    base = _config("hf/local", str(local))
    trained = _config(
        "hf/local",
        str(tmp_path / "run" / "merged"),
        {"base_model": "./base", "base_model_resolved": str(local) + "/"},
    )
    assert base_model_matches(base, trained)
    # same folder *name* elsewhere is another model: basenames are never compared
    other = _config("hf/local", str(tmp_path / "elsewhere" / "base"))
    assert not base_model_matches(other, trained)
    assert not base_model_matches(trained, trained)


def test_relative_model_path_of_an_existing_folder(tmp_path, monkeypatch):
    # the README's `-M model_path=runs/qwen0.8b-lora/merged`, reported from the folder it was run in
    (tmp_path / "runs" / "merged").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    names = model_identities("hf/local", "runs/merged")
    assert "runs/merged" in names and str(tmp_path / "runs" / "merged") in names


def test_parse_size():
    assert parse_size("0.8B") == 0.8e9 and parse_size("800M") == 8e8 and parse_size("335k") == 335e3
    assert parse_size("2e9") == 2e9 and parse_size(4_000_000_000) == 4e9
    for bad in ("big", "-1B", "0"):
        with pytest.raises(ValueError, match="model size"):
            parse_size(bad)


def _tables(rows: list[tuple[str, int, str, float]]) -> Tables:
    """rows: (task_id, epoch, condition, value) of one configuration under ``extract``."""
    frame = pd.DataFrame(
        [
            {
                "config": "c",
                "task_id": t,
                "skill": t.split("-")[0],
                "domain": "d",
                "condition": cond,
                "answer_type": "integer",
                "epoch": e,
                "scorer": "extract",
                "path": "extract",
                "judge": None,
                "value": v,
                "compliant": 1.0,
                "truncated": 0.0,
                "lenient_correct": v,
            }
            for t, e, cond, v in rows
        ]
    )
    episodes = frame[["config", "task_id", "skill", "condition", "epoch"]].assign(
        input_tokens=1, output_tokens=1, error=False
    )
    return Tables(LogTables([], frame, episodes))


def test_epochs_two_stage_aggregation_by_hand():
    # epoch 1: 4 tasks, skill helps on 3; epoch 2: helps on 1, hurts on 1
    e1 = {"a-1": (0, 1), "a-2": (0, 1), "b-1": (0, 1), "b-2": (1, 1)}
    e2 = {"a-1": (0, 1), "a-2": (1, 0), "b-1": (0, 0), "b-2": (1, 1)}
    rows = [
        (t, e, cond, float(v[i]))
        for e, data in ((1, e1), (2, e2))
        for t, v in data.items()
        for i, cond in enumerate(("base", "skill"))
    ]
    rows += [("c-1", 1, "base", 1.0), ("c-1", 1, "skill", float("nan"))]  # skill side unscored
    rows += [("c-2", 1, "base", float("nan")), ("c-2", 1, "skill", float("nan"))]  # both sides unscored
    rows += [
        ("a-3", 1, "base", 1.0),
        ("a-3", 2, "base", float("nan")),
        ("a-3", 1, "skill", float("nan")),
        ("a-3", 2, "skill", 0.0),
    ]  # each side scored in a different epoch: still a paired task
    result = path_result(_tables(rows), "c", "extract", resamples=500, seed=1, mode="cluster")
    assert [(e.epoch, e.n, e.delta, e.base_only, e.skill_only) for e in result.epochs] == [
        (1, 4, 0.75, 0, 3),
        (2, 4, 0.0, 1, 1),
    ]
    # Stage one by hand: per task mean over its scored epochs, per condition.
    per_task = {"a-1": (0, 1), "a-2": (0.5, 0.5), "a-3": (1, 0), "b-1": (0, 0.5), "b-2": (1, 1)}
    diffs = np.array([s - b for b, s in per_task.values()])  # 1, 0, -1, 0.5, 0
    assert result.n == 5 and result.pairs_dropped == 2  # c-1 (one side) and c-2 (both sides) unscored
    assert result.delta.estimate == pytest.approx(diffs.mean()) == pytest.approx(0.1)
    assert result.pass_base.estimate == pytest.approx((0 + 0.5 + 1 + 0 + 1) / 5)
    assert (result.base_only, result.skill_only) == (1, 2)
    assert result.mcnemar_p is None  # per-task means are not 0/1: no McNemar with several epochs
    # Stage two by hand: clustered SE over skills a (3 tasks) and b (2 tasks), t with G-1 = 1 df.
    dev = np.array([diffs[:3].sum() - 3 * 0.1, diffs[3:].sum() - 2 * 0.1])
    se = np.sqrt((dev**2).sum() * 2 / 1) / 5
    from scipy.stats import t

    assert result.delta.se == pytest.approx(se)
    assert result.p == result.delta.p == pytest.approx(2 * t.sf(0.1 / se, 1))
    assert result.epoch_range == pytest.approx(0.75)
    assert result.epoch_sd == pytest.approx(np.std([0.75, 0.0], ddof=1))


def test_one_epoch_keeps_exact_mcnemar():
    rows = [
        (f"s{i % 4}-{i}", 1, cond, float(v))
        for i, (b, sk) in enumerate([(0, 1)] * 6 + [(1, 0)] * 2 + [(1, 1)] * 4)
        for cond, v in (("base", b), ("skill", sk))
    ]
    result = path_result(_tables(rows), "c", "extract", resamples=500, seed=1, mode="cluster")
    assert (result.base_only, result.skill_only) == (2, 6) and result.mcnemar_p == stats.mcnemar_exact(2, 6)


def test_default_interval_matches_statsmodels_cluster_robust_ols():
    import statsmodels.api as sm

    rng = np.random.default_rng(0)
    n = 200
    strata = np.repeat(np.arange(40), 5)
    pre_b, pre_s, post_b, post_s = (rng.integers(0, 2, n).astype(float) for _ in range(4))
    lift = stats.paired_lift(pre_b, pre_s, post_b, post_s, strata)
    per_task = (post_s - post_b) - (pre_s - pre_b)
    fit = sm.OLS(per_task, np.ones(n)).fit(cov_type="cluster", cov_kwds={"groups": strata}, use_t=True)
    assert [lift.low, lift.high] == pytest.approx(list(fit.conf_int(0.05)[0]), abs=1e-12)
    assert lift.se == pytest.approx(fit.bse[0]) and lift.p == pytest.approx(fit.pvalues[0])
    assert lift.estimate == pytest.approx(
        stats.paired_delta(post_b, post_s, strata).estimate
        - stats.paired_delta(pre_b, pre_s, strata).estimate
    )
    # MDE at 80% power, two-sided 5%: (t_.975 + t_.80) * SE with G-1 df
    from scipy.stats import t

    assert lift.mde == pytest.approx((t.ppf(0.975, 39) + t.ppf(0.8, 39)) * fit.bse[0])
    with pytest.raises(ValueError, match="differ in length"):
        stats.paired_lift(pre_b, pre_s, post_b[:-1], post_s, strata)
    # the fixed-skills (old "within") bootstrap stays available under its old name too
    old = stats.paired_lift(pre_b, pre_s, post_b, post_s, strata, mode="within", resamples=400)
    idx = stats.bootstrap_indices(strata, 400)
    assert old.low == pytest.approx(np.quantile(per_task[idx].mean(axis=1), 0.025))


def test_joint_size_test_and_holm_match_statsmodels():
    import statsmodels.api as sm
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(1)
    n, k = 200, 3
    strata = np.repeat(np.arange(40), 5)
    x = rng.integers(-1, 2, (n, k)).astype(float) + np.array([0.0, 0.1, 0.3])
    test = stats.joint_equality(x, strata)
    design = np.eye(k)[np.tile(np.arange(k), n)]
    fit = sm.OLS(x.ravel(), design).fit(
        cov_type="cluster", use_t=True, cov_kwds={"groups": np.repeat(strata, k), "use_correction": False}
    )
    contrast = np.diff(np.eye(k), axis=0)
    wald = float(fit.wald_test(contrast, scalar=True).statistic) * 2  # statsmodels reports W / q
    g, q = 40, 2
    assert test.statistic == pytest.approx(wald * (g - 1) / g * (g - q) / (q * (g - 1)))
    diff = fit.t_test(contrast)
    assert [d.estimate for d in test.differences] == pytest.approx(list(diff.effect))
    assert [d.se for d in test.differences] == pytest.approx(list(diff.sd * np.sqrt(g / (g - 1))))
    p = [0.01, 0.04, 0.03, 0.5]
    assert stats.holm(p + [float("nan")])[:4] == pytest.approx(list(multipletests(p, method="holm")[1]))
    assert stats.smallest_exact_p(5) == 0.0625


def test_kappa_interval_resamples_tasks_and_drops_undefined_replicates():
    # Two tasks with two episodes each; one rater constant: most replicates keep κ defined.
    a = [1, 1, 0, 0, 1, 0]
    b = [1, 0, 0, 0, 1, 1]
    tasks = ["t1", "t1", "t2", "t2", "t3", "t3"]
    result = stats.agreement(a, b, tasks, resamples=400)
    # a replicate drawing t2 three times has both raters constant: undefined, dropped, counted
    assert result.degenerate_replicates > 0
    assert np.isfinite(result.kappa_low) and result.kappa_high <= 1.0


def test_spearman_matches_scipy():
    rng = np.random.default_rng(3)
    x = rng.random(40)
    y = -x + rng.normal(0, 0.3, 40)
    result = stats.spearman(x, y)
    assert result.estimate == pytest.approx(spearmanr(x, y).statistic, abs=1e-12)
    assert result.low <= result.estimate <= result.high < 0
    assert stats.spearman([1, 2], [3, 4]).estimate != stats.spearman([1, 2], [3, 4]).estimate  # NaN: too few


def test_atomic_write_never_leaves_a_half_written_file(tmp_path, monkeypatch):
    target = tmp_path / "summary.json"
    atomic_write(target, b"old")

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


def test_seed_pools_pool_the_per_task_lift_over_seeds():
    from types import SimpleNamespace

    from procskill.analysis._report import seed_pools

    rng = np.random.default_rng(5)
    tasks = [f"s{i // 5}-{i}" for i in range(40)]
    configs = {name: rng.integers(0, 2, (40, 2)).astype(float) for name in ("pre", "seed0", "seed1", "seed2")}
    frame = pd.DataFrame(
        [
            {
                "config": c,
                "task_id": t,
                "skill": t.split("-")[0],
                "domain": "d",
                "condition": cond,
                "answer_type": "x",
                "epoch": 1,
                "scorer": "extract",
                "path": "extract",
                "judge": None,
                "value": v[i, j],
                "compliant": 1.0,
                "truncated": 0.0,
                "lenient_correct": v[i, j],
            }
            for c, v in configs.items()
            for i, t in enumerate(tasks)
            for j, cond in enumerate(("base", "skill"))
        ]
    )
    tables = Tables(LogTables([], frame, frame[["config", "task_id", "skill", "condition", "epoch"]]))
    delta = {c: (v[:, 1] - v[:, 0]) for c, v in configs.items()}
    lifts = [
        SimpleNamespace(
            pre="pre",
            post=c,
            recipe="r",
            scorer="extract",
            lift=stats.Interval(float((delta[c] - delta["pre"]).mean()), 0, 0, 40),
        )
        for c in ("seed0", "seed1", "seed2")
    ]
    [pool] = seed_pools(tables, lifts, "extract", 2000, 0, "cluster")
    per_task = np.mean([delta[c] - delta["pre"] for c in ("seed0", "seed1", "seed2")], axis=0)  # by hand
    assert pool["seeds"] == 3 and pool["tasks"] == 40
    assert pool["pooled_lift"]["estimate"] == pytest.approx(per_task.mean())
    assert pool["pooled_lift"]["se"] == pytest.approx(
        stats.clustered_se(per_task, [t.split("-")[0] for t in tasks])[0]
    )
    assert pool["between_seed_sd"] == pytest.approx(np.std([lf.lift.estimate for lf in lifts], ddof=1))
