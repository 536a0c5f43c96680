"""The ``procskill`` Inspect task: paired base vs skill-block episodes."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from inspect_ai import Task, task
from inspect_ai._util.error import PrerequisiteError
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.log import HeadlineMetric
from inspect_ai.model import GenerateConfig
from inspect_ai.scorer import Scorer

from procskill.errors import ProcskillError
from procskill.prompts import CONDITIONS, PLACEMENTS, PROMPT_TEMPLATE_VERSION, prompt_messages
from procskill.scorers import (
    JUDGE_PATHS,
    answer_compliance,
    answer_format_score,
    extract,
    procedural_delta,
    role_judges,
)
from procskill.skills import (
    BUILTIN_DIR,
    CATALOG_VERSION,
    SPLITS,
    SkillPack,
    TaskRecord,
    content_hash,
    load_packs,
    select_packs,
    verify_manifest,
)
from procskill.skills._size import block_sizes
from procskill.solvers import BLOCK_TOKENS_KEY, RUN_FACTS_KEY, episode_setup, generate_response

TASK_VERSION = "1.4.0"
"""1.4.0: a judge's score is keyed by its path (``llm``; ``llm1`` for a second judge on it), not ``llm@<judge>``,
so ``inspect score LOG`` re-creates it; its metadata names the judge, and procskill's readers still call it
``llm@<judge>`` (:func:`procskill.scorers.score_label`); generation and the empty-completion check are one
solver (:func:`procskill.solvers.generate_response`). Prompts and verdicts unchanged.
1.3.0: any Agent Skills ``SKILL.md`` body is a block (the built-in catalog 2.0.0 uses the spec's ids); the task
metadata ``skill_blocks`` gives each block's length in characters and the pack files not shown to the model; each
skill episode's metadata ``block_tokens`` its length in the evaluated model's tokens. Prompts and verdicts unchanged.
1.2.0: the task needs no model; the evaluated model, generation settings and checkpoint metadata are in
each sample's metadata (``procskill_run``) instead of the task metadata; an ``answer_format`` score holds
the ANSWER-line compliance (was each path's score metadata, wrong over epochs); Δ is the headline metric;
per-skill metrics are opt-in. Prompts and pass/fail verdicts are unchanged.
1.1.0: samples no longer carry the task text and the procedure block in their metadata (the input and
the solver hold them); prompts, scoring and results are unchanged, and 1.0.0 logs still re-judge and report."""
DEFAULT_MAX_TOKENS = 2048
"""Room for a five-step worked procedure plus the ANSWER line: the built-in worked
solutions are 60–400 tokens; small models restate the procedure at length."""

SCORING_PATHS = ("extract", "bench", "llm")
"""Scoring paths the task accepts in ``scoring``."""

ALL, BUILTIN = "all", "builtin"
"""The defaults of ``-T skills`` (every skill) and ``-T skills_dir`` (the built-in catalog)."""


def record_to_sample(record: TaskRecord, pack: SkillPack, condition: str) -> Sample:
    """One episode: a task in one condition.

    The sample input is the base prompt (its task text is :func:`procskill.prompts.task_text`);
    :func:`procskill.solvers.procedure_block` adds the block for the ``skill`` condition.
    """
    metadata: dict[str, Any] = {
        "task_id": record.id,
        "skill": pack.id,
        "domain": pack.domain,
        "condition": condition,
        "answer_type": record.answer_type,
        "split": record.split,
    }
    if record.rubric:
        metadata["rubric"] = record.rubric
    return Sample(
        id=f"{record.id}:{condition}",
        input=prompt_messages(record.prompt),
        target=record.target,
        metadata=metadata,
    )


class TaskParameterError(ProcskillError, PrerequisiteError):
    """A ``-T`` parameter the task cannot run with. Inspect prints a ``PrerequisiteError`` as its message
    alone (no traceback) when it reaches the top level; the CLI catches it as a :class:`ProcskillError`."""

    def __init__(self, message: str) -> None:
        ProcskillError.__init__(self, message)
        self.message = message


@functools.cache
def _printable(kind: type[Exception]) -> type[Exception]:
    # The same error class (callers keep catching e.g. SkillPackError), also a PrerequisiteError.
    return type(
        kind.__name__,
        (kind, PrerequisiteError),
        {"__module__": kind.__module__, "__qualname__": kind.__qualname__},
    )


@contextmanager
def _one_line_errors(*kinds: type[Exception]) -> Iterator[None]:
    """Re-raise user-fixable errors so that Inspect prints their message alone (one line under ``inspect eval``),
    keeping their class (a subclass that is also an Inspect ``PrerequisiteError``)."""
    try:
        yield
    except PrerequisiteError:
        raise
    except (ProcskillError, *kinds) as err:
        try:
            clean = _printable(type(err))(*err.args)
        except Exception:  # noqa: BLE001 - a class with another constructor: fall back to ours
            raise TaskParameterError(str(err)) from None
        clean.message = str(err)  # type: ignore[attr-defined]
        raise clean from None


def _given(value: Any, name: str, what: str) -> Any:
    # Inspect passes an empty `-T name=` as None, never as "": every default here is a non-None value,
    # so None can only mean "given empty" — an error, not a silent default.
    if value is None:
        raise TaskParameterError(f"-T {name}= is empty: give {what}, or leave -T {name} out")
    return value


def _parse_list(value: str | list[str], name: str, what: str) -> list[str]:
    items = _given(value, name, what)
    items = items.split(",") if isinstance(items, str) else list(items)
    items = [str(i).strip() for i in items if str(i).strip()]
    if not items:
        raise TaskParameterError(f"-T {name}= is empty: give {what}, or leave -T {name} out")
    return items


def _bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(_given(value, name, "true or false")).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise TaskParameterError(f"-T {name} must be true or false; got {value!r}")


def configuration_tags(
    model: str,
    model_args: dict[str, Any] | None = None,
    conditions: str = "both",
    base_model: str | None = None,
    recipe: str | None = None,
) -> list[str]:
    """Tags naming a configuration, for ``--tags`` / ``eval(tags=...)`` (the viewer's log list shows them).

    The task itself tags each log with its condition set, split and scoring paths; the model is only
    known once Inspect runs it, and Inspect takes tags before that, so whoever picks the model (a study
    runner, a script) passes these: the model, and for a local checkpoint its base model and recipe.

    Args:
        model: The model as given to Inspect (``hf/local``, ``openai/gpt-5.4``).
        model_args: Its model args (``model_path`` for ``hf/local``).
        conditions: The ``-T condition`` value.
        base_model: A checkpoint's base model, when known before the checkpoint exists (a study plans
            its evaluations before training); else read from the checkpoint's metadata (the
            ``model_path`` folder, the model folder, or the adapter folder of ``vllm/<base>:<adapter>``).
        recipe: A checkpoint's recipe name (as ``base_model``).

    Returns:
        ``model:<name>``, ``base_model:<name>`` and ``recipe:<name>`` (checkpoints), ``conditions:<set>``.
    """
    from procskill.checkpoint_meta import find_checkpoint_metadata, recipe_name

    path = (model_args or {}).get("model_path")
    tags = [f"model:{path or model}"]
    if base_model is None and recipe is None:
        # a vLLM LoRA adapter is named `vllm/<base>:<adapter folder>` (Inspect's vllm provider)
        adapter = model.partition(":")[2] if model.startswith("vllm/") else None
        meta = find_checkpoint_metadata(adapter, path, model.removeprefix("hf/")) or {}
        base_model, recipe = meta.get("base_model"), recipe_name(meta)
    if base_model:
        tags.append(f"base_model:{base_model}")
    if recipe:
        tags.append(f"recipe:{recipe}")
    tags.append(f"conditions:{conditions}")
    return tags


@task
def procskill(
    condition: str = "both",
    split: str = "holdout",
    skills: str | list[str] = "all",
    skills_dir: str = "builtin",
    scoring: str | list[str] = "extract",
    placement: str = "user",
    judges: str | list[str] = "grader",
    per_skill: bool = False,
) -> Task:
    """Paired procedural-skill evaluation: each task without and with its procedure block.

    Args:
        condition: ``both`` (each task once per condition), ``base`` (task only) or
            ``skill`` (task + procedure block).
        split: ``holdout`` (the frozen 200-task test set) or ``train`` (the SFT pool).
        skills: Skill ids to run (comma-separated or a list); ``all`` (the default) runs every skill.
        skills_dir: A folder of your own skill packs; ``builtin`` (the default) is the built-in catalog.
        scoring: Comma list of scoring paths, each a named score in the log: ``extract``
            (deterministic ANSWER-line scorer; the offline default), ``bench`` (extractor
            for deterministic tasks, judge for free-form ones) and ``llm`` (judge on every
            task). A judge's score is keyed by its path (``llm``, ``llm1`` for a second judge) and
            named ``<path>@<judge model>`` by procskill's readers (:func:`procskill.scorers.score_label`).
        placement: Where the block goes: ``user`` (before the task) or ``system``.
        judges: Comma list of model roles whose models judge the ``bench``/``llm`` paths
            (bind each with ``--model-role grader=provider/model``); a role bound to a
            list of models gives one judge score per model.
        per_skill: Also put the pass rate per skill and condition in the log's metrics
            (``<skill>:<condition>`` keys; off by default: the report has the per-skill view).

    Every parameter must be non-empty: an empty ``-T name=`` is an error, never the default.

    Returns:
        The task. It needs no model: the evaluated model, its generation settings, parameter
        count and checkpoint metadata are recorded while it runs (sample metadata
        ``procskill_run``, see :func:`procskill.solvers.record_run`). The task metadata records
        the dataset version and content hash; the headline metric is ``delta``; every log also
        has an ``answer_format`` score (ANSWER-line compliance per condition).

    Raises:
        TaskParameterError: A parameter is empty, unknown or selects no tasks.
    """
    condition = _given(condition, "condition", "both, base or skill")
    if condition not in (*CONDITIONS, "both"):
        raise TaskParameterError(f"-T condition must be both, base or skill; got {condition!r}")
    split = _given(split, "split", f"one of {', '.join(SPLITS)}")
    if split not in SPLITS:
        raise TaskParameterError(f"-T split must be one of {', '.join(SPLITS)}; got {split!r}")
    placement = _given(placement, "placement", f"one of {', '.join(PLACEMENTS)}")
    if placement not in PLACEMENTS:
        raise TaskParameterError(f"-T placement must be one of {', '.join(PLACEMENTS)}; got {placement!r}")
    paths = _parse_list(scoring, "scoring", f"a comma list of {', '.join(SCORING_PATHS)}")
    unknown = [p for p in paths if p not in SCORING_PATHS]
    if unknown:
        raise TaskParameterError(
            f"-T scoring: unknown path(s) {', '.join(unknown)}; choose from {', '.join(SCORING_PATHS)}"
        )
    judge_paths = [p for p in paths if p in JUDGE_PATHS]
    judge_roles = (
        _parse_list(judges, "judges", "a comma list of model roles (e.g. grader)") if judge_paths else []
    )
    skills_dir = _given(skills_dir, "skills_dir", "a folder of skill packs")
    per_skill = _bool(per_skill, "per_skill")

    folder = BUILTIN_DIR if skills_dir == BUILTIN else Path(skills_dir)
    selected = None if skills == ALL else _parse_list(skills, "skills", "a comma list of skill ids")
    with _one_line_errors():
        all_packs = load_packs(folder)
        version = verify_manifest(folder, all_packs, split) or "unversioned"
        packs = select_packs(all_packs, selected, folder) if selected else all_packs
    conditions = list(CONDITIONS) if condition == "both" else [condition]
    samples = [
        record_to_sample(record, pack, cond)
        for pack in packs
        for record in pack.split(split)
        for cond in conditions
    ]
    if not samples:
        raise TaskParameterError(f"{folder}: no {split} tasks in the selected skills")

    scorers: list[Scorer] = []
    for path in paths:
        if path in JUDGE_PATHS:
            with _one_line_errors(ValueError):  # a role with no model bound says which option binds one
                scorers += role_judges(path, judge_roles)
        else:
            scorers.append(extract())
    scorers.append(answer_format_score())
    metadata = {
        "procskill_version": TASK_VERSION,
        "dataset": {
            "source": "builtin" if folder == BUILTIN_DIR else str(folder),
            "catalog_version": CATALOG_VERSION if folder == BUILTIN_DIR else version,
            "split": split,
            "content_hash": content_hash(packs, split),
            "skills": [p.id for p in packs],
            "tasks": len(samples) // len(conditions),
            "prompt_template_version": PROMPT_TEMPLATE_VERSION,
        },
        "conditions": conditions,
        "placement": placement,
        "scoring": paths,
        "run_facts": f"sample metadata {RUN_FACTS_KEY!r} (model, generation settings, checkpoint)",
        "skill_blocks": block_sizes(
            packs,
            None,
            f"counted per skill episode: sample metadata {BLOCK_TOKENS_KEY!r} (evaluated model's tokenizer)",
        ),
    }
    path_metrics = [procedural_delta(per_skill=True)] if per_skill else None
    return Task(
        dataset=MemoryDataset(samples, name=f"procskill-{split}"),
        setup=episode_setup({p.id: p.block for p in packs}, placement),
        solver=[generate_response()],
        scorer=scorers,
        metrics=[*path_metrics, answer_compliance()] if path_metrics else None,
        config=GenerateConfig(max_tokens=DEFAULT_MAX_TOKENS),
        metadata=metadata,
        headline_metric=HeadlineMetric(metric="delta"),
        tags=[f"conditions:{condition}", f"split:{split}", *(f"scoring:{p}" for p in paths)],
        version=TASK_VERSION,
    )
