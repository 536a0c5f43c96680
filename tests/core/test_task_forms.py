"""The task needs no model: every Python form runs and records the model and settings actually used.

(The CLI forms — `inspect eval procskill`, `inspect eval-set` — are in test_task_hf.py, on the tiny model.)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from inspect_ai import eval as inspect_eval
from inspect_ai import eval_set, task_with
from inspect_ai.log import read_eval_log
from inspect_ai.model import GenerateConfig

from procskill.tasks import procskill
from testkit.packs import CODE, write_synthetic_packs
from testkit.scripted import scripted_model


def _right(messages):
    return f"ANSWER: {CODE.search(messages[-1].text).group(1)}"


def _run_facts(log) -> list[dict]:
    log = read_eval_log(log.location)
    return [s.metadata["procskill_run"] for s in log.samples]


def test_private_active_config_accessor_still_exists():
    """record_run (in the episode_setup solver) reads the task/eval generate config through Inspect internals: fail loudly if they move."""
    from inspect_ai.model._generate_config import active_generate_config

    assert isinstance(active_generate_config(), GenerateConfig)


def test_every_python_form_records_the_model_used(tmp_path):
    packs = str(write_synthetic_packs(tmp_path / "packs", skills=1, tasks_per_skill=2))
    task = procskill(skills_dir=packs)  # built before any model exists

    [log] = inspect_eval(
        task,
        model=scripted_model(_right, name="a"),
        max_tokens=512,
        log_dir=str(tmp_path / "l1"),
        display="none",
    )
    assert log.status == "success", log.error
    facts = _run_facts(log)
    assert {f["model"]["name"] for f in facts} == {"mockllm/a"}
    assert {f["generation"]["max_tokens"] for f in facts} == {512}

    # the same Task object, another model and the task's default limit
    [log] = inspect_eval(
        task, model=scripted_model(_right, name="b"), log_dir=str(tmp_path / "l2"), display="none"
    )
    facts = _run_facts(log)
    assert {(f["model"]["name"], f["generation"]["max_tokens"]) for f in facts} == {("mockllm/b", 2048)}

    adjusted = task_with(procskill(skills_dir=packs), config=GenerateConfig(max_tokens=300, temperature=0.5))
    [log] = inspect_eval(
        adjusted, model=scripted_model(_right, name="c"), log_dir=str(tmp_path / "l3"), display="none"
    )
    facts = _run_facts(log)
    assert {(f["generation"]["max_tokens"], f["generation"]["temperature"]) for f in facts} == {(300, 0.5)}

    success, logs = eval_set(
        [procskill(skills_dir=packs)],
        log_dir=str(tmp_path / "set"),
        model=scripted_model(_right, name="d"),
        max_tokens=64,
        display="none",
    )
    assert success
    facts = _run_facts(logs[0])
    assert {(f["model"]["name"], f["generation"]["max_tokens"]) for f in facts} == {("mockllm/d", 64)}
    assert logs[0].results.scores[0].metrics["delta"].value == 0.0


def test_list_tasks_finds_the_task():
    """`inspect list tasks` skips `_` modules: the task lives in a listable module of the package.

    (Inspect lists files under the working directory, relative globs only: from the installed package's
    folder, `inspect list tasks tasks`.)"""
    import procskill.tasks

    folder = Path(procskill.tasks.__file__).parent
    out = subprocess.run(
        [Path(sys.executable).with_name("inspect"), "list", "tasks", "tasks"],
        cwd=folder.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "procskill_task.py@procskill" in out.stdout


def test_configuration_tags_name_model_base_and_recipe(tmp_path):
    import json

    from procskill.tasks import configuration_tags

    ckpt = tmp_path / "ckpt"
    ckpt.mkdir()
    (ckpt / "procskill_checkpoint.json").write_text(
        json.dumps({"base_model": "Qwen/Qwen3.5-0.8B", "recipe": "lora"})
    )
    assert configuration_tags("hf/local", {"model_path": str(ckpt)}, "both") == [
        f"model:{ckpt}",
        "base_model:Qwen/Qwen3.5-0.8B",
        "recipe:lora",
        "conditions:both",
    ]
    assert configuration_tags("openai/gpt-5.4") == ["model:openai/gpt-5.4", "conditions:both"]
    # an adapter served unmerged by vLLM carries the same metadata in its folder
    assert configuration_tags(f"vllm/Qwen/Qwen3.5-0.8B:{ckpt}") == [
        f"model:vllm/Qwen/Qwen3.5-0.8B:{ckpt}",
        "base_model:Qwen/Qwen3.5-0.8B",
        "recipe:lora",
        "conditions:both",
    ]


def test_setup_keeps_block_and_run_facts_when_the_solver_is_replaced(tmp_path):
    """The block and the run facts are the task's setup (one solver): a replaced solver keeps both."""
    from inspect_ai.solver import generate

    packs = str(write_synthetic_packs(tmp_path / "packs", skills=1, tasks_per_skill=2))
    task = task_with(procskill(skills_dir=packs), solver=[generate()])
    [log] = inspect_eval(
        task, model=scripted_model(_right, name="e"), log_dir=str(tmp_path / "l"), display="none"
    )
    assert log.status == "success", log.error
    for sample in read_eval_log(log.location).samples:
        user = next(m for m in sample.messages if m.role == "user").text
        assert ("Follow this procedure" in user) == (sample.metadata["condition"] == "skill")
        assert sample.metadata["procskill_run"]["model"]["name"] == "mockllm/e"
        solvers = [e.name for e in sample.events if e.event == "span_begin" and e.type == "solver"]
        assert solvers == ["procskill/episode_setup", "generate"]
