"""What the log records about the model actually evaluated, captured while it runs.

The task factory never sees the model (``eval(procskill(), model=X)`` builds the task before a model
exists), so :func:`record_run` — the first solver of every episode — reads the active model and the
generation settings in force and writes them into the episode's metadata under :data:`RUN_FACTS_KEY`.
Scorers read the token limit from there, so ``inspect score`` re-scores with the settings of the run.
"""

from __future__ import annotations

import json
from typing import Any

from inspect_ai.model import GenerateConfig, Model, ModelInfo, get_model, set_model_info
from inspect_ai.solver import Generate, Solver, TaskState, solver

from procskill.checkpoint_meta import find_checkpoint_metadata

RUN_FACTS_KEY = "procskill_run"
"""Sample-metadata key of the run facts: ``model`` (``name``, ``parameters``), ``generation``
(``max_tokens``, ``temperature``, ``top_p``, ``seed``, ``enable_thinking``, ``do_sample``,
``reasoning_effort``) and ``checkpoint`` (a local checkpoint's ``procskill_checkpoint.json``, else ``None``)."""


def active_generate_config() -> GenerateConfig:
    """The generation settings the active model generates with: its own config merged with the task's and
    the eval's (``max_tokens=`` of ``eval()``, ``--max-tokens``), exactly as Inspect merges them for a call.

    Inspect has no public accessor for the task/eval part; ``tests/core/test_task_forms.py`` fails loudly if
    the private one moves.
    """
    from inspect_ai.model._generate_config import active_generate_config as _active

    return get_model().config.merge(_active())


def generation_settings(model: Model, config: GenerateConfig) -> dict[str, Any]:
    """The settings that decide comparability of two runs (the report's ``settings``)."""
    args = model.model_args
    # The hf provider takes the thinking switch as `-M enable_thinking`; a vLLM (OpenAI-compatible) server
    # takes it per request as `--extra-body` chat_template_kwargs. Either way it is the same setting.
    template_kwargs = (config.extra_body or {}).get("chat_template_kwargs")
    thinking = template_kwargs.get("enable_thinking") if isinstance(template_kwargs, dict) else None
    return {
        "max_tokens": config.max_tokens,
        "temperature": config.temperature,
        "top_p": config.top_p,
        "seed": config.seed,
        "enable_thinking": args.get("enable_thinking", thinking),
        "do_sample": args.get("do_sample"),
        "reasoning_effort": config.reasoning_effort,
    }


def _model_facts(model: Model) -> dict[str, Any]:
    """Name, parameter count of locally loaded weights, and a local checkpoint's metadata file (a merged
    checkpoint's folder, or the adapter folder of ``vllm/<base>:<adapter>``)."""
    weights = getattr(model.api, "model", None)
    parameters = sum(p.numel() for p in weights.parameters()) if hasattr(weights, "parameters") else None
    # A LoRA adapter served by vLLM is named `vllm/<base>:<adapter folder>`; Inspect's vllm provider parses
    # that name into `api.adapter`. Its checkpoint is the adapter folder, to which training gives the same
    # metadata as to a merged checkpoint (so the report pairs it with its base model the same way).
    adapter = getattr(getattr(model.api, "adapter", None), "path", None)
    checkpoint = find_checkpoint_metadata(adapter, model.model_args.get("model_path"), model.name)
    return {"model": {"name": str(model), "parameters": parameters}, "checkpoint": checkpoint}


def register_local_model_info(model: str | Model) -> None:
    """Register model info for an ``hf/`` model so Inspect never instantiates it a second time to look it
    up (that loads the weights twice: measured, one load with registration, two without)."""
    name = str(model)
    if name.startswith("hf/"):
        set_model_info(name, ModelInfo(organization="local", model=name.removeprefix("hf/")))


@solver
def record_run() -> Solver:
    """Record the evaluated model and its generation settings in each episode's metadata.

    Run first: the facts (see :data:`RUN_FACTS_KEY`) describe the model Inspect is running, whichever way
    the task was called (``inspect eval``, ``eval()``, ``task_with``, ``eval_set``). The parameter count
    and checkpoint metadata are computed once per model.

    Returns:
        A solver that only writes metadata.
    """
    per_model: dict[str, dict[str, Any]] = {}

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        model = get_model()
        key = json.dumps([str(model), model.model_args], sort_keys=True, default=str)
        if key not in per_model:
            register_local_model_info(model)
            per_model[key] = _model_facts(model)
        facts = per_model[key]
        state.metadata[RUN_FACTS_KEY] = {
            "model": facts["model"],
            "generation": generation_settings(model, active_generate_config()),
            "checkpoint": facts["checkpoint"],
        }
        return state

    return solve


def recorded_max_tokens(state: TaskState) -> int | None:
    """The token limit the episode was generated with: as recorded by :func:`record_run` (so a re-score
    with ``inspect score`` uses the run's limit), else the active one."""
    facts = state.metadata.get(RUN_FACTS_KEY)
    if isinstance(facts, dict):
        return (facts.get("generation") or {}).get("max_tokens")
    try:
        return active_generate_config().max_tokens
    except Exception:  # noqa: BLE001 - no active model (a scorer called outside an eval)
        return None


def logged_run_facts(
    task_metadata: dict[str, Any] | None, sample_metadata: list[dict[str, Any] | None]
) -> dict[str, Any]:
    """The run facts of one log, for readers of logs (the report, re-judging, training corpora).

    Args:
        task_metadata: ``log.eval.metadata``.
        sample_metadata: The metadata of the log's samples (``EvalSample`` or ``EvalSampleSummary``).

    Returns:
        ``model`` (``name``, ``parameters``), ``generation`` and ``checkpoint``: from the samples (task
        1.2.0+, recorded by :func:`record_run`; the first sample that has them — one eval runs one model),
        else from the task metadata (logs of task 1.1.0 and earlier recorded them there); ``{}`` when
        neither has them.
    """
    for meta in sample_metadata:
        facts = (meta or {}).get(RUN_FACTS_KEY)
        if isinstance(facts, dict):
            return facts
    legacy = task_metadata or {}
    if "generation" in legacy:
        return {k: legacy.get(k) for k in ("model", "generation", "checkpoint")}
    return {}
