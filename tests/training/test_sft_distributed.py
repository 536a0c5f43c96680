"""``accelerate launch --multi_gpu --num_processes 2`` on CPU (gloo): TRL's distributed path gives the single-process run.

(On a machine without CUDA, ``--multi_gpu`` starts torchrun and Accelerate falls back to CPU processes with the
gloo backend; ``--cpu`` would start one process only.)

Two processes with one row each per step against one process with two rows per step: the same
effective batch, the same rows per step (one seeded order, dealt out by Accelerate), so the same
optimizer steps and, up to float reduction order, the same loss.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from procskill.checkpoint_meta import read_checkpoint_metadata
from procskill.training import RECIPES_DIR, build_corpus, train
from testkit.packs import write_synthetic_packs

pytestmark = pytest.mark.slow

LOSS_TOLERANCE = 1e-5
"""Per-step and final loss, two processes vs one: gradients are all-reduced in another float order
(measured: at most ~1e-6 without dropout; with LoRA dropout 0.05 the per-process masks move it to ~2.5e-4)."""
STEPS = 4


def _recipe(tmp_path: Path, per_device: int) -> Path:
    data = yaml.safe_load((RECIPES_DIR / "lora_r16_lr2e-4.yaml").read_text())
    data["sft"].update(
        max_steps=STEPS,
        per_device_train_batch_size=per_device,
        gradient_accumulation_steps=1,
        logging_steps=1,
        save_steps=STEPS,
    )
    # Dropout masks come from each process's own generator; without dropout the runs compute the same sums.
    data["lora"]["lora_dropout"] = 0.0
    path = tmp_path / f"batch{per_device}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _losses(out: Path) -> dict[int, float]:
    state = json.loads((out / "checkpoints" / f"checkpoint-{STEPS}" / "trainer_state.json").read_text())
    return {e["step"]: e["loss"] for e in state["log_history"] if "loss" in e}


def test_two_cpu_processes_train_like_one_with_the_same_effective_batch(tiny_model_dir, tmp_path):
    packs = write_synthetic_packs(tmp_path / "packs", skills=2, tasks_per_skill=2, train_per_skill=4)
    corpus = build_corpus("procedural", skills_dir=packs, out=tmp_path / "corpus")

    single = train(tiny_model_dir, corpus.path, _recipe(tmp_path, 2), out=tmp_path / "one", merge=False)

    launcher = Path(sys.executable).parent / "accelerate"
    command = [
        str(launcher), "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
        "--mixed_precision", "no", "--dynamo_backend", "no", "--main_process_port", str(_free_port()),
        "-m", "procskill.training",
        "--base", str(tiny_model_dir), "--corpus", str(corpus.path), "--recipe", str(_recipe(tmp_path, 1)),
        "--out", str(tmp_path / "two"), "--no_merge",
    ]  # fmt: skip
    env = {
        **os.environ,
        "HF_HOME": str(tmp_path / "hf-home"),
        "OMP_NUM_THREADS": "1",
    }  # no stray accelerate config
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count(f"step {STEPS}/{STEPS}") == 1  # progress printed by the main process only

    two = read_checkpoint_metadata(tmp_path / "two")
    one = single.metadata
    assert (two["world_size"], one["world_size"]) == (2, 1)
    assert two["effective_batch_size"] == one["effective_batch_size"] == 2
    assert two["steps"] == one["steps"] == STEPS
    one_losses, two_losses = _losses(tmp_path / "one"), _losses(tmp_path / "two")
    assert set(one_losses) == set(two_losses) == set(range(1, STEPS + 1))
    for step in one_losses:
        assert two_losses[step] == pytest.approx(one_losses[step], abs=LOSS_TOLERANCE), step
    assert two["final_loss"] == pytest.approx(one["final_loss"], abs=LOSS_TOLERANCE)
