"""Lint and formatting are part of the test suite, so the README's test command and CI enforce them (ruff is
pinned in the ``test`` extra; the rule set is in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PATHS = ["src", "tests", "benchmarks", "scripts", "examples"]
RUFF = Path(sys.executable).with_name("ruff")


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["check", "format"])
def test_ruff(command):
    if not RUFF.exists():
        pytest.fail(f"{RUFF} not found: install the test extra (pip install -e '.[test]'), which pins ruff")
    done = subprocess.run(
        [str(RUFF), *command, *PATHS], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, (
        f"ruff {' '.join(command)} (run it with --fix / without --check):\n{done.stdout}"
    )
