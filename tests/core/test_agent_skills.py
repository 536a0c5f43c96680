"""Agent Skills interop (issue #14): spec-valid packs, real-world SKILL.md bodies, `catalog check`, old ids."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai.log import read_eval_log, write_eval_log
from skills_ref import validate
from typer.testing import CliRunner

from procskill.cli import app
from procskill.prompts import SKILL_BLOCK_HEADER
from procskill.skills import BUILTIN_DIR, SkillPackError, check_pack, load_packs
from testkit.scripted import scripted_model

EXAMPLES = Path(__file__).parents[2] / "examples" / "agent-skills"


def test_every_builtin_pack_passes_the_reference_validator():
    folders = [p for p in BUILTIN_DIR.iterdir() if p.is_dir()]
    assert len(folders) == 40
    assert {p.name: validate(p) for p in folders} == {p.name: [] for p in folders}
    pack = next(p for p in load_packs(BUILTIN_DIR) if p.id == "day-of-week")
    assert pack.name == "day-of-week" and pack.domain == "calendar" and len(pack.steps) == 5
    # the block the model sees is that of catalog 1.0.0: the human title stays in metadata
    assert pack.block.startswith("Follow this procedure (Day of the week (Zeller)):\n1. Take day q")


def test_a_free_prose_skill_is_its_body_and_its_references_are_not_shown():
    packs = {p.id: p for p in load_packs(EXAMPLES)}
    invoice = packs["invoice-total"]
    assert invoice.steps is None and invoice.domain == "finance"
    assert invoice.block == SKILL_BLOCK_HEADER.format(name="invoice-total") + "\n" + invoice.body
    assert invoice.body.startswith("# Invoice total\n\nWork in cents") and "4. Round to cents" in invoice.body
    assert invoice.not_shown == ("references/rounding.md",)
    assert (
        "rounding.md" not in invoice.block or "references/rounding.md" in invoice.body
    )  # only named, not inlined
    assert "Round half up to whole cents once" not in invoice.block
    assert (
        packs["celsius-to-fahrenheit"].domain == "unspecified"
        and packs["celsius-to-fahrenheit"].not_shown == ()
    )


def _pack(root: Path, name: str, front: str, body: str = "Do it.\n", tasks: str | None = "") -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "SKILL.md").write_text(f"---\n{front}---\n\n{body}")
    if tasks is not None:
        row = (
            json.dumps(
                {
                    "id": f"{name}-1",
                    "skill": name,
                    "split": "holdout",
                    "answer_type": "integer",
                    "prompt": "p",
                    "target": "1",
                    "solution": "ANSWER: 1",
                }
            )
            + "\n"
        )
        (folder / "tasks.jsonl").write_text(tasks or row)
    return folder


def test_old_style_front_matter_gets_every_spec_problem_with_line_and_field(tmp_path):
    folder = _pack(
        tmp_path, "leap_year", 'name: "Leap year"\ndescription: "Decide leap years."\ndomain: calendar\n'
    )
    pack, problems = check_pack(folder)
    assert pack is None
    text = [str(p) for p in problems]
    assert any(
        "SKILL.md:4: domain: Unexpected fields in frontmatter: domain" in t and "under 'metadata:'" in t
        for t in text
    )
    assert any("SKILL.md:2: name: Skill name 'Leap year' must be lowercase" in t for t in text)
    assert any(": name: Directory name 'leap_year' must match skill name" in t for t in text)
    assert all("(Agent Skills spec)" in t for t in text)


def test_the_steps_rule_applies_only_to_packs_that_opt_in(tmp_path):
    free = _pack(tmp_path, "free", "name: free\ndescription: d\n", body="Prose.\n\n1. one\n2. two\n")
    assert check_pack(free)[1] == []
    strict = _pack(
        tmp_path, "strict", 'name: strict\ndescription: d\nmetadata:\n  steps: "5"\n', body="1. one\n2. two\n"
    )
    [problem] = check_pack(strict)[1]
    assert problem.field == "metadata.steps" and "exactly 5 numbered steps, found 2" in problem.message


def test_a_pack_without_tasks_says_what_to_add(tmp_path):
    _pack(tmp_path, "no-tasks", "name: no-tasks\ndescription: d\n", tasks=None)
    with pytest.raises(SkillPackError, match=r"no-tasks: no task file: add a holdout.jsonl next to SKILL.md"):
        load_packs(tmp_path)


def test_catalog_check_lists_every_problem_in_one_run(tmp_path):
    shutil.copytree(EXAMPLES, tmp_path / "skills")
    skills = tmp_path / "skills"
    md = skills / "celsius-to-fahrenheit" / "SKILL.md"
    md.write_text(md.read_text().replace("name: celsius-to-fahrenheit", "name: Celsius"))
    tasks = skills / "invoice-total" / "holdout.jsonl"
    lines = tasks.read_text().splitlines()
    lines[1] = lines[1].replace('"split": "holdout"', '"split": "dev"')
    lines[2] = lines[2].replace('"target": "49.50", ', "")
    tasks.write_text("\n".join(lines) + "\n")
    _pack(skills, "empty-skill", "name: empty-skill\ndescription: d\n", tasks=None)

    result = CliRunner().invoke(app, ["catalog", "check", str(skills)])
    assert result.exit_code == 2 and result.exception is None or isinstance(result.exception, SystemExit)
    out = result.output
    assert "Traceback" not in out
    assert f"{md}:2: name: Skill name 'Celsius' must be lowercase" in out
    assert f"{tasks}:2: split: Input should be 'holdout' or 'train'" in out
    assert f"{tasks}:3: target: is required" in out
    assert f"{skills / 'empty-skill'}: no task file: add a holdout.jsonl" in out
    assert "references/rounding.md" in out  # reported as not shown to the model
    assert f"{skills}: 5 problems" in out


def test_a_log_made_with_the_old_ids_still_reports_under_the_new_ones(tmp_path):
    from procskill.analysis import build_report

    [log] = inspect_eval(
        "procskill/procskill",
        model=scripted_model("ANSWER: 0"),
        task_args={"skills": "gcd-euclid"},
        log_dir=str(tmp_path / "logs"),
        display="none",
    )
    log = read_eval_log(log.location)
    # what catalog 1.0.0 wrote: snake_case skill and task ids (built here, so the rename script leaves them be)
    old_skill = "gcd-euclid".replace("-", "_")
    log.eval.metadata["dataset"]["catalog_version"] = "1.0.0"
    for sample in log.samples:
        sample.metadata["skill"] = old_skill
        sample.metadata["task_id"] = sample.metadata["task_id"].replace("gcd-euclid", old_skill)
        sample.id = f"{sample.metadata['task_id']}:{sample.metadata['condition']}"
    assert log.samples[0].metadata["task_id"].startswith(old_skill + "-h") and "_" in old_skill
    write_eval_log(log, log.location)

    from procskill.analysis import rejudge

    [judged] = rejudge([log.location], scripted_model("VERDICT: PASS", name="judge"))  # re-judges as written
    assert (judged.action, judged.judged, judged.unscored) == ("added", 10, {})

    report = build_report([log.location], None, resamples=50)
    assert [r["skill"] for r in report.summary["skills"]["summary"]] == ["gcd-euclid"]
    assert set(report.tables.scores["task_id"]) == {f"gcd-euclid-h00{i}" for i in range(1, 6)}
    assert "llm@mockllm/judge" in set(report.tables.scores["scorer"])


@pytest.mark.slow
def test_worked_example_base_vs_skill_on_the_tiny_model_then_report(tiny_model_dir, tmp_path):
    """The README's worked example: check the folder, evaluate base vs skill, report (tiny model for Qwen3.5)."""
    runner = CliRunner()
    checked = runner.invoke(app, ["catalog", "check", str(EXAMPLES)])
    assert checked.exit_code == 0 and "references/rounding.md" in checked.output

    [log] = inspect_eval(
        "procskill/procskill",
        model="hf/local",
        model_args={"model_path": str(tiny_model_dir), "do_sample": False, "enable_thinking": False},
        task_args={"skills_dir": str(EXAMPLES)},
        max_tokens=8,
        max_connections=12,
        log_dir=str(tmp_path / "logs-my-skills"),
        display="none",
    )
    assert log.status == "success", log.error
    log = read_eval_log(log.location)
    assert len(log.samples) == 12  # 6 tasks x (base, skill)
    blocks = log.eval.metadata["skill_blocks"]["skills"]
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    for pack in load_packs(EXAMPLES):  # counted independently: the block as inserted, no special tokens
        assert blocks[pack.id] == {
            "tokens": None,
            "characters": len(pack.block),
            "not_shown": list(pack.not_shown),
        }
        expected = len(tokenizer(pack.block, add_special_tokens=False)["input_ids"])
        episodes = [s.metadata for s in log.samples if s.metadata["skill"] == pack.id]
        assert {m.get("block_tokens") for m in episodes if m["condition"] == "skill"} == {
            expected
        } and expected > 0
        assert all("block_tokens" not in m for m in episodes if m["condition"] == "base")
    skill_turn = next(s for s in log.samples if s.id == "inv-1:skill").messages[1].text
    assert skill_turn.startswith("Follow this procedure (invoice-total):\n# Invoice total")
    assert "Round half up to whole cents once" not in skill_turn  # references/ is not shown

    reported = runner.invoke(
        app, ["report", str(tmp_path / "logs-my-skills"), "--out", str(tmp_path / "report")]
    )
    assert reported.exit_code == 0, reported.output
    markdown = (tmp_path / "report" / "report.md").read_text()
    assert "## Δ vs skill-block length" in markdown and "| invoice-total |" in markdown
    summary = json.loads((tmp_path / "report" / "summary.json").read_text())
    assert summary["block_length"]["unit"] == "tokens"
    assert "references/rounding.md" in markdown


def test_a_too_long_description_is_placed_on_its_line(tmp_path):
    folder = _pack(tmp_path, "wordy", f"name: wordy\ndescription: {'x' * 1025}\n")
    [problem] = check_pack(folder)[1]
    assert (problem.line, problem.field) == (3, "description") and "1024 character limit" in problem.message


def test_old_ids_are_mapped_only_for_logs_of_the_builtin_catalog_before_2():
    from procskill.skills._ids import id_mapper

    old = "day-of-week-h001".replace("-", "_", 2)
    assert id_mapper({"source": "builtin", "catalog_version": "1.0.0"})(old) == "day-of-week-h001"
    assert id_mapper({"source": "builtin", "catalog_version": "2.0.0"})("my_task") == "my_task"
    assert id_mapper({"source": "/data/my_skills", "catalog_version": "unversioned"})("my_task") == "my_task"
    assert id_mapper(None)("x_y") == "x_y"


def test_a_teacher_log_made_with_the_old_ids_still_builds_a_corpus(tmp_path):
    from procskill.training import build_corpus

    [pack] = load_packs(BUILTIN_DIR, ["gcd-euclid"])
    train = pack.split("train")[:4]
    answers = {t.prompt: t.target for t in train}

    def teacher(messages):
        user = messages[-1].text
        return f"Worked.\nANSWER: {next(a for p, a in answers.items() if p in user)}"

    tasks = tmp_path / "skills"
    shutil.copytree(pack.path, tasks / "gcd-euclid")
    (tasks / "gcd-euclid" / "train.jsonl").write_text(
        "".join(line + "\n" for line in (pack.path / "train.jsonl").read_text().splitlines()[:4])
    )
    [log] = inspect_eval(
        "procskill/procskill",
        model=scripted_model(teacher, name="teacher"),
        task_args={"skills_dir": str(tasks), "split": "train", "condition": "skill"},
        log_dir=str(tmp_path / "logs"),
        display="none",
    )
    log = read_eval_log(log.location)
    old_skill = "gcd-euclid".replace("-", "_")  # catalog 1.0.0's id
    log.eval.metadata["dataset"].update(source="builtin", catalog_version="1.0.0")
    for sample in log.samples:
        sample.metadata["skill"] = old_skill
        sample.metadata["task_id"] = sample.metadata["task_id"].replace("gcd-euclid", old_skill)
    write_eval_log(log, log.location)

    corpus = build_corpus(None, log=log.location, filter="extract", out=tmp_path / "corpus")
    rows = [json.loads(line) for line in corpus.path.read_text().splitlines()]
    assert sorted(r["task_id"] for r in rows) == sorted(t.id for t in train)
    assert {r["skill"] for r in rows} == {"gcd-euclid"}
