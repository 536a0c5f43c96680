"""Smoke runs of the benchmarks that load or train the tiny Qwen3.5 (tiny sizes, no timing asserts)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def test_generation_bench_raw_loop_matches_inspect(bench, tmp_path):
    result = bench("bench_generation").run(
        shape="tiny",
        episodes=4,
        batch_size=4,
        max_tokens=3,
        repeats=1,
        work_dir=tmp_path,
        configs=("inspect_max_connections",),
        warmup=False,
    )
    tuned = result["results"]["inspect_max_connections"]
    # Same prompts and same completions: the two arms did the same generation work.
    assert tuned["check"] == {"samples": 4, "same_prompt": 4, "same_completion": 4}
    assert tuned["batch_sizes"] == [4]
    parts = tuned["breakdown_median"]
    assert parts["batch_thread_busy"] <= parts["wall"]
    assert 0 < tuned["ratio_to_raw_from_overhead"] <= 1


def test_memory_bench_loads_the_weights_once(bench, tmp_path):
    result = bench("bench_memory").run(
        hidden_size=64,
        layers=4,
        episodes=1,
        repeats=1,
        work_dir=tmp_path,
        fixed_baseline=False,
        modes=("inspect",),
    )
    # The hf provider would load the weights a second time for a model-info lookup; the task prevents it.
    assert result["weight_loads"] == {"inspect": [1]}
    assert result["weights_mib"] > 0 and result["runs"]["inspect"][0]["growth_mib"] >= 0


def test_sft_bench_records_padding(bench, tmp_path):
    result = bench("bench_sft").run(steps=1, repeats=1, work_dir=tmp_path, skills="luhn-check-digit")
    for config in ("random", "default"):
        row = result["results"][config]
        assert row["micro_batches"] == 4  # one optimizer step = gradient_accumulation_steps micro-batches
        assert 0 <= row["padding_fraction"] < 1
        assert row["tokens_per_run"][0] <= row["positions_per_run"][0]
    probe = result["padding_free"]
    assert probe["max_abs_logit_diff_second_row"] >= 0 and isinstance(probe["exact"], bool)
