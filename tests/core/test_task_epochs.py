"""--epochs K: every in-log metric over all epochs, checked against a hand computation."""

from __future__ import annotations

from collections import defaultdict

from inspect_ai import eval as inspect_eval
from inspect_ai.log import read_eval_log

from procskill import stats
from testkit.packs import CODE, write_synthetic_packs
from testkit.scripted import scripted_model, scripted_output

EPOCHS = 3
SKILLS, TASKS = 3, 4


def _behaviour(skill: int, task: int, condition: str, epoch: int) -> str:
    """pass / fail / none (no ANSWER line) / trunc (cut by the token limit): differs by epoch."""
    k = (skill * 7 + task * 3 + epoch * 5 + (2 if condition == "skill" else 0)) % 6
    return ["pass", "pass", "fail", "none", "trunc", "pass"][k] if condition == "skill" or k != 5 else "fail"


def test_every_metric_over_all_epochs(tmp_path):
    skills_dir = write_synthetic_packs(tmp_path / "packs", skills=SKILLS, tasks_per_skill=TASKS)
    calls: dict[tuple[int, int, str], int] = defaultdict(int)

    def responder(messages):
        user = messages[-1].text
        code = CODE.search(user).group(1)
        task, skill = int(user.split("Task ")[1].split(" ")[0]), int(user.split("of skill ")[1].split(" ")[0])
        condition = "skill" if "Follow this procedure" in user else "base"
        epoch = calls[(skill, task, condition)]  # the n-th call for this episode is epoch n+1
        calls[(skill, task, condition)] += 1
        kind = _behaviour(skill, task, condition, epoch)
        if kind == "trunc":
            return scripted_output("step one, step", stop_reason="max_tokens")
        return {"pass": f"ANSWER: {code}", "fail": "ANSWER: 1", "none": f"it is {code}"}[kind]

    [log] = inspect_eval(
        "procskill/procskill",
        model=scripted_model(responder),
        task_args={"skills_dir": str(skills_dir)},
        epochs=EPOCHS,
        max_connections=1,  # epochs in order, so the n-th call of an episode is its epoch n
        log_dir=str(tmp_path / "logs"),
        display="none",
    )
    assert log.status == "success", log.error
    log = read_eval_log(log.location)
    assert len(log.samples) == SKILLS * TASKS * 2 * EPOCHS

    # Hand computation from the script alone.
    per_task: dict[str, dict[str, float]] = defaultdict(dict)
    fmt: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    for s in range(SKILLS):
        for t in range(TASKS):
            for cond in ("base", "skill"):
                kinds = [_behaviour(s, t, cond, e) for e in range(EPOCHS)]
                per_task[f"skill-{s:02d}-h{t:03d}"][cond] = sum(k == "pass" for k in kinds) / EPOCHS
                fmt[cond] += [(k in ("pass", "fail"), k == "trunc", k == "none") for k in kinds]
    # The script must make epochs differ, or this test could not see an epoch-1-only metric.
    assert any(
        len({_behaviour(s, t, c, e) for e in range(EPOCHS)}) > 1
        for s in range(SKILLS)
        for t in range(TASKS)
        for c in ("base", "skill")
    )
    tasks = sorted(per_task)
    base = [per_task[t]["base"] for t in tasks]
    skill = [per_task[t]["skill"] for t in tasks]
    expected = stats.paired_delta(base, skill, [t.rsplit("-", 1)[0] for t in tasks])

    values = {
        k: m.value for k, m in next(s for s in log.results.scores if s.name == "extract").metrics.items()
    }
    assert values["pass_base"] == sum(base) / len(base)
    assert values["pass_skill"] == sum(skill) / len(skill)
    assert abs(values["delta"] - (sum(skill) - sum(base)) / len(tasks)) < 1e-12
    assert (values["delta_low"], values["delta_high"]) == (expected.low, expected.high)
    assert values["pairs"] == len(tasks) and values["pairs_dropped"] == 0

    formats = {
        k: m.value
        for k, m in next(s for s in log.results.scores if s.name == "answer_format").metrics.items()
    }
    for cond in ("base", "skill"):
        rows = fmt[cond]
        assert abs(formats[f"compliance_{cond}"] - sum(r[0] for r in rows) / len(rows)) < 1e-12
        assert abs(formats[f"truncated_{cond}"] - sum(r[1] for r in rows) / len(rows)) < 1e-12
        assert abs(formats[f"no_answer_line_{cond}"] - sum(r[2] for r in rows) / len(rows)) < 1e-12
