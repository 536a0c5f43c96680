"""Synthetic skill packs for tests and benchmarks: trivially checkable tasks.

Each task asks for a number written in its prompt (``... the code is 417 ...``), so a
scripted model can read the gold answer from the messages it is sent and decide, per
task, whether to pass, fail, omit the ANSWER line or run out of tokens.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from procskill.prompts import ANSWER_INSTRUCTION

CODE = re.compile(r"the code is (\d+)")


def write_synthetic_packs(
    skills_dir: str | Path,
    skills: int = 4,
    tasks_per_skill: int = 5,
    free_skills: int = 0,
    train_per_skill: int = 0,
) -> Path:
    """Write ``skills`` packs of ``tasks_per_skill`` holdout tasks (and optional training tasks).

    Args:
        skills_dir: Destination folder.
        skills: Number of skills (``skill-00``, ``skill-01``, …).
        tasks_per_skill: Holdout tasks per skill.
        free_skills: How many of the skills (the last ones) are free-form.
        train_per_skill: Training-pool tasks per skill.

    Returns:
        ``skills_dir``.
    """
    root = Path(skills_dir)
    for s in range(skills):
        skill_id = f"skill-{s:02d}"
        free = s >= skills - free_skills
        pack = root / skill_id
        pack.mkdir(parents=True, exist_ok=True)
        steps = [f"Do part {i} of the synthetic procedure." for i in range(1, 5)]
        steps.append(f"Check the code. {ANSWER_INSTRUCTION}")
        front = (
            f'---\nname: {skill_id}\ndescription: "Repeat the code."\n'
            f'metadata:\n  title: "Synthetic {s}"\n  domain: "d{s % 3}"\n  steps: "5"\n---\n\n'
        )
        (pack / "SKILL.md").write_text(front + "\n".join(f"{i}. {t}" for i, t in enumerate(steps, 1)) + "\n")
        rows = []
        for split, count, prefix in (("holdout", tasks_per_skill, "h"), ("train", train_per_skill, "t")):
            for t in range(count):
                code = 100 * (s + 1) + t + (50 if split == "train" else 0)
                row = {
                    "id": f"{skill_id}-{prefix}{t:03d}",
                    "skill": skill_id,
                    "split": split,
                    "prompt": f"Task {t} of skill {s} ({split}): the code is {code}. Repeat the code.",
                    "answer_type": "free" if free else "integer",
                    "target": str(code),
                    "solution": "\n".join(f"Step {i}: ok." for i in range(1, 6)) + f"\nANSWER: {code}",
                }
                if free:
                    row["rubric"] = f"Pass if the response states the code {code}."
                rows.append(json.dumps(row))
        (pack / "tasks.jsonl").write_text("\n".join(rows) + "\n")
    return root
