"""Helpers making logs through the real task with scripted mockllm models, for the report tests.

``paper_logs``: seven configurations whose pass rates reproduce the paper's published
Δ before and after SFT at three sizes (plus a frontier reference), on 200 tasks
(40 synthetic skills × 5 tasks, both conditions: 400 episodes per log).

SFT checkpoints are marked the supported way: the scripted model gets a ``model_path``
model argument pointing at a folder with a ``procskill_checkpoint.json`` — exactly how a
real checkpoint is evaluated (``-M model_path=DIR``) — so the task itself copies the
checkpoint metadata into each sample's run facts (``procskill.solvers.logged_run_facts``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
from inspect_ai import eval as inspect_eval
from inspect_ai.model import GenerateConfig, Model, get_model

from procskill.checkpoint_meta import CHECKPOINT_METADATA
from testkit.packs import CODE
from testkit.scripted import scripted_output

TASKS = 200
SKILLS = 40
BLOCK_MARKER = "Follow this procedure"

# (model, pass count in base, pass count in skill) out of 200 tasks.
# Δ = (skill - base) / 200: pre −0.075 / +0.060 / −0.010, post −0.005 / +0.100 / +0.065, Haiku +0.030.
PAPER = {
    "qwen3.5-0.8b": (80, 65),
    "qwen3.5-2b": (100, 112),
    "qwen3.5-4b": (130, 128),
    "qwen3.5-0.8b-sft": (110, 109),
    "qwen3.5-2b-sft": (120, 140),
    "qwen3.5-4b-sft": (140, 153),
    "claude-haiku-4-5": (160, 166),
}
SIZES = {"mockllm/qwen3.5-0.8b": "0.8B", "mockllm/qwen3.5-2b": "2B", "mockllm/qwen3.5-4b": "4B"}
RECIPE = "lora_r16_lr2e-4"


def task_index(user_text: str) -> int:
    """0..199 from the synthetic task's code (100·(skill+1) + task)."""
    code = int(CODE.search(user_text).group(1))
    return (code // 100 - 1) * 5 + code % 100


def passing_sets(name: str, base: int, skill: int, tasks: int = TASKS) -> dict[str, set[int]]:
    rng = np.random.default_rng(sum(map(ord, name)))  # deterministic across runs (hash() is salted)
    return {
        "base": set(rng.permutation(tasks)[:base].tolist()),
        "skill": set(rng.permutation(tasks)[:skill].tolist()),
    }


def responder_for(name: str, base: int, skill: int, tasks: int = TASKS):
    """Pass exactly the chosen tasks; fail the others in four ways (wrong ANSWER line, an
    answer without ANSWER line, truncation, a wrong answer) so compliance has content."""
    sets = passing_sets(name, base, skill, tasks)

    def respond(messages):
        user = messages[-1].text
        code = CODE.search(user).group(1)
        condition = "skill" if BLOCK_MARKER in user else "base"
        k = task_index(user)
        steps = (
            "Step 1: read the task.\nStep 2: find the code.\nStep 3: check it.\n"
            if condition == "skill"
            else ""
        )
        if k in sets[condition]:
            return f"{steps}ANSWER: {code}"
        mode = k % 4
        if mode == 0:
            return f"{steps}ANSWER: {int(code) + 1}"
        if mode == 1:
            return f"{steps}Final answer: {code}"
        if mode == 2:
            return scripted_output(f"{steps}I am still working on", stop_reason="max_tokens")
        return f"{steps}The code might be 7.\nANSWER: 7"

    return respond


def checkpoint_dir(root: Path, base_model: str, recipe: str = RECIPE, seed: int = 0) -> Path:
    folder = root / f"{base_model.replace('/', '_')}-{recipe}-{seed}"
    folder.mkdir(parents=True, exist_ok=True)
    meta = {
        "base_model": base_model,
        "base_model_resolved": base_model,
        "recipe": recipe,
        "seed": seed,
        "steps": 100,
        "corpus_sha256": "0" * 64,
        "parameters": None,
        "enable_thinking": False,
    }
    (folder / CHECKPOINT_METADATA).write_text(json.dumps(meta))
    return folder


def scripted(name: str, respond, model_path: Path | None = None, **config) -> Model:
    """A scripted mockllm model; ``model_path`` marks it as a local SFT checkpoint."""
    args = {"model_path": str(model_path)} if model_path else {}

    def outputs(messages, *_):
        result = respond(messages)
        return result if not isinstance(result, str) else scripted_output(result, model=f"mockllm/{name}")

    return get_model(
        f"mockllm/{name}", custom_outputs=outputs, config=GenerateConfig(**config), memoize=False, **args
    )


def run(
    models: list[Model],
    log_dir: Path,
    skills_dir: Path,
    model_roles=None,
    max_tokens: int | None = None,
    **task_args,
) -> list:
    """Evaluate every model on the real task in one Inspect call (``task_args`` go to the task;
    ``max_tokens`` is the eval's token limit, as ``--max-tokens`` sets it)."""
    logs = inspect_eval(
        "procskill/procskill",
        model=models,
        model_roles=model_roles,
        task_args={"skills_dir": str(skills_dir), **task_args},
        log_dir=str(log_dir),
        display="none",
        log_realtime=False,
        max_samples=400,
        max_connections=400,
        max_tasks=len(models),
        max_tokens=max_tokens,
    )
    assert all(log.status == "success" for log in logs), [log.error for log in logs]
    return logs


GOLD = re.compile(r"\[BEGIN GOLD ANSWER\]\n(.*?)\n\[END GOLD ANSWER\]", re.DOTALL)
RESPONSE = re.compile(r"\n\[BEGIN RESPONSE (\w+)\]\n(.*?)\n\[END RESPONSE \1\]", re.DOTALL)


def judge_model(name: str, strict_final_answer: bool = False, unparseable_code: str | None = None) -> Model:
    """A scripted judge: PASS when the gold answer appears as a word in the response.

    Args:
        name: Model name after ``mockllm/``.
        strict_final_answer: FAIL responses that give the answer as "Final answer: X"
            (a second judge that disagrees with the first on those).
        unparseable_code: Reply without a verdict when the gold is this code (unscored).
    """

    def respond(messages):
        prompt = messages[-1].text
        gold = GOLD.search(prompt).group(1).strip()
        response = RESPONSE.search(prompt).group(2)
        if unparseable_code is not None and gold == unparseable_code:
            return "I cannot decide."
        found = re.search(rf"\b{re.escape(gold)}\b", response) is not None
        if strict_final_answer and "Final answer" in response:
            found = False
        return f"Compared the final answer with the gold.\nVERDICT: {'PASS' if found else 'FAIL'}"

    return scripted(name, respond)


def other_task(log_dir: Path) -> None:
    """A log of some other task in the same folder (the report must skip it)."""
    from inspect_ai import Task
    from inspect_ai.dataset import Sample
    from inspect_ai.solver import generate

    inspect_eval(
        Task(dataset=[Sample(input="hi", target="x")], solver=generate(), name="other"),
        model=scripted("other", lambda m: "hello"),
        log_dir=str(log_dir),
        display="none",
    )
