"""Agreement between two named scores of the same logs (judge vs judge, extractor vs judge).

Scores are named as procskill's readers name them (:func:`procskill.scorers.score_label`):
``extract``, or ``<path>@<judge>`` for a judge, whatever key the log gives it.

Every number comes from :func:`procskill.stats.agreement` — the same function, on the same
episodes and with the same clusters, as the report's judge-agreement table, so ``procskill
agreement`` and ``report.md`` print the same κ for the same logs: raw agreement, Cohen's κ
with a bootstrap interval (tasks resampled: a task's episodes stay together), each score's pass rate
(prevalence) and the 2×2 table. An episode counts when both scores gave it a verdict;
episodes that either score left unscored (a free-form task on the ``extract`` path, an
unparseable judge reply) are excluded and counted. A log that lacks either score (a plain
evaluation kept beside judged runs in one folder) is skipped and reported, not an error,
unless no log has both. Each evaluation is counted once (a copy of a log, found twice in a
folder tree, has the same eval id); an unreadable file or an unfinished evaluation is skipped
with a note naming it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from inspect_ai.log import (
    EvalSample,
    EvalSampleSummary,
    read_eval_log,
    read_eval_log_sample_summaries,
)
from inspect_ai.scorer import value_to_float

from procskill import stats
from procskill.analysis._logfiles import is_procskill_log, log_files
from procskill.errors import ProcskillError
from procskill.scorers import verdict_keys

POOLED = "pooled"


@dataclass(frozen=True)
class AgreementRow:
    """Agreement of scores ``a`` and ``b`` over one configuration's episodes (or all, pooled).

    ``table`` is ``[[both_fail, a_fail_b_pass], [a_pass_b_fail, both_pass]]``. When both
    scores give every episode the same single verdict, κ is undefined (0/0); it is
    reported as 1.0 with ``degenerate=True`` (see :class:`procskill.stats.Agreement`).
    With no comparable episode at all, the numbers are NaN and ``degenerate=True``.
    """

    configuration: str
    """The evaluated model and log file, or ``pooled``."""
    model: str | None
    log: str | None
    a: str
    b: str
    n: int
    agreement: float
    kappa: float
    kappa_low: float
    kappa_high: float
    prevalence_a: float
    prevalence_b: float
    table: list[list[int]]
    degenerate: bool
    excluded: int
    """Episodes without a verdict from both scores."""
    degenerate_replicates: int = 0
    """Bootstrap replicates where κ was undefined (dropped from the interval, never counted as 1)."""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SkippedLog:
    """A log left out of the agreement because it lacks one or both scores."""

    log: str
    model: str
    missing: list[str]
    """The requested score names the log does not have."""
    scores: list[str]
    """The score names it does have."""
    status: str
    """The evaluation's status (an unfinished or failed evaluation has no scores yet)."""
    note: str | None = None
    """Why the log was skipped when it is not a missing score."""

    @property
    def reason(self) -> str:
        if self.note:
            return self.note
        missing = " and ".join(repr(m) for m in self.missing)
        status = "" if self.status == "success" else f" (evaluation status: {self.status})"
        return f"no score named {missing}; the log has {self.scores}{status}"


class AgreementRows(list[AgreementRow]):
    """The rows of :func:`agreement` (a list), plus the logs it skipped."""

    def __init__(self, rows: Sequence[AgreementRow] = (), skipped: Sequence[SkippedLog] = ()) -> None:
        super().__init__(rows)
        self.skipped: list[SkippedLog] = list(skipped)


def paired_verdicts(
    samples: Sequence[EvalSample | EvalSampleSummary], a: str, b: str, where: str = ""
) -> tuple[list[int], list[int], list[str], int]:
    """The pass/fail verdicts of scores ``a`` and ``b`` on a log's episodes.

    Args:
        samples: The log's samples, or their summaries (which hold every score and the metadata read here).
        a: A score label (:func:`procskill.scorers.score_label`).
        b: Another.
        where: The log, for error messages.

    Returns:
        ``(verdicts_a, verdicts_b, tasks, excluded)`` over the episodes both scored;
        ``tasks`` is each episode's task id (the resampling cluster of κ).

    Raises:
        ProcskillError: A score is not in the log, or gives a value other than pass/fail.
    """
    keys = verdict_keys(samples)
    for name in (a, b):
        if name not in keys:
            raise ProcskillError(f"{where}: no score named {name!r}; the log has {sorted(keys)}")
    va: list[int] = []
    vb: list[int] = []
    tasks: list[str] = []
    excluded = 0
    to_float = value_to_float()
    for sample in samples:
        scores = sample.scores or {}
        pair = [scores.get(keys[a]), scores.get(keys[b])]
        values = [to_float(s.value) if s is not None else math.nan for s in pair]
        if any(math.isnan(v) for v in values):
            excluded += 1
            continue
        for name, value in zip((a, b), values):
            if value not in (0.0, 1.0):
                raise ProcskillError(
                    f"{where}: sample {sample.id} epoch {sample.epoch}: score {name!r} is {value}; "
                    "agreement needs pass (1) / fail (0) verdicts"
                )
        va.append(int(values[0]))
        vb.append(int(values[1]))
        meta = sample.metadata or {}
        tasks.append(str(meta.get("task_id", sample.id)))
    return va, vb, tasks, excluded


def agreement(
    logs: str | Path | Sequence[str | Path],
    a: str,
    b: str,
    resamples: int = stats.DEFAULT_RESAMPLES,
    seed: int = stats.DEFAULT_SEED,
) -> AgreementRows:
    """Agreement of two named scores, per configuration (log) and pooled over the logs that have both.

    Args:
        logs: Log files and/or folders (searched recursively; logs of other tasks in a
            folder are ignored).
        a: A score name, e.g. ``extract`` or ``llm@anthropic/claude-haiku-4-5``.
        b: Another score name, e.g. ``llm@openrouter/openai/gpt-5.4``.
        resamples: Bootstrap replicates for the κ interval.
        seed: Bootstrap seed.

    Returns:
        One row per log that has both scores, then the ``pooled`` row (a task's episodes in
        every log resampled together); ``.skipped`` lists the logs not used and why (lacking
        a score, unreadable, unfinished, or a copy of an evaluation already counted).

    Raises:
        ProcskillError: No log has both scores (the message names every log and the scores it
            has), or a score is not a pass/fail verdict.
    """
    rows = AgreementRows()
    pooled_a: list[int] = []
    pooled_b: list[int] = []
    pooled_strata: list[str] = []
    pooled_excluded = 0
    seen: dict[str, str] = {}
    for file, named in log_files(logs):
        # the header and the sample summaries hold all that is read: no log is read in full
        try:
            header = read_eval_log(str(file), header_only=True)
        except Exception as err:  # noqa: BLE001 - one corrupt file must not stop the folder
            rows.skipped.append(
                SkippedLog(
                    str(file), "?", [], [], "unreadable", note=f"unreadable ({type(err).__name__}: {err})"
                )
            )
            continue
        if not is_procskill_log(header) and not named:
            continue
        if header.eval.eval_id in seen:
            rows.skipped.append(
                SkippedLog(
                    str(file),
                    header.eval.model,
                    [],
                    [],
                    header.status,
                    note=f"the same evaluation (eval id {header.eval.eval_id}) as "
                    f"{seen[header.eval.eval_id]}: counted once",
                )
            )
            continue
        seen[header.eval.eval_id] = str(file)
        if header.status != "success":
            rows.skipped.append(
                SkippedLog(
                    str(file),
                    header.eval.model,
                    [],
                    [],
                    header.status,
                    note=f"evaluation status {header.status!r} (only finished runs count)",
                )
            )
            continue
        summaries = read_eval_log_sample_summaries(str(file))
        names = sorted(verdict_keys(summaries))
        missing = [name for name in (a, b) if name not in names]
        if missing:
            rows.skipped.append(SkippedLog(str(file), header.eval.model, missing, names, header.status))
            continue
        va, vb, tasks, excluded = paired_verdicts(summaries, a, b, where=str(file))
        rows.append(
            _row(
                f"{header.eval.model} [{file.name}]",
                header.eval.model,
                str(file),
                a,
                b,
                va,
                vb,
                tasks,
                excluded,
                resamples,
                seed,
            )
        )
        pooled_a += va
        pooled_b += vb
        pooled_strata += tasks
        pooled_excluded += excluded
    if not rows:
        why = "\n".join(f"  {s.log}: {s.reason}" for s in rows.skipped) or "  (no procskill logs among them)"
        raise ProcskillError(f"no log has both scores {a!r} and {b!r}:\n{why}")
    rows.append(
        _row(POOLED, None, None, a, b, pooled_a, pooled_b, pooled_strata, pooled_excluded, resamples, seed)
    )
    return rows


def _row(
    configuration: str,
    model: str | None,
    log: str | None,
    a: str,
    b: str,
    va: list[int],
    vb: list[int],
    strata: list[str],
    excluded: int,
    resamples: int,
    seed: int,
) -> AgreementRow:
    result = stats.agreement(va, vb, strata, resamples=resamples, seed=seed)
    return AgreementRow(
        configuration=configuration, model=model, log=log, a=a, b=b, excluded=excluded, **result.as_dict()
    )
