"""The SFT corpus: judge- or extractor-filtered teacher demonstrations as chat rows.

A corpus folder holds

- ``corpus.jsonl``: one row per kept episode, loadable with
  ``datasets.load_dataset("json", data_files=...)``. ``messages`` is the system and user
  turn exactly as the task sends them in the ``skill`` condition, then the teacher's
  visible completion as the assistant turn (reasoning removed). The other fields
  (``task_id``, ``skill``, ``domain``, ``split``, ``answer_type``, ``prompt``,
  ``placement``, ``sample_id``) let the trainer rebuild the prompt without the block and
  let the contamination guard check the task;
- ``corpus_card.json``: teacher, judge, filter, source log, episodes and rows kept per
  skill, pass rate, content hashes and what was stripped;
- ``teacher-logs/``: the teacher's Inspect eval set (absent for the procedural teacher).
  It opens in ``inspect view``; rerunning the same build resumes it.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from inspect_ai.model import ChatMessage, ContentReasoning, Model
from inspect_ai.scorer import value_to_float

from procskill._files import atomic_write, read_text
from procskill._local import require_local
from procskill.errors import ProcskillError
from procskill.prompts import PROMPT_TEMPLATE_VERSION, Placement, prompt_messages
from procskill.scorers import answers_match, extract_answer, score_keys, strip_thinking
from procskill.skills import BUILTIN_DIR, SkillPack, content_hash, load_packs
from procskill.skills._ids import id_mapper
from procskill.skills._pack import jsonl_lines
from procskill.solvers import logged_run_facts
from procskill.training._guard import check_rows, holdout_index

CORPUS_FILE = "corpus.jsonl"
CARD_FILE = "corpus_card.json"
TEACHER_LOGS = "teacher-logs"
CORPUS_FORMAT = "procskill-corpus/1"
PROCEDURAL = "procedural"
"""Teacher name for the catalog's worked solutions (offline, deterministic)."""
ANSWERS_ONLY = "procedural-answers"
"""Teacher name for an answer-only control: each worked solution's final ``ANSWER:`` line,
without the procedure trace (offline, deterministic). It separates learning the answer
format from learning the procedure; the offline demo uses it because a tiny model
learns a one-line completion in minutes."""
OFFLINE_TEACHERS = (PROCEDURAL, ANSWERS_ONLY)

FILTERS = ("extract", "judge", "both")
"""Which named scores an episode must pass to be kept:

- ``extract``: the ``extract`` score (deterministic tasks; free-form tasks are unscored
  there and so never kept);
- ``judge``: every judge score in the log (``llm@…`` / ``bench@…``);
- ``both``: every judge score, and the ``extract`` score wherever it scores the task.
"""

JUDGE_SCORING_PATH = "llm"
"""The task's scoring path requested when a judge is bound (judge on every task)."""


class CorpusError(ProcskillError):
    """A corpus cannot be built or read. The message names the file, line and field."""


@dataclass(frozen=True)
class Corpus:
    """A built corpus: its rows file and its card."""

    path: Path
    card_path: Path
    card: dict[str, Any]


@dataclass
class _Tally:
    episodes: Counter[str]
    kept: Counter[str]
    dropped: Counter[str]
    reasoning_blocks: int = 0
    think_rows: int = 0
    stripped_chars: int = 0

    @classmethod
    def new(cls) -> _Tally:
        return cls(Counter(), Counter(), Counter())


@dataclass(frozen=True)
class _Source:
    """What every source returns: the rows, their tally and where they came from (for the card)."""

    rows: list[dict[str, Any]]
    tally: _Tally
    provenance: dict[str, Any]
    skills_dir: Path
    keep: str


def build_corpus(
    teacher: str | Model | None,
    split: str = "train",
    skills: str | Sequence[str] | None = None,
    skills_dir: str | Path | None = None,
    out: str | Path | None = None,
    judge: str | Model | None = None,
    keep: str | None = None,
    placement: Placement = "user",
    log: str | Path | None = None,
    limit: int | None = None,
    model_args: Mapping[str, Any] | None = None,
    tokenizer: str | Path | None = None,
    enable_thinking: bool = False,
    display: str | None = None,
    **eval_options: Any,
) -> Corpus:
    """Build an SFT corpus from a teacher's passing episodes on the training pool.

    It reads as validate → source → guard → write. The source is one of: an existing teacher
    log (``log``), an offline teacher (the catalog's worked solutions), or a live teacher run
    through the ``procskill`` task (``split=train``, ``condition=skill``) with Inspect's
    ``eval_set``, so its run is an eval log and an interrupted build resumes where it stopped.
    Rows are rewritten whole on every build: a rerun never duplicates or loses a row.

    Args:
        teacher: ``provider/model`` (or a ``Model``), or ``"procedural"`` / ``"procedural-answers"``
            for the catalog's worked solutions (no model call; deterministic). ``None`` with ``log``.
        split: The task split to learn from; only ``train`` (the holdout is never trained on).
        skills: Skill ids (comma-separated or a list); all by default.
        skills_dir: A folder of skill packs; the built-in catalog by default. Its holdout
            is the one the contamination guard checks against.
        out: Output folder (default ``corpora/<teacher>``, or ``corpora/<log name>``).
        judge: ``provider/model`` bound as the task's ``grader`` role; adds the ``llm``
            scoring path to the teacher run.
        keep: Which scores an episode must pass to be kept, one of :data:`FILTERS`; default
            ``both`` with a judge, else ``extract`` (recorded as the card's ``filter``).
        placement: Where the procedure block goes (as in the task).
        log: Build from this existing teacher log (e.g. a re-judged one) instead of
            running the teacher; the teacher, judge and skills folder come from the log.
        limit: Run the teacher on the first ``limit`` episodes only.
        model_args: Teacher model arguments (``-M``), e.g. ``{"enable_thinking": False}``.
        tokenizer: A student tokenizer (path or id) to check every row's evaluation prompt
            against its training sequence token by token now (the trainer checks again).
        enable_thinking: Thinking setting for that check.
        display: Inspect display type (``none`` in scripts and tests).
        **eval_options: Further ``eval_set`` options (``max_tokens``, ``max_connections``,
            ``temperature``, …).

    Returns:
        The corpus file, its card path and the card.

    Raises:
        CorpusError: Bad arguments, a failed teacher run, or a log that cannot be used.
        procskill.training.ContaminationError: A row's task is in the holdout.
    """
    selected = _validate_request(teacher, split, skills, judge, keep, log)
    out_dir = Path(out) if out else _default_out(teacher, log)
    folder = Path(skills_dir).resolve() if skills_dir else None
    if log is not None:
        source = _from_log(log, keep, folder, selected)
    elif teacher in OFFLINE_TEACHERS:
        source = _from_offline_teacher(str(teacher), split, selected, folder or BUILTIN_DIR, placement)
    else:
        assert teacher is not None  # _validate_request
        source = _from_live_teacher(
            teacher, split, selected, folder or BUILTIN_DIR, out_dir, judge, keep, placement, limit,
            model_args, display, eval_options,
        )  # fmt: skip
    _guard(source, out_dir / CORPUS_FILE, tokenizer, enable_thinking)
    return _write(source, out_dir, split, placement)


def _validate_request(
    teacher: str | Model | None,
    split: str,
    skills: str | Sequence[str] | None,
    judge: str | Model | None,
    keep: str | None,
    log: str | Path | None,
) -> list[str] | None:
    """Refuse contradictory arguments before any file is read or any model called; return the skill ids."""
    if split != "train":
        raise CorpusError(
            f"split must be 'train' (the SFT pool); got {split!r}: the holdout is never trained on"
        )
    if teacher is None and log is None:
        raise CorpusError("pass a teacher (provider/model or 'procedural') or an existing teacher log")
    if log is not None and judge is not None:
        raise CorpusError(
            "--judge scores a new teacher run; to judge an existing log, re-judge it (procskill rejudge) "
            "and build from it with --log"
        )
    if keep is not None and keep not in FILTERS:
        raise CorpusError(f"--keep must be one of {FILTERS}; got {keep!r}")
    if teacher in OFFLINE_TEACHERS and (judge is not None or keep not in (None, "extract")):
        raise CorpusError("the procedural teacher's worked solutions are checked by the extractor only")
    if log is None and judge is None and keep in ("judge", "both"):
        raise CorpusError(f"--keep {keep} needs a judge: pass judge='provider/model' (--judge)")
    return _parse_skills(skills)


def _default_out(teacher: str | Model | None, log: str | Path | None) -> Path:
    if log is not None:
        return Path("corpora") / Path(_local_location(str(log))).stem
    return Path("corpora") / str(teacher).replace("/", "_")


def _from_log(log: str | Path, keep: str | None, folder: Path | None, skills: list[str] | None) -> _Source:
    """Source: an existing teacher log (the teacher, judge and skills folder come from it)."""
    eval_log = _read_log(log)
    mode = _resolve_keep(keep, bool(_judge_scores(eval_log)))
    folder = folder or _log_skills_dir(eval_log)
    rows, tally, provenance = _log_rows(eval_log, mode, folder, skills)
    return _Source(rows, tally, provenance, folder, mode)


def _from_offline_teacher(
    teacher: str, split: str, skills: list[str] | None, folder: Path, placement: Placement
) -> _Source:
    """Source: the catalog's worked solutions (``procedural``) or their ANSWER lines (``procedural-answers``)."""
    packs = _checked_pool(folder, skills, split)
    rows, tally = _procedural_rows(packs, split, placement, answers_only=teacher == ANSWERS_ONLY)
    provenance = {
        "teacher": teacher,
        "judge": None,
        "source_log": None,
        "dataset_content_hash": content_hash(packs, split),
        "skills": [p.id for p in packs],
        "generation": None,
    }
    return _Source(rows, tally, provenance, folder, "extract")


def _from_live_teacher(
    teacher: str | Model,
    split: str,
    skills: list[str] | None,
    folder: Path,
    out_dir: Path,
    judge: str | Model | None,
    keep: str | None,
    placement: Placement,
    limit: int | None,
    model_args: Mapping[str, Any] | None,
    display: str | None,
    eval_options: dict[str, Any],
) -> _Source:
    """Source: a teacher model run through the procskill task (its eval set lives in ``out/teacher-logs``)."""
    mode = _resolve_keep(keep, judge is not None)
    _checked_pool(folder, skills, split)  # a contaminated pool costs no teacher call to refuse
    eval_log = _run_teacher(
        teacher, split, skills, folder, out_dir, judge, placement, limit, model_args, display, eval_options
    )
    rows, tally, provenance = _log_rows(eval_log, mode, folder)
    return _Source(rows, tally, provenance, folder, mode)


def _checked_pool(folder: Path, skills: list[str] | None, split: str) -> list[SkillPack]:
    packs = load_packs(folder, skills)
    check_rows(
        [{"task_id": t.id, "prompt": t.prompt} for p in packs for t in p.split(split)],
        holdout_index(folder),
        f"{folder} ({split} split)",
    )
    return packs


def _guard(source: _Source, where: Path, tokenizer: str | Path | None, enable_thinking: bool) -> None:
    """Every row: not a holdout task; with a student tokenizer, its prompt is a prefix of its training sequence."""
    check_rows(source.rows, holdout_index(source.skills_dir), str(where))
    if tokenizer is not None:
        _check_tokenizer(tokenizer, source.rows, enable_thinking, where)


def _write(source: _Source, out_dir: Path, split: str, placement: str) -> Corpus:
    out_dir.mkdir(parents=True, exist_ok=True)
    corpus_path = out_dir / CORPUS_FILE
    payload = "".join(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n" for row in source.rows)
    atomic_write(corpus_path, payload)
    card = _card(source, split, placement, payload)
    card_path = out_dir / CARD_FILE
    atomic_write(card_path, json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    return Corpus(path=corpus_path, card_path=card_path, card=card)


def read_corpus(path: str | Path) -> tuple[list[dict[str, Any]], dict[str, Any] | None, Path]:
    """Read and validate a corpus.

    Args:
        path: A corpus folder (holding ``corpus.jsonl``) or a JSONL file.

    Returns:
        ``(rows, card, file)``: the rows, the card next to the file (``None`` if absent)
        and the rows file.

    Raises:
        CorpusError: A line that is not a JSON object, or a row whose ``messages`` is not a
            list of role/content turns ending with a non-empty assistant turn; the message
            names file, line and field.
    """
    file = Path(path)
    if file.is_dir():
        file = file / CORPUS_FILE
    if not file.is_file():
        raise CorpusError(f"{file}: corpus file not found")
    rows: list[dict[str, Any]] = []
    for lineno, raw in enumerate(jsonl_lines(read_text(file, CorpusError)), start=1):
        if not raw.strip():
            continue
        where = f"{file}:{lineno}"
        try:
            row = json.loads(raw)
        except json.JSONDecodeError as err:
            raise CorpusError(f"{where}: not valid JSON ({err.msg})") from None
        if not isinstance(row, dict):
            raise CorpusError(f"{where}: a corpus row must be a JSON object")
        _validate_row(row, where)
        rows.append(row)
    if not rows:
        raise CorpusError(f"{file}: the corpus has no rows")
    # The card describes the corpus.jsonl next to it, not other JSONL files in the folder.
    card_file = file.parent / CARD_FILE
    card = (
        json.loads(card_file.read_text(encoding="utf-8"))
        if file.name == CORPUS_FILE and card_file.is_file()
        else None
    )
    return rows, card, file


def _validate_row(row: Mapping[str, Any], where: str) -> None:
    for key in ("task_id", "prompt"):
        if not isinstance(row.get(key), str) or not row[key].strip():
            raise CorpusError(f"{where}: field '{key}' is missing or not a non-empty string")
    messages = row.get("messages")
    if not isinstance(messages, list) or len(messages) < 2:
        raise CorpusError(
            f"{where}: field 'messages' must be a list of at least a user and an assistant turn"
        )
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or not isinstance(message.get("content"), str):
            raise CorpusError(f"{where}: field 'messages[{i}]' must be an object with a string 'content'")
        if message.get("role") not in ("system", "user", "assistant"):
            raise CorpusError(f"{where}: field 'messages[{i}].role' is {message.get('role')!r}")
    if messages[-1]["role"] != "assistant" or not messages[-1]["content"].strip():
        raise CorpusError(f"{where}: field 'messages' must end with a non-empty assistant turn")
    if any(m["role"] == "assistant" for m in messages[:-1]):
        raise CorpusError(f"{where}: field 'messages' must hold one assistant turn (single-turn episodes)")


def _resolve_keep(keep: str | None, judged: bool) -> str:
    return keep or ("both" if judged else "extract")


def _parse_skills(skills: str | Sequence[str] | None) -> list[str] | None:
    if skills is None:
        return None
    items = skills.split(",") if isinstance(skills, str) else list(skills)
    return [s.strip() for s in items if s.strip()] or None


def _messages_as_dicts(messages: Sequence[ChatMessage]) -> list[dict[str, str]]:
    return [{"role": m.role, "content": m.text} for m in messages]


def _procedural_rows(
    packs: list[SkillPack], split: str, placement: Placement, answers_only: bool = False
) -> tuple[list[dict[str, Any]], _Tally]:
    tally = _Tally.new()
    rows = []
    for pack in packs:
        for task in pack.split(split):
            tally.episodes[pack.id] += 1
            # Worked solutions are gold by construction; a deterministic one that fails its own
            # target is a catalog bug and is dropped rather than taught. Free-form solutions
            # are the catalog's reference answers and are kept.
            if task.answer_type != "free":
                answer = extract_answer(task.solution)
                if answer is None or not answers_match(answer, task.target, task.answer_type):
                    tally.dropped["failed"] += 1
                    continue
            messages = _messages_as_dicts(prompt_messages(task.prompt, pack.block, placement))
            completion = f"ANSWER: {task.target}" if answers_only else task.solution.strip()
            messages.append({"role": "assistant", "content": completion})
            rows.append(
                _row(
                    task_id=task.id,
                    skill=pack.id,
                    domain=pack.domain,
                    split=split,
                    answer_type=task.answer_type,
                    prompt=task.prompt,
                    placement=placement,
                    sample_id=f"{task.id}:skill",
                    messages=messages,
                )
            )
            tally.kept[pack.id] += 1
    return rows, tally


def _row(
    *,
    task_id: str,
    skill: str,
    domain: str,
    split: str,
    answer_type: str,
    prompt: str,
    placement: str,
    sample_id: str,
    messages: list[dict[str, str]],
) -> dict[str, Any]:
    return {
        "task_id": task_id,
        "skill": skill,
        "domain": domain,
        "split": split,
        "answer_type": answer_type,
        "prompt": prompt,
        "placement": placement,
        "sample_id": sample_id,
        "messages": messages,
    }


def _run_teacher(
    teacher: str | Model,
    split: str,
    skills: list[str] | None,
    folder: Path,
    out_dir: Path,
    judge: str | Model | None,
    placement: Placement,
    limit: int | None,
    model_args: Mapping[str, Any] | None,
    display: str | None,
    eval_options: dict[str, Any],
) -> Any:
    from inspect_ai import eval_set

    scoring = "extract" if judge is None else f"extract,{JUDGE_SCORING_PATH}"
    task_args: dict[str, Any] = {
        "condition": "skill",
        "split": split,
        "skills_dir": str(folder),
        "scoring": scoring,
        "placement": placement,
    }
    if skills:
        task_args["skills"] = ",".join(skills)
    log_dir = out_dir / TEACHER_LOGS
    success, logs = eval_set(
        "procskill/procskill",
        log_dir=str(log_dir),
        model=teacher,
        model_args=dict(model_args or {}),
        model_roles={"grader": judge} if judge is not None else None,
        task_args=task_args,
        limit=limit,
        display=display,  # type: ignore[arg-type]
        **eval_options,
    )
    if not success or not logs or logs[0].status != "success":
        where = logs[0].location if logs else log_dir
        raise CorpusError(
            f"{where}: the teacher run did not finish ({logs[0].status if logs else 'no log'}); "
            "run the same build again to resume it"
        )
    return _read_log(logs[0].location)


def _local_location(location: str) -> str:
    # eval_set reports logs it reused as file: URIs; the card records a plain path either way.
    for prefix in ("file://", "file:"):
        if location.startswith(prefix):
            return location[len(prefix) :]
    return location


def _read_log(location: str | Path) -> Any:
    from inspect_ai.log import read_eval_log

    path = _local_location(str(location))
    if "://" not in path and not Path(path).exists():
        raise CorpusError(f"{path}: teacher log not found")
    eval_log = read_eval_log(path)
    if eval_log.status != "success":
        raise CorpusError(f"{path}: the teacher log's status is {eval_log.status!r}, not 'success'")
    meta = eval_log.eval.metadata or {}
    if "procskill_version" not in meta or "dataset" not in meta:
        raise CorpusError(f"{path}: not a log of the procskill task (no procskill task metadata)")
    if meta["dataset"].get("split") != "train":
        raise CorpusError(
            f"{path}: the teacher log is of the {meta['dataset'].get('split')!r} split; only 'train' is trained on"
        )
    if "skill" not in meta.get("conditions", []):
        raise CorpusError(f"{path}: the teacher log has no skill-condition episodes")
    return eval_log


def _log_skills_dir(eval_log: Any) -> Path:
    source = eval_log.eval.metadata["dataset"]["source"]
    return BUILTIN_DIR if source == "builtin" else Path(source)


def _verdict(scores: Mapping[str, Any], mode: str, judges: Sequence[str]) -> str:
    """``kept`` or the reason an episode is dropped (``failed``, ``unscored``).

    A judge score missing from this episode (while present in the log) counts as unscored.
    """
    as_float = value_to_float()
    values = {name: as_float(score.value) for name, score in scores.items()}
    extract = values.get("extract")
    required: list[float] = []
    if mode in ("judge", "both"):
        required += [values.get(name, math.nan) for name in judges]
    if mode == "extract" or (mode == "both" and extract is not None and not math.isnan(extract)):
        required.append(extract if extract is not None else math.nan)
    if not required or any(math.isnan(v) for v in required):
        return "unscored"
    return "kept" if all(v >= 1.0 for v in required) else "failed"


def _judge_scores(eval_log: Any) -> dict[str, str]:
    """The log's judge scores, label (``llm@<judge>``) to key."""
    keys = score_keys(eval_log.samples or [])
    return {label: keys[label] for label in sorted(keys) if "@" in label}


def _log_rows(
    eval_log: Any, mode: str, folder: Path, skills: list[str] | None = None
) -> tuple[list[dict[str, Any]], _Tally, dict[str, Any]]:
    meta = eval_log.eval.metadata
    location = _local_location(eval_log.location)
    placement = meta.get("placement", "user")
    current_id = id_mapper(meta.get("dataset"))  # a teacher log of the 1.x built-in catalog has the old ids
    samples = [
        s
        for s in eval_log.samples or []
        if (s.metadata or {}).get("condition") == "skill"
        and (skills is None or current_id(s.metadata["skill"]) in skills)
    ]
    score_names = {name for s in samples for name in (s.scores or {})}
    judges = _judge_scores(eval_log)
    if mode in ("judge", "both") and not judges:
        raise CorpusError(
            f"{location}: --keep {mode} needs a judge score (llm@… or bench@…) but the log has only "
            f"{sorted(score_names)}; build with --judge provider/model, or re-judge the log and pass it as --log"
        )
    if mode in ("extract",) and "extract" not in score_names:
        raise CorpusError(
            f"{location}: --keep extract needs the 'extract' score; the log has {sorted(score_names)}"
        )

    # The skill packs give each task's text and block: the check below then proves the teacher saw
    # exactly what procskill.prompts builds from the packs now, the prompt the model is evaluated on.
    packs = load_packs(folder, sorted({current_id(s.metadata["skill"]) for s in samples}))
    records = {t.id: (t, p) for p in packs for t in p.tasks}
    tally = _Tally.new()
    rows = []
    for sample in sorted(samples, key=lambda s: str(s.id)):
        m = {
            **sample.metadata,
            "skill": current_id(sample.metadata["skill"]),
            "task_id": current_id(sample.metadata["task_id"]),
        }
        tally.episodes[m["skill"]] += 1
        if sample.error is not None or sample.output is None:
            tally.dropped["error"] += 1
            continue
        verdict = _verdict(sample.scores or {}, mode, list(judges.values()))
        if verdict != "kept":
            tally.dropped[verdict] += 1
            continue
        if m["task_id"] not in records:
            raise CorpusError(f"{location}: sample {sample.id!r}: task {m['task_id']!r} is not in {folder}")
        record, pack = records[m["task_id"]]
        prompt = _logged_prompt(sample, prompt_messages(record.prompt, pack.block, placement), location)
        completion = _visible_completion(sample, tally)
        if not completion:
            tally.dropped["empty"] += 1
            continue
        messages = prompt + [{"role": "assistant", "content": completion}]
        rows.append(
            _row(
                task_id=m["task_id"],
                skill=m["skill"],
                domain=m["domain"],
                split=m["split"],
                answer_type=m["answer_type"],
                prompt=record.prompt,
                placement=placement,
                sample_id=str(sample.id),
                messages=messages,
            )
        )
        tally.kept[m["skill"]] += 1
    source = {
        "teacher": eval_log.eval.model,
        "judge": next(iter(judges)) if len(judges) == 1 else (list(judges) or None),
        "source_log": location,
        "dataset_content_hash": meta["dataset"].get("content_hash"),
        "skills": skills or meta["dataset"].get("skills"),
        "generation": logged_run_facts(meta, [s.metadata for s in eval_log.samples or []]).get("generation"),
    }
    return rows, tally, source


def _logged_prompt(sample: Any, expected: list[ChatMessage], location: str) -> list[dict[str, str]]:
    """The prompt the teacher was sent, checked against the one :mod:`procskill.prompts` builds now."""
    first_reply = next(
        (i for i, m in enumerate(sample.messages) if m.role == "assistant"), len(sample.messages)
    )
    logged = _messages_as_dicts(sample.messages[:first_reply])
    if logged != _messages_as_dicts(expected):
        raise CorpusError(
            f"{location}: sample {sample.id!r}: the logged prompt differs from the one procskill.prompts builds "
            "now (the prompts or the skill pack changed since the teacher ran); rerun the teacher"
        )
    return logged


def _visible_completion(sample: Any, tally: _Tally) -> str:
    if not sample.output.choices:
        return ""
    content = sample.output.message.content
    if isinstance(content, list):
        tally.reasoning_blocks += sum(isinstance(part, ContentReasoning) for part in content)
    raw = sample.output.completion
    visible = strip_thinking(raw).strip()
    if len(visible) != len(raw.strip()):
        tally.think_rows += 1
        tally.stripped_chars += len(raw.strip()) - len(visible)
    return visible


def _card(source: _Source, split: str, placement: str, payload: str) -> dict[str, Any]:
    from procskill import __version__

    rows, tally, folder = source.rows, source.tally, source.skills_dir
    episodes = sum(tally.episodes.values())
    per_skill = {
        skill: {
            "episodes": n,
            "rows": tally.kept[skill],
            "pass_rate": tally.kept[skill] / n if n else None,
        }
        for skill, n in sorted(tally.episodes.items())
    }
    return {
        "format": CORPUS_FORMAT,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "procskill_version": __version__,
        **source.provenance,
        "filter": source.keep,
        "split": split,
        "skills_dir": "builtin" if folder == BUILTIN_DIR else str(folder),
        "placement": placement,
        "prompt_template_version": PROMPT_TEMPLATE_VERSION,
        "episodes": episodes,
        "rows": len(rows),
        "pass_rate": len(rows) / episodes if episodes else None,
        "per_skill": per_skill,
        "dropped": dict(sorted(tally.dropped.items())),
        "stripped": {
            "reasoning_content_blocks": tally.reasoning_blocks,
            "rows_with_think_text": tally.think_rows,
            "think_characters": tally.stripped_chars,
            "rule": "assistant turn = the teacher's visible completion: provider reasoning blocks are not "
            "part of it, and <think>…</think> text is removed by procskill.scorers.strip_thinking",
        },
        "corpus_file": CORPUS_FILE,
        "corpus_sha256": hashlib.sha256(payload.encode("utf-8")).hexdigest(),
    }


def _check_tokenizer(
    tokenizer: str | Path, rows: list[dict[str, Any]], enable_thinking: bool, where: Path
) -> None:
    require_local("the corpus --tokenizer check", ("transformers", "trl"))
    from transformers import AutoTokenizer

    from procskill.training._template import check_prompt_prefix, training_chat_template

    tok = AutoTokenizer.from_pretrained(str(tokenizer))
    check_prompt_prefix(tok, rows, enable_thinking, training_chat_template(tok), source=str(where))
