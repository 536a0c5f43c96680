"""Corpus builder: the procedural teacher, a scripted mockllm teacher with failing episodes, judge filters."""

from __future__ import annotations

import json

import pytest
from conftest import SKILLS, TRAIN_PER_SKILL, Teacher, task_index
from datasets import load_dataset
from inspect_ai.log import read_eval_log

from procskill.prompts import prompt_messages
from procskill.skills import content_hash, load_packs
from procskill.training import CorpusError, build_corpus, read_corpus
from testkit.scripted import scripted_model


def _expected_prompt(pack, task):
    return [{"role": m.role, "content": m.text} for m in prompt_messages(task.prompt, pack.block)]


def test_procedural_corpus_rows_card_and_determinism(packs, tmp_path):
    corpus = build_corpus("procedural", skills_dir=packs, out=tmp_path / "corpus")
    rows = [json.loads(line) for line in corpus.path.read_text().splitlines()]
    loaded = load_packs(packs)
    expected = {t.id: (p, t) for p in loaded for t in p.split("train")}
    assert [r["task_id"] for r in rows] == list(expected)  # every training task, in catalog order
    for row in rows:
        pack, task = expected[row["task_id"]]
        assert row["messages"][:2] == _expected_prompt(pack, task)
        assert row["messages"][2] == {"role": "assistant", "content": task.solution}
        assert row["split"] == "train" and row["prompt"] == task.prompt and row["placement"] == "user"

    dataset = load_dataset("json", data_files=str(corpus.path), split="train")
    assert dataset.num_rows == SKILLS * TRAIN_PER_SKILL
    assert dataset[0]["messages"][0]["role"] == "system"

    card = json.loads(corpus.card_path.read_text())
    assert card == corpus.card
    assert card["teacher"] == "procedural" and card["judge"] is None and card["source_log"] is None
    assert card["rows"] == card["episodes"] == SKILLS * TRAIN_PER_SKILL and card["pass_rate"] == 1.0
    assert card["per_skill"]["skill-00"] == {
        "episodes": TRAIN_PER_SKILL,
        "rows": TRAIN_PER_SKILL,
        "pass_rate": 1.0,
    }
    assert card["dataset_content_hash"] == content_hash(loaded, "train")
    assert card["skills_dir"] == str(packs.resolve())

    again = build_corpus("procedural", skills_dir=packs, out=tmp_path / "corpus")
    assert again.path.read_bytes() == corpus.path.read_bytes()  # rewritten whole: no duplicates
    assert again.card["corpus_sha256"] == card["corpus_sha256"]


def test_procedural_teacher_drops_a_worked_solution_that_fails_its_target(packs, tmp_path):
    tasks_file = packs / "skill-01" / "tasks.jsonl"
    lines = tasks_file.read_text().splitlines()
    broken = [json.loads(line) for line in lines]
    victim = next(r for r in broken if r["split"] == "train")
    victim["solution"] = victim["solution"].rsplit("ANSWER:", 1)[0] + "ANSWER: -1"
    tasks_file.write_text("\n".join(json.dumps(r) for r in broken) + "\n")

    corpus = build_corpus("procedural", skills_dir=packs, skills="skill-01", out=tmp_path / "corpus")
    ids = [r["task_id"] for r in read_corpus(corpus.path)[0]]
    assert victim["id"] not in ids and len(ids) == TRAIN_PER_SKILL - 1
    assert corpus.card["dropped"] == {"failed": 1} and corpus.card["skills"] == ["skill-01"]


def test_scripted_teacher_keeps_only_passing_episodes(packs, tmp_path):
    teacher = Teacher()
    corpus = build_corpus(
        scripted_model(teacher, name="teacher"), skills_dir=packs, out=tmp_path / "corpus", display="none"
    )
    assert teacher.calls == SKILLS * TRAIN_PER_SKILL  # skill condition only, training pool only

    rows, card, _ = read_corpus(corpus.path)
    assert sorted(task_index(r["prompt"]) for r in rows) == sorted(list(Teacher.KEPT_INDICES) * SKILLS)
    assert card["rows"] == 2 * SKILLS and card["episodes"] == SKILLS * TRAIN_PER_SKILL
    assert card["pass_rate"] == 0.5 and card["dropped"] == {"failed": 2 * SKILLS}
    assert card["teacher"] == "mockllm/teacher" and card["filter"] == "extract"
    assert card["stripped"]["rows_with_think_text"] == SKILLS
    assert card["stripped"]["think_characters"] > 0

    log = read_eval_log(card["source_log"])  # the teacher run is an ordinary eval log
    assert log.status == "success" and log.eval.metadata["conditions"] == ["skill"]
    assert log.eval.metadata["dataset"]["split"] == "train"
    loaded = {t.id: (p, t) for p in load_packs(packs) for t in p.split("train")}
    for row in rows:
        pack, task = loaded[row["task_id"]]
        assert row["messages"][:2] == _expected_prompt(pack, task)  # exactly what the task sent
        reply = row["messages"][2]["content"]
        assert "<think>" not in reply and "secret plan" not in reply
        assert reply.startswith("Step 1") and reply.endswith(f"ANSWER: {task.target}")

    # A rerun resumes the finished eval set: no new teacher calls, the same rows.
    before = corpus.path.read_bytes()
    again = build_corpus(
        scripted_model(teacher, name="teacher"), skills_dir=packs, out=tmp_path / "corpus", display="none"
    )
    assert teacher.calls == SKILLS * TRAIN_PER_SKILL
    assert again.path.read_bytes() == before


def judge_responder(messages):
    """A scripted judge: PASS for training tasks 1 and 2, FAIL for 0, an unparseable verdict for 3."""
    index = task_index(messages[-1].text.split("[BEGIN TASK]")[1])
    return {
        0: "Wrong.\nVERDICT: FAIL",
        1: "Fine.\nVERDICT: PASS",
        2: "Fine.\nVERDICT: PASS",
        3: "VERDICT: maybe",
    }[index]


def test_judge_filters_read_the_named_judge_scores_of_the_teacher_run(packs, tmp_path):
    extract_only = build_corpus(
        scripted_model(Teacher(), name="teacher"),
        skills_dir=packs,
        skills="skill-00",
        out=tmp_path / "extract",
        display="none",
    )
    with pytest.raises(CorpusError, match="needs a judge score"):
        build_corpus(None, log=extract_only.card["source_log"], keep="judge", out=tmp_path / "nojudge")

    # With a judge bound, the teacher run carries `extract` and `llm@mockllm/judge`; the default
    # filter keeps episodes both pass.
    both = build_corpus(
        scripted_model(Teacher(), name="teacher"),
        judge=scripted_model(judge_responder, name="judge"),
        skills_dir=packs,
        skills="skill-00",
        out=tmp_path / "both",
        display="none",
    )
    assert both.card["filter"] == "both" and both.card["judge"] == "llm@mockllm/judge"
    assert [task_index(r["prompt"]) for r in read_corpus(both.path)[0]] == [2]
    assert both.card["dropped"] == {"failed": 2, "unscored": 1}  # 0 and 1 fail; 3's verdict is unparseable

    # The same log, judge only: task 1 (wrong ANSWER line, judged PASS) is kept, 3 stays unscored.
    judged = build_corpus(None, log=both.card["source_log"], keep="judge", out=tmp_path / "judge")
    assert sorted(task_index(r["prompt"]) for r in read_corpus(judged.path)[0]) == [1, 2]
    assert judged.card["source_log"] == both.card["source_log"]
    assert judged.card["dropped"] == {"failed": 1, "unscored": 1}
    assert judged.card["skills_dir"] == str(packs.resolve())


def test_bad_arguments_and_rows_are_refused_with_file_line_field(packs, tmp_path):
    with pytest.raises(CorpusError, match="split must be 'train'"):
        build_corpus("procedural", split="holdout", skills_dir=packs, out=tmp_path / "c")
    with pytest.raises(CorpusError, match="--keep must be one of"):
        build_corpus(scripted_model(Teacher()), skills_dir=packs, keep="vibes", out=tmp_path / "c")
    with pytest.raises(CorpusError, match="checked by the extractor only"):
        build_corpus("procedural", skills_dir=packs, judge="mockllm/judge", out=tmp_path / "c")
    with pytest.raises(CorpusError, match="needs a judge"):
        build_corpus(scripted_model(Teacher()), skills_dir=packs, keep="judge", out=tmp_path / "c")

    bad = tmp_path / "bad.jsonl"
    good = {
        "task_id": "t",
        "prompt": "p",
        "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
    }
    bad.write_text(
        json.dumps(good) + "\n" + json.dumps({**good, "messages": good["messages"][:1] * 2}) + "\n"
    )
    with pytest.raises(CorpusError, match=rf"{bad}:2: field 'messages' must end with a non-empty assistant"):
        read_corpus(bad)
    bad.write_text(json.dumps({**good, "task_id": ""}) + "\n")
    with pytest.raises(CorpusError, match=rf"{bad}:1: field 'task_id'"):
        read_corpus(bad)


def test_a_failed_teacher_run_resumes_without_regenerating_finished_episodes(packs, tmp_path):
    class FlakyTeacher(Teacher):
        down = True

        def __call__(self, messages):
            if self.down and task_index(messages[-1].text) == 3:
                self.calls += 1
                raise RuntimeError("provider down")
            return super().__call__(messages)

    teacher = FlakyTeacher()
    options = {"skills_dir": packs, "out": tmp_path / "corpus", "display": "none", "retry_attempts": 0}
    with pytest.raises(CorpusError, match="did not finish.*run the same build again to resume"):
        build_corpus(scripted_model(teacher, name="teacher"), **options)
    assert teacher.calls == SKILLS * TRAIN_PER_SKILL and not (tmp_path / "corpus" / "corpus.jsonl").exists()

    teacher.down = False
    corpus = build_corpus(scripted_model(teacher, name="teacher"), **options)
    assert teacher.calls == SKILLS * TRAIN_PER_SKILL + SKILLS  # only the two failed episodes ran again
    assert corpus.card["episodes"] == SKILLS * TRAIN_PER_SKILL and corpus.card["rows"] == 2 * SKILLS
    assert len({r["task_id"] for r in read_corpus(corpus.path)[0]}) == corpus.card["rows"]
