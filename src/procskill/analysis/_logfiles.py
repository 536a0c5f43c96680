"""Finding log files and reading their headers: the first step of every command that reads logs.

The report (``_logs``), ``procskill agreement`` and ``procskill rejudge`` all start here, so a folder is
searched, de-duplicated and filtered the same way everywhere; nothing here depends on scoring or the
report (logs → tables → estimates → rendering, in that direction).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from inspect_ai.log import EvalLog, list_eval_logs, read_eval_log

from procskill.errors import InputNotFoundError

LOG_SUFFIXES = (".eval", ".json")


def log_files(logs: str | Path | Iterable[str | Path]) -> list[tuple[Path, bool]]:
    """The log files named by ``logs`` (files, or folders searched recursively).

    Each file appears once, even when named twice or reached through a symbolic link.

    Returns:
        ``(file, named)`` pairs in a stable order; ``named`` is whether the file was named
        explicitly (a folder's other files may be logs of other tasks).

    Raises:
        FileNotFoundError: A path does not exist, or a folder holds no logs.
    """
    items = [logs] if isinstance(logs, (str, Path)) else list(logs)
    found: dict[Path, bool] = {}
    seen: set[Path] = set()
    for item in items:
        path = Path(item)
        if path.is_dir():
            infos = list_eval_logs(str(path), recursive=True, descending=False)
            if not infos:
                raise InputNotFoundError(f"{path}: no Inspect logs (*.eval, *.json) in this folder")
            candidates = [(Path(info.name.removeprefix("file://")), False) for info in infos]
        elif path.is_file():
            candidates = [(path, True)]
        else:
            raise InputNotFoundError(f"{path}: no such log file or folder")
        for file, named in candidates:
            real = file.resolve()
            if real in seen:
                key = next(k for k in found if k.resolve() == real)
                found[key] = found[key] or named
                continue
            seen.add(real)
            found[file] = named
    return sorted(found.items())


@dataclass(frozen=True)
class LogHeader:
    """One log file of a folder, read once: :func:`log_headers`."""

    file: Path
    named: bool
    """Whether the file was named explicitly (not found in a folder)."""
    header: EvalLog | None
    """The log's header (no samples), or ``None`` when the file is skipped."""
    skip: str = ""
    """Why the file is skipped, on one line: not a readable log, or a copy of a log listed
    before it (same eval id). Empty for a usable header."""


def log_headers(logs: str | Path | Iterable[str | Path]) -> list[LogHeader]:
    """The log files named by ``logs`` (see :func:`log_files`), each with its header, each
    evaluation once: the shared reader of the commands that read a folder of logs.

    A file that is not a readable Inspect log (a corrupt ``.eval``, say) or that holds the same
    evaluation as a file listed before it (a copy: same eval id) comes with a one-line ``skip``
    reason instead of a header, so the caller notes it and carries on with the rest. What to do
    with an unfinished log (``header.status``) is the caller's choice.

    Raises:
        FileNotFoundError: A path does not exist, or a folder holds no logs.
    """
    results: list[LogHeader] = []
    evals: dict[str, Path] = {}
    for file, named in log_files(logs):
        try:
            header = read_eval_log(str(file), header_only=True)
        except Exception as err:  # noqa: BLE001 - any unreadable file is reported and skipped
            results.append(LogHeader(file, named, None, unreadable_note(err)))
            continue
        first = evals.setdefault(header.eval.eval_id, file)
        if first != file:
            results.append(LogHeader(file, named, None, duplicate_note(header, first)))
            continue
        results.append(LogHeader(file, named, header))
    return results


def unreadable_note(err: BaseException) -> str:
    """The one-line note for a file that is not a readable log."""
    return f"not a readable Inspect log ({type(err).__name__}: {_first_line(err)})"


def duplicate_note(log: EvalLog, first: Path) -> str:
    """The one-line note for a copy of a log listed before it."""
    return f"the same evaluation (eval id {log.eval.eval_id}) as {first}"


def is_procskill_log(log: EvalLog) -> bool:
    """Whether a log was written by the procskill task (its samples carry what a judge needs)."""
    return "procskill_version" in (log.eval.metadata or {})


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
