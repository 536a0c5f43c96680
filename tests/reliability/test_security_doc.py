"""SECURITY.md states what the tests check: the files and tests it cites exist, its numbers are the code's."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from procskill.scorers._match import MAX_ANSWER_CHARS

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def test_security_doc_cites_existing_tests_and_current_numbers():
    text = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    cited = set(re.findall(r"`(test_\w+\.py)`", text))
    assert cited and {name for name in cited if not (HERE / name).is_file()} == set()
    assert {p.name for p in HERE.glob("test_*.py")} - {Path(__file__).name} <= cited
    assert f"{MAX_ANSWER_CHARS:,} characters" in text


def test_every_test_named_as_proof_exists():
    text = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    named = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", text)
    assert len(named) >= 10
    for file, test in named:
        path = ROOT / file
        assert path.is_file(), file
        functions = {n.name for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.FunctionDef)}
        assert test in functions, f"{file}::{test}"
