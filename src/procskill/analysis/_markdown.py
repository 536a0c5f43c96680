"""``report.md``: the summary's numbers in plain words and paper-style tables.

One unit convention throughout (:mod:`procskill.analysis._units`): pass rates in percent,
differences in percentage points. Prose never shows a missing value: a sentence whose number
is undefined says why instead (tables show ``—``).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

from procskill.analysis._units import UNITS, interval, missing, pct, pts, size

_ONE_SKILL = "all its tasks come from one skill, and intervals treat skills as the sample"
_NO_SPREAD = "every task gave the same difference, so there is no variability to size an interval, a test or a power from"


def _f(x: Any, digits: int = 3) -> str:
    """A plain number (κ, ρ, token ratios) in a table; ``—`` when missing."""
    return "—" if missing(x) else f"{x:.{digits}f}"


def _p(p: Any) -> str:
    return "—" if missing(p) else ("<0.001" if p < 0.001 else f"{p:.3f}")


def _p_prose(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return out + [""]


def _undefined(iv: dict[str, Any]) -> str | None:
    """Why an interval is missing or degenerate, in words; None when it is a real interval."""
    if missing(iv.get("low")) or missing(iv.get("high")):
        return _ONE_SKILL if (iv.get("clusters") or 0) < 2 else "no interval could be computed"
    if iv.get("se") == 0:
        return _NO_SPREAD
    return None


def _points_prose(iv: dict[str, Any]) -> str:
    """An estimate with its interval in a sentence, or the estimate and why it has no interval."""
    estimate = f"{pts(iv['estimate'])} points"
    why = _undefined(iv)
    if why:
        return f"{estimate} (no interval: {why})"
    return f"{estimate} (95 % CI {pts(iv['low'])} to {pts(iv['high'])})"


def _significance(iv: dict[str, Any], p_holm: Any) -> str:
    """Whether an effect is told apart from 0, and what the power says when it is not."""
    if _undefined(iv) or missing(iv.get("p")):
        return ""
    power = ""
    if not missing(iv.get("mde")) and iv["mde"] >= 1:
        power = (
            f"; the design detects only effects of {pct(iv['mde'])} points or more with 80 % power (MDE), "
            "beyond any realistic effect: too few skills or tasks to confirm or exclude one"
        )
    elif not missing(iv.get("mde")) and iv["mde"] > 0:
        power = (
            f"; the design detects about {pct(iv['mde'])} points or more with 80 % power (MDE), so a true "
            "effect this small can be neither confirmed nor excluded"
        )
    if iv["p"] >= 0.05:
        return f"; not distinguishable from 0 ({_p_prose(iv['p'])}){power}"
    if not missing(p_holm) and p_holm >= 0.05:
        return (
            f"; {_p_prose(iv['p'])}, but not distinguishable from 0 after correcting for the other comparisons "
            f"(Holm {_p_prose(p_holm)})"
        )
    holm = f", Holm {_p_prose(p_holm)}" if not missing(p_holm) else ""
    return f"; distinguishable from 0 ({_p_prose(iv['p'])}{holm})"


def render(summary: dict[str, Any]) -> str:
    s = summary
    method = s["method"]
    lines = ["# procskill study report", ""]
    lines += _summary(s)
    lines += _refusals(s)
    lines += [
        (
            f"{len(s['configurations'])} configurations from {sum(len(c['logs']) for c in s['configurations'])} logs; "
            f"headline score: `{s['primary_scorer']}`. Intervals: 95 %, {method['mode_description']}"
            + (
                f" ({method['resamples']} replicates, seed {method['seed']})"
                if method["mode"] != "cluster"
                else ""
            )
            + ". p: paired test of Δ = 0 on per-task means (mean over epochs), same method as the interval; "
            "p (Holm): adjusted across the configurations (Δ) or checkpoints (lift) under the same score. "
            "MDE: the smallest true Δ / lift this design detects with 80 % power at the 5 % level, from the observed "
            "variability and clustering. See docs/report.md for methods and assumptions."
        ),
        "",
    ]
    lines += _configurations(s)
    lines += _deltas(s)
    lines += _lift(s)
    lines += _size_pattern(s)
    lines += _sweeps(s)
    lines += _compliance(s)
    lines += _agreement(s)
    lines += _skills(s)
    lines += _block_length(s)
    lines += _figures(s)
    if s["skipped_logs"]:
        lines += ["## Logs not used", ""]
        lines += [f"- `{x['log']}`: {x['reason']}" for x in s["skipped_logs"]]
    return "\n".join(lines).rstrip() + "\n"


_FIGURE_CAPTIONS = {
    "trajectory": "Procedural Δ against model size (points; bars: 95 % CI); models without a size as reference lines.",
    "lift": "SFT-attributable lift per checkpoint and its per-condition gains (points; bars: 95 % CI).",
    "compliance": "ANSWER-line compliance, why the rest failed, and pass rate by scoring (%).",
    "skills_heatmap": "Δ per skill and configuration (points).",
}


def _figures(s: dict[str, Any]) -> list[str]:
    if not s["figures"]:
        return []
    lines = ["## Figures", ""]
    for name, file in s["figures"].items():
        lines += [f"![{name}]({file})", "", f"*{_FIGURE_CAPTIONS.get(name, name)}*", ""]
    return lines


def _summary(s: dict[str, Any]) -> list[str]:
    """The findings in plain words: largest effects with intervals, what the power allows, refusals, size."""
    scorer = s["primary_scorer"]
    deltas = [r for r in s["deltas"] if r["scorer"] == scorer and not missing(r["delta"]["estimate"])]
    lifts = [r for r in s["lifts"] if r["scorer"] == scorer and not missing(r["lift"]["estimate"])]
    bullets = []
    if not deltas:
        bullets.append(
            f"- No configuration has a task scored in both conditions under `{scorer}`: there is no Δ "
            "to report."
        )
    for r in sorted(deltas, key=lambda r: -abs(r["delta"]["estimate"]))[:3]:
        bullets.append(
            f"- Δ of **{r['config']}**: the skill block moves the pass rate from {pct(r['pass_base']['estimate'])} % "
            f"to {pct(r['pass_skill']['estimate'])} % on {r['n']} tasks, {_points_prose(r['delta'])}"
            f"{_significance(r['delta'], r.get('p_holm'))}."
        )
    if len(deltas) > 3:
        bullets.append(f"- The other {len(deltas) - 3} configurations have smaller Δ (table below).")
    for r in sorted(lifts, key=lambda r: -abs(r["lift"]["estimate"]))[:3]:
        bullets.append(
            f"- SFT lift of **{r['post']}** over {r['pre']}: Δ went from {pts(r['delta_pre']['estimate'])} to "
            f"{pts(r['delta_post']['estimate'])} points on {r['n']} tasks, a lift of {_points_prose(r['lift'])}"
            f"{_significance(r['lift'], r.get('p_holm'))}."
        )
    bullets += _compliance_changes(s, lifts)
    bullets.append(_power(deltas, lifts))
    pattern = s.get("size_pattern") or {}
    if "delta_pre" in pattern:
        bullets.append(f"- **Size**: {pattern['delta_pre']['verdict']}")
    claim = s.get("claim_check")
    if claim and not claim["verdict"].startswith("undetermined"):
        bullets.append(
            f"- **Does SFT help most where the base model struggles?** {claim['verdict'].capitalize()} "
            "(Spearman ρ, section on the lift)."
        )
    bullets += _refused_bullets(s)
    flagged = [f for f in s.get("findings") or [] if f["flagged"]]
    if flagged:
        bullets.append(
            f"- **Scores disagree**: {len(flagged)} of {len(s['findings'])} findings change direction "
            "between scoring paths or judges (see Judge agreement)."
        )
    judges = s.get("judge_tokens") or []
    if judges:
        bullets.append(
            "- **Judge tokens**: "
            + "; ".join(
                f"`{j['judge']}` ({j['path']} path) used {j['input_tokens']:,} input and {j['output_tokens']:,} output "
                f"tokens over {j['calls']:,} calls"
                for j in judges
            )
            + " (table under Format compliance)."
        )
    return [
        "## Summary",
        "",
        f"Headline score `{scorer}`. **Units**: {UNITS}. Intervals are 95 %.",
        "",
        *bullets,
        "",
    ]


def _compliance_changes(s: dict[str, Any], lifts: list[dict[str, Any]]) -> list[str]:
    rows = {(r["config"], r["condition"]): r for r in s["compliance"]}
    out = []
    for r in lifts:
        for cond in ("base", "skill"):
            pre, post = rows.get((r["pre"], cond)), rows.get((r["post"], cond))
            if (
                pre
                and post
                and not missing(pre["compliance"])
                and not missing(post["compliance"])
                and abs(post["compliance"] - pre["compliance"]) >= 0.2
            ):
                out.append(
                    f"- ANSWER-line compliance ({cond} condition) went from {pct(pre['compliance'], 0)} % "
                    f"({r['pre']}) to {pct(post['compliance'], 0)} % ({r['post']})."
                )
    return out


def _power(deltas: list[dict[str, Any]], lifts: list[dict[str, Any]]) -> str:
    def usable(ivs: list[dict[str, Any]]) -> list[float]:
        return sorted(
            iv["mde"] for iv in ivs if not _undefined(iv) and not missing(iv.get("mde")) and iv["mde"] > 0
        )

    def describe(values: list[float], what: str, count: int) -> str:
        text = f"a {what} of about {pct(statistics.median(values))} points"
        if len(values) > 1:
            text += f" (median of {len(values)}; {pct(values[0])} to {pct(values[-1])})"
        elif count > 1:
            text += " (the only one with an estimable power)"
        return text

    mdes, lift_mdes = usable([r["delta"] for r in deltas]), usable([r["lift"] for r in lifts])
    if not mdes and not lift_mdes:
        reasons = {
            _undefined(r[k]) for r, k in [*((r, "delta") for r in deltas), *((r, "lift") for r in lifts)]
        }
        reasons.discard(None)
        why = "; ".join(sorted(reasons)) or "there is no Δ to size it from"
        return f"- **Power**: not estimable here: {why}."
    parts = []
    if mdes:
        parts.append(describe(mdes, "Δ", len(deltas)))
    if lift_mdes:
        parts.append(describe(lift_mdes, "lift", len(lifts)))
    text = (
        f"- **Power**: with these tasks the design detects (80 % power, 5 % level) {' and '.join(parts)}; "
        "smaller true effects are likely to be missed, and a non-significant result smaller than this is no "
        "evidence of no effect"
    )
    if min([*mdes, *lift_mdes]) >= 1:
        text += "; every MDE is above 100 points, so these logs are too small to detect any realistic effect"
    return text + "."


def _refused_bullets(s: dict[str, Any]) -> list[str]:
    refusals = s.get("refusals") or []
    out = [f"- **Refused**: {r['what']}: {r['why']}." for r in refusals[:5]]
    if len(refusals) > 5:
        out.append(f"- **Refused**: {len(refusals) - 5} more comparison(s), listed below.")
    out += [f"- **Not paired**: {r['post']}: {r['reason']}." for r in s.get("unpaired") or []]
    unreadable = [
        x
        for x in s.get("skipped_logs") or []
        if x["reason"].startswith(("unreadable", "run status", "the same evaluation"))
    ]
    if unreadable:
        out.append(
            f"- **Logs not used**: {len(unreadable)} file(s) unreadable, unfinished or duplicated "
            "(listed at the end)."
        )
    return out


def _refusals(s: dict[str, Any]) -> list[str]:
    refusals = s.get("refusals") or []
    skipped = s.get("skipped_logs") or []
    lines: list[str] = []
    if refusals:
        lines += [
            f"> **{len(refusals)} comparison(s) refused** (not computed; `--strict` makes this an error):",
            ">",
        ]
        lines += [f"> - {r['what']}: {r['why']}" for r in refusals]
        lines += [""]
    unreadable = [
        x for x in skipped if x["reason"].startswith(("unreadable", "run status", "the same evaluation"))
    ]
    if unreadable:
        lines += [
            f"> **{len(unreadable)} log file(s) not used**: "
            + "; ".join(f"`{x['log']}`: {x['reason']}" for x in unreadable),
            "",
        ]
    return lines


def _configurations(s: dict[str, Any]) -> list[str]:
    rows = []
    for c in s["configurations"]:
        rows.append(
            [
                c["label"],
                f"`{c['model']}`",
                c["base_model"] or "—",
                c["recipe"] or "—",
                size(c["parameters"]) + (f" ({c['size_source']})" if c["size_source"] else ""),
                c["thinking"],
                c["max_tokens"],
                c["dataset_hash"][:12],
                c["epochs"],
                ", ".join(c["scorers"]),
            ]
        )
    return ["## Configurations", ""] + _table(
        [
            "configuration",
            "model",
            "SFT of",
            "recipe",
            "size",
            "thinking",
            "max tokens",
            "holdout hash",
            "epochs",
            "scores",
        ],
        rows,
    )


def _deltas(s: dict[str, Any]) -> list[str]:
    rows = []
    for r in s["deltas"]:
        rows.append(
            [
                r["config"],
                f"`{r['scorer']}`",
                interval(r["pass_base"], False),
                interval(r["pass_skill"], False),
                f"**{interval(r['delta'])}**",
                _p(r["p"]),
                _p(r.get("p_holm")),
                pct(r["delta"].get("mde")),
                _p(r["mcnemar_p"]),
                f"{r['base_only']}/{r['skill_only']}",
                r["n"],
                r["pairs_dropped"],
            ]
        )
    lines = [
        "## Procedural Δ per configuration",
        "",
        (
            "Δ = pass(skill) − pass(base) on the same tasks (per task: mean over epochs). Discordant = tasks "
            "doing better without / with the block. McNemar (exact) is shown with one epoch only. Dropped = tasks "
            "missing a scored side. A pass rate or Δ shown without an interval comes from a single skill (no variability across skills to estimate)."
        ),
        "",
    ]
    lines += _table(
        [
            "configuration",
            "score",
            "pass(base) [%]",
            "pass(skill) [%]",
            "Δ [points, 95% CI]",
            "p",
            "p (Holm)",
            "MDE (80%) [points]",
            "McNemar p",
            "discordant b/s",
            "tasks",
            "dropped",
        ],
        rows,
    )
    multi = [r for r in s["deltas"] if len(r["epochs"]) > 1]
    if multi:
        lines += ["### Per epoch", ""]
        rows = [
            [
                r["config"],
                f"`{r['scorer']}`",
                ", ".join(f"{e['epoch']}: {pts(e['delta'])}" for e in r["epochs"]),
                pct(r["epoch_sd"]),
                pct(r["epoch_range"]),
            ]
            for r in multi
        ]
        lines += _table(
            ["configuration", "score", "Δ by epoch [points]", "SD [points]", "max−min [points]"], rows
        )
    return lines


def _rho(name: str, iv: dict[str, Any], what: str) -> str:
    """Spearman ρ in a sentence; when undefined, why (never a placeholder)."""
    if missing(iv["estimate"]):
        return (
            f"{name} is undefined over {iv['n']} {what} (too few, or no variation in pass rate or gain across "
            "them)"
        )
    if missing(iv["low"]) or missing(iv["high"]):
        return f"{name} = {iv['estimate']:+.2f} over {iv['n']} {what} (too few for an interval)".replace(
            "-", "−"
        )
    return (
        f"{name} = {iv['estimate']:+.2f} [{iv['low']:+.2f}, {iv['high']:+.2f}] over {iv['n']} {what}"
    ).replace("-", "−")


def _lift(s: dict[str, Any]) -> list[str]:
    lines = [
        "## SFT-attributable lift",
        "",
        (
            "lift = Δ_post − Δ_pre on the tasks scored in both logs: per task (skill − base after SFT) − "
            "(skill − base before), so a task stays paired with itself across models and conditions; its mean is "
            "clustered by skill like every other. gain = pass_post − pass_pre per condition."
        ),
        "",
    ]
    rows = []
    for r in s["lifts"]:
        rows.append(
            [
                r["post"],
                f"`{r['scorer']}`",
                interval(r["delta_pre"]),
                interval(r["delta_post"]),
                f"**{interval(r['lift'])}**",
                _p(r["lift"].get("p")),
                _p(r.get("p_holm")),
                pct(r["lift"].get("mde")),
                interval(r["gain_base"]),
                interval(r["gain_skill"]),
                f"{pct(r['pre_pass_base'])} / {pct(r['pre_pass_skill'])}",
                r["n"],
            ]
        )
    if rows:
        lines += _table(
            [
                "checkpoint",
                "score",
                "Δ_pre [points]",
                "Δ_post [points]",
                "lift [points, 95% CI]",
                "p",
                "p (Holm)",
                "MDE (80%) [points]",
                "gain (base) [points]",
                "gain (skill) [points]",
                "pre-SFT pass base / skill [%]",
                "tasks",
            ],
            rows,
        )
    else:
        lines += ["No SFT checkpoint was paired with its base model.", ""]
    claim = s.get("claim_check")
    if (
        claim
        and missing(claim["skill_level_rho"]["estimate"])
        and missing(claim["model_level_rho"]["estimate"])
    ):
        lines += [
            (
                "**Does SFT help most where the base model struggles?** Not answerable from these logs: the Spearman "
                f"correlation between pre-SFT pass rate and gain (`{claim['scorer']}`) is undefined over the "
                f"{claim['skill_level_rho']['n']} (base model, skill, condition) cells and the "
                f"{claim['model_level_rho']['n']} (base model, condition) points: too few, or no variation in pass rate "
                "or gain across them."
            ),
            "",
        ]
    elif claim:
        lines += [
            (
                f"**Does SFT help most where the base model struggles?** Under `{claim['scorer']}`, the Spearman "
                f"correlation between pre-SFT pass rate and gain: "
                f"{_rho('ρ', claim['skill_level_rho'], '(base model, skill, condition) cells')} in "
                f"{claim['skill_level_rho'].get('clusters')} skills (interval: skills as clusters), each condition's gain "
                "against the pre-SFT pass rate of the other condition (independent noise, so no regression-to-the-mean "
                f"artefact); {_rho('ρ', claim['model_level_rho'], '(base model, condition) points')} of "
                f"{claim['model_level_rho'].get('clusters')} base model(s) (descriptive; interval: base models as "
                f"clusters). Verdict: {claim['verdict']}. With ~5 tasks per skill this check has little power "
                "(docs/report.md): an inconclusive verdict is not evidence against the claim."
            ),
            "",
        ]
    for pool in s.get("seed_pools") or []:
        lines += [
            (
                f"**Pooled over {pool['seeds']} SFT seeds** ({pool['base_model']}, recipe {pool['recipe']}, "
                f"`{pool['scorer']}`): lift {_points_prose(pool['pooled_lift'])} on {pool['tasks']} tasks; "
                f"between-seed SD {pct(pool['between_seed_sd'])} points (range "
                f"{pct(pool['between_seed_range'])} points)."
            ),
            "",
        ]
    for r in s["refused"]:
        lines += [f"- **Refused**: {r['pre']} vs {r['post']}: " + "; ".join(r["reasons"])]
    for r in s["unpaired"]:
        lines += [f"- **Unpaired**: {r['post']}: {r['reason']}"]
    for r in s["lift_missing"]:
        lines += [f"- Not compared under `{r['scorer']}`: {r['reason']}"]
    return lines + [""]


def _size_pattern(s: dict[str, Any]) -> list[str]:
    pattern = s.get("size_pattern") or {}
    parts = [(k, pattern[k]) for k in ("delta_pre", "delta_post", "lift") if k in pattern]
    if not parts:
        return []
    lines = [
        "## Does the effect depend on model size?",
        "",
        (
            "Consecutive-size differences with 95 % intervals from the joint clustered covariance (the same tasks "
            "in every configuration), and a joint test that all sizes are equal (Wald, F with G−1 df)."
        ),
        "",
    ]
    names = {"delta_pre": "Δ (base models)", "delta_post": "Δ (after SFT)", "lift": "lift"}
    for kind, part in parts:
        rows = [
            [f"{a} → {b}", interval(d)]
            for a, b, d in zip(part["configs"], part["configs"][1:], part["differences"])
        ]
        test = (
            f"joint test {_p_prose(part['p'])}"
            if not missing(part.get("p"))
            else "no joint test (too few skills)"
        )
        lines += [f"**{names[kind]}** on {part['tasks']} common tasks: {test}.", ""]
        lines += _table(["step", "difference [points, 95% CI]"], rows)
        lines += [f"Verdict: {part['verdict']}", ""]
    return lines


def _sweeps(s: dict[str, Any]) -> list[str]:
    if not s["recipe_sweeps"]:
        return []
    lines = ["## Recipe sweep", ""]
    for sweep in s["recipe_sweeps"]:
        lines += [f"Base model **{sweep['base_model']}** (`{sweep['scorer']}`):", ""]
        rows = [
            [
                r["recipe"],
                r["seed"],
                r["steps"],
                interval(r["pass_base"], False),
                interval(r["pass_skill"], False),
                interval(r["delta"]),
                r["n"],
            ]
            for r in sweep["recipes"]
        ]
        if sweep["pre_sft"]:
            pre = sweep["pre_sft"]
            rows.insert(
                0,
                [
                    "(pre-SFT)",
                    "",
                    "",
                    pct(pre["pass_base"]),
                    pct(pre["pass_skill"]),
                    pts(pre["pass_skill"] - pre["pass_base"]),
                    "",
                ],
            )
        lines += _table(
            ["recipe", "seed", "steps", "pass(base) [%]", "pass(skill) [%]", "Δ [points]", "tasks"], rows
        )
        band = sweep["band_points"]
        lines += [
            (
                f"Band across recipes (max − min): base {band['pass_base']:.1f} points, skill "
                f"{band['pass_skill']:.1f} points, Δ {band['delta']:.1f} points."
            ),
            "",
        ]
    return lines


def _compliance(s: dict[str, Any]) -> list[str]:
    lines = ["## Format compliance", ""]
    scorers = list(dict.fromkeys(k for r in s["compliance"] for k in r["pass"]))
    rows = []
    for r in s["compliance"]:
        rows.append(
            [
                r["config"],
                r["condition"],
                r["episodes"],
                pct(r["compliance"]),
                pct(r["truncated"]),
                pct(r["no_answer_line"]),
            ]
            + [pct(r["pass"].get(k, {}).get("pass")) for k in scorers]
        )
    lines += _table(
        ["configuration", "condition", "episodes", "ANSWER line [%]", "truncated [%]", "no ANSWER line [%]"]
        + [f"pass: {k} [%]" for k in scorers],
        rows,
    )
    statements = []
    for r in s["compliance"]:
        for d in r["disagreements"]:
            points = d.get("undercount_points")
            if points is not None and abs(points) >= 0.5:
                verb = "under-counts" if points > 0 else "over-counts"
                statements.append(
                    f"- {r['config']}, {r['condition']} condition: the extractor {verb} by {abs(points):.1f} points "
                    f"against `{d['judge']}` ({_points_ci(d.get('undercount_low'), d.get('undercount_high'))}; "
                    f"judge-only passes {d['judge_pass_extract_fail']}, extractor-only passes "
                    f"{d['extract_pass_judge_fail']}, n={d['n']})"
                )
        if abs(r.get("lenient_minus_strict_points", 0) or 0) >= 0.5:
            statements.append(
                f"- {r['config']}, {r['condition']} condition: lenient extraction passes "
                f"{r['lenient_minus_strict_points']:+.1f} points more than strict".replace("-", "−")
            )
    lines += statements + ([""] if statements else [])
    lines += ["### Token use", "", "The evaluated model's own tokens, per configuration.", ""]
    rows = [
        [
            t["config"],
            t["episodes"],
            t["errors"],
            _f(t["input_tokens"], 0),
            _f(t["output_tokens"], 0),
            _f(t["mean_output_tokens"], 1),
            _f(t["mean_output_tokens_base"], 1),
            _f(t["mean_output_tokens_skill"], 1),
            _f(t["output_ratio_skill_to_base"], 2),
        ]
        for t in s["tokens"]
    ]
    lines += _table(
        [
            "configuration",
            "episodes",
            "errors",
            "input tokens",
            "output tokens",
            "mean output",
            "mean output (base)",
            "mean output (skill)",
            "skill/base",
        ],
        rows,
    )
    return lines + _judge_tokens(s)


def _judge_tokens(s: dict[str, Any]) -> list[str]:
    judges = s.get("judge_tokens") or []
    if not judges:
        return []
    lines = [
        "### Judge token use",
        "",
        (
            "Tokens of the judge calls, summed over every configuration, from each judge score's `judge_usage`. "
            "Calls = scores made by a judge call (a deterministic task on the `bench` path and an empty response "
            "need none). A reply served from Inspect's cache reports the original call's tokens."
        ),
        "",
    ]
    rows = [
        [
            f"`{j['judge']}`",
            j["path"],
            j["configs"],
            f"{j['calls']:,}",
            f"{j['input_tokens']:,}",
            f"{j['output_tokens']:,}",
            f"{j['total_tokens']:,}",
        ]
        for j in judges
    ]
    return lines + _table(
        ["judge", "path", "configurations", "calls", "input tokens", "output tokens", "total tokens"], rows
    )


def _agreement(s: dict[str, Any]) -> list[str]:
    if not s["agreement"] and not s["findings"]:
        return []
    lines = ["## Judge agreement", ""]
    rows = [
        [
            r["config"],
            f"`{r['a']}`",
            f"`{r['b']}`",
            r["n"],
            pct(r["agreement"]),
            f"{_f(r['kappa'], 2)} [{_f(r['kappa_low'], 2)}, {_f(r['kappa_high'], 2)}]"
            + (" (degenerate)" if r["degenerate"] else ""),
            pct(r["prevalence_a"]),
            pct(r["prevalence_b"]),
            r["excluded"],
        ]
        for r in s["agreement"]
    ]
    if rows:
        lines += _table(
            [
                "configuration",
                "a",
                "b",
                "n",
                "agreement [%]",
                "κ [95% CI]",
                "pass a [%]",
                "pass b [%]",
                "excluded",
            ],
            rows,
        )
    if s["findings"]:
        scorers = list(dict.fromkeys(k for f in s["findings"] for k in f["by_scorer"]))
        lines += [
            "### Agreement on the findings",
            "",
            "Each finding's estimate in points under every score.",
            "",
        ]
        rows = []
        for f in s["findings"]:
            cells = [
                f"{pts(f['by_scorer'][k]['estimate'])} ({f['by_scorer'][k]['sign']})"
                if k in f["by_scorer"]
                else "—"
                for k in scorers
            ]
            rows.append([f["finding"], f["config"], *cells, "**DISAGREE**" if f["flagged"] else "agree"])
        lines += _table(
            ["finding", "configuration", *[f"`{k}` [points]" for k in scorers], "direction"], rows
        )
        flagged = [f for f in s["findings"] if f["flagged"]]
        lines += [f"{len(flagged)} of {len(s['findings'])} findings change direction between scores.", ""]
    return lines


def _skills(s: dict[str, Any]) -> list[str]:
    view = s["skills"]
    if not view or not view["summary"]:
        return []
    smallest = s["method"].get("smallest_p_per_skill_cell")
    lines = [
        "## Per-skill view (exploratory)",
        "",
        (
            f"Δ per skill under `{view['scorer']}` in points, mean over "
            "configurations; helped / hurt = configurations with Δ > 0 / Δ < 0. **Exploratory**: each cell rests on "
            f"~5 tasks; the smallest p-value an exact paired test on five tasks can reach is p = {smallest:.4f}, so no "
            "single cell can be significant at 5 %, let alone after correcting for the many cells shown."
        ),
        "",
    ]
    configs = [
        c["label"] for c in s["configurations"] if any(c["label"] in v for v in view["delta"].values())
    ]
    rows = [
        [
            r["skill"],
            pts(r["mean_delta"], 0),
            f"{r['helped']}/{r['configs']}",
            f"{r['hurt']}/{r['configs']}",
            *[pts(view["delta"][r["skill"]].get(c), 0) for c in configs],
        ]
        for r in view["summary"]
    ]
    return lines + _table(["skill", "mean Δ [points]", "helped", "hurt", *configs], rows)


def _points_ci(low: float | None, high: float | None) -> str:
    """A 95 % interval in points, or why there is none (one skill: a clustered interval is undefined)."""
    if missing(low) or missing(high):
        return "no 95 % CI: fewer than two skills"
    return f"95 % CI {low:+.1f} to {high:+.1f}".replace("-", "−")


def _block_length(s: dict[str, Any]) -> list[str]:
    view = s.get("block_length") or {}
    if not view.get("skills"):
        return []
    unit = view["unit"]
    rho = view["spearman_rho"]
    tokenizer = next((r.get("tokenizer") for r in view["skills"] if r.get("tokenizer")), None)
    lines = [
        "## Δ vs skill-block length",
        "",
        (
            f"Each skill's block length in {unit}"
            + (f" ({tokenizer})" if unit == "tokens" and tokenizer else "")
            + f" beside its mean Δ under `{view['scorer']}`; "
            + (
                f"Spearman ρ across skills: {rho:+.2f}".replace("-", "−")
                if rho is not None
                else "no Spearman ρ across skills: it needs at least 3 skills with differing lengths and Δ"
            )
            + ". Files the model is not shown (references/, scripts/, assets/) are listed."
        ),
        "",
    ]
    rows = [
        [r["skill"], r.get(unit), pts(r["mean_delta"], 0), ", ".join(r.get("not_shown") or []) or "—"]
        for r in sorted(view["skills"], key=lambda r: r.get(unit) or 0)
    ]
    return lines + _table(["skill", f"block {unit}", "mean Δ [points]", "not shown to the model"], rows)
