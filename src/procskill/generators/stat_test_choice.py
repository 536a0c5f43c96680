"""Statistical test choice: the single most appropriate test for a described study.

The scenario is assembled from seeded parts so that exactly one conclusion follows from the generated
facts; the gold conclusion and the judge rubric are derived from those same facts.
"""

from __future__ import annotations

import random
from fractions import Fraction
from types import SimpleNamespace

from procskill.generators._base import GeneratedTask, skill
from procskill.generators._diagnostics import DECIDE, _join_and

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


def _choose_scenario(rng: random.Random, difficulty: int) -> SimpleNamespace:
    """Draw the study: design, outcome, sample sizes and assumption checks that make one test correct."""
    s = SimpleNamespace(difficulty=difficulty)
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
    s.case = case
    s.ctx = ctx
    s.design = design
    s.diag = diag
    s.expected_note = expected_note
    s.facts = facts
    s.g1 = g1
    s.g2 = g2
    s.outcome = outcome
    s.outcome_kind = outcome_kind
    s.reason = reason
    return s


def _render_prompt(s: SimpleNamespace) -> str:
    """The study description and the question."""
    ctx, design, diag, facts = s.ctx, s.design, s.diag, s.facts
    g1, g2, outcome = s.g1, s.g2, s.outcome
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
    return prompt


def _target_and_rubric(s: SimpleNamespace) -> tuple[str, str]:
    """The gold conclusion and the rubric: the one correct test and why the alternatives fail."""
    case, design, diag, expected_note = s.case, s.design, s.diag, s.expected_note
    outcome_kind, reason = s.outcome_kind, s.reason
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
        f"Correct test: {test} (accept {accept}); the justification is not graded (it rests on the outcome type "
        f"({outcome_kind}), the design ({design})"
        + (" and the deciding assumption check" if diag or expected_note else "")
        + f"). Incorrect: {alternatives}."
    )
    s.alternatives = alternatives
    s.test = test
    return target, rubric


def _worked_solution(s: SimpleNamespace) -> list[str]:
    """The five steps, each stating its own result."""
    alternatives, design, diag, expected_note = s.alternatives, s.design, s.diag, s.expected_note
    outcome, outcome_kind, reason, test = s.outcome, s.outcome_kind, s.reason, s.test
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
    return steps


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
    s = _choose_scenario(rng, difficulty)
    prompt = _render_prompt(s)
    target, rubric = _target_and_rubric(s)
    steps = _worked_solution(s)
    case, ctx, diag, facts = s.case, s.ctx, s.diag, s.facts
    outcome_kind = s.outcome_kind
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
