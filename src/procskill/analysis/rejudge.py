"""Re-judge stored procskill logs: add a judge score without regenerating anything.

Uses Inspect's own re-scoring (:func:`inspect_ai.score_async`, action ``append``), so a
re-judged log is an ordinary Inspect log: the new score sits in every sample and in the
results with its metrics, and the judge calls appear in the sample transcripts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from inspect_ai import score_async
from inspect_ai.log import EvalLog, list_eval_logs, read_eval_log_async, write_eval_log_async
from inspect_ai.model import GenerateConfig, Model, get_model
from inspect_ai.scorer import Score, Scorer, Target, scorer
from inspect_ai.solver import TaskState

from procskill.errors import InputNotFoundError
from procskill.scorers import JUDGE_PATHS, PATH_METRICS, judge_score_name
from procskill.scorers._judge import DEFAULT_JUDGE_CACHE, _judge_path

RETRYABLE_REASONS = ("grader_error",)
"""Unscored reasons a re-run re-judges (a failed judge call); a parse failure is a verdict."""

LOG_SUFFIXES = (".eval", ".json")


@dataclass(frozen=True)
class RejudgeResult:
    """What :func:`rejudge` did to one log."""

    log: str
    score: str
    action: str
    """``added`` (new score), ``redone`` (earlier judge-call failures re-judged),
    ``skipped`` (already judged) or ``not_procskill`` (a log of another task, found in a folder)."""
    judged: int = 0
    """Samples that received the score."""
    unscored: dict[str, int] = field(default_factory=dict)
    """Unscored samples by reason (``grader_failed``, ``grader_error``)."""


def log_files(logs: str | Path | Iterable[str | Path]) -> list[tuple[Path, bool]]:
    """The log files named by ``logs`` (files, or folders searched recursively).

    Returns:
        ``(file, named)`` pairs in a stable order; ``named`` is whether the file was named
        explicitly (a folder's other files may be logs of other tasks).

    Raises:
        InputNotFoundError: A path does not exist, or a folder holds no logs.
    """
    items = [logs] if isinstance(logs, (str, Path)) else list(logs)
    found: dict[Path, bool] = {}
    for item in items:
        path = Path(item)
        if path.is_dir():
            infos = list_eval_logs(str(path), recursive=True, descending=False)
            if not infos:
                raise InputNotFoundError(f"{path}: no Inspect logs (*.eval, *.json) in this folder")
            for info in infos:
                found.setdefault(Path(info.name.removeprefix("file://")), False)
        elif path.is_file():
            found[path] = True
        else:
            raise InputNotFoundError(f"{path}: no such log file or folder")
    return sorted(found.items())


def is_procskill_log(log: EvalLog) -> bool:
    """Whether a log was written by the procskill task (its samples carry what a judge needs)."""
    return "procskill_version" in (log.eval.metadata or {})


def rejudge(
    logs: str | Path | Sequence[str | Path],
    judge: str | Model,
    path: str = "llm",
    max_connections: int | None = None,
    config: GenerateConfig | None = None,
    display: str = "none",
) -> list[RejudgeResult]:
    """Add the score ``<path>@<judge>`` to stored procskill logs, in place.

    Nothing is regenerated and the evaluated model is never loaded (its weights need
    not exist any more): only the judge is called. Re-running with the same judge and
    path is a no-op for logs that have the score already, except that samples whose
    judge call failed (unscored ``grader_error``) are judged again. Judge calls go
    through Inspect's model cache, so judging the same responses again — a rerun,
    another path, or a log whose eval used the same judge — makes no new API calls.

    Args:
        logs: Log files and/or folders (searched recursively).
        judge: The judge model, e.g. ``openai/gpt-5.4`` or ``openrouter/openai/gpt-5.4``
            (or a ``Model``).
        path: ``llm`` (judge every task) or ``bench`` (extractor on deterministic tasks,
            judge on free-form ones).
        max_connections: Concurrent judge calls (Inspect's per-model limit).
        config: Further generation settings for the judge (``timeout``,
            ``attempt_timeout``, ``max_retries``, …).
        display: Inspect's progress display (``none``, ``plain``, ``rich``).

    Returns:
        One :class:`RejudgeResult` per log file.

    Raises:
        ValueError: ``path`` is not a judge path, or a named file is not a procskill log.
        FileNotFoundError: A path does not exist.
    """
    if path not in JUDGE_PATHS:
        raise ValueError(f"--path must be one of {JUDGE_PATHS}, got {path!r}")
    judge_config = (config or GenerateConfig()).merge(GenerateConfig(max_connections=max_connections))
    judge_model = judge if isinstance(judge, Model) else get_model(judge, config=judge_config)
    files = log_files(logs)

    async def run() -> list[RejudgeResult]:
        return [
            await _rejudge_file(file, named, judge_model, path, judge_config, display) for file, named in files
        ]

    return anyio.run(run)


async def _rejudge_file(
    file: Path, named: bool, judge_model: Model, path: str, config: GenerateConfig, display: str
) -> RejudgeResult:
    name = judge_score_name(path, judge_model)
    log = await read_eval_log_async(str(file))
    if not is_procskill_log(log):
        if named:
            raise ValueError(f"{file}: not a procskill log (no procskill_version in the task metadata)")
        return RejudgeResult(str(file), name, "not_procskill")
    if log.status == "started":
        raise ValueError(f"{file}: the evaluation is still running (status 'started'); re-judge it when done")
    if not log.samples:
        raise ValueError(f"{file}: the log has no samples to judge")

    existing = {s.name for s in (log.results.scores if log.results else [])}
    redo = {
        (s.id, s.epoch)
        for s in log.samples
        if (score := (s.scores or {}).get(name)) is not None and score.reason in RETRYABLE_REASONS
    }
    if name in existing and not redo:
        return RejudgeResult(str(file), name, "skipped")
    action = "redone" if name in existing else "added"
    if name in existing:
        _drop_score(log, name)

    skipped = {(s.id, s.epoch) for s in log.samples if s.error is not None}
    max_tokens = ((log.eval.metadata or {}).get("generation") or {}).get("max_tokens")
    judge_scorer = _rejudge_scorer(path, judge_model, config, skipped, max_tokens)
    # Roles bound at eval time (say a Claude grader) would be instantiated by score_async —
    # needing their API keys — though a re-judge never calls them: keep them out of its way.
    roles, log.eval.model_roles = log.eval.model_roles, None
    try:
        log = await score_async(
            log, [judge_scorer], model=get_model("none"), action="append", display=display, copy=False  # type: ignore[arg-type]
        )
    finally:
        log.eval.model_roles = roles
    await write_eval_log_async(log, str(file))

    scores = [s.scores[name] for s in log.samples or [] if s.scores and name in s.scores]
    unscored = Counter(str(s.reason) for s in scores if s.reason is not None and s.value != s.value)
    return RejudgeResult(str(file), name, action, judged=len(scores), unscored=dict(unscored))


def _rejudge_scorer(
    path: str, model: Model, config: GenerateConfig, skipped: set[tuple[Any, int]], max_tokens: int | None
) -> Scorer:
    """The judge as :func:`procskill.scorers.judge` builds it, minus samples that errored
    during the eval (never scored, so never judged: they have no final response)."""

    def judge_path(path: str, judge: str, model_role: str | None) -> Scorer:
        inner = _judge_path(path, model, None, DEFAULT_JUDGE_CACHE, config, max_tokens)

        async def score(state: TaskState, target: Target) -> Score | None:
            if (state.sample_id, state.epoch) in skipped:
                return None
            return await inner(state, target)

        return score

    named = scorer(metrics=PATH_METRICS, name=judge_score_name(path, model))(judge_path)
    return named(path=path, judge=str(model), model_role=None)


def _drop_score(log: EvalLog, name: str) -> None:
    for sample in log.samples or []:
        if sample.scores:
            sample.scores.pop(name, None)
    if log.results:
        log.results.scores = [s for s in log.results.scores if s.name != name]
    if log.eval.scorers:
        log.eval.scorers = [s for s in log.eval.scorers if s.name != name]
    if log.reductions:
        log.reductions = [r for r in log.reductions if r.scorer != name]
