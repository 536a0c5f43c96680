"""Fixtures of the judge tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from testkit.packs import write_synthetic_packs


@pytest.fixture
def packs(tmp_path: Path) -> Path:
    """Three skills of two tasks; the last skill is free-form."""
    return write_synthetic_packs(tmp_path / "skills", skills=3, tasks_per_skill=2, free_skills=1)
