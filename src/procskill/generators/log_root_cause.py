"""Root cause from a merged log excerpt: the deepest failing service on the request path.

The scenario is assembled from seeded parts so that exactly one conclusion follows from the generated
facts; the gold conclusion and the judge rubric are derived from those same facts.
"""

from __future__ import annotations

import itertools
import random
from datetime import datetime, timedelta
from types import SimpleNamespace

from procskill.generators._base import GeneratedTask, skill
from procskill.generators._diagnostics import DIAG, _base_time, _hm, _iso, _join_and

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


def _choose_scenario(rng: random.Random, difficulty: int) -> SimpleNamespace:
    """Draw the call path, the root failure, its cascade, red herrings and filler log lines."""
    s = SimpleNamespace(difficulty=difficulty)
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
    s.benign = benign
    s.caller = caller
    s.caller_msg = caller_msg
    s.cascade = cascade
    s.desc = desc
    s.endpoint = endpoint
    s.entry = entry
    s.events = events
    s.first_root_line = first_root_line
    s.herring_notes = herring_notes
    s.herrings = herrings
    s.j = j
    s.keywords = keywords
    s.kind = kind
    s.path = path
    s.root = root
    s.services = services
    s.t0 = t0
    s.t_entry_first = t_entry_first
    return s


def _render_prompt(rng: random.Random, s: SimpleNamespace) -> str:
    """The user report, dependency list and merged log excerpt."""
    endpoint, entry, events, herrings = s.endpoint, s.entry, s.events, s.herrings
    path, services, t_entry_first = s.path, s.services, s.t_entry_first
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
    return prompt


def _target_and_rubric(s: SimpleNamespace) -> tuple[str, str]:
    """The gold root cause and the rubric: the origin, and why each other error is not it."""
    benign, cascade, desc, endpoint = s.benign, s.cascade, s.desc, s.endpoint
    first_root_line, herring_notes, j, keywords = s.first_root_line, s.herring_notes, s.j, s.keywords
    path, root, t0 = s.path, s.root, s.t0
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
    s.below = below
    s.herring_names = herring_names
    return target, rubric


def _worked_solution(s: SimpleNamespace) -> list[str]:
    """The five steps, each stating its own result."""
    below, benign, caller, caller_msg = s.below, s.benign, s.caller, s.caller_msg
    cascade, desc, endpoint, entry = s.cascade, s.desc, s.endpoint, s.entry
    first_root_line, herring_names, herring_notes, path = (
        s.first_root_line,
        s.herring_names,
        s.herring_notes,
        s.path,
    )
    root, t0, t_entry_first = s.root, s.t0, s.t_entry_first
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
    return steps


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
    s = _choose_scenario(rng, difficulty)
    prompt = _render_prompt(rng, s)
    target, rubric = _target_and_rubric(s)
    steps = _worked_solution(s)
    endpoint, herring_names, kind, path = s.endpoint, s.herring_names, s.kind, s.path
    root, t0 = s.root, s.t0
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
