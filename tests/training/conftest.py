"""Fixtures for the SFT tests: small synthetic skill packs with a training pool, a scripted teacher."""

from __future__ import annotations

import pytest

from testkit.packs import CODE, write_synthetic_packs

SKILLS = 2
HOLDOUT_PER_SKILL = 2
TRAIN_PER_SKILL = 4


@pytest.fixture
def packs(tmp_path):
    """2 skills x (2 holdout + 4 training) integer tasks whose answer is written in the prompt."""
    return write_synthetic_packs(
        tmp_path / "packs", skills=SKILLS, tasks_per_skill=HOLDOUT_PER_SKILL, train_per_skill=TRAIN_PER_SKILL
    )


def task_index(text: str) -> int:
    return int(text.split("Task ")[1].split(" ")[0])


class Teacher:
    """A scripted teacher: per training task index 0 right (with a think block), 1 wrong,
    2 right, 3 without an ANSWER line. It counts its calls."""

    KEPT_INDICES = (0, 2)

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, messages) -> str:
        self.calls += 1
        user = messages[-1].text
        code = CODE.search(user).group(1)
        index = task_index(user)
        if index == 0:
            return f"<think>secret plan for {code}</think>\nStep 1: read the code.\nANSWER: {code}"
        if index == 1:
            return "Step 1: guess.\nANSWER: 0"
        if index == 2:
            return f"Step 1: read the code {code}.\nStep 5: check.\nANSWER: {code}"
        return f"The code is {code}."
