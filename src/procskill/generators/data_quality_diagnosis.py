"""Data-quality diagnosis: the one source and defect behind a metric anomaly, from per-source profiles.

The scenario is assembled from seeded parts so that exactly one conclusion follows from the generated
facts; the gold conclusion and the judge rubric are derived from those same facts.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from types import SimpleNamespace

from procskill.generators._base import GeneratedTask, skill
from procskill.generators._diagnostics import DIAG, _base_time, _commas

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


def _choose_scenario(rng: random.Random, difficulty: int) -> SimpleNamespace:
    """Draw the sources, dates, the one defective source and day, and a genuine-growth red herring."""
    s = SimpleNamespace(difficulty=difficulty)
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
        for si in range(n_src):
            scale = 1.0
            if herring and si == herring[0] and d >= herring[1]:
                scale = herring[2] / 100
            distinct = round(base_rows[si] * rng.uniform(0.95, 1.05) * scale)
            rows = distinct
            nulls = round(rng.uniform(0.0, 0.4), 1)
            mean = round(base_mean[si] * rng.uniform(0.97, 1.03), 2)
            hit = si == bad and (d == d_bad or (persistent and d > d_bad))
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

    s.bad = bad
    s.col = col
    s.d_bad = d_bad
    s.dashboard = dashboard
    s.dates = dates
    s.herring = herring
    s.issue = issue
    s.key = key
    s.n_src = n_src
    s.persistent = persistent
    s.profile = profile
    s.revenue = revenue
    s.sources = sources
    s.table = table
    return s


def _render_prompt(rng: random.Random, s: SimpleNamespace) -> str:
    """The daily totals, the per-source profile and the evidence texts."""
    bad, col, d_bad, dashboard = s.bad, s.col, s.d_bad, s.dashboard
    dates, herring, issue, key = s.dates, s.herring, s.issue, s.key
    persistent, profile, revenue, sources = s.persistent, s.profile, s.revenue, s.sources
    table = s.table
    daily = [sum((revenue(p) for p in day), Decimal(0)) for day in profile]
    daily_txt = ", ".join(
        f"{dt}: {_commas(int(v.to_integral_value(ROUND_HALF_UP)))}" for dt, v in zip(dates, daily)
    )
    prev, cur = daily[d_bad - 1], daily[d_bad]
    change = (cur - prev) / prev * 100
    direction = "jumped" if change > 0 else "dropped"

    lines = []
    for d, dt in enumerate(dates):
        for si, src in enumerate(sources):
            p = profile[d][si]
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
    s.after = after
    s.before = before
    s.change = change
    s.cur = cur
    s.defect = defect
    s.direction = direction
    s.herring_txt = herring_txt
    s.prev = prev
    s.proof = proof
    s.signature = signature
    s.span = span
    s.src_name = src_name
    return prompt


def _target_and_rubric(s: SimpleNamespace) -> tuple[str, str]:
    """The gold diagnosis and the rubric."""
    d_bad, dates, defect, herring = s.d_bad, s.dates, s.defect, s.herring
    herring_txt, issue, proof, signature = s.herring_txt, s.issue, s.proof, s.signature
    sources, span, src_name = s.sources, s.span, s.src_name
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
    return target, rubric


def _worked_solution(s: SimpleNamespace) -> list[str]:
    """The five steps, each stating its own result."""
    after, bad, before, change = s.after, s.bad, s.before, s.change
    cur, d_bad, dates, defect = s.cur, s.d_bad, s.dates, s.defect
    direction, herring, n_src, prev = s.direction, s.herring, s.n_src, s.prev
    profile, revenue, signature, sources = s.profile, s.revenue, s.signature, s.sources
    span, src_name = s.span, s.src_name
    contrib_prev = [revenue(profile[d_bad - 1][si]) for si in range(n_src)]
    contrib_cur = [revenue(profile[d_bad][si]) for si in range(n_src)]
    contrib = "; ".join(
        f"{sources[si]} {_commas(int(a.to_integral_value(ROUND_HALF_UP)))} -> {_commas(int(b.to_integral_value(ROUND_HALF_UP)))}"
        for si, (a, b) in enumerate(zip(contrib_prev, contrib_cur))
    )
    others = [si for si in range(n_src) if si != bad]
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
        + ", ".join(sources[si] for si in others)
        + " keep rows equal to distinct keys, null rates under 0.5% and stable means"
        + (
            f"; {sources[herring[0]]}'s rise from {dates[herring[1]]} has rows and distinct keys rising together with a normal mean, so it is real growth."
            if herring
            else "."
        ),
    ]
    return steps


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
    s = _choose_scenario(rng, difficulty)
    prompt = _render_prompt(rng, s)
    target, rubric = _target_and_rubric(s)
    steps = _worked_solution(s)
    d_bad, dates, herring, issue = s.d_bad, s.dates, s.herring, s.issue
    sources, src_name, table = s.sources, s.src_name, s.table
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
