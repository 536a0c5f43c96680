"""Data integrity: a tampered catalog is refused by the task, malformed inputs are refused with their
file, line and field (never a bare KeyError or TypeError), and no holdout task reaches a corpus.
"""

from __future__ import annotations

import json
import re
import shutil
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from inspect_ai import eval as inspect_eval

from procskill.skills import (
    BUILTIN_DIR,
    CATALOG_VERSION,
    SkillPackError,
    content_hash,
    load_packs,
    parse_task_file,
)
from procskill.training import (
    DEFAULT_RECIPE,
    RECIPES_DIR,
    ContaminationError,
    CorpusError,
    RecipeError,
    check_rows,
    holdout_index,
    load_recipe,
    read_corpus,
)
from testkit.scripted import scripted_model

FUZZ = settings(
    max_examples=60,
    deadline=2000,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory) -> Path:
    """A copy of the built-in catalog, MANIFEST.json included."""
    copy = tmp_path_factory.mktemp("catalog") / "skills"
    shutil.copytree(BUILTIN_DIR, copy)
    return copy


def _edit_row(path: Path, line: int, **changes: object) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[line - 1] = json.dumps({**json.loads(lines[line - 1]), **changes}, sort_keys=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _run(skills_dir: Path, tmp_path: Path, **task_args: object):
    return inspect_eval(
        "procskill/procskill",
        model=scripted_model("ANSWER: 0"),
        task_args={"skills_dir": str(skills_dir), "skills": "roman-numerals", **task_args},
        log_dir=str(tmp_path / "logs"),
        display="none",
    )


def _tamper_target(skills: Path) -> None:
    holdout = skills / "gcd-euclid" / "holdout.jsonl"
    _edit_row(holdout, 3, target=json.loads(holdout.read_text().splitlines()[2])["target"] + "0")


def _tamper_procedure(skills: Path) -> None:
    skill_md = skills / "gcd-euclid" / "SKILL.md"
    skill_md.write_text(
        skill_md.read_text(encoding="utf-8").replace("1. ", "1. First, ", 1), encoding="utf-8"
    )


@pytest.mark.parametrize("tamper", [_tamper_target, _tamper_procedure], ids=["holdout_row", "procedure_text"])
def test_the_task_refuses_a_catalog_whose_holdout_hash_does_not_match(tamper, catalog, tmp_path):
    skills = tmp_path / "skills"
    shutil.copytree(catalog, skills)
    tamper(skills)
    # Only roman-numerals is run, but the edit in gcd-euclid is still caught: the whole split is hashed.
    with pytest.raises(
        SkillPackError, match=r"holdout split's content hash is \w+…, but MANIFEST.json records"
    ):
        _run(skills, tmp_path)


def test_an_untouched_or_reformatted_catalog_is_accepted(catalog, tmp_path):
    skills = tmp_path / "skills"
    shutil.copytree(catalog, skills)
    # Key order and spacing are not content: only what a model is shown or scored against counts.
    holdout = skills / "gcd-euclid" / "holdout.jsonl"
    rows = [json.loads(line) for line in holdout.read_text(encoding="utf-8").splitlines()]
    holdout.write_text(
        "".join(json.dumps(dict(reversed(r.items())), indent=None) + "\n\n" for r in rows[::-1])
    )
    (log,) = _run(skills, tmp_path)
    assert log.status == "success" and log.eval.metadata["dataset"]["catalog_version"] == CATALOG_VERSION
    # The log names the catalog content it ran, so runs of different catalog versions can be told apart.
    dataset = log.eval.metadata["dataset"]
    ran = [p for p in load_packs(BUILTIN_DIR) if p.id in dataset["skills"]]
    assert dataset["content_hash"] == content_hash(ran, "holdout")
    # A tampered training pool does not block holdout evaluation, but its own split is refused.
    _edit_row(skills / "gcd-euclid" / "train.jsonl", 1, target="999")
    (log,) = _run(skills, tmp_path)
    assert log.status == "success"
    with pytest.raises(SkillPackError, match="train split's content hash"):
        _run(skills, tmp_path, split="train")


# -- malformed files: always the project's error, naming file and line --------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
GOOD_ROW = {
    "task_id": "skill-00-t000",
    "prompt": "the code is 1",
    "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "ANSWER: 1"}],
}


def _line_error(path: Path, line: int) -> str:
    return rf"^{re.escape(str(path))}:{line}: "


@FUZZ
@given(
    rows_before=st.integers(0, 3),
    field=st.sampled_from(["task_id", "prompt", "messages", "messages[0]", "messages[-1]", "<line>"]),
    value=JSON_VALUES | st.text(max_size=20),
)
def test_a_malformed_corpus_row_is_refused_with_file_line_and_field(tmp_path, rows_before, field, value):
    row: object = json.loads(json.dumps(GOOD_ROW))
    if field == "<line>":
        row = value  # a line that is not a row at all (one line: JSON text has no raw line break)
        assume(not isinstance(value, str) or (value.strip() and len(value.splitlines()) == 1))
    elif field.startswith("messages["):
        row["messages"][int(field[9:-1])] = value
    else:
        row[field] = value
    line = json.dumps(row) if not isinstance(row, str) else row
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps(GOOD_ROW) + "\n" for _ in range(rows_before)) + line + "\n")
    try:
        rows, _, _ = read_corpus(path)
    except CorpusError as err:
        assert re.match(_line_error(path, rows_before + 1), str(err)), str(err)
        assert field == "<line>" or f"field '{field.split('[')[0]}" in str(err), str(err)
    else:  # accepted: then the row really is well-formed
        assert [r["messages"][-1]["role"] for r in rows] == ["assistant"] * len(rows)
        assert all(isinstance(r["task_id"], str) and r["task_id"].strip() for r in rows)


@FUZZ
@given(
    field=st.sampled_from(["id", "skill", "prompt", "answer_type", "target", "solution", "split", "rubric"]),
    value=JSON_VALUES,
)
def test_a_malformed_task_row_is_refused_with_file_line_and_field(tmp_path, field, value):
    source = BUILTIN_DIR / "gcd-euclid" / "holdout.jsonl"
    path = tmp_path / "gcd-euclid" / "holdout.jsonl"
    path.parent.mkdir(exist_ok=True)
    path.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    _edit_row(path, 2, **{field: value})
    try:
        records = parse_task_file(path, "gcd-euclid")
    except SkillPackError as err:
        named = {field, "rubric"} if field == "answer_type" else {field}  # "free" then needs a rubric
        assert re.match(_line_error(path, 2), str(err)) and any(f": {f}: " in str(err) for f in named), str(
            err
        )
    else:
        assert records[1].__dict__[field] == value


RECIPE_KEYS = [
    "name",
    "tests",
    "skill_block",
    "sft",
    "sft.learning_rate",
    "sft.num_train_epochs",
    "sft.max_steps",
    "sft.per_device_train_batch_size",
    "sft.warmup_steps",
    "sft.lr_scheduler_type",
    "sft.max_length",
    "sft.seed",
    "sft.save_steps",
    "lora",
    "lora.r",
    "lora.lora_dropout",
    "lora.target_modules",
]


@settings(FUZZ, deadline=None)  # the first example imports TRL and PEFT (seconds)
@given(key=st.sampled_from(RECIPE_KEYS), value=JSON_VALUES)
def test_a_malformed_recipe_is_refused_with_file_line_and_field(tmp_path, key, value):
    import yaml

    data = yaml.safe_load((RECIPES_DIR / f"{DEFAULT_RECIPE}.yaml").read_text(encoding="utf-8"))
    parent, _, leaf = key.rpartition(".")
    (data[parent] if parent else data)[leaf] = value
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    try:
        load_recipe(path)
    except RecipeError as err:
        # file:line: field: problem, the field being the key or one nested under it
        assert str(err).startswith(f"{path}:") and f": {key}" in str(err), str(err)


def _load_study(path):
    from procskill.studies import load_study

    return load_study(path)


@pytest.mark.parametrize(
    ("name", "content", "read"),
    [
        pytest.param("corpus.jsonl", b'{"task_id": "caf\xe9"}\n', read_corpus, id="corpus"),
        pytest.param("recipe.yaml", b"name: caf\xe9\ntests: t\n", load_recipe, id="recipe"),
        pytest.param(
            "gcd-euclid/holdout.jsonl",
            b'{"id": "caf\xe9"}\n',
            lambda path: parse_task_file(path, "gcd-euclid"),
            id="task_file",
        ),
        pytest.param("study.yaml", b"name: caf\xe9\n", lambda path: _load_study(path), id="study"),
    ],
)
def test_a_file_that_is_not_utf8_is_refused_naming_it(tmp_path, name, content, read):
    from procskill.studies import StudyError

    path = tmp_path / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(content)
    errors = (CorpusError, RecipeError, SkillPackError, StudyError)
    with pytest.raises(errors, match=f"^{re.escape(str(path))}:1: not UTF-8 text"):
        read(path)


# U+2028/U+2029 and NEL are line breaks to str.splitlines() but ordinary characters inside a JSON
# string; JSONL rows are separated by "\n" only. Teachers and task authors do produce them.
UNICODE_BREAKS = "one\u2028two\u2029three\x85four"


def test_a_corpus_row_with_unicode_line_separators_round_trips(packs, tmp_path):
    from procskill.training import build_corpus

    tasks = packs / "skill-00" / "tasks.jsonl"
    rows = [json.loads(line) for line in tasks.read_text(encoding="utf-8").splitlines()]
    train = next(i for i, r in enumerate(rows) if r["split"] == "train")
    rows[train]["solution"] = rows[train]["solution"].replace("Step 1: ok.", f"Step 1: {UNICODE_BREAKS}.")
    tasks.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")  # ASCII-escaped: loads
    corpus = build_corpus("procedural", skills_dir=packs, out=tmp_path / "corpus")
    rows_read, _, _ = read_corpus(corpus.path)
    assert any(UNICODE_BREAKS in r["messages"][-1]["content"] for r in rows_read)


def test_a_task_row_with_unicode_line_separators_loads(tmp_path):
    path = tmp_path / "gcd-euclid" / "holdout.jsonl"
    path.parent.mkdir()
    rows = (BUILTIN_DIR / "gcd-euclid" / "holdout.jsonl").read_text(encoding="utf-8").splitlines()
    row = {**json.loads(rows[0]), "prompt": f"A task {UNICODE_BREAKS}."}
    path.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    assert parse_task_file(path, "gcd-euclid")[0].prompt == row["prompt"]


# -- the contamination guard ---------------------------------------------------------------------------

HOLDOUT = [task for pack in load_packs(BUILTIN_DIR) for task in pack.split("holdout")]


def _respell(prompt: str, data: st.DataObject) -> str:
    """The same task text, re-cased, re-spaced, re-punctuated and in full-width forms."""
    words = prompt.split()
    out = []
    for word in words:
        form = data.draw(st.sampled_from(["same", "upper", "lower", "title", "wide", "punct"]))
        if form == "wide":
            word = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in word)  # NFKC folds back
        elif form == "punct":
            word = word + data.draw(st.sampled_from([",", ";", " -", "!", "…", " ·"]))
        elif form != "same":
            word = getattr(word, form)()
        out.append(word)
    glue = data.draw(st.sampled_from([" ", "  ", "\n", "\t", " \u00a0"]))
    return glue.join(out)


@FUZZ
@given(index=st.integers(0, len(HOLDOUT) - 1), data=st.data())
def test_a_respelled_holdout_prompt_never_passes_the_guard(index, data):
    holdout = HOLDOUT[index]
    row = {"task_id": f"{holdout.skill}-t999", "prompt": _respell(holdout.prompt, data)}
    with pytest.raises(
        ContaminationError, match=rf"corpus.jsonl:1: .*holdout task '{re.escape(holdout.id)}'"
    ):
        check_rows([row], _builtin_holdout(), "corpus.jsonl")


def test_holdout_task_ids_never_pass_the_guard():
    index = _builtin_holdout()
    for task in HOLDOUT:
        with pytest.raises(ContaminationError):
            check_rows([{"task_id": task.id, "prompt": "anything"}], index, "corpus.jsonl")
    check_rows(
        [{"task_id": t.id, "prompt": t.prompt} for p in load_packs(BUILTIN_DIR) for t in p.split("train")],
        index,
        "the built-in training pool",
    )


def test_an_accent_stripped_holdout_prompt_does_not_pass_the_guard():
    accented = next(
        t for t in HOLDOUT if any(unicodedata.combining(c) for c in unicodedata.normalize("NFD", t.prompt))
    )
    plain = "".join(c for c in unicodedata.normalize("NFD", accented.prompt) if not unicodedata.combining(c))
    with pytest.raises(ContaminationError):
        check_rows([{"task_id": "x-t999", "prompt": plain}], _builtin_holdout(), "corpus.jsonl")


_INDEX = []


def _builtin_holdout():
    if not _INDEX:
        _INDEX.append(holdout_index(BUILTIN_DIR))
    return _INDEX[0]
