"""Run shell command lines of console scripts (``inspect``, ``procskill``, ``hf``) one after another in ONE
fresh interpreter: ``python tests/cli_batch.py SPEC.json``.

Each process that imports Inspect spends 10-13 s on imports and model-database loading on this machine's
2 cores; running a README's worth of commands in one interpreter pays that once. Each command still goes
through the entry point its console script calls, with its literal argv, in a process whose environment was
set before anything was imported (the Hugging Face cache location, offline mode, provider base URLs).

SPEC: ``{"out": DIR, "commands": [{"id": ID, "line": "cmd args && cmd args", "cwd": DIR}, ...]}``.
``&&`` runs the next part only if the previous one exited 0. Each command's stdout and stderr go to
``DIR/ID.log``; ``DIR/results.json`` is rewritten after every command with its exit code and duration.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import time
import traceback
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any


def _entry_point(program: str) -> Any:
    matches = entry_points(group="console_scripts", name=program)
    if not matches:
        raise SystemExit(f"cli_batch: {program!r} is not a console script of this environment")
    return next(iter(matches)).load()


def _run_part(argv: list[str]) -> int:
    sys.argv = [argv[0], *argv[1:]]
    try:
        result = _entry_point(argv[0])()
    except SystemExit as exit_:
        code = exit_.code
        if code is None:
            return 0
        if isinstance(code, int):
            return code
        print(code, file=sys.stderr)
        return 1
    except BaseException:  # noqa: BLE001 - a crash is this command's failure, not the batch's
        traceback.print_exc()
        return 1
    return result if isinstance(result, int) else 0


def _run_line(line: str) -> int:
    tokens = shlex.split(line)
    parts: list[list[str]] = [[]]
    for token in tokens:
        if token == "&&":
            parts.append([])
        else:
            parts[-1].append(token)
    for argv in parts:
        code = _run_part(argv)
        if code != 0:
            return code
    return 0


def main(spec_file: str) -> None:
    spec = json.loads(Path(spec_file).read_text())
    out = Path(spec["out"])
    out.mkdir(parents=True, exist_ok=True)
    results: list[dict[str, Any]] = []
    saved = os.dup(1), os.dup(2)
    for command in spec["commands"]:
        os.chdir(command.get("cwd") or os.getcwd())
        start = time.monotonic()
        with open(out / f"{command['id']}.log", "w") as log:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(log.fileno(), 1)
            os.dup2(log.fileno(), 2)
            try:
                print(f"$ {command['line']}", flush=True)
                code = _run_line(command["line"])
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os.dup2(saved[0], 1)
                os.dup2(saved[1], 2)
        results.append(
            {"id": command["id"], "returncode": code, "seconds": round(time.monotonic() - start, 2)}
        )
        (out / "results.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main(sys.argv[1])
