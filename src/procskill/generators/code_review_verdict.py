"""Code review verdict: a small pull request checked against its docstrings, with at most one seeded defect.

The scenario is assembled from seeded parts so that exactly one conclusion follows from the generated
facts; the gold conclusion and the judge rubric are derived from those same facts.
"""

from __future__ import annotations

import random
from types import SimpleNamespace

from procskill.generators._base import GeneratedTask, skill
from procskill.generators._diagnostics import DIAG, _join_and


def _cr_paginate(rng: random.Random) -> dict:
    fn = rng.choice(["page_slice", "get_page", "paginate", "items_for_page"])
    size = rng.choice([5, 10, 20, 25, 50])
    n = rng.randint(5, 9)
    return {
        "fn": fn,
        "lines": [
            f"def {fn}(items, page, per_page={size}):",
            '    """Return the items on the given 1-based page (page >= 1)."""',
            "    start = (page - 1) * per_page",
            "    return items[start:start + per_page]",
        ],
        "bugs": [
            (
                {2: "    start = page * per_page"},
                [],
                3,
                "the start index is off by one (pages are 1-based), so page 1 skips the first per_page items",
            ),
            (
                {3: "    return items[start:start + per_page - 1]"},
                [],
                4,
                "the slice end is off by one, so every page loses its last item",
            ),
        ],
        "probe": f"{fn}(list(range(1, {n + 1})), 1, 3)",
        "expect": "the first page of 3 items",
    }


def _cr_shipping(rng: random.Random) -> dict:
    fn = rng.choice(["shipping_fee", "delivery_charge", "postage_for"])
    limit = rng.choice([25, 35, 40, 50, 60, 75])
    fee = rng.choice(["3.99", "4.95", "5.5", "6.99"])
    return {
        "fn": fn,
        "lines": [
            f"def {fn}(subtotal):",
            f'    """Orders of {limit} or more ship free; smaller orders pay {fee}."""',
            f"    if subtotal >= {limit}:",
            "        return 0.0",
            f"    return {fee}",
        ],
        "bugs": [
            (
                {2: f"    if subtotal > {limit}:"},
                [],
                3,
                f"`>` should be `>=`, so an order of exactly {limit} is charged the fee instead of shipping free",
            ),
        ],
        "probe": f"{fn}({limit})",
        "expect": "free shipping at the threshold",
    }


def _cr_mutable(rng: random.Random) -> dict:
    fn, item, acc = rng.choice(
        [
            ("add_tag", "tag", "tags"),
            ("collect_error", "error", "errors"),
            ("append_item", "item", "bucket"),
            ("record_event", "event", "log"),
        ]
    )
    return {
        "fn": fn,
        "lines": [
            f"def {fn}({item}, {acc}=None):",
            f'    """Append {item} to {acc} and return it; a call without {acc} starts a new list."""',
            f"    if {acc} is None:",
            f"        {acc} = []",
            f"    {acc}.append({item})",
            f"    return {acc}",
        ],
        "bugs": [
            (
                {0: f"def {fn}({item}, {acc}=[]):"},
                [2, 3],
                1,
                "the mutable default list is shared across calls, so earlier items leak into later calls",
            ),
        ],
        "probe": f"({fn}('a'), {fn}('b'))[1]",
        "expect": "a fresh list on each call",
    }


def _cr_mean(rng: random.Random) -> dict:
    fn = rng.choice(["mean", "average_score", "avg_latency", "mean_rating"])
    return {
        "fn": fn,
        "lines": [
            f"def {fn}(values):",
            '    """Arithmetic mean of values; an empty list gives 0.0."""',
            "    if not values:",
            "        return 0.0",
            "    return sum(values) / len(values)",
        ],
        "bugs": [
            (
                {},
                [2, 3],
                3,
                "the empty-input guard is missing, so an empty list raises ZeroDivisionError instead of returning 0.0",
            ),
        ],
        "probe": f"{fn}([])",
        "expect": "0.0 for an empty list",
    }


def _cr_pct(rng: random.Random) -> dict:
    fn = rng.choice(["percent_change", "growth_pct", "pct_delta"])
    old = rng.choice([40, 80, 120, 200, 250])
    new = old * rng.choice([3, 5, 7]) // 2
    return {
        "fn": fn,
        "lines": [
            f"def {fn}(old, new):",
            '    """Percentage change from old to new, e.g. 50 -> 75 gives 50.0 (old is never 0)."""',
            "    return (new - old) / old * 100",
        ],
        "bugs": [
            (
                {2: "    return (new - old) / new * 100"},
                [],
                3,
                "it divides by the new value instead of the old one",
            ),
        ],
        "probe": f"{fn}({old}, {new})",
        "expect": "change relative to the old value",
    }


def _cr_clamp(rng: random.Random) -> dict:
    fn = rng.choice(["clamp", "bound", "limit_to_range"])
    lo, hi = rng.choice([(0, 10), (1, 100), (-5, 5), (0, 255)])
    x = (lo + hi) // 2 + 1
    return {
        "fn": fn,
        "lines": [
            f"def {fn}(x, lo, hi):",
            '    """Limit x to the closed range [lo, hi] (lo <= hi)."""',
            "    return max(lo, min(x, hi))",
        ],
        "bugs": [
            (
                {2: "    return min(lo, max(x, hi))"},
                [],
                3,
                "min and max are swapped, so any x inside the range comes back as lo",
            ),
        ],
        "probe": f"{fn}({x}, {lo}, {hi})",
        "expect": "x unchanged inside the range",
    }


def _cr_dedupe(rng: random.Random) -> dict:
    fn = rng.choice(["unique_in_order", "dedupe", "distinct_names"])
    a, b = rng.sample(["ana", "bo", "cyd", "dee", "eli", "fox"], 2)
    return {
        "fn": fn,
        "lines": [
            f"def {fn}(names):",
            '    """Drop repeated names, keeping each first occurrence in the original order."""',
            "    seen = set()",
            "    out = []",
            "    for name in names:",
            "        if name not in seen:",
            "            seen.add(name)",
            "            out.append(name)",
            "    return out",
        ],
        "bugs": [
            (
                {},
                [6],
                6,
                "`seen.add(name)` is missing, so nothing is recorded as seen and duplicates are kept",
            ),
        ],
        "probe": f"{fn}([{a!r}, {b!r}, {a!r}])",
        "expect": "each name once",
    }


def _cr_chunk(rng: random.Random) -> dict:
    fn = rng.choice(["chunked", "batches", "split_into_groups"])
    size = rng.choice([2, 3, 4])
    n = size * 2 + 1
    return {
        "fn": fn,
        "lines": [
            f"def {fn}(xs, size):",
            '    """Split xs into consecutive chunks of `size` (size >= 1); the last chunk may be shorter."""',
            "    return [xs[i:i + size] for i in range(0, len(xs), size)]",
        ],
        "bugs": [
            (
                {2: "    return [xs[i:i + size] for i in range(0, len(xs) - size + 1, size)]"},
                [],
                3,
                "the range stops early, so a final partial chunk is silently dropped",
            ),
        ],
        "probe": f"{fn}(list(range({n})), {size})",
        "expect": "a shorter last chunk",
    }


def _cr_kv(rng: random.Random) -> dict:
    fn = rng.choice(["parse_setting", "split_pair", "parse_kv"])
    return {
        "fn": fn,
        "lines": [
            f"def {fn}(line):",
            '    """Parse "key=value" into (key, value); the line always contains "=" and the value may contain "=" too."""',
            '    key, value = line.split("=", 1)',
            "    return key.strip(), value.strip()",
        ],
        "bugs": [
            (
                {2: '    key, value = line.split("=")'},
                [],
                3,
                "it splits on every '=', so a value containing '=' raises ValueError (too many values to unpack)",
            ),
        ],
        "probe": f"{fn}({rng.choice(['token=ab=cd', 'query=a=1', 'sig=x==', 'expr=y=2'])!r})",
        "expect": "values containing '=' kept whole",
    }


def _cr_leap(rng: random.Random) -> dict:
    fn = rng.choice(["is_leap", "leap_year", "has_feb_29"])
    year = rng.choice([1600, 2000, 2400])
    return {
        "fn": fn,
        "lines": [
            f"def {fn}(year):",
            '    """True for Gregorian leap years."""',
            "    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)",
        ],
        "bugs": [
            (
                {2: "    return year % 4 == 0 and year % 100 != 0"},
                [],
                3,
                "it ignores the 400-year rule, so century leap years are reported as common years",
            ),
        ],
        "probe": f"{fn}({year})",
        "expect": "True for a year divisible by 400",
    }


def _cr_tail(rng: random.Random) -> dict:
    fn = rng.choice(["sum_last", "recent_total", "tail_sum"])
    vals = sorted(rng.sample(range(1, 40), 5))
    return {
        "fn": fn,
        "lines": [
            f"def {fn}(values, n):",
            '    """Sum of the last n values (all of them if there are fewer than n); n >= 1."""',
            "    return sum(values[-n:])",
        ],
        "bugs": [
            ({2: "    return sum(values[-n:-1])"}, [], 3, "the slice end -1 excludes the most recent value"),
        ],
        "probe": f"{fn}({vals}, 2)",
        "expect": "the last two values summed",
    }


_CR_TEMPLATES = (
    _cr_paginate,
    _cr_shipping,
    _cr_mutable,
    _cr_mean,
    _cr_pct,
    _cr_clamp,
    _cr_dedupe,
    _cr_chunk,
    _cr_kv,
    _cr_leap,
    _cr_tail,
)
_AUTHORS = (
    "mkowalski",
    "aiyer",
    "jdoe",
    "rnakamura",
    "lfernandes",
    "okafor-t",
    "svensson",
    "hbrandt",
    "pchen",
    "ymensah",
)
_MODULES = ("utils", "helpers", "common", "toolbox", "support", "core_utils")


def _run_probe(lines: list[str], probe: str) -> str:
    namespace: dict = {}
    exec("\n".join(lines), namespace)  # noqa: S102 - our own generated source, never user input
    try:
        return repr(eval(probe, namespace))
    except Exception as exc:  # noqa: BLE001 - the buggy variant may raise; that is the finding
        return f"raises {type(exc).__name__}"


def _choose_scenario(rng: random.Random, difficulty: int) -> SimpleNamespace:
    """Draw the functions, at most one seeded defect, and the probe results that expose it."""
    s = SimpleNamespace(difficulty=difficulty)
    n_fns = difficulty
    templates = rng.sample(range(len(_CR_TEMPLATES)), n_fns)
    funcs = [_CR_TEMPLATES[t](rng) for t in templates]
    buggy_idx = None if rng.random() < 0.2 else rng.randrange(n_fns)
    bug = None
    listing: list[str] = []
    offsets = []
    for k, f in enumerate(funcs):
        lines = list(f["lines"])
        if k == buggy_idx:
            bug = rng.choice(f["bugs"])
            replace, drop, _, _ = bug
            lines = [replace.get(i, line) for i, line in enumerate(lines) if i not in drop]
        f["shown"] = lines
        if listing:
            listing += ["", ""]
        offsets.append(len(listing))
        listing += lines
    numbered = "\n".join(
        f"{i:>3} | {line}" if line else f"{i:>3} |" for i, line in enumerate(listing, start=1)
    )
    results = []
    for f in funcs:
        got = _run_probe(f["shown"], f["probe"])
        want = _run_probe(f["lines"], f["probe"])
        results.append((got, want))
    if buggy_idx is not None:
        got, want = results[buggy_idx]
        assert got != want, "bug must change the probe result"
    for k, (got, want) in enumerate(results):
        if k != buggy_idx:
            assert got == want
    s.bug = bug
    s.buggy_idx = buggy_idx
    s.funcs = funcs
    s.n_fns = n_fns
    s.numbered = numbered
    s.offsets = offsets
    s.results = results
    return s


def _render_prompt(rng: random.Random, s: SimpleNamespace) -> str:
    """The pull request: author, module and numbered listing."""
    funcs, numbered = s.funcs, s.numbered
    author = rng.choice(_AUTHORS)
    module = rng.choice(_MODULES)
    names = [f["fn"] for f in funcs]
    pr = rng.randint(120, 4999)
    prompt = (
        f"Pull request #{pr} by {author} adds {_join_and([f'`{n}`' for n in names])} to `{module}.py`. The docstrings are the "
        f"specification. New code (line numbers on the left):\n{numbered}\n\n"
        "Review the pull request for correctness. Answer in one or two sentences: your verdict (approve or request "
        "changes) and, if you request changes, the defect, its line number, and an input that exposes it."
    )
    s.author = author
    s.module = module
    s.names = names
    s.pr = pr
    return prompt


def _target_and_rubric(s: SimpleNamespace) -> tuple[str, str]:
    """The gold verdict and the rubric, from the probe results."""
    bug, buggy_idx, funcs, n_fns = s.bug, s.buggy_idx, s.funcs, s.n_fns
    names, offsets, results = s.names, s.offsets, s.results
    if buggy_idx is None:
        target = (
            f"Approve: {_join_and([f'`{n}`' for n in names])} "
            + ("meets its" if n_fns == 1 else "meet their")
            + " documented behaviour, "
            f"including the edge cases (e.g. {funcs[0]['probe']} returns {results[0][1]})."
        )
        rubric = (
            f"Correct verdict: approve. The code is correct for its docstrings (e.g. {'; '.join(f['probe'] + ' -> ' + r[1] for f, r in zip(funcs, results))}). "
            "Incorrect: requesting changes for a claimed correctness bug in any of the functions. Optional style suggestions alongside an approval are fine."
        )
        finding = "no line deviates from its contract"
        verdict = "approve"
    else:
        f = funcs[buggy_idx]
        _, _, bug_line, defect = bug
        line_no = offsets[buggy_idx] + bug_line
        got, want = results[buggy_idx]
        target = f"Request changes: in `{f['fn']}`, line {line_no}, {defect}; for example {f['probe']} gives {got} instead of {want}."
        ok_names = [n for k, n in enumerate(names) if k != buggy_idx]
        rubric = (
            f"Correct verdict: request changes, identifying the defect in `{f['fn']}` around line {line_no} ({defect}). "
            f"The failing input is not graded (one that works: {f['probe']} gives {got}, should give {want}). "
            "Incorrect: approving; or blaming a different defect or line"
            + (
                f"; or claiming {_join_and([f'`{n}`' for n in ok_names])} "
                + (
                    "is wrong (it meets its docstring)"
                    if len(ok_names) == 1
                    else "are wrong (they meet their docstrings)"
                )
                if ok_names
                else ""
            )
            + "."
        )
        finding = f"line {line_no} in `{f['fn']}`: {defect}"
        verdict = "request changes"
    s.finding = finding
    s.verdict = verdict
    return target, rubric


def _worked_solution(s: SimpleNamespace) -> list[str]:
    """The five steps, each stating its own result."""
    bug, buggy_idx, finding, funcs = s.bug, s.buggy_idx, s.finding, s.funcs
    offsets, results, verdict = s.offsets, s.results, s.verdict
    steps = [
        "Contracts: " + "; ".join(f"`{f['fn']}` must give {f['expect']}" for f in funcs) + ".",
        "Traces: "
        + "; ".join(f"{f['probe']} -> {got} (expected {want})" for f, (got, want) in zip(funcs, results))
        + ".",
        f"Discrepancies: {finding}.",
        f"Verdict: {verdict}.",
        (
            "Re-check: every edge-case trace matches its contract, so nothing blocks the merge."
            if buggy_idx is None
            else f"Re-check: with line {offsets[buggy_idx] + bug[2]} as written, {funcs[buggy_idx]['probe']} still gives "
            f"{results[buggy_idx][0]}, while the other functions return what their docstrings promise."
        ),
    ]
    return steps


@skill(
    id="code-review-verdict",
    name="Code review verdict",
    domain=DIAG,
    description="Review a small pull request against its documented behaviour and give an approve / request-changes verdict.",
    answer_type="free",
    procedure=[
        "Restate each changed function's contract from its docstring as concrete input -> output expectations, including edge cases (empty input, boundaries, repeated calls, special values).",
        "Trace each function line by line on those edge-case inputs and write down what it actually returns.",
        "Flag every line where the traced result differs from the contract and name the defect class (off-by-one, wrong comparison, shared mutable state, missing guard, wrong operand).",
        "Decide: request changes if any correctness defect exists (cite the function, the line and a failing input), otherwise approve; style preferences alone never block.",
        "Verify: re-trace the failing input through the cited line to confirm the wrong result (or, for an approval, re-check the edge cases) and make sure the other functions really meet their contracts.",
    ],
    why="Models skim code and either rubber-stamp it or invent problems; checking each contract on explicit edge cases grounds the verdict in a concrete failing input.",
)
def code_review_verdict(rng: random.Random, difficulty: int) -> GeneratedTask:
    s = _choose_scenario(rng, difficulty)
    prompt = _render_prompt(rng, s)
    target, rubric = _target_and_rubric(s)
    steps = _worked_solution(s)
    author, bug, buggy_idx, funcs = s.author, s.bug, s.buggy_idx, s.funcs
    module, names, offsets, pr = s.module, s.names, s.offsets, s.pr
    return GeneratedTask(
        prompt=prompt,
        target=target,
        steps=steps,
        params={
            "functions": names,
            "buggy": names[buggy_idx] if buggy_idx is not None else None,
            "bug_line": (offsets[buggy_idx] + bug[2]) if bug else None,
            "probes": [f["probe"] for f in funcs],
            "author": author,
            "module": module,
            "pr": pr,
        },
        rubric=rubric,
    )
