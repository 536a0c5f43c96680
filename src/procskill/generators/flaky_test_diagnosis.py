"""Flaky-test diagnosis: the one run attribute that separates failing from passing runs.

The scenario is assembled from seeded parts so that exactly one conclusion follows from the generated
facts; the gold conclusion and the judge rubric are derived from those same facts.
"""

from __future__ import annotations

import random
from datetime import timedelta
from types import SimpleNamespace

from procskill.generators._base import GeneratedTask, skill
from procskill.generators._diagnostics import DIAG, _base_time

_TESTS = (
    ("test_invoice_totals", "invoices"),
    ("test_export_csv", "export rows"),
    ("test_session_refresh", "sessions"),
    ("test_schedule_reminders", "reminders"),
    ("test_cart_merge", "cart items"),
    ("test_report_rendering", "report rows"),
    ("test_upload_resume", "chunks"),
    ("test_price_parsing", "prices"),
    ("test_user_import", "users"),
    ("test_audit_log_query", "audit entries"),
    ("test_coupon_expiry", "coupons"),
    ("test_batch_settlement", "settlements"),
)
_NEIGHBOURS = (
    "test_login_flow",
    "test_password_reset",
    "test_search_filters",
    "test_webhook_retry",
    "test_pdf_layout",
    "test_timezone_display",
    "test_email_templates",
    "test_rate_limiter",
    "test_health_endpoint",
    "test_avatar_upload",
)
_POLLUTERS = ("test_cache_warmup", "test_settings_override", "test_db_seed_fixtures", "test_feature_flags")
_RUNNERS = ("ubuntu-22.04", "ubuntu-24.04", "windows-2022", "macos-14")
_LOCALES = ("en_US.UTF-8", "C.UTF-8", "de_DE.UTF-8", "en_GB.UTF-8")
_WORKERS = (1, 2, 4, 8)
_FLAKE_CAUSES = ("order", "clock", "parallel", "runner", "locale")


def _flaky_condition(cause: str, run: dict, polluter: str) -> bool:
    if cause == "order":
        return run["prev"] == polluter
    if cause == "clock":
        return run["start"].hour in (23, 0)
    if cause == "parallel":
        return run["workers"] >= 4
    if cause == "runner":
        return run["runner"] == "windows-2022"
    return run["locale"] == "de_DE.UTF-8"


def _choose_scenario(rng: random.Random, difficulty: int) -> SimpleNamespace:
    """Draw the cause and a run history in which exactly one attribute separates failing from passing runs."""
    s = SimpleNamespace(difficulty=difficulty)
    n_runs = {1: 8, 2: 12, 3: 16}[difficulty]
    test, things = rng.choice(_TESTS)
    cause = rng.choice(_FLAKE_CAUSES)
    polluter = rng.choice(_POLLUTERS)
    neighbours = rng.sample(_NEIGHBOURS, 4)
    port = rng.randint(5000, 9999)
    base = _base_time(rng).replace(hour=6, minute=0, second=0)
    commits = [f"{rng.randrange(16**7):07x}" for _ in range(n_runs // 4 + 1)]
    for _attempt in range(500):
        offsets = sorted(rng.sample(range(6 * 24 * 60), n_runs))
        runs = []
        for off in offsets:
            start = base + timedelta(minutes=off)
            if cause == "clock" and rng.random() < 0.35:
                start = start.replace(hour=rng.choice([23, 0]))
            runs.append(
                {
                    "start": start,
                    "runner": rng.choice(_RUNNERS),
                    "workers": rng.choice(_WORKERS),
                    "prev": polluter if rng.random() < 0.3 else rng.choice(neighbours),
                    "locale": rng.choice(_LOCALES),
                }
            )
        runs.sort(key=lambda r: r["start"])
        for k, r in enumerate(runs):
            r["commit"] = commits[min(k * len(commits) // n_runs, len(commits) - 1)]
        fails = [r for r in runs if _flaky_condition(cause, r, polluter)]
        passes = [r for r in runs if not _flaky_condition(cause, r, polluter)]
        if not 2 <= len(fails) <= n_runs * 0.45:
            continue
        ok = True
        for attr in ("runner", "workers", "prev", "locale"):
            if (
                cause
                == {"runner": "runner", "workers": "parallel", "prev": "order", "locale": "locale"}[attr]
            ):
                continue
            if not {f[attr] for f in fails} <= {p[attr] for p in passes}:
                ok = False
        if cause != "clock":
            if all(f["start"].hour in (21, 22, 23, 0, 1, 2) for f in fails):
                ok = False
        else:
            if not any(p["start"].hour in (21, 22, 1, 2) for p in passes):
                ok = False
        if not {f["commit"] for f in fails} <= {p["commit"] for p in passes}:
            ok = False
        if cause == "parallel" and not (
            any(f["workers"] == 4 for f in fails) and any(p["workers"] == 2 for p in passes)
        ):
            ok = False  # "4 or more workers" needs a failing run at 4 and a passing one at 2 to pin it
        if ok:
            break
    else:  # pragma: no cover - the space is large
        raise RuntimeError("flaky-test-diagnosis: could not build a separable history")
    s.cause = cause
    s.commits = commits
    s.n_runs = n_runs
    s.polluter = polluter
    s.port = port
    s.runs = runs
    s.test = test
    s.things = things
    return s


def _render_prompt(rng: random.Random, s: SimpleNamespace) -> str:
    """The run table, its failure messages and the mechanism texts."""
    cause, n_runs, polluter, port = s.cause, s.n_runs, s.polluter, s.port
    runs, test, things = s.runs, s.test, s.things

    def failure_message(r: dict) -> str:
        if cause == "order":
            k = rng.randint(2, 9)
            return f"AssertionError: expected {k} {things}, found {k + rng.randint(1, 3)}"
        if cause == "clock":
            d = r["start"].date()
            return f"AssertionError: expected due date {d.isoformat()}, got {(d + timedelta(days=1)).isoformat()}"
        if cause == "parallel":
            return f"OSError: [Errno 98] Address already in use: ('127.0.0.1', {port})"
        if cause == "runner":
            return "AssertionError: 'out\\\\report.csv' != 'out/report.csv'"
        return f"ValueError: could not convert string to float: '{rng.randint(1, 9)}.{rng.randint(100, 999)},{rng.randint(10, 99)}'"

    lines = []
    for k, r in enumerate(runs, start=1):
        failed = _flaky_condition(cause, r, polluter)
        r["msg"] = failure_message(r) if failed else ""
        result = f"FAIL ({r['msg']})" if failed else "pass"
        lines.append(
            f"#{k:<2} | {r['commit']} | {r['runner']:<12} | {r['workers']} | {r['start'].strftime('%Y-%m-%d %H:%M')} | "
            f"{r['prev']:<22} | {r['locale']:<11} | {result}"
        )
        r["n"] = k
        r["failed"] = failed
    fail_ids = [f"#{r['n']}" for r in runs if r["failed"]]
    pass_ids = [r for r in runs if not r["failed"]]

    mech = {
        "order": (
            f"it fails exactly when it runs right after {polluter}",
            f"test-order dependence: {polluter} leaves shared state ({things} in the shared database/cache or a global setting) behind",
            f"make {polluter} clean up after itself or give {test} its own isolated fixture",
            f"the preceding test is {polluter}",
        ),
        "clock": (
            "it fails exactly when the run starts between 23:00 and 00:59 UTC",
            "a date-boundary bug: the test derives 'today' from the wall clock (mixing UTC and local dates), so near midnight the expected and actual dates differ by a day",
            "freeze or inject the clock (a fixed date and a single timezone) in the test",
            "the start hour is 23 or 00 UTC",
        ),
        "parallel": (
            "it fails exactly when the suite runs with 4 or more workers",
            f"a resource collision between parallel workers: the test binds the fixed port {port}",
            "bind to an ephemeral port (port 0) or allocate per-worker ports/temp resources",
            "workers >= 4",
        ),
        "runner": (
            "it fails exactly on the windows-2022 runners",
            "platform dependence: the test hard-codes '/' path separators, which differ on Windows",
            "build and compare paths with pathlib/os.path instead of string literals",
            "runner is windows-2022",
        ),
        "locale": (
            "it fails exactly when LANG is de_DE.UTF-8",
            "locale dependence: numbers are formatted with the runner's locale (decimal comma) and then parsed as if they used a decimal point",
            "pin the locale in the test or format/parse numbers locale-independently",
            "LANG is de_DE.UTF-8",
        ),
    }[cause]
    condition, mechanism, fix, short = mech
    n_fail = len(fail_ids)
    intro = rng.choice(
        [
            f"{test} has started failing intermittently in CI.",
            f"The team suspects {test} is flaky: it fails on some CI runs but not others.",
            f"CI keeps reporting sporadic failures of {test}; re-running usually makes it pass.",
        ]
    )
    prompt = (
        f"{intro} Here are its last {n_runs} runs (run | commit | runner | pytest-xdist workers | start time UTC | "
        f"test that ran immediately before it on the same worker | LANG | result):\n"
        + "\n".join(lines)
        + "\n\n"
        "Diagnose the flakiness. Answer in one or two sentences: the condition under which it fails, the "
        "likely mechanism, and the fix."
    )
    s.condition = condition
    s.fail_ids = fail_ids
    s.fix = fix
    s.mechanism = mechanism
    s.n_fail = n_fail
    s.pass_ids = pass_ids
    s.short = short
    return prompt


def _target_and_rubric(s: SimpleNamespace) -> tuple[str, str]:
    """The gold diagnosis and the rubric."""
    cause, condition, fix, mechanism = s.cause, s.condition, s.fix, s.mechanism
    n_fail, short, test = s.n_fail, s.short, s.test
    target = f"{test} is a flake, not a regression: {condition} ({n_fail} of {n_fail} failures, no passing run), which points to {mechanism}; fix: {fix}."
    others = {
        "order": "the preceding test",
        "clock": "the start time",
        "parallel": "the worker count",
        "runner": "the runner",
        "locale": "LANG",
    }
    wrong_attrs = [v for k, v in others.items() if k != cause]
    rubric = (
        f"Correct if the answer identifies the failure condition ({short}) and a mechanism consistent with it "
        f"({mechanism.split(':')[0]}); the fix is not graded (a sound one: '{fix}'). Incorrect: calling it a code "
        f"regression in a specific commit (the same commits also pass); blaming {', '.join(wrong_attrs[:-1])} or {wrong_attrs[-1]} "
        "(their failing values also occur in passing runs); or 'random/infrastructure noise' without the condition."
    )
    return target, rubric


def _worked_solution(s: SimpleNamespace) -> list[str]:
    """The five steps, each stating its own result."""
    commits, fail_ids, fix, mechanism = s.commits, s.fail_ids, s.fix, s.mechanism
    n_fail, pass_ids, runs, short = s.n_fail, s.pass_ids, s.runs, s.short
    commit_mix = [c for c in commits if any(r["commit"] == c and r["failed"] for r in runs)]
    step2 = []
    for attr, label in (
        ("runner", "runner"),
        ("workers", "workers"),
        ("prev", "preceding test"),
        ("locale", "LANG"),
    ):
        fv = sorted({str(r[attr]) for r in runs if r["failed"]})
        pv = sorted({str(r[attr]) for r in runs if not r["failed"]})
        step2.append(f"{label}: failing {{{', '.join(fv)}}} vs passing {{{', '.join(pv)}}}")
    fh = sorted({r["start"].strftime("%H") for r in runs if r["failed"]})
    ph = sorted({r["start"].strftime("%H") for r in runs if not r["failed"]})
    step2.append(f"start hour: failing {{{', '.join(fh)}}} vs passing {{{', '.join(ph)}}}")
    steps = [
        f"Failing runs {', '.join(fail_ids)} are on commits {', '.join(commit_mix)}, each of which also has passing runs, so this is a flake rather than a regression.",
        "Attribute values by outcome: " + "; ".join(step2) + ".",
        f"Only one condition separates the outcomes: {short} holds in all {n_fail} failing runs and in none of the {len(pass_ids)} passing runs; every other attribute's failing values also appear among passes.",
        f"The failure message ({next(r for r in runs if r['failed'])['msg']}) fits {mechanism}; fix: {fix}.",
        f"Re-check: runs {', '.join(fail_ids)} all satisfy '{short}', and none of the other {len(pass_ids)} runs does.",
    ]
    return steps


@skill(
    id="flaky-test-diagnosis",
    name="Flaky test diagnosis",
    domain=DIAG,
    description="Diagnose why a CI test fails intermittently from its run history, and name the mechanism and fix.",
    answer_type="free",
    procedure=[
        "Confirm it is a flake, not a regression: check whether the same commit has both passing and failing runs.",
        "Tabulate every recorded run attribute (runner, parallelism, start time, preceding test, environment) against pass/fail.",
        "Find the attribute condition that holds in every failing run and in no passing run; discard attributes whose failing values also occur in passing runs.",
        "Match the failure message to the mechanism that condition implies (shared state, clock/date boundary, resource collision, platform or locale dependence) and name the fix that removes it.",
        "Verify: re-check each run against the condition (all failures satisfy it, no pass does) and make sure no other attribute explains the failures equally well.",
    ],
    why="Models jump to 'it's random' or to the failure message alone; cross-tabulating attributes against outcomes exposes the single condition that separates failures.",
)
def flaky_test_diagnosis(rng: random.Random, difficulty: int) -> GeneratedTask:
    s = _choose_scenario(rng, difficulty)
    prompt = _render_prompt(rng, s)
    target, rubric = _target_and_rubric(s)
    steps = _worked_solution(s)
    cause, polluter, runs, test = s.cause, s.polluter, s.runs, s.test
    return GeneratedTask(
        prompt=prompt,
        target=target,
        steps=steps,
        params={
            "test": test,
            "cause": cause,
            "polluter": polluter,
            "runs": [
                [
                    r["commit"],
                    r["runner"],
                    r["workers"],
                    r["start"].strftime("%Y-%m-%d %H:%M"),
                    r["prev"],
                    r["locale"],
                    r["failed"],
                ]
                for r in runs
            ],
        },
        rubric=rubric,
    )
