"""Empty or contradictory task parameters are one clear error, never a silent default (issue #19 item 5)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from inspect_ai._util.error import PrerequisiteError

from procskill.errors import ProcskillError
from procskill.tasks import TaskParameterError, procskill
from testkit.packs import write_synthetic_packs


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"scoring": None}, "-T scoring= is empty"),
        ({"scoring": " , "}, "-T scoring= is empty"),
        ({"skills": None}, "-T skills= is empty"),
        ({"skills": ""}, "-T skills= is empty"),
        ({"skills_dir": None}, "-T skills_dir= is empty"),
        ({"scoring": "llm", "judges": None}, "-T judges= is empty"),
        ({"scoring": "llm", "judges": ""}, "-T judges= is empty"),
        ({"condition": None}, "-T condition= is empty"),
        ({"per_skill": "maybe"}, "-T per_skill must be true or false"),
        ({"scoring": "extract,exact"}, "unknown path(s) exact"),
        ({"skills": "nope"}, "unknown skill id(s)"),
        ({"skills_dir": "/nonexistent"}, "/nonexistent: skills_dir is not a folder"),
        ({"scoring": "llm"}, "no model is bound to the role 'grader'"),
    ],
)
def test_bad_parameter_is_one_clear_error(args, message):
    with pytest.raises((ProcskillError, ValueError)) as err:
        procskill(**args)
    assert message in str(err.value)
    assert isinstance(err.value, PrerequisiteError)  # Inspect prints the message alone
    assert err.value.message == str(err.value)


def test_wrapped_errors_keep_their_class():
    from procskill.skills import SkillPackError

    with pytest.raises(SkillPackError):
        procskill(skills_dir="/nonexistent")
    with pytest.raises(TaskParameterError):
        procskill(skills=None)


def test_inspect_cli_prints_the_message_not_a_traceback(tmp_path):
    """Inspect prints a PrerequisiteError raised in the factory as its message alone."""
    packs = write_synthetic_packs(tmp_path / "packs", skills=1, tasks_per_skill=1)
    result = subprocess.run(
        [
            Path(sys.executable).with_name("inspect"),
            "eval",
            "procskill",
            "--model",
            "mockllm/model",
            "-T",
            f"skills_dir={packs}",
            "-T",
            "skills=",
            "--log-dir",
            str(tmp_path / "logs"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = (result.stdout + result.stderr).strip()
    assert result.returncode != 0
    assert "Traceback" not in output and "ExceptionGroup" not in output
    assert (
        " ".join(output.split())
        == "-T skills= is empty: give a comma list of skill ids, or leave -T skills out"
    )
