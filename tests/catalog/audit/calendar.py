"""Checkers for the calendar skills (datetime and zoneinfo with the pinned tzdata)."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from ._common import DATE_RE, PromptUnreadable, dates_in, need, parse_date


def day_of_week(prompt: str) -> str:
    m = need(r" on (.+?)\. On which day of the week was that\?", prompt)
    return parse_date(DATE_RE.search(m[1])[0]).strftime("%A")


def business_day_offset(prompt: str) -> str:
    start = parse_date(need(r"received .+? on (\d{4}-\d{2}-\d{2}),", prompt)[1])
    n = int(
        need(
            r"within (\d+) business days, where day 1 is the first business day after the day of receipt",
            prompt,
        )[1]
    )
    asked = int(need(r"On what date is the (\d+)(?:st|nd|rd|th) business day, the deadline\?", prompt)[1])
    assert asked == n, (asked, n)
    holidays_text = need(
        r"(The following days are holidays: [^.]*\.|There are no holidays in the period\.)", prompt
    )[1]
    holidays = set(dates_in(holidays_text))
    day, counted = start, 0
    while counted < n:
        day += dt.timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            counted += 1
    return day.isoformat()


def timezone_shift(prompt: str) -> str:
    m = need(
        r"set for (\d{4}-\d{2}-\d{2} \d{2}:\d{2}) local time in .+? \(time zone ([\w/+-]+)\)\. "
        r"What are the local date and time in .+? \(time zone ([\w/+-]+)\) at that same moment\?",
        prompt,
    )
    local = dt.datetime.fromisoformat(m[1]).replace(tzinfo=ZoneInfo(m[2]))
    return local.astimezone(ZoneInfo(m[3])).strftime("%Y-%m-%d %H:%M")


def duration_between(prompt: str) -> str:
    if re.search(r"How many days after the first date is the second one", prompt):
        first, second = dates_in(need(r" (?:on|at) (.+?) and [^.]+? on (.+?)\. How many days", prompt)[0])[:2]
        return str((second - first).days)
    need(r"How many minutes elapsed between the two moments\?", prompt)
    stamps = re.findall(r"\d{4}-\d{2}-\d{2}(?:T| )\d{2}:\d{2}(?:[+-]\d{2}:\d{2})?", prompt)
    if len(stamps) != 2:
        raise PromptUnreadable(f"expected two timestamps, got {stamps}")
    a, b = (dt.datetime.fromisoformat(s) for s in stamps)
    if (a.tzinfo is None) != (b.tzinfo is None):
        raise PromptUnreadable("one timestamp has an offset, the other not")
    if a.tzinfo is None:
        # Naive wall-clock times: the prompt must say which clock rules (one fixed offset), else DST can intervene.
        need(r"same local clock, which keeps one fixed UTC offset \(no daylight-saving change\)", prompt)
    return str(int((b - a).total_seconds() // 60))


def iso_week_date(prompt: str) -> str:
    m = need(r"the date (.+?) must be written as an ISO 8601 week date\.", prompt)
    text = re.sub(r"^[A-Z][a-z]+day, ", "", m[1])
    y, w, d = parse_date(text).isocalendar()
    return f"{y}-W{w:02d}-{d}"
