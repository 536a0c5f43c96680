"""Checkers for the diagnostic skills: each returns the decision the rubric turns on.

Code review runs the pull request's functions (the prompt's own code) against references written from
their docstrings; the others read the logs, runs and profiles in the prompt.
"""

from __future__ import annotations

import re

from ._common import PromptUnreadable, need


def decision_from_target(skill: str, target: str) -> str:
    """The decision a gold conclusion states (read from its wording, not from the generator)."""
    if skill == "code-review-verdict":
        return need(r"^(Approve|Request changes)", target)[1]
    if skill == "log-root-cause":
        service = need(r"^The root cause is (\S+), which", target)[1]
        return f"{service}: {_failure_mode(target)}"
    if skill == "flaky-test-diagnosis":
        text = need(r"it fails exactly (.+?) \(", target)[1]
        return _flake_kind(text)
    source, kind = need(
        r"^(\S+) has an? (duplicate load|partial \(incomplete\) load|unit change|spike of missing)", target
    ).groups()
    return f"{source}: {kind.split(' (')[0].replace('spike of missing', 'null spike')}"


# ----------------------------------------------------------------------------- code review


def _review_references(doc: str, args: str):
    """A reference implementation written from the docstring, and inputs that probe its edges."""
    if m := re.fullmatch(
        r"Orders of (\d+(?:\.\d+)?) or more ship free; smaller orders pay (\d+(?:\.\d+)?)\.", doc
    ):
        limit, fee = float(m[1]), float(m[2])
        return (lambda s: 0.0 if s >= limit else fee), [(limit,), (limit - 0.01,), (limit + 1,), (0,)]
    if doc.startswith("Sum of the last n values"):
        return (lambda v, n: sum(v[-n:]) if n <= len(v) else sum(v)), [
            ([1, 2, 3], 1),
            ([1, 2, 3], 3),
            ([1, 2], 5),
        ]
    if doc.startswith("Arithmetic mean of values; an empty list gives"):
        empty = float(need(r"an empty list gives (\d+(?:\.\d+)?)", doc)[1])
        return (lambda v: sum(v) / len(v) if v else empty), [([],), ([2, 4],), ([1, 2, 4],)]
    if doc == "True for Gregorian leap years.":
        return (lambda y: y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)), [(1600,), (1900,), (2024,), (2023,)]
    if doc.startswith("Drop repeated names"):
        return (lambda ns: list(dict.fromkeys(ns))), [(["b", "a", "b", "c", "a"],), ([],)]
    if doc.startswith("Percentage change from old to new"):
        return (lambda old, new: (new - old) / old * 100), [(50, 75), (80, 60), (200, 200)]
    if doc.startswith('Parse "key=value"'):
        return (lambda line: tuple(line.split("=", 1))), [("a=b",), ("url=x=y",)]
    if doc.startswith("Limit x to the closed range"):
        return (lambda x, lo, hi: min(max(x, lo), hi)), [(5, 0, 10), (-3, 0, 10), (12, 0, 10), (0, 0, 10)]
    if doc.startswith("Split xs into consecutive chunks"):
        return (lambda xs, size: [xs[i : i + size] for i in range(0, len(xs), size)]), [
            ([1, 2, 3, 4, 5], 2),
            ([1, 2, 3, 4], 2),
            ([], 3),
            ([1], 1),
        ]
    if m := re.fullmatch(r"Append (\w+) to (\w+) and return it; a call without \2 starts a new list\.", doc):
        return "fresh-list", None
    if m := re.fullmatch(r"Return the items on the given (\d)-based page \(page >= \1\)\.", doc):
        base = int(m[1])
        per = int(need(r"per_page=(\d+)", args)[1])
        return (lambda items, page: items[(page - base) * per : (page - base + 1) * per]), [
            (list(range(3 * per + 1)), base),
            (list(range(3 * per + 1)), base + 1),
            (list(range(3 * per + 1)), base + 3),
        ]
    raise PromptUnreadable(f"no reference for docstring {doc!r}")


def code_review_verdict(prompt: str) -> str:
    need(r"Review the pull request for correctness\.", prompt)
    code = "\n".join(
        re.sub(r"^\s*\d+ \| ?", "", line) for line in re.findall(r"^ *\d+ \|.*$", prompt, re.MULTILINE)
    )
    namespace: dict = {}
    exec(compile(code, "<pull request>", "exec"), namespace)  # noqa: S102 - the catalog's own code, audited
    for name, args, doc in re.findall(r'def (\w+)\((.*?)\):\n\s*"""(.*?)"""', code):
        fn = namespace[name]
        reference, probes = _review_references(doc, args)
        if reference == "fresh-list":
            first, second = fn("x"), fn("y")
            if second != ["y"] or first is second:
                return "Request changes"
            continue
        for probe in probes:
            try:
                got = fn(*probe)
            except Exception:  # noqa: BLE001 - a crash on a valid input is a defect
                return "Request changes"
            want = reference(*probe)
            if abs(got - want) > 1e-9 if isinstance(want, float) else got != want:
                return "Request changes"
    return "Approve"


# ----------------------------------------------------------------------------- log root cause

_MODES = {
    "out of memory": r"OOMKilled|ran out of memory|memory usage at",
    "disk full": r"No space left on device|filled its data volume",
    "expired certificate": r"certificate .*expired|expired TLS certificate",
    "bad configuration": r"config(?:uration)? (?:change|reload)|config revision r\d+|revision r\d+",
    "deadlock": r"deadlock",
    "lost primary (read-only)": r"read-only|lost its primary",
}


def _failure_mode(text: str) -> str:
    hits = [mode for mode, pattern in _MODES.items() if re.search(pattern, text, re.IGNORECASE)]
    if not hits:
        raise PromptUnreadable(f"no failure mode in {text[:80]!r}")
    return hits[0]


def log_root_cause(prompt: str) -> str:
    need(r"What is the root cause of the failing requests\?", prompt)
    entry, first_callee = need(r"(\S+) serves \S+ \S+ by calling (\S+)\.", prompt).groups()
    deps = re.findall(
        r"([\w-]+) -> ([\w-]+)", need(r"Service dependencies \(caller -> callee\): ([^.]+)\.", prompt)[1]
    )
    path, node = [entry, first_callee], first_callee
    while callees := [b for a, b in deps if a == node]:
        if len(callees) > 1:
            raise PromptUnreadable(f"{node} calls several services: the request path is open")
        node = callees[0]
        path.append(node)
    logs = re.findall(r"^\S+Z (\S+)\s+(ERROR|WARN|INFO|DEBUG)\s+(.*)$", prompt, re.MULTILINE)
    erring = [s for s in path if any(svc == s and level == "ERROR" for svc, level, _ in logs)]
    if not erring:
        raise PromptUnreadable("no error on the request path")
    root = erring[-1]
    lines = " ".join(msg for svc, level, msg in logs if svc == root and level in ("ERROR", "WARN", "INFO"))
    return f"{root}: {_failure_mode(lines)}"


# ----------------------------------------------------------------------------- flaky tests

_WORKER_LEVELS = (1, 2, 4, 8)


def _flake_kind(text: str) -> str:
    for kind, pattern in {
        "parallel workers": r"workers",
        "time of day": r"UTC",
        "test order": r"right after",
        "runner platform": r"runners",
        "locale": r"LANG",
    }.items():
        if re.search(pattern, text):
            return kind
    raise PromptUnreadable(f"unknown failure condition {text!r}")


def flaky_test_diagnosis(prompt: str) -> str:
    need(r"Diagnose the flakiness\.", prompt)
    runs = re.findall(
        r"^#\d+\s*\| (\w+) \| (\S+)\s*\| (\d+) \| \S+ (\d\d):\d\d \| (\S+)\s*\| (\S+)\s*\| (pass|FAIL)",
        prompt,
        re.MULTILINE,
    )
    if not runs:
        raise PromptUnreadable("no runs")
    failed = [r for r in runs if r[6] == "FAIL"]
    passed = [r for r in runs if r[6] == "pass"]
    kinds = []
    fail_workers, pass_workers = {int(r[2]) for r in failed}, {int(r[2]) for r in passed}
    if max(pass_workers, default=0) < min(fail_workers):
        lo, hi = max(pass_workers, default=0), min(fail_workers)
        if _WORKER_LEVELS.index(hi) - (_WORKER_LEVELS.index(lo) if lo else -1) != 1:
            raise PromptUnreadable(f"the runs do not pin the worker threshold (pass at {lo}, fail from {hi})")
        kinds.append("parallel workers")
    if all(r[3] in ("23", "00") for r in failed) and not any(r[3] in ("23", "00") for r in passed):
        kinds.append("time of day")
    for column, kind in ((4, "test order"), (1, "runner platform"), (5, "locale")):
        values = {r[column] for r in failed}
        if len(values) == 1 and not any(r[column] in values for r in passed):
            kinds.append(kind)
    if len(kinds) != 1:
        raise PromptUnreadable(f"the runs fit {kinds or 'no'} condition(s), not exactly one")
    return kinds[0]


# ----------------------------------------------------------------------------- data quality


def data_quality_diagnosis(prompt: str) -> str:
    need(r"What data-quality problem explains the anomaly\?", prompt)
    rows = re.findall(
        r"^(\d{4}-\d\d-\d\d) \| (\S+)\s*\|\s*(\d+) \|\s*(\d+) \|\s*([\d.]+) \|\s*([\d.]+)$",
        prompt,
        re.MULTILINE,
    )
    by_source: dict[str, list[tuple]] = {}
    for date, source, n, distinct, null, mean in rows:
        by_source.setdefault(source, []).append((date, int(n), int(distinct), float(null), float(mean)))
    findings = []
    for source, days in by_source.items():
        # The first day is the baseline: a defect that persists "from a date onward" can cover most days.
        _, base_rows, _, base_null, base_mean = days[0]
        for date, n, distinct, null, mean in days:
            if n > 1.8 * distinct:
                findings.append((date, source, "duplicate load"))
            elif n < 0.7 * base_rows and distinct == n:
                findings.append((date, source, "partial"))
            elif mean > 20 * base_mean:
                findings.append((date, source, "unit change"))
            elif null > base_null + 10:
                findings.append((date, source, "null spike"))
    kinds = {(s, k) for _, s, k in findings}
    if len(kinds) != 1:
        raise PromptUnreadable(f"profile shows {sorted(kinds) or 'no'} defects, not exactly one")
    source, kind = kinds.pop()
    return f"{source}: {kind}"
