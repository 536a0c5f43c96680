"""Fixtures: logs made through the real task with scripted mockllm models (see report_helpers)."""

from __future__ import annotations

from pathlib import Path

import pytest
from report_helpers import (
    PAPER,
    SKILLS,
    TASKS,
    checkpoint_dir,
    judge_model,
    other_task,
    responder_for,
    run,
    scripted,
)

from testkit.packs import write_synthetic_packs


@pytest.fixture(scope="session")
def paper_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("paper")
    skills_dir = write_synthetic_packs(root / "packs", skills=SKILLS, tasks_per_skill=TASKS // SKILLS)
    models = []
    for name, (base, skill) in PAPER.items():
        path = checkpoint_dir(root / "ckpt", f"mockllm/{name.removesuffix('-sft')}") if name.endswith("-sft") else None
        models.append(scripted(name, responder_for(name, base, skill), path))
    run(models, root / "logs", skills_dir)
    return root / "logs"


JUDGE_SKILLS, JUDGE_TASKS = 4, 5


@pytest.fixture(scope="session")
def judged_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five small configurations scored by the extractor and two scripted LLM judges.

    ``tiny`` (base model), ``tiny+SFT (r_a)`` and ``tiny+SFT (r_b)`` (two recipes on it),
    ``tiny+SFT (r_c)`` evaluated with another token limit (unmatched), and ``frontier``
    (no size: a reference line). Plus one log of another task in the same folder.
    """
    root = tmp_path_factory.mktemp("judged")
    skills_dir = write_synthetic_packs(root / "packs", skills=JUDGE_SKILLS, tasks_per_skill=JUDGE_TASKS)
    n = JUDGE_SKILLS * JUDGE_TASKS
    ckpt = root / "ckpt"
    models = [
        scripted("tiny", responder_for("tiny", 8, 11, n)),
        scripted("tiny-sft-a", responder_for("tiny-sft-a", 12, 16, n), checkpoint_dir(ckpt, "mockllm/tiny", "r_a")),
        scripted("tiny-sft-b", responder_for("tiny-sft-b", 9, 15, n), checkpoint_dir(ckpt, "mockllm/tiny", "r_b")),
        scripted("frontier", responder_for("frontier", n - 4, n - 2, n)),
    ]
    other_limit = scripted("tiny-sft-c", responder_for("tiny-sft-c", 12, 16, n),
                           checkpoint_dir(ckpt, "mockllm/tiny", "r_c"))
    roles = {"grader": judge_model("judge-a"), "grader2": judge_model("judge-b", True, unparseable_code="101")}
    task_args = {"scoring": "extract,llm", "judges": "grader,grader2", "model_roles": roles}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("INSPECT_CACHE_DIR", str(root / "cache"))  # judge calls are cached: keep them here
        run(models, root / "logs", skills_dir, **task_args)
        run([other_limit], root / "logs", skills_dir, max_tokens=1024, **task_args)
        other_task(root / "logs")
    return root / "logs"
