"""Capacity decision: the cheapest fleet option that keeps projected peak utilisation within policy.

The scenario is assembled from seeded parts so that exactly one conclusion follows from the generated
facts; the gold conclusion and the judge rubric are derived from those same facts.
"""

from __future__ import annotations

import random
from fractions import Fraction
from types import SimpleNamespace

from procskill.generators._base import GeneratedTask, skill
from procskill.generators._diagnostics import DECIDE, _commas, _join_and

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


def _rps(x: Fraction) -> str:
    """A request rate rounded to a whole number, with thousands separators."""
    return _commas(int(x.__round__())) if isinstance(x, Fraction) else _commas(int(x))


def _choose_scenario(rng: random.Random, difficulty: int) -> SimpleNamespace:
    """Draw the fleet, traffic and policy, and options of which exactly one is the cheapest compliant one."""
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
    return SimpleNamespace(
        service=service,
        small=small,
        big=big,
        cap=cap,
        cost=cost,
        xl_cap=xl_cap,
        xl_cost=xl_cost,
        util=util,
        n0=n0,
        peak=peak,
        growth=growth,
        months=months,
        event=event,
        n_plus_1=n_plus_1,
        opts=opts,
        best=best,
        demand=demand,
        u=u,
    )


def _render_prompt(s: SimpleNamespace) -> str:
    """The fleet, traffic, policy and lettered options."""
    service, small, big, cap, cost, xl_cap, xl_cost, util, n0, peak, growth, months, event, n_plus_1, opts = (
        s.service,
        s.small,
        s.big,
        s.cap,
        s.cost,
        s.xl_cap,
        s.xl_cost,
        s.util,
        s.n0,
        s.peak,
        s.growth,
        s.months,
        s.event,
        s.n_plus_1,
        s.opts,
    )
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
        f"latency SLO and costs ${_commas(cost)}/month; each {big} node serves {_rps(xl_cap)} requests/s and costs "
        f"${_commas(xl_cost)}/month. Today's peak is {_commas(peak)} requests/s. {growth_txt}{event_txt}. "
        f"Capacity policy: {policy_txt}. Options: {option_txt}. Which option should be chosen? Answer in one or "
        "two sentences naming the option and the numbers that justify it."
    )
    return prompt


def _target_and_rubric(s: SimpleNamespace) -> tuple[str, str]:
    """The gold conclusion and the rubric: the cheapest compliant option, and why each other one fails."""
    growth, event, n_plus_1, opts, best, demand = s.growth, s.event, s.n_plus_1, s.opts, s.best, s.demand
    cheaper_fail = [o for o in opts if o["cost"] < best["cost"]]
    target = (
        f"Choose option {best['label']} ({best['desc']}, ${_commas(best['cost'])}/month): the projected peak is about "
        f"{_rps(demand)} requests/s and it gives {_rps(best['usable'])} requests/s of usable capacity under the policy, while the cheaper "
        f"option{'s' if len(cheaper_fail) > 1 else ''} {_join_and([o['label'] for o in cheaper_fail])} "
        f"{'fall' if len(cheaper_fail) > 1 else 'falls'} short."
    )
    rubric = (
        f"Correct: option {best['label']} ({best['desc']}); the justifying numbers are not graded (a projected peak of about {_rps(demand)} req/s"
        + (" (compound growth" + (" plus the sale uplift" if event != 1 else "") + ")" if growth else "")
        + (" and N+1 sizing" if n_plus_1 else "")
        + "). Incorrect: "
        + "; ".join(
            f"option {o['label']} ({'insufficient: ' + _rps(o['usable']) + ' req/s usable' if not o['ok'] else 'compliant but costs $' + _commas(o['cost'])})"
            for o in opts
            if o is not best
        )
        + "."
    )
    return target, rubric


def _worked_solution(s: SimpleNamespace) -> list[str]:
    """The five steps, each stating its own result."""
    peak, growth, months, event, util, n_plus_1, opts, best, demand, u = (
        s.peak,
        s.growth,
        s.months,
        s.event,
        s.util,
        s.n_plus_1,
        s.opts,
        s.best,
        s.demand,
        s.u,
    )
    cheaper_fail = [o for o in opts if o["cost"] < best["cost"]]
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
            f"{o['label']}: total {_rps(o['total'])}, usable {_rps(o['usable'])} -> {'meets' if o['ok'] else 'fails'}, ${_commas(o['cost'])}/month"
            for o in opts
        )
        + f". Cheapest compliant: {best['label']}.",
        f"Check: {best['label']} runs at {float(demand / (best['usable'] / u) * 100):.1f}% of its "
        + ("N+1 " if n_plus_1 else "")
        + f"capacity at the projected peak (limit {util}%); cheaper "
        + ", ".join(f"{o['label']} ({float(demand / (o['usable'] / u) * 100):.1f}%)" for o in cheaper_fail)
        + f" exceed{'s' if len(cheaper_fail) == 1 else ''} the limit.",
    ]
    return steps


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
    s = _choose_scenario(rng, difficulty)
    prompt = _render_prompt(s)
    target, rubric = _target_and_rubric(s)
    steps = _worked_solution(s)
    service, small, big, cap, cost, xl_cap, xl_cost, util, n0, peak, growth, months, event, opts = (
        s.service,
        s.small,
        s.big,
        s.cap,
        s.cost,
        s.xl_cap,
        s.xl_cost,
        s.util,
        s.n0,
        s.peak,
        s.growth,
        s.months,
        s.event,
        s.opts,
    )
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
