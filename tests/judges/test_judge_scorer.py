"""The judge scorer: blind prompts, verdict parsing, scoring paths, names, metrics, roles."""

from __future__ import annotations

import hashlib
import math

import pytest
from inspect_ai import eval as inspect_eval
from judge_helpers import recording_judge, run_eval

from procskill.prompts import ANSWER_INSTRUCTION, SYSTEM_PROMPT
from procskill.scorers import judge, parse_verdict, score_label
from procskill.scorers._judge import JUDGE_TEMPLATE
from procskill.skills import load_packs
from testkit.scores import labelled
from testkit.scripted import scripted_model


@pytest.mark.parametrize(
    ("reply", "verdict"),
    [
        ("Correct.\nVERDICT: PASS", "PASS"),
        ("Wrong.\nVERDICT: FAIL", "FAIL"),
        ("**Verdict:** pass", "PASS"),
        ("Fine.\n  VERDICT: PASS.  \n\n", "PASS"),
        ("VERDICT: PASS\nOn reflection, no.\nVERDICT: FAIL", "FAIL"),  # the last line decides
        ("VERDICT: PASS\nVERDICT: MAYBE", None),  # an unusable last line never falls back
        ("VERDICT: PASS (probably)", None),
        ("verdict: Pass\n\nThat is all.", None),  # the verdict must be the last line
        ("## VERDICT: FAIL.", None),  # decorated: a heading
        ("- VERDICT: PASS", None),  # a list item
        ("`VERDICT: PASS`", None),  # code
        ("The verdict: PASS", None),  # inside prose is not a verdict line
        # A judge that quotes the response after its own verdict: the quote never decides.
        ("The response claims to pass.\nVERDICT: FAIL\n> VERDICT: PASS", None),
        ("VERDICT: FAIL\nThe response ends with:\n```\nVERDICT: PASS\n```", None),
        ("<think>VERDICT: PASS</think>I cannot tell.", None),  # reasoning never decides
        ("<think>VERDICT: FAIL</think>VERDICT: PASS", "PASS"),
        ("It looks right to me.", None),
        ("", None),
    ],
)
def test_parse_verdict(reply: str, verdict: str | None) -> None:
    assert parse_verdict(reply) == verdict


def test_judge_prompt_is_blind(packs, tmp_path) -> None:
    grader, seen = recording_judge("judge-a")
    log = run_eval(packs, tmp_path / "logs", "llm", roles={"grader": grader}, model_name="secret-model-x")

    # A judge prompt is a function of task, gold and visible response only: the base and skill
    # episodes of a task (same response) give one and the same prompt, so one per task at most.
    assert len(set(seen)) == 6
    task_texts = {t.id: t.prompt for p in load_packs(packs) for t in p.tasks}
    for sample in log.samples:
        meta = sample.metadata
        response = (
            "The code is {0}.\nANSWER: {0}"
            if int(sample.target) % 2 == 0
            else "I read the task. The code is {0}."
        )
        gold = (
            f"[BEGIN GOLD CONCLUSION]\n{sample.target}\n[END GOLD CONCLUSION]\n\n[BEGIN RUBRIC]\n{meta['rubric']}\n[END RUBRIC]"
            if meta["answer_type"] == "free"
            else f"[BEGIN GOLD ANSWER]\n{sample.target}\n[END GOLD ANSWER]"
        )
        visible = response.format(sample.target)
        tag = hashlib.sha256(visible.encode()).hexdigest()[:16]
        expected = JUDGE_TEMPLATE.format(
            task=task_texts[meta["task_id"]], gold=gold, response=visible, tag=tag, instructions="@@"
        ).split("@@")[0]
        assert any(text.startswith(expected) for text in seen), expected
    blob = "\n".join(seen)
    block_step = "Do part 1 of the synthetic procedure."
    skill_episode = next(s for s in log.samples if s.metadata["condition"] == "skill")
    assert block_step in skill_episode.messages[1].text  # the model saw the block, the judge did not
    for hidden in (
        block_step,
        "Follow this procedure",
        "secret-model-x",
        SYSTEM_PROMPT,
        ANSWER_INSTRUCTION,
        "<think>",
        "thinking about",
        "condition",
    ):
        assert hidden not in blob, hidden


def test_paths_select_the_judge(packs, tmp_path) -> None:
    grader, seen = recording_judge("judge-a")
    log = run_eval(packs, tmp_path / "logs", "extract,bench,llm", roles={"grader": grader})

    # Inspect keys each score by its scorer's registered name: the judges by their path.
    names = [s.name for s in log.results.scores]
    assert names == ["extract", "bench", "llm", "answer_format"]
    for sample in log.samples:
        scores = labelled(sample)
        code = int(sample.target)
        bench, llm = scores["bench@mockllm/judge-a"], scores["llm@mockllm/judge-a"]
        assert llm.value == 1.0 and llm.metadata["scored_by"] == "judge"
        if sample.metadata["answer_type"] == "free":
            assert math.isnan(scores["extract"].value)
            assert bench.value == 1.0 and bench.metadata["scored_by"] == "judge"
        else:
            # bench = the extractor, exactly: no ANSWER line on odd codes is a FAIL the judge would pass
            assert bench.value == scores["extract"].value == (0.0 if code % 2 else 1.0)
            assert (
                bench.metadata["scored_by"] == "extract"
                and bench.explanation == scores["extract"].explanation
            )
            assert {k: bench.metadata[k] for k in scores["extract"].metadata if k != "path"} == {
                k: v for k, v in scores["extract"].metadata.items() if k != "path"
            }
        for score in (bench, llm):
            assert score.metadata["path"] in ("bench", "llm")
            assert score.metadata["judge"] == "mockllm/judge-a" and score.metadata["role"] == "grader"
            assert score.metadata["compliant"] == (code % 2 == 0)

    by_name = {s.name: s.metrics for s in log.results.scores}
    # Per path: pass per condition, Δ and compliance (4 deterministic + 2 free tasks, 3 compliant).
    assert by_name["extract"]["pass_base"].value == pytest.approx(0.5)
    assert by_name["bench"]["pass_base"].value == pytest.approx(4 / 6)
    assert by_name["llm"]["pass_base"].value == 1.0
    assert by_name["llm"]["delta"].value == 0.0
    assert by_name["answer_format"]["compliance_skill"].value == pytest.approx(0.5)
    assert by_name["bench"]["pairs"].value == 6

    # Only free-form tasks reached the judge through bench; llm judged every task.
    assert len(set(seen)) == 6


def test_bench_alone_judges_only_free_form(packs, tmp_path) -> None:
    grader, seen = recording_judge("judge-a")
    run_eval(packs, tmp_path / "logs", "bench", roles={"grader": grader})
    assert seen and all("[BEGIN GOLD CONCLUSION]" in text for text in seen)
    assert len(set(seen)) == 2


def test_unparseable_verdict_is_unscored_not_fail(packs, tmp_path) -> None:
    grader, _ = recording_judge("judge-a", reply=lambda text: "It seems fine.\nVERDICT: UNSURE")
    log = run_eval(packs, tmp_path / "logs", "llm", roles={"grader": grader})
    for sample in log.samples:
        score = labelled(sample)["llm@mockllm/judge-a"]
        assert math.isnan(score.value) and score.reason == "grader_failed"
        assert "VERDICT: UNSURE" in score.explanation and score.metadata["verdict"] is None
    metrics = log.results.scores[0].metrics
    assert "pass_base" not in metrics and metrics["pairs_dropped"].value == 0 and metrics["pairs"].value == 0


def test_empty_response_fails_without_a_judge_call(packs, tmp_path) -> None:
    grader, seen = recording_judge("judge-a")
    log = run_eval(packs, tmp_path / "logs", "llm", roles={"grader": grader}, solver=lambda m: "<think>hmm")
    assert seen == []
    score = labelled(log.samples[0])["llm@mockllm/judge-a"]
    assert score.value == 0.0 and score.metadata["scored_by"] == "empty_response"


def test_no_grader_bound_says_how_to_bind_one(packs, tmp_path) -> None:
    with pytest.raises(ValueError, match=r"--model-role grader=provider/model"):
        inspect_eval(
            "procskill/procskill",
            model=scripted_model("ANSWER: 1"),
            task_args={"skills_dir": str(packs), "scoring": "extract,llm"},
            log_dir=str(tmp_path / "logs"),
            display="none",
        )
    with pytest.raises(ValueError, match="no model is bound to the role 'grader'"):
        judge("llm")


def test_several_judges_by_list_and_by_roles(packs, tmp_path) -> None:
    a, seen_a = recording_judge("judge-a")
    b, seen_b = recording_judge("judge-b", reply=lambda text: "Nope.\nVERDICT: FAIL")
    c, _ = recording_judge("judge-c")
    log = run_eval(
        packs,
        tmp_path / "logs",
        "llm",
        roles={"grader": [a, b], "second": c},
        judges="grader,second",
        skills="skill-00",
    )
    # Inspect numbers further judges on a path; each score's metadata says which judge it is.
    assert [s.name for s in log.results.scores] == ["llm", "llm1", "llm2", "answer_format"]
    sample = log.samples[0]
    assert [score_label(n, sample.scores[n].metadata) for n in ("llm", "llm1", "llm2")] == [
        "llm@mockllm/judge-a",
        "llm@mockllm/judge-b",
        "llm@mockllm/judge-c",
    ]
    assert [sample.scores[n].value for n in ("llm", "llm1", "llm2")] == [1.0, 0.0, 1.0]
    assert sample.scores["llm2"].metadata["role"] == "second"
    assert seen_a and seen_b
    assert [s.options for s in log.eval.scorers[:3]] == [
        {"path": "llm", "judge": f"mockllm/judge-{x}", "model_role": r}
        for x, r in zip("abc", ["grader", "grader", "second"])
    ]


def test_judge_with_an_explicit_model(packs, tmp_path) -> None:
    from inspect_ai import Task
    from inspect_ai.solver import generate

    from procskill.skills import load_packs
    from procskill.tasks import record_to_sample

    [pack] = load_packs(packs, ["skill-02"])  # free-form
    grader, seen = recording_judge("judge-x")
    task = Task(
        dataset=[record_to_sample(r, pack, "base") for r in pack.split("holdout")],
        solver=generate(),
        scorer=[judge("bench", judge=grader, model_role="panel")],
    )
    [log] = inspect_eval(
        task, model=scripted_model("The code is 300."), log_dir=str(tmp_path), display="none"
    )
    assert log.results.scores[0].name == "bench"
    assert [labelled(s)["bench@mockllm/judge-x"].value for s in log.samples] == [1.0, 0.0]
    assert len(seen) == 2 and log.samples[0].scores["bench"].metadata["role"] == "panel"
