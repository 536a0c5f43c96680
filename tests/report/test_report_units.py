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
        label=model, model=model, model_path=model_path, checkpoint=checkpoint, recipe=None,
        identities=model_identities(model, model_path),
        base_identities=checkpoint_base_identities(checkpoint) if checkpoint else (),
        parameters=None, size_source=None, dataset_hash="h", split="holdout", placement="user", thinking=False,
        max_tokens=2048, generation={}, scorers=("extract",), epochs=1, logs=(), created="",
    )


def test_pairing_rule(tmp_path):
    hub = _config("hf/Qwen/Qwen3.5-0.8B")
    assert base_model_matches(hub, _config("hf/local", "/ckpt/a", {"base_model": "Qwen/Qwen3.5-0.8B"}))
    assert base_model_matches(hub, _config("hf/local", "/ckpt/a", {"base_model_resolved": "Qwen/Qwen3.5-0.8B@abc"}))
    assert base_model_matches(hub, _config("hf/local", "/ckpt/a", {"base_model": "hf/Qwen/Qwen3.5-0.8B"}))
    assert not base_model_matches(hub, _config("hf/local", "/ckpt/a", {"base_model": "Qwen/Qwen3.5-2B"}))
    local = tmp_path / "models" / "base"
    local.mkdir(parents=True)
    base = _config("hf/local", str(local))
    trained = _config("hf/local", str(tmp_path / "run" / "merged"),
                      {"base_model": "./base", "base_model_resolved": str(local) + "/"})
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
        [{"config": "c", "task_id": t, "skill": t.split("-")[0], "domain": "d", "condition": cond,
          "answer_type": "integer", "epoch": e, "scorer": "extract", "path": "extract", "judge": None, "value": v,
          "compliant": 1.0, "truncated": 0.0, "lenient_correct": v} for t, e, cond, v in rows])
    episodes = frame[["config", "task_id", "skill", "condition", "epoch"]].assign(input_tokens=1, output_tokens=1,
                                                                                  error=False)
    return Tables(LogTables([], frame, episodes))


def test_epochs_per_epoch_delta_spread_and_mcnemar():
    # epoch 1: 4 tasks, skill helps on 3 (b=0, c=3); epoch 2: helps on 1, hurts on 1 (b=1, c=1)
    e1 = {"a-1": (0, 1), "a-2": (0, 1), "b-1": (0, 1), "b-2": (1, 1)}
    e2 = {"a-1": (0, 1), "a-2": (1, 0), "b-1": (0, 0), "b-2": (1, 1)}
    rows = [(t, e, cond, float(v[i])) for e, data in ((1, e1), (2, e2)) for t, v in data.items()
            for i, cond in enumerate(("base", "skill"))]
    rows.append(("c-1", 1, "base", 1.0))  # skill side unscored: dropped from the pairs
    rows.append(("c-1", 1, "skill", float("nan")))
    result = path_result(_tables(rows), "c", "extract", resamples=500, seed=1, mode="within")
    assert [(e.epoch, e.n, e.delta, e.base_only, e.skill_only) for e in result.epochs] == [
        (1, 4, 0.75, 0, 3), (2, 4, 0.0, 1, 1)]
    assert result.epochs[0].mcnemar_p == stats.mcnemar_exact(0, 3) == 0.25
    assert result.mcnemar_p == 1.0  # the largest per-epoch p
    assert result.delta.estimate == pytest.approx(0.375) and result.n == 4 and result.pairs_dropped == 1
    assert result.epoch_range == pytest.approx(0.75)
    assert result.epoch_sd == pytest.approx(np.std([0.75, 0.0], ddof=1))
    # per-task pass is the mean over epochs: base a-2 = 0.5
    assert result.pass_base.estimate == pytest.approx((0 + 0.5 + 0 + 1) / 4)


def test_paired_lift_resamples_tasks_jointly():
    rng = np.random.default_rng(0)
    n = 60
    strata = [f"s{i % 6}" for i in range(n)]
    pre_b, pre_s, post_b, post_s = (rng.integers(0, 2, n).astype(float) for _ in range(4))
    lift = stats.paired_lift(pre_b, pre_s, post_b, post_s, strata, resamples=400)
    d_pre = stats.paired_delta(pre_b, pre_s, strata, resamples=400)
    d_post = stats.paired_delta(post_b, post_s, strata, resamples=400)
    assert lift.estimate == pytest.approx(d_post.estimate - d_pre.estimate)
    assert lift.low <= lift.estimate <= lift.high and lift.n == n
    # the same replicates as a hand-made joint bootstrap
    idx = stats.bootstrap_indices(strata, 400)
    per_task = (post_s - post_b) - (pre_s - pre_b)
    assert lift.low == pytest.approx(np.quantile(per_task[idx].mean(axis=1), 0.025))
    with pytest.raises(ValueError, match="differ in length"):
        stats.paired_lift(pre_b, pre_s, post_b[:-1], post_s, strata)


def test_spearman_matches_scipy():
    rng = np.random.default_rng(3)
    x = rng.random(40)
    y = -x + rng.normal(0, 0.3, 40)
    result = stats.spearman(x, y, resamples=300)
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
