"""Checkers for the rubric-decision skills: they return the decision the rubric turns on."""

from __future__ import annotations

import re
from fractions import Fraction

from ._common import PromptUnreadable, need, one_of

TARGET_DECISIONS = {
    "capacity-decision": r"^Choose option ([A-Z])\b",
    "incident-triage": r"^(SEV\d):",
    "stat-test-choice": r"^Use (?:the )?(.+?):",
}


def decision_from_target(skill: str, target: str) -> str:
    """The decision a gold conclusion states (read from its wording, not from the generator)."""
    return need(TARGET_DECISIONS[skill], target)[1]


def _int(text: str) -> int:
    return int(text.replace(",", ""))


def capacity_decision(prompt: str) -> str:
    need(r"Which option should be chosen\?", prompt)
    small, cap_small, cost_small, large, cap_large, cost_large = need(
        r"Each (\S+) node serves ([\d,]+) requests/s at the latency SLO and costs \$([\d,]+)/month; each (\S+) node "
        r"serves ([\d,]+) requests/s and costs \$([\d,]+)/month\.",
        prompt,
    ).groups()
    nodes = {small: (_int(cap_small), _int(cost_small)), large: (_int(cap_large), _int(cost_large))}
    peak = Fraction(_int(need(r"Today's peak is ([\d,]+) requests/s\.", prompt)[1]))
    growth = re.search(
        r"grows (\d+)% per month, compounding, and the fleet must cover the peak (\d+) months from now",
        prompt,
    )
    if growth:
        peak *= (1 + Fraction(int(growth[1]), 100)) ** int(growth[2])
    else:
        need(r"Peak traffic is flat", prompt)
    sale = re.search(r"push that month's peak (\d+)% above the trend", prompt)
    if sale:
        peak *= 1 + Fraction(int(sale[1]), 100)
    limit = Fraction(int(need(r"utilisation must not exceed (\d+)% of capacity", prompt)[1]), 100)
    n_plus_1 = "N+1" in prompt
    current = need(rf"runs on (\d+) x {re.escape(small)} nodes", prompt)
    options = re.findall(r"([A-Z])\) (.+?) \(\$([\d,]+)/month\)", prompt)
    compliant = []
    for letter, text, cost in options:
        fleet = [(int(n), t) for n, t in re.findall(r"(\d+) x (\S+?)(?= |$)", text)]
        if text.startswith("keep the current"):
            fleet = [(int(current[1]), small)]
        caps = [nodes[t][0] for n, t in fleet for _ in range(n)]
        if sum(nodes[t][1] * n for n, t in fleet) != _int(cost):
            raise PromptUnreadable(f"option {letter}: stated cost {cost} is not the fleet's cost")
        usable = (sum(caps) - (max(caps) if n_plus_1 else 0)) * limit
        if usable >= peak:
            compliant.append((_int(cost), letter))
    if not compliant:
        raise PromptUnreadable("no option meets the policy")
    compliant.sort()
    if len(compliant) > 1 and compliant[0][0] == compliant[1][0]:
        raise PromptUnreadable("two compliant options cost the same")
    return compliant[0][1]


def incident_triage(prompt: str) -> str:
    need(r"Triage this incident\.", prompt)
    x1 = int(
        need(
            r"SEV1: .*?complete outage of a customer-facing capability affecting at least (\d+)% of active "
            r"users with no workaround",
            prompt,
        )[1]
    )
    x2 = int(
        need(
            r"SEV2: a customer-facing outage or severe degradation affecting at least (\d+)% of active users; "
            r"or any failure of payment processing",
            prompt,
        )[1]
    )
    report = need(r"Incident report \(.+", prompt)[0]
    if re.search(r"lost \d+ customer records|exposed \d+ customers'", report):
        return "SEV1"
    customer = "no customers are affected" not in report
    if not customer:
        return "SEV3" if "is completely unavailable" in report else "SEV4"
    impact = one_of(
        report,
        {
            "outage": r"is completely down",
            "degradation": r"is badly degraded",
            "cosmetic": r"all functionality works normally",
        },
    )
    if impact == "cosmetic":
        return "SEV4"
    if m := re.search(r"([\d.]+)% of active users are affected", report):
        pct = Fraction(m[1])
    elif m := re.search(r"([\d,]+) of the ([\d,]+) currently active users are affected", report):
        affected, total = _int(m[1]), _int(m[2])
        if affected > total:
            raise PromptUnreadable("more affected users than active users")
        pct = Fraction(100 * affected, total)
    else:
        regions = re.findall(
            r"[A-Z][\w ]+? ([\d,]+) \(of ([\d,]+) active\)", need(r"by region: [^;.]+", report)[0]
        )
        if any(_int(a) > _int(t) for a, t in regions):
            raise PromptUnreadable("a region lists more affected users than active users")
        pct = Fraction(100 * sum(_int(a) for a, _ in regions), sum(_int(t) for _, t in regions))
    workaround = "Workaround:" in report
    if impact == "outage" and pct >= x1 and not workaround:
        return "SEV1"
    if pct >= x2 or "Card authorisations are failing" in report:
        return "SEV2"
    return "SEV3"


def stat_test_choice(prompt: str) -> str:
    need(r"Which statistical test should be used\?", prompt)
    design = one_of(
        prompt,
        {
            "paired": r"(measured .+? and again .+?\.|Design: paired)",
            "repeated": r"(was measured in each of|Design: repeated measures)",
            "two groups": r"(were randomly assigned to .+? or |Design: two independent groups)",
            "three groups": r"(were split at random into|Design: three independent groups)",
        },
    )
    outcome = (
        "binary"
        if re.search(r"the outcome is whether", prompt)
        else (
            "ordinal"
            if re.search(r"the outcome is [^.]*?(\d+-\d+ scale|grade \(\d+-\d+\))", prompt)
            else "continuous"
        )
    )
    normal = all(float(p) >= 0.05 for p in re.findall(r"Shapiro-Wilk p = (\d*\.?\d+)", prompt))
    parametric = outcome == "continuous" and normal
    if outcome == "binary":
        if design == "paired":
            return "McNemar's test"
        if design != "two groups":
            raise PromptUnreadable("binary outcome outside two groups or a pair")
        counts = [tuple(map(int, c)) for c in re.findall(r": (\d+) yes, (\d+) no", prompt)]
        if len(counts) != 2:
            raise PromptUnreadable("no 2x2 counts")
        total = sum(map(sum, counts))
        cols = [sum(c[i] for c in counts) for i in (0, 1)]
        smallest = min(Fraction(sum(row) * col, total) for row in counts for col in cols)
        return "chi-square test of independence on the 2x2 table" if smallest >= 5 else "Fisher's exact test"
    if design == "paired":
        return "paired t-test" if parametric else "Wilcoxon signed-rank test"
    if design == "repeated":
        if (
            parametric
            and (m := re.search(r"Mauchly's test of sphericity p = (\d*\.?\d+)", prompt))
            and float(m[1]) < 0.05
        ):
            raise PromptUnreadable("sphericity violated: the prompt's convention is not stated")
        return "repeated-measures ANOVA" if parametric else "Friedman test"
    if design == "three groups":
        return (
            "one-way ANOVA"
            if parametric and _equal_variances(prompt)
            else ("Kruskal-Wallis test" if not parametric else "Welch's ANOVA")
        )
    if not parametric:
        return "Mann-Whitney U test"
    return "Student's two-sample t-test (pooled variance)" if _equal_variances(prompt) else "Welch's t-test"


def _equal_variances(prompt: str) -> bool:
    m = re.search(r"Levene's test p = (\d*\.?\d+)", prompt)
    return m is None or float(m[1]) >= 0.05
