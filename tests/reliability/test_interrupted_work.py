"""Interrupted work: a training run or a corpus build stopped with SIGTERM resumes where it stopped,
and a report or corpus being rewritten is never left half-written.

The runs to interrupt are child processes (``sys.executable`` running a small driver script), slowed
down where the parent needs time to stop them at a known point. A stop in the middle of writing a
checkpoint is reproduced on a copy of a stopped run, from the order in which transformers writes one.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from inspect_ai import eval as inspect_eval
from reliability_helpers import correct_answer

from procskill.scorers import extract_answer
from testkit.fake_openai import FakeOpenAIServer
from testkit.packs import CODE, write_synthetic_packs
from testkit.scripted import scripted_model

# Six optimizer steps, a checkpoint every two: the child is stopped after checkpoint-4.
RECIPE = {
    "max_steps": 6,
    "per_device_train_batch_size": 2,
    "gradient_accumulation_steps": 1,
    "logging_steps": 1,
    "save_steps": 2,
    "save_total_limit": 2,
    "activation_checkpointing": False,  # a tiny model needs no memory saving; it only costs time
}

TRAIN_DRIVER = """
import json, sys, time

import transformers

args = json.loads(sys.argv[1])

# Slow steps leave the parent time to stop the run between two checkpoints.
step = transformers.Trainer.training_step
def slow_step(self, *a, **k):
    time.sleep(args["step_seconds"])
    return step(self, *a, **k)
transformers.Trainer.training_step = slow_step

from procskill.training import load_recipe, train

train(args["base"], args["corpus"], load_recipe("lora_r16_lr2e-4").with_sft(**args["recipe"]), out=args["out"])
"""

CORPUS_DRIVER = """
import json, sys
from procskill.training import build_corpus
build_corpus(**json.loads(sys.argv[1]))
"""


def _start(driver: str, tmp_path: Path, args: dict, **env: str) -> subprocess.Popen:
    script = tmp_path / "driver.py"
    script.write_text(driver)
    return subprocess.Popen(
        [sys.executable, str(script), json.dumps(args)],
        # One thread: two processes of two threads each on two busy cores run ten times slower.
        env={**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1", **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _stop_when(child: subprocess.Popen, ready, timeout: float = 240) -> None:
    """SIGTERM the child once ``ready()``; fail if it ends or the time runs out first."""
    deadline = time.monotonic() + timeout
    while not ready():
        if child.poll() is not None:
            pytest.fail(
                f"the child ended (rc {child.returncode}) before it could be stopped:\n"
                f"{child.stderr.read().decode()[-3000:]}"
            )
        if time.monotonic() > deadline:
            child.kill()
            pytest.fail("the child never reached the point to stop it at")
        time.sleep(0.05)
    child.send_signal(signal.SIGTERM)
    assert child.wait(60) == -signal.SIGTERM


@pytest.fixture(scope="module")
def stopped_run(tmp_path_factory, tiny_model_dir):
    """A training run (a child process) stopped by SIGTERM after its step-4 checkpoint."""
    from procskill.training import build_corpus

    root = tmp_path_factory.mktemp("sft")
    packs = write_synthetic_packs(root / "packs", skills=2, tasks_per_skill=2, train_per_skill=3)
    corpus = build_corpus("procedural", skills_dir=packs, out=root / "corpus").path
    out = root / "run"
    args = {
        "step_seconds": 0.3,
        "base": str(tiny_model_dir),
        "corpus": str(corpus),
        "out": str(out),
        "recipe": RECIPE,
    }
    child = _start(TRAIN_DRIVER, root, args)
    _stop_when(child, lambda: (out / "checkpoints" / "checkpoint-4" / "trainer_state.json").is_file())
    return tiny_model_dir, corpus, out


def _resume(stopped_run, tmp_path: Path):
    import torch

    from procskill.training import load_recipe, train

    base, corpus, out = stopped_run
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return train(
            base, corpus, load_recipe("lora_r16_lr2e-4").with_sft(**RECIPE), out=tmp_path / "run", resume=True
        )
    finally:
        torch.set_num_threads(threads)


def _logged_steps(out: Path) -> list[int]:
    final = out / "checkpoints" / f"checkpoint-{RECIPE['max_steps']}" / "trainer_state.json"
    return [entry["step"] for entry in json.loads(final.read_text())["log_history"] if "loss" in entry]


@pytest.mark.slow
def test_training_stopped_by_sigterm_resumes_from_its_last_checkpoint(stopped_run, tmp_path, load_calls):
    out = shutil.copytree(stopped_run[2], tmp_path / "run")
    assert not (out / "merged").exists() and not (out / "procskill_checkpoint.json").exists()

    resumed = _resume(stopped_run, tmp_path)

    assert resumed.metadata["steps"] == RECIPE["max_steps"]
    assert Path(resumed.metadata["resumed_from"]).name == "checkpoint-4"
    assert _logged_steps(out) == list(range(1, RECIPE["max_steps"] + 1))  # no step lost or repeated
    assert (resumed.model_dir / "model.safetensors").is_file()
    # Training and merging load no remote code and read weights from safetensors only ...
    assert {kwargs.get("trust_remote_code") for name, kwargs in load_calls if name != "AutoConfig"} == {False}
    assert {
        kwargs.get("use_safetensors") for name, kwargs in load_calls if name == "AutoModelForCausalLM"
    } == {True}
    # ... and what users load from the run holds no pickled weights or training arguments.
    published = [
        p for folder in (resumed.model_dir, resumed.adapter_dir) for p in folder.rglob("*") if p.is_file()
    ]
    assert [p.name for p in published if p.suffix in (".bin", ".pt", ".pth", ".pkl", ".pickle")] == []


@pytest.mark.slow
def test_training_stopped_while_writing_a_checkpoint_resumes_from_the_previous_one(stopped_run, tmp_path):
    out = shutil.copytree(stopped_run[2], tmp_path / "run")
    # What a stop inside the checkpoint save leaves (transformers writes trainer_state.json last,
    # after the weights, optimizer and RNG state): a checkpoint-4 without it, and a torn optimizer file.
    (out / "checkpoints" / "checkpoint-4" / "trainer_state.json").unlink()
    optimizer = out / "checkpoints" / "checkpoint-4" / "optimizer.pt"
    optimizer.write_bytes(optimizer.read_bytes()[:100])

    resumed = _resume(stopped_run, tmp_path)

    assert Path(resumed.metadata["resumed_from"]).name == "checkpoint-2"
    assert resumed.metadata["steps"] == RECIPE["max_steps"]
    assert _logged_steps(out) == list(range(1, RECIPE["max_steps"] + 1))


def test_corpus_build_stopped_by_sigterm_resumes_without_lost_or_duplicate_rows(packs, tmp_path, fake_env):
    from procskill.training import build_corpus, read_corpus

    def slow_teacher(request):
        time.sleep(0.3)
        return correct_answer(request)

    episodes = 2 * 2  # two skills x two training tasks, skill condition only
    options = {
        "teacher": "openai-api/fake/teacher",
        "skills_dir": str(packs),
        "out": str(tmp_path / "corpus"),
        "display": "none",
        "log_buffer": 1,  # every finished episode reaches the log at once
        "max_connections": 1,
        "model_args": {"max_retries": 0},
    }
    with FakeOpenAIServer(slow_teacher) as server:
        fake_env(server)
        child = _start(
            CORPUS_DRIVER,
            tmp_path,
            options,
            FAKE_BASE_URL=server.base_url,
            FAKE_API_KEY=os.environ["FAKE_API_KEY"],
        )
        _stop_when(child, lambda: server.completed >= 2)
        first_calls = server.calls
        assert first_calls < episodes and not (tmp_path / "corpus" / "corpus.jsonl").exists()

        corpus = build_corpus(**options)
        resumed_calls = server.calls - first_calls

    rows, card, _ = read_corpus(corpus.path)
    assert sorted(r["task_id"] for r in rows) == sorted({r["task_id"] for r in rows})  # no duplicates
    assert len(rows) == card["rows"] == card["episodes"] == episodes  # none lost: every episode passed
    assert resumed_calls <= episodes - 1  # at least one finished episode was reused, not regenerated
    assert all(
        extract_answer(r["messages"][-1]["content"]) == CODE.search(r["prompt"]).group(1) for r in rows
    )


# -- atomic writes -------------------------------------------------------------------------------------


def _interrupt_the_nth_replace(monkeypatch, n: int) -> None:
    """Make the n-th os.replace (the step that publishes a finished file) raise KeyboardInterrupt."""
    real_replace, calls = os.replace, []

    def replace(src, dst, *args, **kwargs):
        calls.append(dst)
        if len(calls) == n:
            raise KeyboardInterrupt
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_an_interrupted_report_leaves_each_file_whole(packs, tmp_path, monkeypatch):
    from procskill.analysis import build_report

    def student(messages):
        code = CODE.search(messages[-1].text).group(1)
        return f"ANSWER: {code}" if int(code) % 2 else "ANSWER: 0"

    inspect_eval(
        "procskill/procskill",
        model=scripted_model(student, name="student"),
        task_args={"skills_dir": str(packs)},
        log_dir=str(tmp_path / "logs"),
        display="none",
    )
    out = tmp_path / "report"
    build_report(tmp_path / "logs", out, resamples=50, figures=False)
    # Mark the old files so a half-written new one cannot pass for either version.
    for path in out.iterdir():
        path.write_bytes(path.read_bytes() + b"\n<!-- previous run -->\n")
    before = _snapshot(out)
    after_full_run = _snapshot(
        build_report(tmp_path / "logs", tmp_path / "fresh", resamples=50, figures=False).out_dir
    )

    for n in range(1, len(before) + 1):
        with monkeypatch.context() as patch:
            _interrupt_the_nth_replace(patch, n)
            with pytest.raises(KeyboardInterrupt):
                build_report(tmp_path / "logs", out, resamples=50, figures=False)
        now = _snapshot(out)
        assert set(now) == set(before), (
            f"stray files after an interrupt at write {n}: {set(now) - set(before)}"
        )
        for name, content in now.items():
            assert content in (before[name], after_full_run[name]), (
                f"{name} is half-written (interrupt at {n})"
            )
        for name, content in before.items():  # restore the previous run for the next round
            (out / name).write_bytes(content)


def test_an_interrupted_corpus_rebuild_keeps_the_previous_corpus(packs, tmp_path, monkeypatch):
    from procskill.training import build_corpus, read_corpus

    corpus = build_corpus("procedural", skills_dir=packs, out=tmp_path / "corpus")
    before = _snapshot(corpus.path.parent)
    with monkeypatch.context() as patch:
        _interrupt_the_nth_replace(patch, 1)
        with pytest.raises(KeyboardInterrupt):
            build_corpus("procedural", skills_dir=packs, skills="skill-00", out=tmp_path / "corpus")
    assert _snapshot(corpus.path.parent) == before
    assert len(read_corpus(corpus.path)[0]) == corpus.card["rows"]
