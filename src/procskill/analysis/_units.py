"""The report's one unit convention, shared by report.md, the figures and ``procskill report``'s console.

Pass rates (and compliance, agreement) are **percentages**; differences between them (Δ, lift,
gains, MDE and their intervals) are **percentage points**. ``summary.json`` keeps fractions
(0.05 = 5 points), as every number in it is for machines.
"""

from __future__ import annotations

import math
from typing import Any

UNITS = (
    "pass rates, compliance and agreement are percentages of tasks or episodes (%); differences between "
    "them (Δ, lift, gains, MDE and their intervals) are percentage points (points); p-values, κ and ρ are "
    "plain numbers"
)
"""The convention, stated once at the top of report.md."""

RATE_AXIS = "[%]"
"""Axis-label suffix of a figure axis showing pass rates or compliance."""
POINTS_AXIS = "[percentage points]"
"""Axis-label suffix of a figure axis showing differences (Δ, lift, gain)."""


def missing(x: Any) -> bool:
    """No value: None or NaN."""
    return x is None or (isinstance(x, float) and math.isnan(x))


def pct(x: Any, digits: int = 1) -> str:
    """A rate (fraction) as a percentage number, e.g. 0.4 → ``40.0``; ``—`` when missing (tables only)."""
    return "—" if missing(x) else f"{100 * x:.{digits}f}"


def pts(x: Any, digits: int = 1) -> str:
    """A difference (fraction) in signed percentage points, e.g. −0.075 → ``−7.5``; ``—`` when missing."""
    return "—" if missing(x) else f"{100 * x:+.{digits}f}".replace("-", "−")


def interval(iv: dict[str, Any], signed: bool = True, digits: int = 1) -> str:
    """``estimate [low, high]`` in points (signed) or percent; the estimate alone without an interval."""
    fmt = pts if signed else pct
    if missing(iv.get("low")) or missing(iv.get("high")):
        return fmt(iv.get("estimate"), digits)
    return f"{fmt(iv['estimate'], digits)} [{fmt(iv['low'], digits)}, {fmt(iv['high'], digits)}]"


def size(parameters: float | None) -> str:
    """A parameter count as a reader writes it: ``0.8B``, ``430k``, ``1M`` (3 significant digits)."""
    if not parameters:
        return "—"
    parameters = float(f"{parameters:.3g}")  # round first: 999,700 is "1M", not "1e+03k"
    for unit, scale in (("T", 1e12), ("B", 1e8), ("M", 1e6), ("k", 1e3)):
        if parameters >= scale:  # 0.8B, not 800M: model sizes are quoted in billions from 0.1B
            return f"{parameters / (1e9 if unit == 'B' else scale):.3g}{unit}"
    return f"{parameters:.3g}"
