"""Free-form diagnosis and decision procedures.

Every scenario is assembled from seeded parts (services, timestamps, symptoms, tables,
thresholds) so that exactly one conclusion follows from the generated facts; the gold
conclusion and the judge rubric are derived from those same facts.
"""

from __future__ import annotations

import itertools
import random
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

from procskill.generators._base import GeneratedTask, skill

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


# =========================================================================== log-root-cause

_ENTRY = ("api-gateway", "edge-proxy", "web-bff", "mobile-api", "storefront", "public-api")
_MIDS = (
    "orders",
    "checkout",
    "cart",
    "inventory",
    "billing",
    "profile",
    "pricing",
    "shipping",
    "accounts",
    "payments",
    "ledger",
    "loyalty",
    "catalog",
    "bookings",
    "quotes",
    "subscriptions",
)
_STORES = (
    "pg-primary",
    "orders-db",
    "redis-cache",
    "ledger-db",
    "mysql-main",
    "session-store",
    "docstore",
    "kv-cluster",
)
_OFFPATH = (
    (
        "notifications",
        "smtp-relay",
        "ERROR SMTP relay smtp-2 rejected login (535 5.7.8 authentication failed)",
    ),
    ("search", "es-cluster", "ERROR index refresh failed: shard 3 of products-v7 unassigned"),
    ("reporting", "warehouse", "ERROR nightly-export job failed: S3 AccessDenied on bucket exports-prod"),
    ("fx-rates", "rates-provider", "ERROR failed to fetch exchange rates: provider returned HTTP 503"),
    ("analytics", "kafka", "ERROR event batch dropped: topic clickstream-v2 not found"),
    ("image-resizer", "blob-store", "ERROR thumbnail worker crashed: unsupported codec in upload 88213"),
    ("recommendations", "feature-store", "ERROR model reload failed: checksum mismatch for embeddings.bin"),
)
_METHODS = ("GET", "POST", "PUT", "PATCH")
_SUFFIXES = ("", "/{id}", "/{id}/items", "/search", "/summary", "/{id}/status")
_CONFIG_BREAKS = (
    ("db_pool_size", "0", "no database connection available (db_pool_size=0)"),
    ("upstream_timeout_ms", "0", "deadline exceeded after 0ms"),
    ("max_body_bytes", "16", "request body larger than max_body_bytes=16"),
    ("auth_audience", "staging", "token audience mismatch: expected 'staging'"),
)
_FAILURES = ("oom", "disk", "cert", "config", "deadlock", "readonly")
_FILLER = (
    "INFO  GET /healthz 200 2ms",
    "INFO  processed {n} requests in last 60s",
    "INFO  cache hit ratio 0.9{d}",
    "INFO  p99 latency {ms}ms",
    "INFO  connection pool 1{d}/50 in use",
    "DEBUG scheduled compaction skipped (nothing to do)",
)


def _failure_lines(kind: str, root: str, rng: random.Random, t0: datetime) -> tuple[list[str], str, str, str]:
    """Root-service log lines, the immediate caller's symptom, a description, and keywords."""
    if kind == "oom":
        lim = rng.choice(["512Mi", "1Gi", "768Mi", "2Gi"])
        return (
            [
                f"WARN  memory usage at {rng.randint(91, 98)}% of {lim} limit",
                "ERROR container killed: OOMKilled (exit code 137), restarting",
            ],
            f"ERROR call to {root} failed: connect ECONNREFUSED 10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(2, 250)}:8080",
            f"ran out of memory and was OOM-killed (limit {lim})",
            "out of memory / OOMKilled",
        )
    if kind == "disk":
        return (
            [f"ERROR write failed: No space left on device (/var/lib/{root}/data)"],
            f"ERROR {root} returned HTTP 500 Internal Server Error",
            "filled its data volume (No space left on device), so its writes fail",
            "disk full / no space left on device",
        )
    if kind == "cert":
        return (
            [f"ERROR TLS serving certificate for {root}.internal expired at {_iso(t0)}; handshakes failing"],
            f"ERROR TLS handshake with {root}.internal failed: x509: certificate has expired",
            "is serving an expired TLS certificate, so callers' handshakes fail",
            "expired TLS certificate",
        )
    if kind == "config":
        param, val, effect = rng.choice(_CONFIG_BREAKS)
        rev = rng.randint(100, 999)
        return (
            [f"INFO  applied config revision r{rev}: {param}={val}", f"ERROR request aborted: {effect}"],
            f"ERROR {root} returned HTTP 503 Service Unavailable",
            f"picked up a bad configuration change (revision r{rev} set {param}={val}) that makes it reject requests",
            f"bad config change r{rev} / {param}={val}",
        )
    if kind == "deadlock":
        n = rng.choice([16, 32, 64, 128])
        return (
            [f"ERROR watchdog: all {n} worker threads blocked for 30s (deadlock suspected)"],
            f"ERROR timeout after {rng.choice([2000, 3000, 5000])}ms waiting for {root}",
            "deadlocked all its worker threads and stopped answering",
            "worker-thread deadlock / hang",
        )
    return (
        [
            "WARN  lost quorum; demoting to read-only replica",
            "ERROR rejected write: database is in read-only mode",
        ],
        f"ERROR write to {root} failed: cannot execute INSERT in a read-only transaction",
        "lost its primary role and went read-only, so every write is rejected",
        "database went read-only (lost primary/quorum)",
    )


@skill(
    id="log-root-cause",
    name="Log root-cause analysis",
    domain=DIAG,
    description="Find the root cause of an outage from merged multi-service logs and a dependency map.",
    answer_type="free",
    procedure=[
        "Pin down the symptom: which user-facing request fails, where it is first reported, and from what time.",
        "Use the dependency map to trace the failing request's call path and mark every service on it; services off that path cannot cause this symptom.",
        "Order the abnormal log events on the path by timestamp and find the earliest one, discarding off-path errors and warnings that recovered before the incident.",
        "Check causality: the candidate must precede the errors in its callers and its failure mode must explain their messages (e.g. a killed process explains 'connection refused' upstream); services below it should look healthy.",
        "Verify: confirm no earlier abnormal event exists on the path and state why each other error (callers' symptoms, off-path failures) is an effect or unrelated.",
    ],
    why="Models tend to blame the loudest or earliest error in the log; restricting to the request path and checking time order plus causal fit isolates the true origin.",
)
def log_root_cause(rng: random.Random, difficulty: int) -> GeneratedTask:
    depth = {1: 3, 2: 4, 3: 5}[difficulty]
    entry = rng.choice(_ENTRY)
    mids = rng.sample(_MIDS, depth - 2)
    store = rng.choice(_STORES)
    path = [entry, *mids, store]
    endpoint = f"{rng.choice(_METHODS)} /{mids[0]}{rng.choice(_SUFFIXES)}"
    j = rng.randint(1, depth - 1)
    root = path[j]
    kinds = [k for k in _FAILURES if k != "readonly" or j == depth - 1]
    kind = rng.choice(kinds)
    n_herring = 1 if difficulty < 3 else 2
    herrings = rng.sample(_OFFPATH, n_herring)
    t_base = _base_time(rng)
    lead_in = rng.randint(400, 700)
    t0 = t_base + timedelta(seconds=lead_in)

    events: list[tuple[datetime, str, str]] = []
    # Filler from every service, before and after t0.
    services = [*path, *[h[0] for h in herrings]]
    for svc in services:
        for _ in range(rng.randint(1, 2)):
            dt = t_base + timedelta(seconds=rng.randint(0, lead_in - 5))
            line = rng.choice(_FILLER).format(
                n=rng.randint(200, 9000), d=rng.randint(0, 9), ms=rng.randint(12, 90)
            )
            events.append((dt, svc, line))
    # Services below the root keep logging healthy lines after t0.
    for svc in path[j + 1 :]:
        events.append(
            (
                t0 + timedelta(seconds=rng.randint(5, 40)),
                svc,
                f"INFO  p99 latency {rng.randint(3, 30)}ms, error rate 0.0%",
            )
        )
    # Root-cause lines.
    root_lines, caller_msg, desc, keywords = _failure_lines(kind, root, rng, t0)
    t = t0
    first_root_line = root_lines[0]
    for line in root_lines:
        events.append((t, root, line))
        t += timedelta(seconds=rng.randint(2, 8))
    # Cascade upward.
    t_caller = t + timedelta(seconds=rng.randint(1, 6))
    cascade: list[tuple[str, datetime, str]] = []
    caller = path[j - 1]
    events.append((t_caller, caller, caller_msg))
    cascade.append((caller, t_caller, caller_msg))
    t = t_caller
    for i in range(j - 2, -1, -1):
        t += timedelta(seconds=rng.randint(1, 5))
        if i == 0:
            msg = f"ERROR {endpoint} -> 502 Bad Gateway (upstream {path[1]} failed)"
        else:
            msg = f"ERROR upstream {path[i + 1]} returned {rng.choice(['500', '502', '504'])} for {endpoint}"
        events.append((t, path[i], msg))
        cascade.append((path[i], t, msg))
    t += timedelta(seconds=rng.randint(20, 60))
    entry_rate = f"WARN  5xx rate {rng.randint(18, 97)}% on {endpoint} over last 60s"
    events.append((t, entry, entry_rate))
    t_entry_first = cascade[-1][1] if cascade[-1][0] == entry else t
    if difficulty == 3:
        events.append(
            (t + timedelta(seconds=rng.randint(2, 9)), entry, f"WARN  circuit breaker OPEN for {path[1]}")
        )
    # Red herrings: off-path errors (before t0 from difficulty 2 on).
    herring_notes = []
    for name, _, msg in herrings:
        if difficulty == 1:
            ht = t0 + timedelta(seconds=rng.randint(30, 120))
        else:
            ht = t0 - timedelta(seconds=rng.randint(40, 300))
        events.append((ht, name, msg))
        herring_notes.append((name, ht, msg))
    # Difficulty 3: a resolved warning on the path, well before the incident.
    benign = None
    if difficulty == 3:
        svc = rng.choice([p for p in path if p != root])
        bt = t0 - timedelta(seconds=rng.randint(330, 390))
        events.append((bt, svc, f"WARN  GC pause {rng.randint(350, 900)}ms"))
        events.append(
            (
                bt + timedelta(seconds=rng.randint(10, 25)),
                svc,
                f"INFO  p99 latency back to {rng.randint(20, 60)}ms",
            )
        )
        benign = (svc, bt)

    events.sort(key=lambda e: (e[0], services.index(e[1]) if e[1] in services else 0))
    width = max(len(s) for s in services)
    log = "\n".join(f"{_iso(dt)} {svc:<{width}} {line}" for dt, svc, line in events)

    edges = [f"{a} -> {b}" for a, b in itertools.pairwise(path)]
    off_edges = []
    for k, (name, dep, _) in enumerate(herrings):
        off_edges.append(f"{name} -> {dep}")
        if k == 0:
            off_edges.append(f"{entry} -> {name}")
    all_edges = edges + off_edges
    rng.shuffle(all_edges)
    user_report = rng.choice(
        [
            f"Customers report that {endpoint} has been failing since about {_hm(t_entry_first)} UTC.",
            f"On-call was paged at {_hm(t_entry_first + timedelta(minutes=2))} UTC: {endpoint} is returning errors to users.",
            f"Support tickets about failed {endpoint} requests started arriving around {_hm(t_entry_first)} UTC.",
        ]
    )
    prompt = (
        f"{user_report} {entry} serves {endpoint} by calling {path[1]}. Service dependencies (caller -> callee): "
        f"{'; '.join(all_edges)}. Merged log excerpt (UTC):\n{log}\n\n"
        "What is the root cause of the failing requests? Answer in one or two sentences that name the service "
        "where the failure originated and what went wrong there, and say briefly why the other errors are not the cause."
    )

    callers = [c for c, _, _ in cascade]
    below = path[j + 1 :]
    herring_names = [h[0] for h in herring_notes]
    target = (
        f'The root cause is {root}, which {desc} (first logged at {_hm(t0)}:{t0.strftime("%S")}: "{first_root_line.split(None, 1)[1]}"); '
        f"the errors in {_join_and(callers)} are knock-on symptoms further up the call path, and the "
        f"{_join_and(herring_names)} error{'s are' if len(herring_names) > 1 else ' is'} off that path and unrelated."
    )
    wrong = [f"blaming {c} (it only reports the failure of its callee)" for c in callers]
    wrong += [
        f'blaming {h} ("{m.split(None, 1)[1]}"), which is not on the {endpoint} path'
        for h, _, m in herring_notes
    ]
    if below:
        wrong.append(f"blaming {_join_and(below)} (healthy throughout)")
    if benign:
        wrong.append(
            f"blaming the earlier GC-pause warning on {benign[0]}, which recovered before the incident"
        )
    rubric = (
        f"Correct if the answer identifies {root} as the origin and its failure as: {keywords}. "
        "Naming the callers' errors as consequences is good but not required. Incorrect: "
        + "; ".join(wrong)
        + ". "
        "An answer that names the right service but the wrong failure mode, or lists several candidates without choosing, is incorrect."
    )
    steps = [
        f"Symptom: {endpoint} fails for users; {entry} first logs the error at {_hm(t_entry_first)}:{t_entry_first.strftime('%S')} UTC.",
        f"Call path: {' -> '.join(path)}. Off the path: {_join_and(herring_names)}"
        + (f" ({entry} calls {herring_names[0]} for other requests)" if herring_names else "")
        + ".",
        "Abnormal events on the path in time order: "
        + "; ".join(
            [f"{_hm(t0)}:{t0.strftime('%S')} {root}: {first_root_line.split(None, 1)[1]}"]
            + [f"{_hm(ct)}:{ct.strftime('%S')} {c}: {m.split(None, 1)[1]}" for c, ct, m in cascade]
        )
        + f". Earliest: {root} at {_hm(t0)}:{t0.strftime('%S')}"
        + (
            f"; the GC-pause warning on {benign[0]} at {_hm(benign[1])} recovered and is discarded"
            if benign
            else ""
        )
        + ".",
        f'Causality: {root} {desc}; {caller} then logs "{caller_msg.split(None, 1)[1]}", exactly the symptom that failure produces, '
        f"and the errors propagate up to {entry}"
        + (
            f"; {_join_and(below)} below it {'stays' if len(below) == 1 else 'stay'} healthy."
            if below
            else "."
        ),
        "Check: nothing abnormal on the path precedes the root event; "
        + "; ".join(
            f"{h} error at {_hm(ht)}:{ht.strftime('%S')} is {'before' if ht < t0 else 'after'} the incident but off the {endpoint} path"
            for h, ht, _ in herring_notes
        )
        + ".",
    ]
    return GeneratedTask(
        prompt=prompt,
        target=target,
        steps=steps,
        params={
            "path": path,
            "endpoint": endpoint,
            "root": root,
            "kind": kind,
            "herrings": herring_names,
            "t0": _iso(t0),
        },
        rubric=rubric,
    )


# =========================================================================== flaky-test-diagnosis

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
        if ok:
            break
    else:  # pragma: no cover - the space is large
        raise RuntimeError("flaky-test-diagnosis: could not build a separable history")

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
        f"({mechanism.split(':')[0]}); a fix in the spirit of '{fix}' is expected. Incorrect: calling it a code "
        f"regression in a specific commit (the same commits also pass); blaming {', '.join(wrong_attrs[:-1])} or {wrong_attrs[-1]} "
        "(their failing values also occur in passing runs); or 'random/infrastructure noise' without the condition."
    )
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


# =========================================================================== data-quality-diagnosis

_DQ_SOURCES = (
    "web",
    "ios",
    "android",
    "pos-eu",
    "pos-us",
    "partner-api",
    "marketplace",
    "call-centre",
    "kiosk",
)
_DQ_DATASETS = (
    ("orders", "daily revenue dashboard", "order_id", "amount"),
    ("payments", "daily settled-volume report", "payment_id", "amount"),
    ("bookings", "daily bookings-value chart", "booking_id", "price"),
    ("renewals", "subscription renewal revenue dashboard", "renewal_id", "charge"),
    ("invoices", "daily billed-amount KPI", "invoice_id", "total"),
)
_DQ_ISSUES = ("duplicate", "partial", "unit", "null")


@skill(
    id="data-quality-diagnosis",
    name="Data-quality diagnosis",
    domain=DIAG,
    description="Localise a metric anomaly to one data source and name the data-quality defect from per-source profiles.",
    answer_type="free",
    procedure=[
        "Pin down the symptom: which metric moved, in which direction, by roughly how much, and from which date.",
        "Break the metric down by segment (source) and day, and find the segment whose contribution changed at that date.",
        "For that segment compare the profile columns before and after the change: row count vs distinct keys, null rate, and the scale of values.",
        "Name the defect the pattern matches (rows up but keys flat = duplicate load; rows and keys down = partial load; values scaled by a round factor = unit change; null rate up = missing values) and check it explains the size and direction of the symptom.",
        "Verify: confirm the other segments stay within normal variation, and that any real change (rows and distinct keys moving together with normal values) is not mistaken for a defect.",
    ],
    why="Models guess a cause from the headline number; segmenting first and then reading the profile columns pins the defect to one source and one signature.",
)
def data_quality_diagnosis(rng: random.Random, difficulty: int) -> GeneratedTask:
    n_days = {1: 5, 2: 6, 3: 7}[difficulty]
    n_src = {1: 3, 2: 4, 3: 5}[difficulty]
    table, dashboard, key, col = rng.choice(_DQ_DATASETS)
    sources = rng.sample(_DQ_SOURCES, n_src)
    issue = rng.choice(_DQ_ISSUES)
    bad = rng.randrange(n_src)
    d_bad = rng.randint(2, n_days - 1)
    herring = None
    if difficulty >= 2:
        h_src = rng.choice([i for i in range(n_src) if i != bad])
        h_day = d_bad if difficulty == 3 else rng.choice([d for d in range(2, n_days) if d != d_bad])
        herring = (h_src, h_day, rng.randint(125, 140))
    start = _base_time(rng).date()
    dates = [(start + timedelta(days=k)).isoformat() for k in range(n_days)]
    base_rows = [rng.randint(800, 20000) for _ in sources]
    base_mean = [rng.randint(1800, 15000) / 100 for _ in sources]
    if herring:  # keep the genuine change clearly smaller than the defect's effect
        h = herring[0]
        base_rows[h] = min(base_rows[h], base_rows[bad] // 2 + 300)
        base_mean[h] = min(base_mean[h], base_mean[bad])
    persistent = issue in ("unit", "null")
    profile: list[list[dict]] = []
    for d in range(n_days):
        row = []
        for s in range(n_src):
            scale = 1.0
            if herring and s == herring[0] and d >= herring[1]:
                scale = herring[2] / 100
            distinct = round(base_rows[s] * rng.uniform(0.95, 1.05) * scale)
            rows = distinct
            nulls = round(rng.uniform(0.0, 0.4), 1)
            mean = round(base_mean[s] * rng.uniform(0.97, 1.03), 2)
            hit = s == bad and (d == d_bad or (persistent and d > d_bad))
            if hit and issue == "duplicate":
                rows = 2 * distinct
            elif hit and issue == "partial":
                distinct = round(distinct * rng.uniform(0.25, 0.5))
                rows = distinct
            elif hit and issue == "unit":
                mean = round(mean * 100, 2)
            elif hit and issue == "null":
                nulls = round(rng.uniform(35, 65), 1)
            row.append({"rows": rows, "distinct": distinct, "nulls": nulls, "mean": mean})
        profile.append(row)

    def revenue(p: dict) -> Decimal:
        with localcontext() as ctx:
            ctx.prec = 40
            return Decimal(p["rows"]) * (1 - Decimal(str(p["nulls"])) / 100) * Decimal(str(p["mean"]))

    daily = [sum((revenue(p) for p in day), Decimal(0)) for day in profile]
    daily_txt = ", ".join(
        f"{dt}: {_commas(int(v.to_integral_value(ROUND_HALF_UP)))}" for dt, v in zip(dates, daily)
    )
    prev, cur = daily[d_bad - 1], daily[d_bad]
    change = (cur - prev) / prev * 100
    direction = "jumped" if change > 0 else "dropped"

    lines = []
    for d, dt in enumerate(dates):
        for s, src in enumerate(sources):
            p = profile[d][s]
            lines.append(
                f"{dt} | {src:<11} | {p['rows']:>6} | {p['distinct']:>6} | {p['nulls']:>4.1f} | {p['mean']:>9.2f}"
            )
    src_name = sources[bad]
    before = profile[d_bad - 1][bad]
    after = profile[d_bad][bad]
    span = f"on {dates[d_bad]}" if not persistent else f"from {dates[d_bad]} onward"
    evidence = {
        "duplicate": (
            "a duplicate load",
            f"its rows doubled to {after['rows']} while distinct {key}s stayed at {after['distinct']}, so every record was loaded twice and double-counted",
            "rows exactly twice the distinct keys",
        ),
        "partial": (
            "a partial (incomplete) load",
            f"its rows and distinct {key}s both fell to {after['distinct']} from about {before['distinct']} with normal values, so most of that day's data is missing",
            "rows and distinct keys both collapse to a fraction of normal",
        ),
        "unit": (
            "a unit change (amounts now recorded in cents, 100x too large)",
            f"its mean {col} jumped from {before['mean']:.2f} to {after['mean']:.2f} (x100) with normal row counts",
            f"mean {col} scaled by exactly 100 (cents vs whole units)",
        ),
        "null": (
            f"a spike of missing (null) {col} values",
            f"its {col} null rate jumped from {before['nulls']:.1f}% to {after['nulls']:.1f}% with normal row counts, so those records drop out of the sum",
            f"null rate of {col} jumps",
        ),
    }[issue]
    defect, proof, signature = evidence
    herring_txt = ""
    if herring:
        h_name = sources[herring[0]]
        herring_txt = f" {h_name}'s rise from {dates[herring[1]]} is genuine growth (rows and distinct {key}s rose together with normal values), not a defect."
    intro = rng.choice(
        [
            f"The {dashboard} built from the `{table}` table {direction} on {dates[d_bad]}.",
            f"An analyst flags the {dashboard}: the figure for {dates[d_bad]} {direction} compared with the day before.",
            f"Finance questions the {dashboard} for {dates[d_bad]}: it {direction} unexpectedly.",
        ]
    )
    prompt = (
        f"{intro} Daily totals of {col} (sum over non-null values): {daily_txt}. Per-source daily profile of `{table}` "
        f"(date | source | rows | distinct {key} | % null {col} | mean {col} of non-null rows):\n"
        + "\n".join(lines)
        + "\n\n"
        "What data-quality problem explains the anomaly? Answer in one or two sentences naming the source, when it "
        "starts, the kind of defect, and the evidence from the profile."
    )
    target = f"{src_name} has {defect} {span}: {proof}.{herring_txt}"
    wrong = [
        f"blaming another source than {src_name}",
        "calling it a real business change without naming the defect",
    ]
    if herring:
        wrong.append(
            f"blaming {sources[herring[0]]}, whose increase is genuine growth (distinct keys rose with rows)"
        )
    other_issues = {
        "duplicate": "a unit change, null spike or partial load",
        "partial": "a duplicate load, unit change or null spike",
        "unit": "a duplicate load, partial load or null spike",
        "null": "a duplicate load, unit change or partial load",
    }[issue]
    rubric = (
        f"Correct if it names {src_name} as the affected source, the start date {dates[d_bad]}, and the defect as "
        f"{defect} (signature: {signature}). Incorrect: " + "; ".join(wrong) + f"; diagnosing {other_issues}."
    )
    contrib_prev = [revenue(profile[d_bad - 1][s]) for s in range(n_src)]
    contrib_cur = [revenue(profile[d_bad][s]) for s in range(n_src)]
    contrib = "; ".join(
        f"{sources[s]} {_commas(int(a.to_integral_value(ROUND_HALF_UP)))} -> {_commas(int(b.to_integral_value(ROUND_HALF_UP)))}"
        for s, (a, b) in enumerate(zip(contrib_prev, contrib_cur))
    )
    others = [s for s in range(n_src) if s != bad]
    steps = [
        (
            f"The daily total {direction} on {dates[d_bad]}: {_commas(int(prev.to_integral_value(ROUND_HALF_UP)))} -> "
            f"{_commas(int(cur.to_integral_value(ROUND_HALF_UP)))} ({change:+.1f}%)."
        ),
        f"Per-source contributions {dates[d_bad - 1]} -> {dates[d_bad]}: {contrib}; the change comes from {src_name}"
        + (
            f" (plus a smaller genuine rise in {sources[herring[0]]})"
            if herring and herring[1] == d_bad
            else ""
        )
        + ".",
        (
            f"{src_name} before vs on {dates[d_bad]}: rows {before['rows']} -> {after['rows']}, distinct "
            f"{before['distinct']} -> {after['distinct']}, null {before['nulls']:.1f}% -> {after['nulls']:.1f}%, "
            f"mean {before['mean']:.2f} -> {after['mean']:.2f}."
        ),
        f"Pattern: {signature}, i.e. {defect} {span}; that explains why the total {direction} by about {abs(change):.0f}%.",
        "Check: "
        + ", ".join(sources[s] for s in others)
        + " keep rows equal to distinct keys, null rates under 0.5% and stable means"
        + (
            f"; {sources[herring[0]]}'s rise from {dates[herring[1]]} has rows and distinct keys rising together with a normal mean, so it is real growth."
            if herring
            else "."
        ),
    ]
    return GeneratedTask(
        prompt=prompt,
        target=target,
        steps=steps,
        params={
            "table": table,
            "sources": sources,
            "issue": issue,
            "bad_source": src_name,
            "start": dates[0],
            "bad_day": dates[d_bad],
            "herring": [sources[herring[0]], dates[herring[1]], herring[2]] if herring else None,
        },
        rubric=rubric,
    )


# =========================================================================== code-review-verdict


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
            f"A failing input such as {f['probe']} (gives {got}, should give {want}) is expected but any valid one counts. "
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


# =========================================================================== incident-triage

_CAPABILITIES = (
    ("checkout", "placing orders", "customers can still order through the mobile app"),
    ("login", "signing in", "users can sign in with the emailed magic link instead"),
    ("search", "searching the catalogue", "customers can still browse categories to find products"),
    ("file sync", "syncing files", "files can still be uploaded manually through the web UI"),
    ("video playback", "playing videos", "videos still play in the lower-quality fallback player"),
    ("messaging", "sending messages", "messages can still be sent from the desktop client"),
    ("booking", "making reservations", "reservations can still be made by phone through the call centre"),
)
_PAYMENT_CAP = ("card payments", "paying by card", "customers can pay with PayPal instead")
_INTERNAL = (
    ("refund console", "support agents issuing refunds"),
    ("BI dashboards", "analysts viewing dashboards"),
    ("deploy pipeline", "engineers deploying"),
    ("warehouse pick-list tool", "warehouse staff printing pick lists"),
    ("HR portal", "staff booking leave"),
)
_COSMETIC = (
    "the footer shows last year's copyright date",
    "product thumbnails render a few pixels off-centre",
    "a translated button label is truncated in the German UI",
    "the dark-mode logo has a faint white border",
    "order-confirmation emails use the old brand colour",
)
_STAKEHOLDERS = (
    "the VP of Sales",
    "a senior account manager",
    "the head of marketing",
    "a product director",
    "the CFO's office",
)
_TEAMS = (
    "Payments",
    "Identity",
    "Storefront",
    "Sync",
    "Media",
    "Messaging",
    "Reservations",
    "Platform",
    "Internal Tools",
    "Data",
)
_REGIONS = ("EU", "North America", "APAC", "LATAM", "UK", "Middle East")


def _severity(f: dict, x1: int, x2: int) -> tuple[int, str]:
    pct = f["pct"]
    if f["data_loss"]:
        return 1, "confirmed loss of customer data is SEV1 regardless of how many users are affected"
    if f["security"]:
        return 1, "exposure of customer data is SEV1 regardless of scale"
    if f["customer"] and f["impact"] == "outage" and pct >= x1 and not f["workaround"]:
        return (
            1,
            f"a complete customer-facing outage affecting {pct:.2f}% >= {x1}% of active users with no workaround",
        )
    if f["customer"] and f["impact"] in ("outage", "degradation") and pct >= x2:
        return 2, f"customer-facing {f['impact']} affecting {pct:.2f}% >= {x2}% of active users"
    if f["payments"]:
        return 2, "payment processing is failing, which is SEV2 at any scale"
    if f["customer"] and f["impact"] in ("outage", "degradation"):
        return 3, f"customer-facing functional impact, but only {pct:.2f}% of active users (below {x2}%)"
    if not f["customer"] and f["impact"] == "outage":
        return 3, "an internal tool is fully unavailable"
    return 4, "no functional customer impact (cosmetic or internal degradation only)"


@skill(
    id="incident-triage",
    name="Incident severity triage",
    domain=DECIDE,
    description="Assign an incident severity and the required response from a written severity policy and the incident facts.",
    answer_type="free",
    procedure=[
        "Extract the impact facts: who is affected (customers or internal staff), which capability and how badly (full outage, degradation, cosmetic), how many users, whether a workaround exists, and any data loss, data exposure or payment failure.",
        "Convert raw numbers into the quantities the policy uses, e.g. affected users / active users as a percentage (summing across regions first).",
        "Test the policy's levels from the most severe downward and take the first level whose criteria are all met.",
        "Read off that level's required response (who is paged, communication deadlines) and ignore opinions or urgency that the criteria do not support.",
        "Verify: confirm every more severe level fails on a specific fact and recheck any number close to a threshold.",
    ],
    why="Models anchor on alarming wording or stakeholder pressure; computing the policy's quantities and testing levels top-down makes the severity follow from the rules.",
)
def incident_triage(rng: random.Random, difficulty: int) -> GeneratedTask:
    x1 = rng.choice([10, 15, 20, 25, 30])
    x2 = rng.choice([1, 2, 3, 5])
    m1 = rng.choice([10, 15, 20])
    m2 = rng.choice([30, 45, 60])
    target_sev = rng.randint(1, 4)
    variant = rng.randrange(2 if target_sev != 2 else 4)
    f = {
        "customer": True,
        "impact": "outage",
        "workaround": False,
        "data_loss": False,
        "security": False,
        "payments": False,
    }
    cap = rng.choice(_CAPABILITIES)
    internal = rng.choice(_INTERNAL)
    cosmetic = rng.choice(_COSMETIC)

    def near(th: float, above: bool) -> float:
        off = rng.uniform(0.3, min(3.0, th * 0.6))
        return th + off if above else th - off

    if target_sev == 1:
        if variant == 0:
            f["data_loss" if rng.random() < 0.6 else "security"] = True
            f["impact"] = rng.choice(["outage", "degradation"])
            pct = rng.uniform(0.2, x2 * 0.9)
        else:
            pct = near(x1, True)
    elif target_sev == 2:
        if variant == 0:
            pct, f["workaround"] = near(x1, True), True
        elif variant == 1:
            pct = near(x1, False)
        elif variant == 2:
            f["impact"], pct = "degradation", rng.uniform(x2 + 0.5, x1 * 1.5)
        else:
            cap, f["payments"], pct = _PAYMENT_CAP, True, rng.uniform(0.1, x2 * 0.8)
            f["impact"] = "degradation"
    elif target_sev == 3:
        if variant == 0:
            f["impact"], pct = rng.choice(["outage", "degradation"]), near(x2, False)
            f["workaround"] = rng.random() < 0.5
        else:
            f["customer"], pct = False, 0.0
    else:
        if variant == 0:
            f["impact"], pct = "cosmetic", rng.uniform(20, 90)
        else:
            f["customer"], f["impact"], pct = False, "degradation", 0.0

    total = rng.randint(40, 2000) * 1000 + rng.randint(0, 999)
    affected = max(1, round(total * pct / 100)) if pct > 0 else 0
    f["pct"] = affected / total * 100
    sev, reason = _severity(f, x1, x2)
    # Keep near-threshold numbers from landing within rounding distance of a threshold.
    for th in (x1, x2):
        if f["customer"] and abs(f["pct"] - th) < 0.2:
            affected += round(total * 0.003) * (1 if f["pct"] >= th else -1)
            f["pct"] = affected / total * 100
            sev, reason = _severity(f, x1, x2)

    team = rng.choice(_TEAMS)
    start = _base_time(rng)
    # Impact description.
    if f["customer"]:
        if f["impact"] == "outage":
            what = f"the {cap[0]} service is completely down: every attempt at {cap[1]} fails"
        elif f["impact"] == "degradation":
            what = f"the {cap[0]} service is badly degraded: about {rng.randint(25, 60)}% of attempts at {cap[1]} time out and p99 latency is {rng.randint(8, 30)}s"
        else:
            what = f"{cosmetic}; all functionality works normally"
        if f["impact"] == "cosmetic":
            users = f"it is visible to about {affected:,} of {total:,} active users"
        elif difficulty == 1:
            users = f"{f['pct']:.2f}% of active users are affected"
        elif difficulty == 2:
            users = f"{affected:,} of the {total:,} currently active users are affected"
        else:
            regions = rng.sample(_REGIONS, 3)
            cuts = sorted(rng.sample(range(1, affected), 2)) if affected > 3 else [affected, affected]
            parts = [cuts[0], cuts[1] - cuts[0], affected - cuts[1]]
            tcuts = sorted(rng.sample(range(1, total), 2))
            tparts = [tcuts[0], tcuts[1] - tcuts[0], total - tcuts[1]]
            users = "affected users by region: " + ", ".join(
                f"{r} {p:,} (of {t:,} active)" for r, p, t in zip(regions, parts, tparts)
            )
    else:
        if f["impact"] == "outage":
            what = f"the internal {internal[0]} is completely unavailable, blocking {internal[1]}"
        else:
            what = f"the internal {internal[0]} is slow (pages take 10-20s) but usable for {internal[1]}"
        users = "no customers are affected"
    extras = []
    if f["workaround"]:
        extras.append(f"Workaround: {cap[2]}.")
    elif f["customer"] and f["impact"] in ("outage", "degradation") and not f["payments"]:
        extras.append("No workaround is known.")
    if f["payments"]:
        extras.append("Card authorisations are failing for the affected customers.")
    if f["data_loss"]:
        extras.append(
            f"A failed migration lost {rng.randint(12, 900)} customer records written since {_hm(start)} UTC; they cannot be restored from backup."
        )
    if f["security"]:
        extras.append(
            f"A misconfigured storage bucket exposed {rng.randint(30, 4000)} customers' invoices publicly for {rng.randint(20, 90)} minutes."
        )
    opinion = ""
    if difficulty >= 2:
        who = rng.choice(_STAKEHOLDERS)
        if sev >= 2:
            opinion = f"{who[0].upper()}{who[1:]} insists on Slack that this must be handled as a SEV1."
        else:
            opinion = "The on-call engineer thinks this is minor and wants to wait until morning."
    if difficulty == 3:
        extras.append(
            f"{rng.randint(6, 40)} alerts have fired so far and the incident channel has {rng.randint(15, 80)} members."
        )
    facts = (
        f"Incident report ({start.strftime('%Y-%m-%d %H:%M')} UTC, owning team: {team}): {what}; {users}. "
        + " ".join(extras)
    )
    if opinion:
        facts += f" {opinion}"
    policy = (
        "Severity policy (assign the most severe level whose criteria are met):\n"
        f"- SEV1: confirmed loss of customer data; exposure of customer data; or a complete outage of a customer-facing capability affecting at least {x1}% of active users with no workaround. Response: page the incident commander and the owning team's on-call immediately; status-page update within {m1} minutes.\n"
        f"- SEV2: a customer-facing outage or severe degradation affecting at least {x2}% of active users; or any failure of payment processing. Response: page the owning team's on-call; status-page update within {m2} minutes.\n"
        "- SEV3: any other customer-facing functional impact; or an internal tool completely unavailable. Response: ticket to the owning team, handled within one business day; no page.\n"
        "- SEV4: everything else (cosmetic issues, internal slowness). Response: backlog ticket."
    )
    prompt = (
        f"{policy}\n\n{facts}\n\nTriage this incident. Answer in one or two sentences: the severity level, the "
        "policy criterion that decides it, and the response the policy requires."
    )
    responses = {
        1: f"page the incident commander and the {team} on-call immediately and post a status-page update within {m1} minutes",
        2: f"page the {team} on-call and post a status-page update within {m2} minutes",
        3: f"open a ticket for {team} to handle within one business day, without paging anyone",
        4: f"file a backlog ticket for {team}",
    }
    target = f"SEV{sev}: {reason}; so the response is to {responses[sev]}."
    higher_fail = []
    if sev >= 2:
        if f["workaround"] and f["impact"] == "outage" and f["pct"] >= x1:
            higher_fail.append("SEV1 fails because a workaround exists")
        elif f["customer"] and f["impact"] == "outage" and not f["workaround"]:
            higher_fail.append(f"SEV1 fails because {f['pct']:.2f}% is below {x1}%")
        else:
            higher_fail.append("SEV1 fails: no data loss or exposure and no qualifying complete outage")
    if sev >= 3:
        if f["customer"] and f["impact"] in ("outage", "degradation"):
            higher_fail.append(
                f"SEV2 fails because {f['pct']:.2f}% is below {x2}% and payments are unaffected"
            )
        else:
            higher_fail.append("SEV2 fails: no customer-facing outage/degradation and no payment failure")
    if sev == 4:
        higher_fail.append("SEV3 fails: no functional customer impact and no internal tool fully down")
    wrong = []
    if sev > 1:
        wrong.append(f"SEV{sev - 1} ({higher_fail[-1]})")
    if sev < 4:
        wrong.append(f"SEV{sev + 1} (the SEV{sev} criterion is met)")
    if opinion and sev >= 2:
        wrong.append("following the stakeholder's SEV1 demand")
    rubric = (
        f"Correct: SEV{sev} because {reason}, with the matching response ({responses[sev]}). Incorrect: "
        + "; ".join(wrong)
        + ". A correct level with a clearly wrong response is only partially correct."
    )
    pct_note = (
        f"{affected:,} / {total:,} = {f['pct']:.2f}% of active users; thresholds are {x1}% (SEV1) and {x2}% (SEV2)."
        if f["customer"]
        else "No customers affected, so the percentage thresholds do not apply."
    )
    steps = [
        (
            f"Facts: {'customer-facing' if f['customer'] else 'internal only'}; impact {f['impact']}; "
            f"workaround {'yes' if f['workaround'] else 'no'}; data loss {'yes' if f['data_loss'] else 'no'}; "
            f"data exposure {'yes' if f['security'] else 'no'}; payments failing {'yes' if f['payments'] else 'no'}."
        ),
        pct_note,
        ("Top-down: " + "; ".join(higher_fail) + "; " if higher_fail else "Top-down: ")
        + f"SEV{sev} holds: {reason}.",
        f"Response for SEV{sev}: {responses[sev]}"
        + ("; the stated opinion does not change the criteria." if opinion else "."),
        (
            f"Check: recomputing {affected:,} / {total:,} gives {f['pct']:.2f}% again, on the same side of {x1}% and {x2}%; "
            if f["customer"]
            else "Check: no customer is affected, so no percentage threshold can apply; "
        )
        + (
            "every more severe level fails on a specific fact."
            if sev > 1
            else "SEV1 is the most severe level, so nothing outranks it."
        ),
    ]
    return GeneratedTask(
        prompt=prompt,
        target=target,
        steps=steps,
        params={
            "thresholds": [x1, x2],
            "minutes": [m1, m2],
            "severity": sev,
            "facts": {k: v for k, v in f.items() if k != "pct"},
            "affected": affected,
            "total": total,
            "team": team,
            "capability": cap[0] if f["customer"] else internal[0],
            "start": start.strftime("%Y-%m-%d %H:%M"),
        },
        rubric=rubric,
    )


# =========================================================================== stat-test-choice

_STAT_CONTEXTS = (
    {
        "field": "a clinical trial",
        "unit": "patients",
        "one": "patient",
        "cont": "systolic blood pressure (mmHg)",
        "bin": "whether the infection cleared",
        "ord": "pain score on a 0-10 scale",
        "g2": ("the new drug", "placebo"),
        "g3": ("low dose", "high dose", "placebo"),
        "conds": ("baseline", "week 4", "week 8"),
        "pair": ("before treatment", "after six weeks"),
    },
    {
        "field": "an A/B test of a web shop",
        "unit": "users",
        "one": "user",
        "cont": "session length in minutes",
        "bin": "whether the user bought something",
        "ord": "satisfaction rating (1-5)",
        "g2": ("the old checkout", "the new checkout"),
        "g3": ("layout A", "layout B", "layout C"),
        "conds": ("week 1", "week 2", "week 3"),
        "pair": ("on the old app version", "on the new app version"),
    },
    {
        "field": "a manufacturing study",
        "unit": "parts",
        "one": "part",
        "cont": "tensile strength in MPa",
        "bin": "whether the part passed inspection",
        "ord": "surface-finish grade (1-4)",
        "g2": ("supplier X", "supplier Y"),
        "g3": ("line 1", "line 2", "line 3"),
        "conds": ("gauge A", "gauge B", "gauge C"),
        "pair": ("with gauge A", "with gauge B"),
    },
    {
        "field": "an education study",
        "unit": "students",
        "one": "student",
        "cont": "exam score",
        "bin": "whether the student passed",
        "ord": "confidence rating (1-7)",
        "g2": ("the flipped classroom", "the lecture format"),
        "g3": ("school A", "school B", "school C"),
        "conds": ("term 1", "term 2", "term 3"),
        "pair": ("at the start of term", "at the end of term"),
    },
    {
        "field": "an agricultural field trial",
        "unit": "plots",
        "one": "plot",
        "cont": "yield in t/ha",
        "bin": "whether blight appeared",
        "ord": "leaf-damage score (0-5)",
        "g2": ("the new fertiliser", "the standard fertiliser"),
        "g3": ("variety 1", "variety 2", "variety 3"),
        "conds": ("season 1", "season 2", "season 3"),
        "pair": ("in the untreated half", "in the treated half"),
    },
    {
        "field": "a sleep study",
        "unit": "volunteers",
        "one": "volunteer",
        "cont": "total sleep time in minutes",
        "bin": "whether the volunteer woke during the night",
        "ord": "sleep-quality rating (1-5)",
        "g2": ("the app group", "the control group"),
        "g3": ("no caffeine", "one coffee", "two coffees"),
        "conds": ("night 1", "night 2", "night 3"),
        "pair": ("before the intervention", "after the intervention"),
    },
)
_STAT_CASES = {
    "student_t": (
        "Student's two-sample t-test (pooled variance)",
        "an independent two-sample t-test; Welch's t-test is also acceptable",
    ),
    "welch": ("Welch's t-test (unequal variances)", "Welch's two-sample t-test"),
    "mann_whitney": ("the Mann-Whitney U test (Wilcoxon rank-sum)", "Mann-Whitney U / Wilcoxon rank-sum"),
    "paired_t": ("the paired t-test", "paired (dependent-samples) t-test"),
    "wilcoxon_sr": ("the Wilcoxon signed-rank test", "Wilcoxon signed-rank test"),
    "anova": ("one-way ANOVA", "one-way (between-subjects) ANOVA"),
    "kruskal": ("the Kruskal-Wallis test", "Kruskal-Wallis H test"),
    "chi2": (
        "the chi-square test of independence on the 2x2 table",
        "Pearson chi-square test of independence or the equivalent two-proportion z-test",
    ),
    "fisher": ("Fisher's exact test", "Fisher's exact test"),
    "mcnemar": ("McNemar's test", "McNemar's test for paired proportions"),
    "friedman": ("the Friedman test", "Friedman test"),
    "rm_anova": ("repeated-measures ANOVA", "one-way repeated-measures ANOVA"),
}
_STAT_DISTRACTORS = (
    "The principal investigator would prefer a t-test because reviewers are familiar with it.",
    "Last year's pilot study was analysed with a one-way ANOVA.",
    "The analysis will be run in R and the data were collected over three months.",
    "The grant report is due next week, so the team wants the simplest test possible.",
    "A colleague suggests a chi-square test because 'it works for everything'.",
)


def _p(rng: random.Random, lo: float, hi: float) -> str:
    return f"{rng.uniform(lo, hi):.3f}" if hi < 0.01 else f"{rng.uniform(lo, hi):.2f}"


@skill(
    id="stat-test-choice",
    name="Statistical test choice",
    domain=DECIDE,
    description="Choose the appropriate hypothesis test from a study's outcome type, design and assumption checks.",
    answer_type="free",
    procedure=[
        "Classify the outcome variable: continuous, ordinal, or binary/categorical.",
        "Determine the design: how many groups or conditions, and whether observations are independent or paired/repeated on the same units.",
        "Check the assumptions the parametric option needs using the reported diagnostics: normality of each group or of the paired differences, equality of variances, sphericity, or expected cell counts >= 5 (compute them as row total x column total / grand total).",
        "Pick the test matching type, design and assumptions: the parametric test when its assumptions hold, otherwise its robust or rank-based / exact counterpart.",
        "Verify: check the chosen test's requirements against every reported fact and name the specific fact that rules out each close alternative.",
    ],
    why="Models default to a t-test or chi-square; walking outcome type, design and assumptions in order selects the test the facts actually support.",
)
def stat_test_choice(rng: random.Random, difficulty: int) -> GeneratedTask:
    ctx = rng.choice(_STAT_CONTEXTS)
    case = rng.choice(list(_STAT_CASES))
    explicit = difficulty == 1
    g1, g2 = ctx["g2"]
    facts: list[str] = []
    diag: list[str] = []
    outcome_kind = "continuous"
    outcome = ctx["cont"]
    design = ""
    reason = ""
    expected_note = ""
    if case in ("mann_whitney", "wilcoxon_sr", "kruskal", "friedman") and rng.random() < 0.4:
        outcome_kind, outcome = "ordinal", ctx["ord"]
    if case in ("chi2", "fisher", "mcnemar"):
        outcome_kind, outcome = "binary", ctx["bin"]

    def normal_note(where: str) -> str:
        return f"Shapiro-Wilk p = {_p(rng, 0.18, 0.85)} {where}"

    def skew_note(where: str) -> str:
        return f"Shapiro-Wilk p = {_p(rng, 0.001, 0.009)} {where}, with strong right skew and a few extreme values"

    if case in ("student_t", "welch", "mann_whitney", "chi2", "fisher"):
        small = case in ("mann_whitney", "fisher")
        n1 = rng.randint(10, 22) if small else rng.randint(25, 80)
        n2 = rng.randint(10, 22) if small else rng.randint(25, 80)
        if case == "welch":
            while abs(n1 - n2) < 8:
                n2 = rng.randint(25, 80)
        design = "two independent groups"
        facts.append(
            f"Design: two independent groups ({g1}: n = {n1}; {g2}: n = {n2})."
            if explicit
            else f"{n1 + n2} {ctx['unit']} were randomly assigned to {g1} (n = {n1}) or {g2} (n = {n2}); each {ctx['one']} is in exactly one group."
        )
    elif case in ("paired_t", "wilcoxon_sr", "mcnemar"):
        n = rng.randint(12, 24) if case == "wilcoxon_sr" else rng.randint(20, 60)
        if case == "mcnemar":
            mc = [rng.randint(5, 20), rng.randint(5, 20), rng.randint(2, 12), rng.randint(2, 12)]
            n = sum(mc)
        design = "paired measurements on the same units"
        facts.append(
            f"Design: paired - the same {n} {ctx['unit']} are measured {ctx['pair'][0]} and {ctx['pair'][1]}."
            if explicit
            else f"Each of {n} {ctx['unit']} was measured {ctx['pair'][0]} and again {ctx['pair'][1]}."
        )
    elif case in ("anova", "kruskal"):
        ns = [rng.randint(10, 20) if case == "kruskal" else rng.randint(20, 50) for _ in range(3)]
        design = "three independent groups"
        facts.append(
            f"Design: three independent groups ({', '.join(f'{g}: n = {k}' for g, k in zip(ctx['g3'], ns))})."
            if explicit
            else f"{sum(ns)} {ctx['unit']} were split at random into {_join_and(list(ctx['g3']))} (n = {', '.join(map(str, ns))})."
        )
    else:
        n = rng.randint(12, 30)
        design = "three repeated measurements on the same units"
        facts.append(
            f"Design: repeated measures - the same {n} {ctx['unit']} are measured under all three conditions ({', '.join(ctx['conds'])})."
            if explicit
            else f"Every one of the {n} {ctx['unit']} was measured in each of {_join_and(list(ctx['conds']))}."
        )

    if outcome_kind == "continuous":
        if case in ("student_t", "welch"):
            diag.append(normal_note("in each group"))
            sd1 = rng.uniform(4, 15)
            if case == "student_t":
                sd2 = sd1 * rng.uniform(0.85, 1.15)
                diag.append(f"SDs {sd1:.1f} and {sd2:.1f}; Levene's test p = {_p(rng, 0.25, 0.9)}")
                reason = "the outcome is continuous, the two groups are independent, both look normal and the variances are similar"
            else:
                sd2 = sd1 * rng.uniform(2.5, 4)
                diag.append(f"SDs {sd1:.1f} and {sd2:.1f}; Levene's test p = {_p(rng, 0.001, 0.009)}")
                reason = "the outcome is continuous and normal in two independent groups, but the variances clearly differ (Levene p < 0.01) and the group sizes are unequal"
        elif case == "mann_whitney":
            diag.append(skew_note(f"in the {g1} group"))
            reason = "the two groups are independent, but the small samples are clearly non-normal"
        elif case == "paired_t":
            diag.append(normal_note("for the paired differences"))
            reason = "the same units are measured twice and the paired differences look normal"
        elif case == "wilcoxon_sr":
            diag.append(skew_note("for the paired differences"))
            reason = (
                "the measurements are paired and the differences are clearly non-normal in a small sample"
            )
        elif case == "anova":
            diag.append(normal_note("in every group"))
            diag.append(f"Levene's test p = {_p(rng, 0.25, 0.9)}")
            reason = "a continuous outcome is compared across three independent groups that look normal with similar variances"
        elif case == "kruskal":
            diag.append(skew_note(f"in the {ctx['g3'][rng.randrange(3)]} group"))
            reason = "three independent groups are compared but the small samples are clearly non-normal"
        elif case == "rm_anova":
            diag.append(normal_note("for the residuals"))
            diag.append(f"Mauchly's test of sphericity p = {_p(rng, 0.25, 0.9)}")
            reason = "the same units are measured under three conditions, residuals look normal and sphericity holds"
        else:  # friedman
            diag.append(skew_note("for the residuals"))
            reason = "the same units are measured under three conditions and the data are clearly non-normal"
    elif outcome_kind == "ordinal":
        reason = {
            "mann_whitney": "the outcome is an ordinal rating compared between two independent groups",
            "wilcoxon_sr": "the outcome is an ordinal rating measured twice on the same units",
            "kruskal": "the outcome is an ordinal rating compared across three independent groups",
            "friedman": "the outcome is an ordinal rating measured under three conditions on the same units",
        }[case]
    table_txt = ""
    if case in ("chi2", "fisher"):
        for _ in range(1000):
            a = rng.randint(1, n1 - 1)
            c = rng.randint(1, n2 - 1)
            b, d = n1 - a, n2 - c
            tot = n1 + n2
            exp = [
                Fraction((a + c) * n1, tot),
                Fraction((b + d) * n1, tot),
                Fraction((a + c) * n2, tot),
                Fraction((b + d) * n2, tot),
            ]
            lo = min(exp)
            if (case == "chi2" and lo >= 6) or (case == "fisher" and lo <= Fraction(9, 2)):
                break
        else:  # pragma: no cover
            raise RuntimeError("stat-test-choice: no contingency table with the required expected counts")
        table_txt = f"Counts: {g1}: {a} yes, {b} no; {g2}: {c} yes, {d} no."
        facts.append(table_txt)
        expected_note = (
            "expected counts " + ", ".join(f"{float(e):.2f}" for e in exp) + f"; smallest {float(lo):.2f}"
        )
        if explicit:
            diag.append(f"the smallest expected cell count is {float(lo):.2f}")
        reason = (
            "the outcome is binary in two independent groups and every expected cell count is at least 5"
            if case == "chi2"
            else f"the outcome is binary in two independent groups and the smallest expected cell count is {float(lo):.2f}, below 5"
        )
    if case == "mcnemar":
        both, neither, only1, only2 = mc
        facts.append(
            f"Outcome is recorded as yes/no on both occasions: yes both times {both}, no both times {neither}, "
            f"yes only {ctx['pair'][0]} {only1}, yes only {ctx['pair'][1]} {only2}."
        )
        reason = "the outcome is binary and measured twice on the same units, so the proportions are paired"
    if difficulty == 3:
        facts.append(rng.choice(_STAT_DISTRACTORS))
    q_groups = {
        "two independent groups": f"{g1} and {g2}",
        "paired measurements on the same units": f"the two measurement occasions ({ctx['pair'][0]} vs {ctx['pair'][1]})",
        "three independent groups": _join_and(list(ctx["g3"])),
        "three repeated measurements on the same units": _join_and(list(ctx["conds"])),
    }[design]
    intro = f"In {ctx['field']}, the outcome is {outcome}."
    prompt = (
        f"{intro} "
        + " ".join(facts)
        + (f" Assumption checks: {'; '.join(diag)}." if diag else "")
        + f" The question is whether the outcome differs between {q_groups} (two-sided, alpha = 0.05). Which statistical "
        "test should be used? Answer in one or two sentences naming the single most appropriate test and the facts that decide it."
    )
    test, accept = _STAT_CASES[case]
    alternatives = {
        "student_t": "a paired t-test (groups are independent), Mann-Whitney U (data are normal), ANOVA (only two groups)",
        "welch": "Student's pooled t-test (variances are unequal), Mann-Whitney U (data are normal), a paired t-test (groups independent)",
        "mann_whitney": "any t-test (normality fails in small samples), Wilcoxon signed-rank (groups are not paired)",
        "paired_t": "independent two-sample tests (they ignore the pairing), Wilcoxon signed-rank (normality of differences holds, so the parametric test is preferred)",
        "wilcoxon_sr": "the paired t-test (differences non-normal or ordinal), Mann-Whitney U (data are paired)",
        "anova": "several pairwise t-tests (inflated error rate), Kruskal-Wallis (assumptions of ANOVA hold), repeated-measures ANOVA (groups independent)",
        "kruskal": "one-way ANOVA (normality fails or outcome is ordinal), the Friedman test (groups are independent)",
        "chi2": "Fisher's exact test (not needed: all expected counts >= 5), McNemar's test (groups are independent), a t-test (outcome is binary)",
        "fisher": "the chi-square test (an expected count is below 5), McNemar's test (groups are independent)",
        "mcnemar": "the chi-square test of independence or Fisher's exact test (they ignore the pairing), a paired t-test (outcome is binary)",
        "friedman": "repeated-measures ANOVA (normality fails or outcome is ordinal), Kruskal-Wallis (measurements are repeated on the same units)",
        "rm_anova": "one-way ANOVA (ignores the repeated measures), the Friedman test (parametric assumptions hold)",
    }[case]
    target = f"Use {test}: {reason}."
    rubric = (
        f"Correct test: {test} (accept {accept}). The justification should mention the outcome type ({outcome_kind}), the design ({design})"
        + (" and the deciding assumption check" if diag or expected_note else "")
        + f". Incorrect: {alternatives}."
    )
    assumption_step = (
        "Assumption checks: "
        + ("; ".join(diag) if diag else "none needed beyond the design")
        + (f"; {expected_note}" if expected_note else "")
        + "."
    )
    steps = [
        f"Outcome: {outcome} is {outcome_kind}.",
        f"Design: {design}.",
        assumption_step,
        f"Test: {test}, because {reason}.",
        f"Ruled out: {alternatives}.",
    ]
    return GeneratedTask(
        prompt=prompt,
        target=target,
        steps=steps,
        params={
            "context": ctx["field"],
            "case": case,
            "outcome": outcome_kind,
            "facts": facts,
            "diagnostics": diag,
        },
        rubric=rubric,
    )


# =========================================================================== capacity-decision

_CAP_SERVICES = (
    "the checkout API",
    "the search cluster",
    "the image CDN origin",
    "the notification fan-out service",
    "the GraphQL gateway",
    "the ledger write path",
    "the video transcoding front-end",
    "the recommendations API",
    "the login service",
    "the telemetry ingest tier",
)
_NODE_FAMILIES = (
    ("c6-large", "c6-xlarge"),
    ("m-standard", "m-double"),
    ("gp.4", "gp.8"),
    ("n2-std-8", "n2-std-16"),
)


def _ceil(x: Fraction) -> int:
    return -((-x.numerator) // x.denominator)


@skill(
    id="capacity-decision",
    name="Capacity planning decision",
    domain=DECIDE,
    description="Pick the cheapest fleet option that keeps projected peak utilisation within policy, including growth and redundancy.",
    answer_type="free",
    procedure=[
        "Establish the current peak demand, the growth rate and the horizon the new capacity must cover, plus any one-off event multiplier.",
        "Project the peak to the end of the horizon: current peak x (1 + monthly growth)^months x any event multiplier.",
        "Turn the policy into a usable-capacity rule: capacity that survives the redundancy rule (drop the largest node for N+1) x the maximum utilisation.",
        "Compute each option's usable capacity and monthly cost, discard options whose usable capacity is below the projected peak, and choose the cheapest remaining one.",
        "Verify: recompute the chosen option's utilisation at the projected peak and confirm every cheaper option fails the rule.",
    ],
    why="Models eyeball capacity against today's load or forget redundancy and compounding; projecting demand and applying the policy per option makes the cheapest compliant choice explicit.",
)
def capacity_decision(rng: random.Random, difficulty: int) -> GeneratedTask:
    service = rng.choice(_CAP_SERVICES)
    small, big = rng.choice(_NODE_FAMILIES)
    n_opts = {1: 3, 2: 4, 3: 5}[difficulty]
    n_plus_1 = difficulty >= 2
    for _attempt in range(2000):
        cap = rng.randrange(400, 2001, 50)
        cost = rng.randrange(300, 1501, 20)
        xl_f = Fraction(rng.choice([18, 20, 22]), 10)
        xl_cost = int(cost * Fraction(rng.choice([17, 19, 21]), 10))
        xl_cap = cap * xl_f
        util = rng.choice([60, 65, 70, 75, 80])
        n0 = rng.randint(4, 12)
        peak = int(cap * n0 * Fraction(util, 100) * Fraction(rng.randint(85, 110), 100))
        growth = rng.choice([2, 3, 4, 5, 6, 8]) if difficulty >= 2 else 0
        months = rng.randint(3, 12)
        event = Fraction(rng.choice([120, 125, 130, 140, 150]), 100) if difficulty == 3 else Fraction(1)
        demand = peak * Fraction(100 + growth, 100) ** months * event
        r = 1 if n_plus_1 else 0
        u = Fraction(util, 100)
        need_l = _ceil(demand / (cap * u)) + r
        need_xl = _ceil(demand / (xl_cap * u)) + r
        fleets = {
            "keep": (n0, 0),
            "l_short": (need_l - 1, 0),
            "l_ok": (need_l, 0),
            "l_big": (need_l + 2, 0),
            "xl": (0, max(2, need_xl + rng.choice([-1, 0, 1]))),
        }
        if difficulty == 3:
            k = max(1, _ceil((demand / u - (n0 - r) * cap) / xl_cap) + rng.choice([-1, 0]))
            fleets["mixed"] = (n0, k)
        names = [k for k in fleets if k != "keep"]
        rng.shuffle(names)
        chosen_keys = ["keep", *names[: n_opts - 1]]
        opts = []
        seen_fleets = []
        for key in chosen_keys:
            nl, nx = fleets[key]
            if nl < 0 or (nl, nx) in seen_fleets or nl + nx < 2:
                break
            seen_fleets.append((nl, nx))
            total = nl * cap + nx * xl_cap
            largest = xl_cap if nx else cap
            usable = (total - (largest if n_plus_1 else 0)) * u
            monthly = nl * cost + nx * xl_cost
            opts.append(
                {
                    "key": key,
                    "nl": nl,
                    "nx": nx,
                    "total": total,
                    "usable": usable,
                    "cost": monthly,
                    "ok": usable >= demand,
                }
            )
        else:
            feasible = [o for o in opts if o["ok"]]
            if not feasible:
                continue
            best = min(feasible, key=lambda o: o["cost"])
            if sum(1 for o in feasible if o["cost"] == best["cost"]) > 1:
                continue
            if not any(o["cost"] < best["cost"] for o in opts):
                continue
            if any(abs(o["usable"] - demand) / demand < Fraction(15, 1000) for o in opts):
                continue
            if len({o["cost"] for o in opts}) != len(opts):
                continue
            break
    else:  # pragma: no cover
        raise RuntimeError("capacity-decision: could not build a decisive option set")
    order = list(range(len(opts)))
    rng.shuffle(order)
    opts = [opts[i] for i in order]
    letters = "ABCDE"
    for letter, o in zip(letters, opts):
        o["label"] = letter
        if o["key"] == "keep":
            o["desc"] = f"keep the current {o['nl']} x {small}"
        elif o["nx"] and o["nl"]:
            o["desc"] = f"keep the {o['nl']} x {small} and add {o['nx']} x {big}"
        elif o["nx"]:
            o["desc"] = f"replace the fleet with {o['nx']} x {big}"
        else:
            o["desc"] = f"grow to {o['nl']} x {small}"
    best = min((o for o in opts if o["ok"]), key=lambda o: o["cost"])

    def rps(x: Fraction) -> str:
        return _commas(int(x.__round__())) if isinstance(x, Fraction) else _commas(int(x))

    option_txt = "; ".join(f"{o['label']}) {o['desc']} (${_commas(o['cost'])}/month)" for o in opts)
    growth_txt = (
        f"Peak traffic grows {growth}% per month, compounding, and the fleet must cover the peak {months} months from now"
        if growth
        else f"Peak traffic is flat, and the fleet must cover the next {months} months"
    )
    event_txt = (
        f", when the annual sale is expected to push that month's peak {int(event * 100) - 100}% above the trend"
        if event != 1
        else ""
    )
    policy_txt = f"at the projected peak, utilisation must not exceed {util}% of capacity" + (
        " even with any one node lost (N+1: size with the largest node removed)" if n_plus_1 else ""
    )
    prompt = (
        f"{service[0].upper()}{service[1:]} runs on {n0} x {small} nodes. Each {small} node serves {_commas(cap)} requests/s at the "
        f"latency SLO and costs ${_commas(cost)}/month; each {big} node serves {rps(xl_cap)} requests/s and costs "
        f"${_commas(xl_cost)}/month. Today's peak is {_commas(peak)} requests/s. {growth_txt}{event_txt}. "
        f"Capacity policy: {policy_txt}. Options: {option_txt}. Which option should be chosen? Answer in one or "
        "two sentences naming the option and the numbers that justify it."
    )
    cheaper_fail = [o for o in opts if o["cost"] < best["cost"]]
    target = (
        f"Choose option {best['label']} ({best['desc']}, ${_commas(best['cost'])}/month): the projected peak is about "
        f"{rps(demand)} requests/s and it gives {rps(best['usable'])} requests/s of usable capacity under the policy, while the cheaper "
        f"option{'s' if len(cheaper_fail) > 1 else ''} {_join_and([o['label'] for o in cheaper_fail])} "
        f"{'fall' if len(cheaper_fail) > 1 else 'falls'} short."
    )
    rubric = (
        f"Correct: option {best['label']} ({best['desc']}). The answer should rest on a projected peak of about {rps(demand)} req/s"
        + (" (compound growth" + (" plus the sale uplift" if event != 1 else "") + ")" if growth else "")
        + (" and N+1 sizing" if n_plus_1 else "")
        + ". Incorrect: "
        + "; ".join(
            f"option {o['label']} ({'insufficient: ' + rps(o['usable']) + ' req/s usable' if not o['ok'] else 'compliant but costs $' + _commas(o['cost'])})"
            for o in opts
            if o is not best
        )
        + ". Small rounding differences in the projected numbers are fine."
    )
    proj = f"{_commas(peak)}"
    if growth:
        proj += f" x {1 + growth / 100:.2f}^{months}"
    if event != 1:
        proj += f" x {float(event):.2f}"
    steps = [
        f"Current peak {_commas(peak)} req/s; growth {growth}% per month; horizon {months} months"
        + (f"; sale multiplier {float(event):.2f}" if event != 1 else "")
        + ".",
        (
            f"Projected peak = {proj} = {float(demand):,.1f} req/s."
            if growth or event != 1
            else f"Traffic is flat, so the projected peak is today's {_commas(peak)} req/s."
        ),
        f"Usable capacity = ({'total capacity - largest node' if n_plus_1 else 'total capacity'}) x {util}%.",
        "Options: "
        + "; ".join(
            f"{o['label']}: total {rps(o['total'])}, usable {rps(o['usable'])} -> {'meets' if o['ok'] else 'fails'}, ${_commas(o['cost'])}/month"
            for o in opts
        )
        + f". Cheapest compliant: {best['label']}.",
        f"Check: {best['label']} runs at {float(demand / (best['usable'] / u) * 100):.1f}% of its "
        + ("N+1 " if n_plus_1 else "")
        + f"capacity at the projected peak (limit {util}%); cheaper "
        + ", ".join(f"{o['label']} ({float(demand / (o['usable'] / u) * 100):.1f}%)" for o in cheaper_fail)
        + f" exceed{'s' if len(cheaper_fail) == 1 else ''} the limit.",
    ]
    return GeneratedTask(
        prompt=prompt,
        target=target,
        steps=steps,
        params={
            "service": service,
            "nodes": [small, big],
            "cap": cap,
            "cost": cost,
            "xl_cap": str(xl_cap),
            "xl_cost": xl_cost,
            "util": util,
            "n0": n0,
            "peak": peak,
            "growth": growth,
            "months": months,
            "event": str(event),
            "options": [[o["label"], o["nl"], o["nx"]] for o in opts],
        },
        rubric=rubric,
    )
