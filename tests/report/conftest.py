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
        path = (
            checkpoint_dir(root / "ckpt", f"mockllm/{name.removesuffix('-sft')}")
            if name.endswith("-sft")
            else None
        )
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
        scripted(
            "tiny-sft-a", responder_for("tiny-sft-a", 12, 16, n), checkpoint_dir(ckpt, "mockllm/tiny", "r_a")
        ),
        scripted(
            "tiny-sft-b", responder_for("tiny-sft-b", 9, 15, n), checkpoint_dir(ckpt, "mockllm/tiny", "r_b")
        ),
        scripted("frontier", responder_for("frontier", n - 4, n - 2, n)),
    ]
    other_limit = scripted(
        "tiny-sft-c", responder_for("tiny-sft-c", 12, 16, n), checkpoint_dir(ckpt, "mockllm/tiny", "r_c")
    )
    roles = {
        "grader": judge_model("judge-a"),
        "grader2": judge_model("judge-b", True, unparseable_code="101"),
    }
    task_args = {"scoring": "extract,llm", "judges": "grader,grader2", "model_roles": roles}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("INSPECT_CACHE_DIR", str(root / "cache"))  # judge calls are cached: keep them here
        run(models, root / "logs", skills_dir, **task_args)
        run([other_limit], root / "logs", skills_dir, max_tokens=1024, **task_args)
        other_task(root / "logs")
    return root / "logs"


SHAPE_SIZES = {"mockllm/s-small": "0.8B", "mockllm/s-mid": "2B", "mockllm/s-large": "4B"}


def _flat(name: str, stop_reason: str, text: str, model_path: Path | None = None):
    """Every episode the same output: no task differs between conditions (the demo's shape)."""
    from testkit.scripted import scripted_output

    return scripted(
        name,
        lambda messages: scripted_output(text, stop_reason=stop_reason, model=f"mockllm/{name}"),
        model_path,
    )


@pytest.fixture(scope="session")
def shape_logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[list[Path], dict[str, str]]]:
    """Report inputs of several shapes, as (log files, size overrides) by shape name.

    ``one_config``; ``pre_post`` (a base model and its checkpoint); ``sizes`` (three sized base
    models, their checkpoints and an unsized reference); ``one_skill`` (every task from one
    skill: no interval exists); ``all_refused`` (the only checkpoint ran another token limit);
    ``flat`` (every output the same: compliance 0 → 100 % after SFT, no variability, like the
    demo on its tiny model). 4 skills × 5 tasks (one skill × 5 for ``one_skill``).
    """
    from inspect_ai.log import read_eval_log

    root = tmp_path_factory.mktemp("shapes")
    n = JUDGE_SKILLS * JUDGE_TASKS
    ckpt = root / "ckpt"
    models = [
        scripted("solo", responder_for("solo", 8, 12, n)),
        scripted("tiny", responder_for("tiny", 8, 11, n)),
        scripted(
            "tiny-sft", responder_for("tiny-sft", 12, 16, n), checkpoint_dir(ckpt, "mockllm/tiny", "r_a")
        ),
        _flat("flat", "max_tokens", "Let me think about this step by step and"),
        _flat("flat-sft", "stop", "ANSWER: 0", checkpoint_dir(ckpt, "mockllm/flat", "r_flat")),
    ]
    for name, (base, skill), (post_base, post_skill) in (
        ("s-small", (6, 9), (10, 13)),
        ("s-mid", (9, 10), (12, 15)),
        ("s-large", (12, 11), (14, 14)),
    ):
        models.append(scripted(name, responder_for(name, base, skill, n)))
        models.append(
            scripted(
                f"{name}-sft",
                responder_for(f"{name}-sft", post_base, post_skill, n),
                checkpoint_dir(ckpt, f"mockllm/{name}", "r_a"),
            )
        )
    skills_dir = write_synthetic_packs(root / "packs", skills=JUDGE_SKILLS, tasks_per_skill=JUDGE_TASKS)
    run(models, root / "logs", skills_dir)
    run(
        [
            scripted(
                "tiny-sft-c",
                responder_for("tiny-sft-c", 12, 16, n),
                checkpoint_dir(ckpt, "mockllm/tiny", "r_c"),
            )
        ],
        root / "logs",
        skills_dir,
        max_tokens=1024,
    )
    one_dir = write_synthetic_packs(root / "one-pack", skills=1, tasks_per_skill=JUDGE_TASKS)
    run(
        [
            scripted("one", responder_for("one", 2, 4, JUDGE_TASKS)),
            scripted(
                "one-sft",
                responder_for("one-sft", 3, 5, JUDGE_TASKS),
                checkpoint_dir(ckpt, "mockllm/one", "r_a"),
            ),
        ],
        root / "one-logs",
        one_dir,
    )
    files = {
        read_eval_log(str(f), header_only=True).eval.model.removeprefix("mockllm/"): f
        for f in [*(root / "logs").glob("*.eval"), *(root / "one-logs").glob("*.eval")]
    }
    sized = ["s-small", "s-mid", "s-large", "s-small-sft", "s-mid-sft", "s-large-sft", "solo"]
    shapes = {
        "one_config": (["solo"], {}),
        "pre_post": (["tiny", "tiny-sft"], {}),
        "sizes": (sized, SHAPE_SIZES),
        "one_skill": (["one", "one-sft"], {}),
        "all_refused": (["tiny", "tiny-sft-c"], {}),
        "flat": (["flat", "flat-sft"], {}),
    }
    return {shape: ([files[m] for m in names], sizes) for shape, (names, sizes) in shapes.items()}
