"""Shared parts of the diagnostics and decisions generators: the two domains, timestamps, number words.

Each of those skills has its own module (``log-root-cause``, ``flaky-test-diagnosis``, ...); they share
only these helpers.
"""

from __future__ import annotations

import random
from datetime import datetime

DIAG = "diagnostics"
DECIDE = "decisions"


def _base_time(rng: random.Random) -> datetime:
    return datetime(
        rng.choice([2024, 2025]),
        rng.randint(1, 12),
        rng.randint(1, 28),
        rng.randint(0, 23),
        rng.randint(0, 59),
        rng.randint(0, 59),
    )


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _hm(dt: datetime) -> str:
    return dt.strftime("%H:%M")


def _commas(n: int) -> str:
    return f"{n:,}"


def _join_and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
