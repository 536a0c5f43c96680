"""Re-judge stored procskill logs: add a judge score without regenerating anything.

Built on the public judge scorer (:func:`procskill.scorers.judge`, registered as
``procskill/judge``) and Inspect's own re-scoring (:func:`inspect_ai.score_async`, action
``append``), so a re-judged log is an ordinary Inspect log: the new score sits in every
sample and in the results with its metrics, and the judge calls appear in the sample
transcripts.

Several re-judges may run on the same logs at once (say one per judge): each judges its own
copy, then, holding an exclusive lock on the log file, reads the log again, adds its score to
what is there now and writes it back. So every judge's score ends up in the log, whichever
finishes first.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import anyio
from anyio import to_thread
from inspect_ai import score_async
from inspect_ai.log import EvalLog, read_eval_log_async, write_eval_log_async
from inspect_ai.model import GenerateConfig, Model, get_model
from inspect_ai.scorer._scorer import unique_scorer_name

from procskill.analysis._logfiles import (  # noqa: F401 - re-exported: the log discovery every command shares
    LOG_SUFFIXES,
    LogHeader,
    duplicate_note,
    is_procskill_log,
    log_files,
    log_headers,
    unreadable_note,
)
from procskill.errors import ProcskillError
from procskill.scorers import JUDGE_PATHS, judge, judge_label, score_keys
from procskill.solvers import logged_run_facts

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; concurrent re-judges of one log are not merged
    fcntl = None  # type: ignore[assignment]

RETRYABLE_REASONS = ("grader_error",)
"""Unscored reasons a re-run re-judges (a failed judge call); a parse failure is a verdict."""

STAGING_PREFIX = ".procskill-rejudge-"
"""Folders (next to the logs) in which a re-judge writes a log before moving it into place;
one left by a killed re-judge is removed by the next re-judge of that folder."""
_OWNER = "owner.lock"
_INSPECT_TEMP = re.compile(r"\.inspect_tmp_.*\.writing")
STALE_TEMP_SECONDS = 600
"""Age after which an Inspect temporary log file (``.inspect_tmp_*.writing``) is left over from
a killed write: a live write appends to it continuously."""

JUDGE_NAME = re.compile(r"[A-Za-z0-9_.-]+/\S+")


@dataclass(frozen=True)
class RejudgeResult:
    """What :func:`rejudge` did to one log."""

    log: str
    score: str
    action: str
    """``added`` (new score), ``redone`` (earlier judge-call failures re-judged), ``skipped``
    (already judged), or a log left as it is: ``not_procskill`` (a log of another task, found in
    a folder), ``duplicate`` (the same evaluation as a log listed before it), ``unreadable``,
    ``running`` (status ``started``: still running, or killed), ``not_finished`` (status ``error``
    or ``cancelled``)."""
    judged: int = 0
    """Samples that received the score."""
    unscored: dict[str, int] = field(default_factory=dict)
    """Unscored samples by reason (``grader_failed``, ``grader_error``)."""
    note: str = ""
    """Why a log was left as it is (one line)."""


def check_judge_name(name: str) -> None:
    """Refuse a judge name that is not ``provider/model`` (before any model is built).

    Raises:
        ProcskillError: The name is malformed, with the form expected.
    """
    if not JUDGE_NAME.fullmatch(name):
        raise ProcskillError(
            f"--judge {name!r}: expected provider/model, e.g. openai/gpt-5.4 or openrouter/openai/gpt-5.4"
        )


def rejudge(
    logs: str | Path | Sequence[str | Path],
    judge: str | Model,
    path: str = "llm",
    max_connections: int | None = None,
    config: GenerateConfig | None = None,
    display: str = "none",
    batch: bool | int | None = None,
    on_result: Callable[[RejudgeResult], None] | None = None,
) -> list[RejudgeResult]:
    """Add the score ``<path>@<judge>`` to stored procskill logs, in place.

    Nothing is regenerated and the evaluated model is never loaded (its weights need
    not exist any more): only the judge is called. Re-running with the same judge and
    path is a no-op for logs that have the score already, except that samples whose
    judge call failed (unscored ``grader_error``) are judged again. Judge calls go
    through Inspect's model cache, so judging the same responses again — a rerun,
    another path, or a log whose eval used the same judge — makes no new API calls.

    Each log is read once (a copy of a log listed earlier, same eval id, is left alone),
    and a log that cannot be judged is left as it is with a one-line note while the others
    are judged: a file that is not a readable log, an evaluation still running or killed
    (status ``started``), an evaluation that failed or was cancelled (status ``error`` /
    ``cancelled``: its results are incomplete; ``inspect eval-retry`` it and re-judge the
    retried log). Concurrent re-judges of the same logs all keep their scores (see the
    module docstring). Temporary files of a killed re-judge are removed.

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
        batch: Send the judge calls through the provider's batch API (``True`` or a
            batch size; see :func:`procskill.scorers.judge`).
        on_result: Called with each log's result as soon as the log is written (or left).

    Returns:
        One :class:`RejudgeResult` per log file.

    Raises:
        ValueError: ``path`` is not a judge path, or a named file is not a procskill log.
        FileNotFoundError: A path does not exist.
    """
    if path not in JUDGE_PATHS:
        raise ProcskillError(f"--path must be one of {JUDGE_PATHS}, got {path!r}")
    files = log_files(logs)
    if isinstance(judge, str):
        check_judge_name(judge)
    judge_config = (config or GenerateConfig()).merge(
        GenerateConfig(max_connections=max_connections, batch=batch)
    )
    judge_model = judge if isinstance(judge, Model) else get_model(judge, config=judge_config)

    async def run() -> list[RejudgeResult]:
        results: list[RejudgeResult] = []
        evals: dict[str, Path] = {}
        for folder in sorted({file.parent for file, _ in files}):
            _remove_stale_temp_files(folder)
        for file, named in files:
            result = await _rejudge_file(file, named, judge_model, path, judge_config, display, evals)
            if on_result is not None:
                on_result(result)
            results.append(result)
        return results

    return anyio.run(run)


async def _rejudge_file(
    file: Path,
    named: bool,
    judge_model: Model,
    path: str,
    config: GenerateConfig,
    display: str,
    evals: dict[str, Path],
) -> RejudgeResult:
    label = judge_label(path, judge_model)

    def left(action: str, note: str) -> RejudgeResult:
        return RejudgeResult(str(file), label, action, note=note)

    try:
        # Read under a shared lock: Inspect reads an .eval archive in several opens, so a
        # concurrent re-judge replacing the file in between would tear the read.
        async with _locked(file, shared=True):
            log = await read_eval_log_async(str(file))
    except Exception as err:  # noqa: BLE001 - any unreadable file is reported and skipped
        return left("unreadable", unreadable_note(err))
    if not is_procskill_log(log):
        if named:
            raise ProcskillError(f"{file}: not a procskill log (no procskill_version in the task metadata)")
        return left("not_procskill", "a log of another task")
    if log.status == "started":
        return left("running", "the evaluation has not finished (status 'started': still running, or killed)")
    if log.status in ("error", "cancelled"):
        return left(
            "not_finished",
            f"the evaluation ended with status '{log.status}', so its results are incomplete; "
            f"complete it with `inspect eval-retry {file}` and re-judge the retried log",
        )
    if not log.samples:
        return left("not_finished", "the log has no samples to judge")
    if log.eval.eval_id in evals:
        return left("duplicate", duplicate_note(log, evals[log.eval.eval_id]))
    evals[log.eval.eval_id] = file

    existing = score_keys(log.samples).get(label)
    redo = existing is not None and any(
        (score := (s.scores or {}).get(existing)) is not None and score.reason in RETRYABLE_REASONS
        for s in log.samples
    )
    if existing is not None and not redo:
        return RejudgeResult(str(file), label, "skipped")
    action = "redone" if existing is not None else "added"

    # Samples that errored during the eval were never scored (they have no final response):
    # leave them out of this pass, as the eval did.
    all_samples = log.samples
    log.samples = [s for s in all_samples if s.error is None]
    events_before = {(s.id, s.epoch): len(s.events) for s in log.samples}
    run_facts = logged_run_facts(log.eval.metadata, [s.metadata for s in log.samples])
    max_tokens = (run_facts.get("generation") or {}).get("max_tokens")
    # A redone score keeps the role its judge is bound to in the log, so `inspect score LOG` still calls
    # the judge as that role records it.
    role = _recorded_role(log, existing) if existing is not None else None
    judge_scorer = judge(path, judge=judge_model, model_role=role, max_tokens=max_tokens, config=config)
    # Roles bound at eval time (say a Claude grader) would be instantiated by score_async —
    # needing their API keys — though a re-judge never calls them: keep them out of its way.
    log.eval.model_roles = None
    # model="none": the evaluated model is never instantiated (its weights may be gone).
    scored = await score_async(
        log,
        [judge_scorer],
        model=get_model("none"),
        action="append",
        display=display,
        copy=False,  # type: ignore[arg-type]
    )
    new_key = score_keys(scored.samples or []).get(label)  # the later of two keys with one label
    if new_key is None or new_key == existing:
        return left("not_finished", "no sample was judged (every sample ended in an error)")

    async with _locked(file):
        # Another re-judge may have written this log since it was read: add this score to
        # what the file holds now.
        current = await read_eval_log_async(str(file))
        if current.eval.eval_id != scored.eval.eval_id:
            raise ProcskillError(
                f"{file}: replaced by another evaluation while it was being judged; re-judge it"
            )
        key = _merge_score(current, scored, new_key, label, events_before)
        await _write_log(current, file)

    scores = [s.scores[key] for s in current.samples or [] if s.scores and key in s.scores]
    unscored = Counter(str(s.reason) for s in scores if s.reason is not None and s.value != s.value)
    return RejudgeResult(str(file), label, action, judged=len(scores), unscored=dict(unscored))


def _recorded_role(log: EvalLog, key: str) -> str | None:
    """The model role the judge behind the score ``key`` was bound to (its score metadata ``role``)."""
    for sample in log.samples or []:
        score = (sample.scores or {}).get(key)
        if score is not None:
            return (score.metadata or {}).get("role")
    return None


def _scorer_keys(log: EvalLog) -> list[str]:
    """The key Inspect gives each of the log's recorded scorers: their names, made unique in order
    (``llm``, ``llm1``, …) as when it scores and as ``inspect score LOG`` does again."""
    keys: list[str] = []
    for entry in log.eval.scorers or []:
        keys.append(unique_scorer_name(entry.name, keys))
    return keys


def _merge_score(
    current: EvalLog, scored: EvalLog, key: str, label: str, events_before: dict[tuple, int]
) -> str:
    """Put the score ``key`` of ``scored`` (with its judge-call events, results, scorer entry and
    reductions) into ``current``, and return the key it has there.

    It takes the place of the score labelled ``label`` in ``current`` (the score being redone, or
    one a concurrent re-judge by the same judge added), else comes after the other scores under
    the key Inspect would give it there, so the keys stay what ``inspect score LOG`` re-creates
    from the recorded scorers. A score under a key Inspect's numbering does not give (``llm@<judge>``,
    written by task versions before 1.4.0) is replaced by one added anew.
    """
    entry = (scored.eval.scorers or [])[-1]  # score_async appends the one scorer it applied
    recorded = _scorer_keys(current)
    target = score_keys(current.samples or []).get(label)
    at = recorded.index(target) if target in recorded else None
    if target is not None and (at is None or current.eval.scorers[at].name != entry.name):  # type: ignore[index]
        # In place, the new scorer would be numbered otherwise than the key it replaces.
        _drop_score(current, target)
        if at is not None:
            del current.eval.scorers[at]  # type: ignore[union-attr]
        recorded, target = _scorer_keys(current), None
    if target is None:
        target = unique_scorer_name(entry.name, [*recorded, *_all_keys(current)])
        current.eval.scorers = [*(current.eval.scorers or []), entry]
    else:
        current.eval.scorers[at] = entry  # type: ignore[index]
    by_id = {(s.id, s.epoch): s for s in scored.samples or []}
    for sample in current.samples or []:
        mine = by_id.get((sample.id, sample.epoch))
        if mine is None or not mine.scores or key not in mine.scores:
            continue
        sample.scores = {**(sample.scores or {}), target: mine.scores[key]}
        sample.events = [*sample.events, *mine.events[events_before[(sample.id, sample.epoch)] :]]
    if scored.results is not None and current.results is not None:
        new = [s.model_copy(update={"name": target}) for s in scored.results.scores if s.name == key]
        names = [s.name for s in current.results.scores]
        if target in names and new:
            current.results.scores[names.index(target)] = new[0]
        else:
            current.results.scores += new
    if scored.reductions:
        reductions = [r.model_copy(update={"scorer": target}) for r in scored.reductions if r.scorer == key]
        current.reductions = [r for r in current.reductions or [] if r.scorer != target] + reductions
    return target


def _drop_score(log: EvalLog, key: str) -> None:
    """Remove the score ``key`` from ``log``'s samples, results and reductions."""
    for sample in log.samples or []:
        if sample.scores:
            sample.scores.pop(key, None)
    if log.results:
        log.results.scores = [s for s in log.results.scores if s.name != key]
    if log.reductions:
        log.reductions = [r for r in log.reductions if r.scorer != key]


def _all_keys(log: EvalLog) -> set[str]:
    return {name for s in log.samples or [] for name in (s.scores or {})} | {
        s.name for s in (log.results.scores if log.results else [])
    }


@contextlib.asynccontextmanager
async def _locked(file: Path, shared: bool = False) -> AsyncIterator[None]:
    """Hold an advisory lock on ``file``, exclusive (to write) or shared (to read), waiting for it.
    A writer replaces the file, so the lock is taken on the file that is at ``file`` once the
    lock is held."""
    if fcntl is None:
        yield
        return
    while True:
        fd = os.open(file, os.O_RDONLY)
        try:
            await to_thread.run_sync(fcntl.flock, fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
            if os.fstat(fd).st_ino == os.stat(file).st_ino:
                break
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # the file was replaced while waiting: lock the new one
    try:
        yield
    finally:
        os.close(fd)


async def _write_log(log: EvalLog, file: Path) -> None:
    """Write ``log`` over ``file`` atomically, staging it in a folder of its own next to it (so a
    killed write leaves no stray log-looking file, and the next re-judge can tell it is stale)."""
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=file.parent))
    owner = os.open(staging / _OWNER, os.O_CREAT | os.O_WRONLY, 0o600)
    try:
        if fcntl is not None:
            fcntl.flock(owner, fcntl.LOCK_EX)
        staged = staging / "log.part"
        await write_eval_log_async(log, str(staged), format="json" if file.suffix == ".json" else "eval")
        os.chmod(staged, os.stat(file).st_mode & 0o777)
        os.replace(staged, file)
    finally:
        os.close(owner)
        shutil.rmtree(staging, ignore_errors=True)


def _remove_stale_temp_files(folder: Path) -> None:
    """Remove what killed writes left in ``folder``: staging folders of re-judges that no longer
    run (their owner lock is free), and Inspect temporary log files not written to for
    :data:`STALE_TEMP_SECONDS`."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return
    now = time.time()
    for entry in entries:
        if entry.is_dir() and entry.name.startswith(STAGING_PREFIX):
            if fcntl is None:
                if now - entry.stat().st_mtime > STALE_TEMP_SECONDS:
                    shutil.rmtree(entry, ignore_errors=True)
                continue
            try:
                fd = os.open(entry / _OWNER, os.O_RDONLY)
            except FileNotFoundError:  # killed before it took the lock
                if now - entry.stat().st_mtime > 60:
                    shutil.rmtree(entry, ignore_errors=True)
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a live re-judge is writing
            finally:
                os.close(fd)
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.is_file() and _INSPECT_TEMP.fullmatch(entry.name):
            with contextlib.suppress(OSError):
                if now - entry.stat().st_mtime > STALE_TEMP_SECONDS:
                    entry.unlink()


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
