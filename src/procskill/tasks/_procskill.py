"""The ``procskill`` Inspect task: paired base vs skill-block episodes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import GenerateConfig, Model, ModelInfo, get_model, set_model_info
from inspect_ai.scorer import Scorer
from inspect_ai.solver import generate

from procskill.checkpoint_meta import read_checkpoint_metadata
from procskill.prompts import CONDITIONS, PLACEMENTS, PROMPT_TEMPLATE_VERSION, prompt_messages
from procskill.scorers import JUDGE_PATHS, extract, role_judges
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
from procskill.solvers import procedure_block, require_completion

TASK_VERSION = "1.1.0"
"""1.1.0: samples no longer carry the task text and the procedure block in their metadata (the input and
the solver hold them); prompts, scoring and results are unchanged, and 1.0.0 logs still re-judge and report."""
DEFAULT_MAX_TOKENS = 2048
"""Room for a five-step worked procedure plus the ANSWER line: the built-in worked
solutions are 60–400 tokens; small models restate the procedure at length."""

SCORING_PATHS = ("extract", "bench", "llm")
"""Scoring paths the task accepts in ``scoring``."""


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


def _parse_list(value: str | list[str] | None, name: str) -> list[str] | None:
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else list(value)
    items = [i.strip() for i in items if i.strip()]
    if not items:
        raise ValueError(f"-T {name}= is empty")
    return items


def _generation_settings(model: Model) -> dict[str, Any]:
    config = model.config
    args = model.model_args
    # The hf provider takes the thinking switch as `-M enable_thinking`; a vLLM (OpenAI-compatible) server
    # takes it per request as `--extra-body` chat_template_kwargs. Either way it is the same setting.
    template_kwargs = (config.extra_body or {}).get("chat_template_kwargs")
    thinking = template_kwargs.get("enable_thinking") if isinstance(template_kwargs, dict) else None
    return {
        "max_tokens": config.max_tokens or DEFAULT_MAX_TOKENS,
        "temperature": config.temperature,
        "top_p": config.top_p,
        "seed": config.seed,
        "enable_thinking": args.get("enable_thinking", thinking),
        "do_sample": args.get("do_sample"),
        "reasoning_effort": config.reasoning_effort,
    }


def _model_description(model: Model) -> dict[str, Any]:
    """Name and, for locally loaded weights, the parameter count (the report's model size)."""
    weights = getattr(model.api, "model", None)
    parameters = sum(p.numel() for p in weights.parameters()) if hasattr(weights, "parameters") else None
    return {"name": str(model), "parameters": parameters}


def _local_checkpoint(model: Model) -> dict[str, Any] | None:
    # A LoRA adapter served by vLLM is named `vllm/<base>:<adapter folder>` (Inspect's vllm provider):
    # its checkpoint is the adapter folder, which training gives the same metadata as a merged checkpoint
    adapter = model.name.partition(":")[2] if str(model).startswith("vllm/") else None
    for candidate in (adapter, model.model_args.get("model_path"), model.name):
        if candidate and Path(str(candidate)).is_dir():
            return read_checkpoint_metadata(candidate)
    return None


def _default_config(model: Model) -> GenerateConfig:
    # Without --max-connections Inspect runs at most 20 samples at once (adaptive connections) while the
    # hf provider waits for max_connections() = 32 requests before generating: every batch then idles
    # the provider's 2 s flush. Equal numbers make batches fill; --max-connections still overrides.
    if str(model).startswith("hf/"):
        return GenerateConfig(max_tokens=DEFAULT_MAX_TOKENS, max_connections=model.api.max_connections())
    return GenerateConfig(max_tokens=DEFAULT_MAX_TOKENS)


def _register_local_model_info(model: Model) -> None:
    # The hf provider otherwise looks the model up by instantiating it a second time,
    # loading the weights twice (see STACK_NOTES): registering its info avoids that.
    if str(model).startswith("hf/"):
        set_model_info(str(model), ModelInfo(organization="local", model=model.name))


@task
def procskill(
    condition: str = "both",
    split: str = "holdout",
    skills: str | list[str] | None = None,
    skills_dir: str | None = None,
    scoring: str | list[str] = "extract",
    placement: str = "user",
    judges: str | list[str] = "grader",
) -> Task:
    """Paired procedural-skill evaluation: each task without and with its procedure block.

    Args:
        condition: ``both`` (each task once per condition), ``base`` (task only) or
            ``skill`` (task + procedure block).
        split: ``holdout`` (the frozen 200-task test set) or ``train`` (the SFT pool).
        skills: Skill ids to run (comma-separated or a list); all by default.
        skills_dir: A folder of your own skill packs instead of the built-in catalog.
        scoring: Comma list of scoring paths, each a named score in the log: ``extract``
            (deterministic ANSWER-line scorer; the offline default), ``bench`` (extractor
            for deterministic tasks, judge for free-form ones) and ``llm`` (judge on every
            task). Judge scores are named ``<path>@<judge model>``.
        placement: Where the block goes: ``user`` (before the task) or ``system``.
        judges: Comma list of model roles whose models judge the ``bench``/``llm`` paths
            (bind each with ``--model-role grader=provider/model``); a role bound to a
            list of models gives one judge score per model.

    Returns:
        The task. Its metadata records the dataset version and content hash, the
        generation settings and, for a local checkpoint, its metadata file.
    """
    if condition not in (*CONDITIONS, "both"):
        raise ValueError(f"-T condition must be both, base or skill; got {condition!r}")
    if split not in SPLITS:
        raise ValueError(f"-T split must be one of {SPLITS}; got {split!r}")
    if placement not in PLACEMENTS:
        raise ValueError(f"-T placement must be one of {PLACEMENTS}; got {placement!r}")
    paths = _parse_list(scoring, "scoring") or []
    unknown = [p for p in paths if p not in SCORING_PATHS]
    if unknown:
        raise ValueError(f"-T scoring: unknown path(s) {unknown}; choose from {SCORING_PATHS}")

    folder = Path(skills_dir) if skills_dir else BUILTIN_DIR
    all_packs = load_packs(folder)
    version = verify_manifest(folder, all_packs, split) or "unversioned"
    selected = _parse_list(skills, "skills")
    packs = select_packs(all_packs, selected, folder) if selected else all_packs
    conditions = list(CONDITIONS) if condition == "both" else [condition]
    samples = [
        record_to_sample(record, pack, cond)
        for pack in packs
        for record in pack.split(split)
        for cond in conditions
    ]
    if not samples:
        raise ValueError(f"{folder}: no {split} tasks in the selected skills")

    model = get_model()
    _register_local_model_info(model)
    generation = _generation_settings(model)
    judge_roles = _parse_list(judges, "judges") or []
    scorers: list[Scorer] = []
    for path in paths:
        if path in JUDGE_PATHS:
            scorers += role_judges(path, judge_roles, generation["max_tokens"])
        else:
            scorers.append(extract(generation["max_tokens"]))
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
        "model": _model_description(model),
        "generation": generation,
        "checkpoint": _local_checkpoint(model),
    }
    return Task(
        dataset=MemoryDataset(samples, name=f"procskill-{split}"),
        solver=[procedure_block({p.id: p.block for p in packs}, placement), generate(), require_completion()],
        scorer=scorers,
        config=_default_config(model),
        metadata=metadata,
        version=TASK_VERSION,
    )
