"""Shared helpers for the prompt-only audit: find a required sentence or fail loudly.

Nothing here (or in any checker) imports ``procskill.generators`` or reads a task's ``solution``
or ``params``: each checker sees the prompt text only.
"""

from __future__ import annotations

import datetime as dt
import re

MONTHS = {
    m: i
    for i, m in enumerate(
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
        start=1,
    )
}


class PromptUnreadable(AssertionError):
    """The prompt lacks the question sentence or a fact the answer depends on."""


def need(pattern: str, text: str, flags: int = 0) -> re.Match:
    """The first match of ``pattern`` in ``text``; :class:`PromptUnreadable` when there is none."""
    m = re.search(pattern, text, flags)
    if m is None:
        raise PromptUnreadable(f"no match for {pattern!r}")
    return m


def one_of(text: str, options: dict[str, str], flags: int = 0) -> str:
    """The key of the single option whose pattern occurs in ``text`` (exactly one must)."""
    hits = [k for k, p in options.items() if re.search(p, text, flags)]
    if len(hits) != 1:
        raise PromptUnreadable(f"expected exactly one of {sorted(options)}, found {hits}")
    return hits[0]


_MONTH = "|".join(MONTHS)
_DATE = rf"(?P<iso>\d{{4}}-\d{{2}}-\d{{2}})|(?P<mdy>(?:{_MONTH}) \d{{1,2}}, \d{{4}})|(?P<dmy>\d{{1,2}} (?:{_MONTH}) \d{{4}})"
DATE_RE = re.compile(_DATE)


def parse_date(text: str) -> dt.date:
    """One date written as YYYY-MM-DD, 'Month D, YYYY' or 'D Month YYYY'."""
    m = DATE_RE.fullmatch(text.strip())
    if m is None:
        raise PromptUnreadable(f"not a date: {text!r}")
    if m["iso"]:
        return dt.date.fromisoformat(m["iso"])
    if m["mdy"]:
        month, day, year = re.fullmatch(r"(\w+) (\d+), (\d+)", m["mdy"]).groups()
    else:
        day, month, year = re.fullmatch(r"(\d+) (\w+) (\d+)", m["dmy"]).groups()
    return dt.date(int(year), MONTHS[month], int(day))


def dates_in(text: str) -> list[dt.date]:
    """Every date in ``text``, in order."""
    return [parse_date(m.group(0)) for m in DATE_RE.finditer(text)]


def first_match(patterns: list[str], text: str) -> re.Match:
    """The match of the first pattern that occurs in ``text``; :class:`PromptUnreadable` when none does."""
    for pattern in patterns:
        if m := re.search(pattern, text):
            return m
    raise PromptUnreadable(f"none of {len(patterns)} question forms found")
