"""Exact resume: a run resumed from any checkpoint trains on the rows, in the order, of an uninterrupted run.

Each run's data collator is wrapped to record which corpus rows each optimizer step trained on
(6 rows, batch 2, no accumulation: 3 steps per epoch, 7 steps = 2 epochs and a third).
"""

from __future__ import annotations

import json
import shutil

import pytest

from procskill.training import build_corpus, load_recipe, prepare_run, whole_run_loss
from testkit.packs import write_synthetic_packs

pytestmark = pytest.mark.slow

STEPS = 7
SMALL = {
    "max_steps": STEPS,
    "per_device_train_batch_size": 2,
    "gradient_accumulation_steps": 1,
    "logging_steps": 1,
    "save_steps": 1,
    "save_total_limit": None,
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("resume")
    packs = write_synthetic_packs(root / "packs", skills=2, tasks_per_skill=2, train_per_skill=3)
    return build_corpus("procedural", skills_dir=packs, out=root / "corpus")


def _run(tiny_model_dir, corpus, recipe, out, resume=False):
    """Train; return (row indices of each trained step, the final metadata, the per-step logged losses)."""
    run = prepare_run(tiny_model_dir, corpus.path, recipe, out=out, resume=resume)
    row_of = {tuple(example["input_ids"]): i for i, example in enumerate(run.trainer.train_dataset)}
    batches: list[tuple[int, ...]] = []
    collate = run.trainer.data_collator

    def recording(examples):
        batches.append(tuple(row_of[tuple(example["input_ids"])] for example in examples))
        return collate(examples)

    run.trainer.data_collator = recording
    result = run.train(merge=False)
    losses = {e["step"]: e["loss"] for e in run.trainer.state.log_history if "loss" in e}
    # The dataloader reads one batch ahead of training; the trained ones are the first.
    trained = STEPS - (int(run.resume_from.rsplit("-", 1)[1]) if run.resume_from else 0)
    return batches[:trained], result.metadata, losses


@pytest.fixture(scope="module", params=["group_by_length", "random"])
def uninterrupted(request, corpus, tiny_model_dir, tmp_path_factory):
    recipe = load_recipe("lora_r16_lr2e-4").with_sft(**SMALL, train_sampling_strategy=request.param)
    out = tmp_path_factory.mktemp("full") / "run"
    steps, meta, losses = _run(tiny_model_dir, corpus, recipe, out)
    assert len(steps) == STEPS and meta["steps"] == STEPS
    return recipe, out, steps, meta, losses


@pytest.mark.parametrize("checkpoint", [4, 3, STEPS])  # mid-epoch, an epoch boundary, the last one
def test_resume_trains_the_rows_and_loss_of_the_uninterrupted_run(
    uninterrupted, checkpoint, corpus, tiny_model_dir, tmp_path
):
    recipe, full_out, full_steps, full_meta, full_losses = uninterrupted
    strategy = recipe.sft["train_sampling_strategy"]
    if strategy == "random" and checkpoint != 4:
        pytest.skip("random order: the mid-epoch case suffices (accelerate's seedable sampler)")
    epochs = [sorted(full_steps[i : i + 3]) for i in (0, 3)]
    assert all(sorted(sum(epoch, ())) == list(range(6)) for epoch in epochs)  # each epoch sees each row once
    assert full_steps[0:3] != full_steps[3:6]  # and in a different order, so the test can tell orders apart

    # A run stopped after `checkpoint` steps: its folder holds that checkpoint and the run file.
    out = tmp_path / "run"
    (out / "checkpoints").mkdir(parents=True)
    shutil.copy(full_out / "procskill_run.json", out)
    shutil.copytree(
        full_out / "checkpoints" / f"checkpoint-{checkpoint}",
        out / "checkpoints" / f"checkpoint-{checkpoint}",
    )

    steps, meta, losses = _run(tiny_model_dir, corpus, recipe, out, resume=True)
    assert steps == full_steps[checkpoint:]
    assert meta["steps"] == STEPS and meta["resumed_from"].endswith(f"checkpoint-{checkpoint}")
    for step in range(checkpoint + 1, STEPS + 1):
        assert losses[step] == pytest.approx(full_losses[step], abs=1e-5), step
    assert meta["final_loss"] == pytest.approx(full_meta["final_loss"], abs=1e-5)
    # train_loss covers the whole run, resumed or not (and equals the Trainer's own mean on the full run).
    assert meta["train_loss"] == pytest.approx(full_meta["train_loss"], abs=1e-4)
    assert full_meta["train_loss"] == pytest.approx(sum(full_losses.values()) / STEPS, abs=1e-4)
    state = json.loads((out / "checkpoints" / f"checkpoint-{STEPS}" / "trainer_state.json").read_text())
    assert whole_run_loss(state["log_history"]) == pytest.approx(meta["train_loss"])
