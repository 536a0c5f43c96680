"""The real task with a scripted mockllm model: exact Δ and compliance numbers."""

from __future__ import annotations

from inspect_ai import eval as inspect_eval
from inspect_ai.log import read_eval_log

from testkit.packs import CODE, write_synthetic_packs
from testkit.scripted import scripted_model, scripted_output


def _task_index(prompt: str) -> int:
    return int(prompt.split("Task ")[1].split(" ")[0])


def responder(messages):
    """Skill condition: always right. Base: task 0-1 right, 2 wrong, 3 no ANSWER line, 4 truncated."""
    user = messages[-1].text
    code = CODE.search(user).group(1)
    if "Follow this procedure" in user:
        return f"Step 1: read it.\nANSWER: {code}"
    index = _task_index(user)
    if index <= 1:
        return f"**ANSWER:** {code}\nDone."
    if index == 2:
        return "ANSWER: 0"
    if index == 3:
        return f"The code is {code}."
    return scripted_output("I am still working on step", stop_reason="max_tokens")


def metric_values(log, score_name="extract"):
    score = next(s for s in log.results.scores if s.name == score_name)
    return {name: m.value for name, m in score.metrics.items()}


def test_delta_and_compliance_exact(tmp_path):
    skills_dir = write_synthetic_packs(tmp_path / "packs", skills=4, tasks_per_skill=5, free_skills=1)
    [log] = inspect_eval(
        "procskill/procskill",
        model=scripted_model(responder),
        task_args={"skills_dir": str(skills_dir)},
        log_dir=str(tmp_path / "logs"),
        display="none",
    )
    assert log.status == "success"
    log = read_eval_log(log.location)
    assert len(log.samples) == 40  # 4 skills x 5 tasks x 2 conditions
    assert {s.id for s in log.samples} == {
        f"skill-{s:02d}-h{t:03d}:{c}" for s in range(4) for t in range(5) for c in ("base", "skill")
    }
    values = metric_values(log)
    # 3 deterministic skills x 5 tasks = 15 pairs; the free-form skill is unscored on this path
    assert values["pairs"] == 15
    assert values["pairs_dropped"] == 0
    assert values["pass_skill"] == 1.0
    assert values["pass_base"] == 6 / 15
    assert abs(values["delta"] - 9 / 15) < 1e-12
    assert values["delta_low"] <= values["delta"] <= values["delta_high"]
    assert not any(":" in k for k in values)  # per-skill keys are opt-in (-T per_skill=true)
    # answer_format covers every episode (free-form ones too): 20 per condition
    fmt = metric_values(log, "answer_format")
    assert fmt["compliance_skill"] == 1.0
    assert fmt["compliance_base"] == 12 / 20
    assert fmt["truncated_base"] == 4 / 20
    assert fmt["no_answer_line_base"] == 4 / 20
    assert log.eval.headline_metric.metric == "delta"
    assert "conditions:both" in log.eval.tags and "scoring:extract" in log.eval.tags

    free = next(s for s in log.samples if s.id == "skill-03-h000:base").scores["extract"]
    assert free.value != free.value and free.reason == "free_form_task"  # NaN: unscored, not a failure
    truncated = next(s for s in log.samples if s.id == "skill-00-h004:base").scores["extract"]
    assert truncated.value == 0.0 and truncated.metadata["truncated"] and not truncated.metadata["compliant"]

    meta = log.eval.metadata
    assert meta["dataset"]["tasks"] == 20 and len(meta["dataset"]["content_hash"]) == 64
    run = log.samples[0].metadata["procskill_run"]
    assert run["generation"]["max_tokens"] == 2048 and run["model"]["name"] == "mockllm/model"
    assert run["checkpoint"] is None and run["model"]["parameters"] is None
    assert log.eval.task_version == "1.4.0"
    # Samples carry ids, not texts: the task text is in the input, the block in the solver.
    keys = ("answer_type", "condition", "domain", "procskill_run", "skill", "split", "task_id")
    assert {tuple(sorted(s.metadata)) for s in log.samples if not s.metadata.get("rubric")} == {
        keys,
        tuple(sorted((*keys, "block_tokens"))),
    }
    # Block length: characters in the task metadata; tokens per skill episode (none for a model without a local tokenizer).
    assert {s.metadata["block_tokens"] for s in log.samples if s.metadata["condition"] == "skill"} == {None}
    assert all("block_tokens" not in s.metadata for s in log.samples if s.metadata["condition"] == "base")
    assert meta["skill_blocks"]["skills"]["skill-00"]["characters"] > 0


def test_per_skill_metrics_are_opt_in(tmp_path):
    skills_dir = write_synthetic_packs(tmp_path / "packs", skills=2, tasks_per_skill=5)
    [log] = inspect_eval(
        "procskill/procskill",
        model=scripted_model(responder),
        task_args={"skills_dir": str(skills_dir), "per_skill": "true"},
        log_dir=str(tmp_path / "logs"),
        display="none",
    )
    values = metric_values(log)
    assert values["skill-00:base"] == 2 / 5 and values["skill-00:skill"] == 1.0
    assert metric_values(log, "answer_format")["compliance_base"] == 3 / 5


def test_condition_and_subset(tmp_path):
    skills_dir = write_synthetic_packs(tmp_path / "packs", skills=3, tasks_per_skill=2)
    [log] = inspect_eval(
        "procskill/procskill",
        model=scripted_model(responder),
        task_args={"skills_dir": str(skills_dir), "condition": "base", "skills": "skill-00,skill-02"},
        log_dir=str(tmp_path / "logs"),
        display="none",
    )
    assert {s.id for s in log.samples} == {
        "skill-00-h000:base",
        "skill-00-h001:base",
        "skill-02-h000:base",
        "skill-02-h001:base",
    }
    values = metric_values(log)
    assert values["pass_base"] == 1.0 and "delta" not in values and "pass_skill" not in values


def test_unpaired_side_is_dropped_and_counted():
    from inspect_ai.scorer import SampleScore, Score

    from procskill.scorers import procedural_delta

    def ss(task, cond, value):
        return SampleScore(
            score=Score(value=value),
            sample_id=f"{task}:{cond}",
            sample_metadata={"task_id": task, "skill": "s", "condition": cond},
        )

    # t3's skill side was unscored (Inspect drops NaN scores before metrics)
    scores = [
        ss("t1", "base", 0.0),
        ss("t1", "skill", 1.0),
        ss("t2", "base", 1.0),
        ss("t2", "skill", 1.0),
        ss("t3", "base", 0.0),
    ]
    values = procedural_delta()(scores)
    assert values["pairs"] == 2 and values["pairs_dropped"] == 1 and values["delta"] == 0.5
