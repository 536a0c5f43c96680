"""Incident triage: the severity a written policy assigns to an incident report, and its response.

The scenario is assembled from seeded parts so that exactly one conclusion follows from the generated
facts; the gold conclusion and the judge rubric are derived from those same facts.
"""

from __future__ import annotations

import random
from types import SimpleNamespace

from procskill.generators._base import GeneratedTask, skill
from procskill.generators._diagnostics import DECIDE, _base_time, _hm

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


def _choose_scenario(rng: random.Random, difficulty: int) -> SimpleNamespace:
    """Draw the policy thresholds and the incident facts, aimed at one severity level."""
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
    return SimpleNamespace(
        x1=x1,
        x2=x2,
        m1=m1,
        m2=m2,
        f=f,
        cap=cap,
        internal=internal,
        cosmetic=cosmetic,
        affected=affected,
        total=total,
        sev=sev,
        reason=reason,
        team=team,
        start=start,
        difficulty=difficulty,
    )


def _render_prompt(rng: random.Random, s: SimpleNamespace) -> str:
    """The policy and the incident report (wording, user counts and stakeholder opinion are drawn here)."""
    x1, x2, m1, m2, f, cap, internal, cosmetic = s.x1, s.x2, s.m1, s.m2, s.f, s.cap, s.internal, s.cosmetic
    affected, total, sev, team, start, difficulty = s.affected, s.total, s.sev, s.team, s.start, s.difficulty
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
            if any(p > t for p, t in zip(parts, tparts)):
                # A region cannot have more affected than active users: spread the unaffected users
                # over the regions in the drawn proportions instead.
                unaffected = total - affected
                shares = [unaffected * t // total for t in tparts[:2]]
                tparts = [p + u for p, u in zip(parts, [*shares, unaffected - sum(shares)])]
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
    s.opinion = opinion
    return prompt


def _target_and_rubric(s: SimpleNamespace) -> tuple[str, str]:
    """The gold conclusion and the rubric, from the policy applied top-down to the facts."""
    x1, x2, m1, m2, f, sev, reason, team, opinion = (
        s.x1,
        s.x2,
        s.m1,
        s.m2,
        s.f,
        s.sev,
        s.reason,
        s.team,
        s.opinion,
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
        + "; or the right level with a different response (who is paged or the status-page deadline)."
    )
    s.responses, s.higher_fail = responses, higher_fail
    return target, rubric


def _worked_solution(s: SimpleNamespace) -> list[str]:
    """The five steps, each stating its own result."""
    x1, x2, f, affected, total, sev, reason = s.x1, s.x2, s.f, s.affected, s.total, s.sev, s.reason
    responses, higher_fail, opinion = s.responses, s.higher_fail, s.opinion
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
    return steps


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
    s = _choose_scenario(rng, difficulty)
    prompt = _render_prompt(rng, s)
    target, rubric = _target_and_rubric(s)
    steps = _worked_solution(s)
    f, sev, team, start, affected, total, cap, internal = (
        s.f,
        s.sev,
        s.team,
        s.start,
        s.affected,
        s.total,
        s.cap,
        s.internal,
    )
    x1, x2, m1, m2 = s.x1, s.x2, s.m1, s.m2
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
