"""Every ``procskill`` command reports a user error as one line, ``error: …``, exit code 2, no traceback.

Each case drives a command with bad input (missing or malformed file, unknown id, bad parameter) and checks
that stderr is that one line and that it names the file/field/parameter. ``--debug`` and ``PROCSKILL_DEBUG=1``
let the exception through instead. In-process (typer's runner): the whole file runs in about 2 s.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from procskill.cli import app
from procskill.studies import StudyError

BAD_STUDY = "name: x\nmodels:\n  - id: a\n    model: 3\n"


def _invoke(args: list[str], env: dict[str, str] | None = None):
    return CliRunner().invoke(app, args, env=env)


def _assert_one_line_error(result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.fixture
def files(tmp_path):
    (tmp_path / "bad.yaml").write_text(BAD_STUDY)
    (tmp_path / "broken.yaml").write_text("name: [\n")
    (tmp_path / "empty").mkdir()
    return tmp_path


CASES = {
    "study: no such file": (["study", "{tmp}/nope.yaml"], ["nope.yaml", "shipped study"]),
    "study: malformed YAML": (["study", "{tmp}/broken.yaml"], ["broken.yaml:2", "not valid YAML"]),
    "study: wrong field type": (["study", "{tmp}/bad.yaml"], ["bad.yaml", "models[0].model"]),
    "study: missing argument": (["study"], ["'study'", "procskill study --help"]),
    "study: bad display": (["study", "demo", "--dry-run", "--display", "fancy"], ["--display", "'fancy'"]),
    "demo: bad display": (["demo", "--display", "fancy"], ["--display", "plain"]),
    "models alias: not NAME=HUB_ID": (["models", "alias", "qwen"], ["NAME=HUB_ID"]),
    "models alias: not downloaded": (
        ["models", "alias", "q=Org/Missing", "--cache-dir", "{tmp}/hub"],
        ["Org/Missing", "hf download Org/Missing"],
    ),
    "models tiny: a folder of other files": (
        ["models", "tiny", "{tmp}"],
        ["holds other files", "another folder"],
    ),
    "models tiny: no tokenizer text file": (
        ["models", "tiny", "{tmp}/m", "--tokenizer-text", "{tmp}/nope.txt"],
        ["nope.txt", "catalog"],
    ),
    "catalog check: no folder": (["catalog", "check", "{tmp}/nope"], ["nope", "not a folder"]),
    "catalog card: no folder": (["catalog", "card", "{tmp}/nope"], ["nope"]),
    "agreement: no such log": (["agreement", "{tmp}/nope", "--a", "x", "--b", "y"], ["nope", "no such log"]),
    "agreement: folder without logs": (
        ["agreement", "{tmp}/empty", "--a", "x", "--b", "y"],
        ["empty", "no Inspect logs"],
    ),
    "report: bad --size": (
        ["report", "{tmp}", "--out", "{tmp}/r", "--size", "x"],
        ["--size", "MODEL=PARAMS"],
    ),
    "unknown command": (["evaluate"], ["'evaluate'", "procskill --help"]),
    "unknown root option": (["--verbose"], ["--verbose"]),
    "recipes: extra argument": (["recipes", "nope"], ["nope"]),
}

# Commands whose bodies other engineers own: their per-command catches exit 1 until their branches merge.
CASES |= {
    "report: no such log": (["report", "{tmp}/nope", "--out", "{tmp}/r"], ["nope"]),
    "rejudge: no such log (before any judge is built)": (
        ["rejudge", "{tmp}/nope", "--judge", "openai/gpt-5.4"],
        ["nope"],
    ),
    "train: unknown recipe": (
        ["train", "--base", "{tmp}/m", "--corpus", "{tmp}/c", "--recipe", "nope", "--out", "{tmp}/o"],
        ["nope"],
    ),
    "corpus build: unknown skill": (
        ["corpus", "build", "--teacher", "procedural", "--out", "{tmp}/c", "--skills", "nope"],
        ["nope"],
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_user_error_is_one_line(case, files):
    args, needles = CASES[case]
    result = _invoke([a.replace("{tmp}", str(files)) for a in args], env={"OPENAI_API_KEY": None})
    _assert_one_line_error(result, *[n.replace("{tmp}", str(files)) for n in needles])


def test_no_arguments_prints_help():
    result = _invoke([])
    assert "Usage" in result.output and "error:" not in result.output


@pytest.mark.parametrize("how", ["--debug", "PROCSKILL_DEBUG"])
def test_debug_shows_the_exception(how, files):
    args = ["study", str(files / "bad.yaml")]
    if how == "--debug":
        result = _invoke(["--debug", *args])
    else:
        result = _invoke(args, env={"PROCSKILL_DEBUG": "1"})
    assert isinstance(result.exception, StudyError)
    assert "models[0].model" in str(result.exception)


def test_the_hint_of_a_usage_error_runs_when_pasted(tmp_path):
    """The `(see: …)` hint pastes into a fresh bash with the environment activated (README's setup)."""
    import os
    import re
    import shlex
    import subprocess
    import sys
    from pathlib import Path

    result = _invoke(["report", str(tmp_path), "--out", str(tmp_path / "r"), "--size", "x"])
    [hint] = re.findall(r"\(see: ([^)]+)\)", result.stderr)
    activate = Path(sys.executable).parent / "activate"
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"} | {
        "PATH": "/usr/local/bin:/usr/bin:/bin"
    }
    done = subprocess.run(
        ["bash", "-c", f". {shlex.quote(str(activate))} && {hint}"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0 and "--size" in done.stdout, done.stderr[-2000:]
