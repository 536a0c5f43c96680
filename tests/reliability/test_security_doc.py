"""SECURITY.md states what tests/reliability checks: the files it cites exist, its numbers are the code's."""

from __future__ import annotations

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
