"""``--epochs K`` through the real task: the report's two-stage aggregation checked by hand.

A scripted model answers the c-th call of each (task, condition) correctly when c < the number of passes chosen for
that cell, so a task's pass count over its 3 epochs is known exactly, whichever epoch Inspect runs first. One skill is
free-form: the extractor leaves both of its sides unscored, and those tasks must count as dropped pairs.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from inspect_ai import eval as inspect_eval
from report_helpers import BLOCK_MARKER, scripted

from procskill.analysis import build_report
from testkit.packs import CODE, write_synthetic_packs

SKILLS, TASKS_PER_SKILL, EPOCHS = 5, 4, 3  # skill-04 is free-form
SCORED = (SKILLS - 1) * TASKS_PER_SKILL


def passes(k: int, condition: str) -> int:
    """Passes out of 3 epochs for task k (0-based) in a condition."""
    return k % 4 if condition == "base" else (k * k + k // 4 + 1) % 4


def task_no(text: str) -> int:
    code = int(CODE.search(text).group(1))
    return (code // 100 - 1) * TASKS_PER_SKILL + code % 100


@pytest.fixture(scope="module")
def epoch_report(tmp_path_factory):
    root = tmp_path_factory.mktemp("epochs")
    packs = write_synthetic_packs(
        root / "packs", skills=SKILLS, tasks_per_skill=TASKS_PER_SKILL, free_skills=1
    )
    calls: Counter = Counter()

    def respond(messages):
        text = messages[-1].text
        condition = "skill" if BLOCK_MARKER in text else "base"
        k = task_no(text)
        c = calls[(k, condition)]
        calls[(k, condition)] += 1
        code = CODE.search(text).group(1)
        return f"ANSWER: {code}" if c < passes(k, condition) else f"ANSWER: {int(code) + 1}"

    [log] = inspect_eval(
        "procskill/procskill",
        model=scripted("epochs", respond),
        epochs=EPOCHS,
        task_args={"skills_dir": str(packs)},
        log_dir=str(root / "logs"),
        display="none",
        log_realtime=False,
        max_samples=200,
        max_connections=200,
    )
    assert log.status == "success"
    return build_report(root / "logs", None)


def test_two_stage_aggregation_matches_a_hand_computation(epoch_report):
    import statsmodels.api as sm

    r = epoch_report.delta("epochs")
    base = np.array([passes(k, "base") / EPOCHS for k in range(SCORED)])
    skill = np.array([passes(k, "skill") / EPOCHS for k in range(SCORED)])
    skills = np.repeat(np.arange(SKILLS - 1), TASKS_PER_SKILL)
    assert epoch_report.configurations[0].epochs == EPOCHS
    assert r.n == SCORED and r.pairs_dropped == TASKS_PER_SKILL  # the free-form skill: both sides unscored
    assert r.pass_base.estimate == pytest.approx(base.mean())
    assert r.pass_skill.estimate == pytest.approx(skill.mean())
    assert r.delta.estimate == pytest.approx((skill - base).mean())
    assert (r.base_only, r.skill_only) == (int((base > skill).sum()), int((skill > base).sum()))
    # stage two: the paired test on per-task means, clustered by skill (reference: statsmodels)
    fit = sm.OLS(skill - base, np.ones(SCORED)).fit(
        cov_type="cluster", cov_kwds={"groups": skills}, use_t=True
    )
    assert [r.delta.low, r.delta.high] == pytest.approx(list(fit.conf_int(0.05)[0]))
    assert r.p == pytest.approx(fit.pvalues[0])
    assert r.mcnemar_p is None and len(r.epochs) == EPOCHS
