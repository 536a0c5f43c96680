"""``report.md``: the summary's numbers as paper-style tables."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _f(x: Any, digits: int = 3) -> str:
    if _missing(x):
        return "—"
    return f"{x:.{digits}f}"


def _s(x: Any, digits: int = 3) -> str:
    if _missing(x):
        return "—"
    return f"{x:+.{digits}f}".replace("-", "−")


def _ci(iv: dict[str, Any], signed: bool = True, digits: int = 3) -> str:
    fmt = _s if signed else _f
    if _missing(iv["low"]):
        return fmt(iv["estimate"], digits)
    return f"{fmt(iv['estimate'], digits)} [{fmt(iv['low'], digits)}, {fmt(iv['high'], digits)}]"


def _p(p: float) -> str:
    return "—" if _missing(p) else ("<0.001" if p < 0.001 else f"{p:.3f}")


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return out + [""]


def _size(parameters: float | None) -> str:
    if not parameters:
        return "—"
    for unit, scale in (("T", 1e12), ("B", 1e8), ("M", 1e6), ("k", 1e3)):
        if parameters >= scale:  # 0.8B, not 800M: model sizes are quoted in billions from 0.1B
            return f"{parameters / (1e9 if unit == 'B' else scale):.3g}{unit}"
    return f"{parameters:g}"


def render(summary: dict[str, Any]) -> str:
    s = summary
    method = s["method"]
    lines = [
        "# procskill study report",
        "",
    ]
    lines += _refusals(s)
    lines += _summary(s)
    lines += [
        (f"{len(s['configurations'])} configurations from {sum(len(c['logs']) for c in s['configurations'])} logs; "
        f"headline score: `{s['primary_scorer']}`. All rates and differences are fractions of tasks (0.05 = 5 "
        f"points). Intervals: 95%, {method['mode_description']}"
        + (f" ({method['resamples']} replicates, seed {method['seed']})" if method["mode"] != "cluster" else "")
        + ". p: paired test of Δ = 0 on per-task means (mean over epochs), same method as the interval; "
        "p (Holm): adjusted across the configurations (Δ) or checkpoints (lift) under the same score. "
        "MDE: the smallest true Δ / lift this design detects with 80% power at the 5% level, from the observed "
        "variability and clustering. See docs/report.md for methods and assumptions."),
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
    if s["figures"]:
        lines += ["## Figures", ""]
        lines += [f"![{name}]({file})" + "\n" for name, file in s["figures"].items()]
    if s["skipped_logs"]:
        lines += ["## Logs not used", ""]
        lines += _table(["log", "reason"], [[x["log"], x["reason"]] for x in s["skipped_logs"]])
    return "\n".join(lines).rstrip() + "\n"


def _significance(iv: dict[str, Any], p_holm: Any) -> str:
    if _missing(iv.get("p")):
        return "not tested"
    if iv["p"] >= 0.05:
        return f"not distinguishable from 0 (p = {_p(iv['p'])})"
    if not _missing(p_holm) and p_holm >= 0.05:
        return f"p = {_p(iv['p'])}, but not after correcting for the other comparisons (Holm p = {_p(p_holm)})"
    return f"distinguishable from 0 (p = {_p(iv['p'])}, Holm p = {_p(p_holm)})"


def _summary(s: dict[str, Any]) -> list[str]:
    """The findings in plain words: largest effects with intervals, what the power allows, refusals, size."""
    scorer = s["primary_scorer"]
    deltas = [r for r in s["deltas"] if r["scorer"] == scorer and not _missing(r["delta"]["estimate"])]
    lifts = [r for r in s["lifts"] if r["scorer"] == scorer and not _missing(r["lift"]["estimate"])]
    bullets = []
    for r in sorted(deltas, key=lambda r: -abs(r["delta"]["estimate"]))[:3]:
        bullets.append(f"- Δ of **{r['config']}**: {_ci(r['delta'])} — {_significance(r['delta'], r.get('p_holm'))}.")
    for r in sorted(lifts, key=lambda r: -abs(r["lift"]["estimate"]))[:3]:
        bullets.append(f"- SFT lift of **{r['post']}**: {_ci(r['lift'])} — {_significance(r['lift'], r.get('p_holm'))}.")
    rows = {(r["config"], r["condition"]): r for r in s["compliance"]}
    for r in lifts:
        for cond in ("base", "skill"):
            pre, post = rows.get((r["pre"], cond)), rows.get((r["post"], cond))
            if pre and post and not _missing(pre["compliance"]) and not _missing(post["compliance"]) and abs(
                    post["compliance"] - pre["compliance"]) >= 0.2:
                bullets.append(f"- ANSWER-line compliance ({cond} condition) went from {_f(pre['compliance'], 2)} "
                               f"({r['pre']}) to {_f(post['compliance'], 2)} ({r['post']}).")
    mdes = [r["delta"]["mde"] for r in deltas if not _missing(r["delta"].get("mde"))]
    lift_mdes = [r["lift"]["mde"] for r in lifts if not _missing(r["lift"].get("mde"))]
    if mdes:
        text = (f"- **Power**: with these tasks this design detects (80 % power) a Δ of about "
                f"{_f(sorted(mdes)[len(mdes) // 2], 2)}")
        if lift_mdes:
            text += f" and a lift of about {_f(sorted(lift_mdes)[len(lift_mdes) // 2], 2)}"
        bullets.append(text + "; smaller true effects are likely to be missed (median MDE; per row in the tables).")
    pattern = s.get("size_pattern") or {}
    if "delta_pre" in pattern:
        bullets.append(f"- **Size**: {pattern['delta_pre']['verdict']}")
    if s.get("refusals"):
        bullets.append(f"- **Refused**: {len(s['refusals'])} comparison(s), listed above.")
    if not bullets:
        return []
    return ["## Summary", "", (f"Headline score `{scorer}`; fractions of tasks (0.05 = 5 points), 95 % intervals."),
            "", *bullets, ""]


def _refusals(s: dict[str, Any]) -> list[str]:
    refusals = s.get("refusals") or []
    skipped = s.get("skipped_logs") or []
    lines: list[str] = []
    if refusals:
        lines += [f"> **{len(refusals)} comparison(s) refused** (not computed; `--strict` makes this an error):", ">"]
        lines += [f"> - {r['what']}: {r['why']}" for r in refusals]
        lines += [""]
    unreadable = [x for x in skipped if x["reason"].startswith(("unreadable", "run status", "the same evaluation"))]
    if unreadable:
        lines += [f"> **{len(unreadable)} log file(s) not used**: "
                  + "; ".join(f"`{x['log']}`: {x['reason']}" for x in unreadable), ""]
    return lines


def _configurations(s: dict[str, Any]) -> list[str]:
    rows = []
    for c in s["configurations"]:
        rows.append([
            c["label"], f"`{c['model']}`", c["base_model"] or "—", c["recipe"] or "—",
            _size(c["parameters"]) + (f" ({c['size_source']})" if c["size_source"] else ""),
            c["thinking"], c["max_tokens"], c["dataset_hash"][:12], c["epochs"], ", ".join(c["scorers"]),
        ])
    return ["## Configurations", ""] + _table(
        ["configuration", "model", "SFT of", "recipe", "size", "thinking", "max tokens", "holdout hash", "epochs",
         "scores"], rows)


def _deltas(s: dict[str, Any]) -> list[str]:
    rows = []
    for r in s["deltas"]:
        rows.append([r["config"], f"`{r['scorer']}`", _ci(r["pass_base"], False), _ci(r["pass_skill"], False),
                     f"**{_ci(r['delta'])}**", _p(r["p"]), _p(r.get("p_holm")), _f(r["delta"].get("mde")),
                     _p(r["mcnemar_p"]), f"{r['base_only']}/{r['skill_only']}", r["n"], r["pairs_dropped"]])
    lines = ["## Procedural Δ per configuration", "",
             ("Δ = pass(skill) − pass(base) on the same tasks (per task: mean over epochs). Discordant = tasks "
             "doing better without / with the block. McNemar (exact) is shown with one epoch only. Dropped = tasks "
             "missing a scored side."), ""]
    lines += _table(["configuration", "score", "pass(base)", "pass(skill)", "Δ [95% CI]", "p", "p (Holm)",
                     "MDE (80%)", "McNemar p", "discordant b/s", "tasks", "dropped"], rows)
    multi = [r for r in s["deltas"] if len(r["epochs"]) > 1]
    if multi:
        lines += ["### Per epoch", ""]
        rows = [[r["config"], f"`{r['scorer']}`", ", ".join(f"{e['epoch']}: {_s(e['delta'])}" for e in r["epochs"]),
                 _f(r["epoch_sd"]), _f(r["epoch_range"])] for r in multi]
        lines += _table(["configuration", "score", "Δ by epoch", "SD", "max−min"], rows)
    return lines


def _lift(s: dict[str, Any]) -> list[str]:
    lines = ["## SFT-attributable lift", "",
             ("lift = Δ_post − Δ_pre on the tasks scored in both logs: per task (skill − base after SFT) − "
             "(skill − base before), so a task stays paired with itself across models and conditions; its mean is "
             "clustered by skill like every other. gain = pass_post − pass_pre per condition."), ""]
    rows = []
    for r in s["lifts"]:
        rows.append([r["post"], f"`{r['scorer']}`", _ci(r["delta_pre"]), _ci(r["delta_post"]), f"**{_ci(r['lift'])}**",
                     _p(r["lift"].get("p")), _p(r.get("p_holm")), _f(r["lift"].get("mde")),
                     _ci(r["gain_base"]), _ci(r["gain_skill"]),
                     f"{_f(r['pre_pass_base'])} / {_f(r['pre_pass_skill'])}", r["n"]])
    if rows:
        lines += _table(["checkpoint", "score", "Δ_pre", "Δ_post", "lift [95% CI]", "p", "p (Holm)", "MDE (80%)",
                         "gain (base)", "gain (skill)", "pre-SFT pass base / skill", "tasks"], rows)
    else:
        lines += ["No SFT checkpoint was paired with its base model.", ""]
    claim = s.get("claim_check")
    if claim:
        rho, mrho = claim["skill_level_rho"], claim["model_level_rho"]
        lines += [
            (f"**Does SFT help most where the base model struggles?** Spearman ρ between pre-SFT pass rate and gain "
            f"(`{claim['scorer']}`): {_ci(rho, True, 2)} over {rho['n']} (base model, skill, condition) cells in "
            f"{rho['clusters']} skills (interval: skills as clusters), each condition's gain against the pre-SFT "
            "pass rate of the other condition (independent noise, so no regression-to-the-mean artefact); "
            f"{_ci(mrho, True, 2)} over {mrho['n']} (base model, condition) points of {mrho['clusters']} base "
            f"model(s) (descriptive; interval: base models as clusters). Verdict: {claim['verdict']}. With ~5 tasks "
            "per skill this check has little power (docs/report.md): an inconclusive verdict is not evidence "
            "against the claim."), "",
        ]
    for pool in s.get("seed_pools") or []:
        lines += [(f"**Pooled over {pool['seeds']} SFT seeds** ({pool['base_model']}, recipe {pool['recipe']}, "
                   f"`{pool['scorer']}`): lift {_ci(pool['pooled_lift'])} on {pool['tasks']} tasks; between-seed "
                   f"SD {_f(pool['between_seed_sd'])} (range {_f(pool['between_seed_range'])})."), ""]
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
    lines = ["## Does the effect depend on model size?", "",
             ("Consecutive-size differences with 95% intervals from the joint clustered covariance (the same tasks "
              "in every configuration), and a joint test that all sizes are equal (Wald, F with G−1 df)."), ""]
    names = {"delta_pre": "Δ (base models)", "delta_post": "Δ (after SFT)", "lift": "lift"}
    for kind, part in parts:
        rows = [[f"{a} → {b}", _ci(d)] for a, b, d in zip(part["configs"], part["configs"][1:], part["differences"])]
        lines += [f"**{names[kind]}** on {part['tasks']} common tasks: joint test p = {_p(part['p'])}.", ""]
        lines += _table(["step", "difference [95% CI]"], rows)
        lines += [f"Verdict: {part['verdict']}", ""]
    return lines


def _sweeps(s: dict[str, Any]) -> list[str]:
    if not s["recipe_sweeps"]:
        return []
    lines = ["## Recipe sweep", ""]
    for sweep in s["recipe_sweeps"]:
        lines += [f"Base model **{sweep['base_model']}** (`{sweep['scorer']}`):", ""]
        rows = [[r["recipe"], r["seed"], r["steps"], _ci(r["pass_base"], False), _ci(r["pass_skill"], False),
                 _ci(r["delta"]), r["n"]] for r in sweep["recipes"]]
        if sweep["pre_sft"]:
            pre = sweep["pre_sft"]
            rows.insert(0, ["(pre-SFT)", "", "", _f(pre["pass_base"]), _f(pre["pass_skill"]),
                            _s(pre["pass_skill"] - pre["pass_base"]), ""])
        lines += _table(["recipe", "seed", "steps", "pass(base)", "pass(skill)", "Δ", "tasks"], rows)
        band = sweep["band_points"]
        lines += [(f"Band across recipes (max − min): base {band['pass_base']:.1f} points, skill "
                  f"{band['pass_skill']:.1f} points, Δ {band['delta']:.1f} points."), ""]
    return lines


def _compliance(s: dict[str, Any]) -> list[str]:
    lines = ["## Format compliance", ""]
    scorers = list(dict.fromkeys(k for r in s["compliance"] for k in r["pass"]))
    rows = []
    for r in s["compliance"]:
        rows.append([r["config"], r["condition"], r["episodes"], _f(r["compliance"]), _f(r["truncated"]),
                     _f(r["no_answer_line"])] + [_f(r["pass"].get(k, {}).get("pass")) for k in scorers])
    lines += _table(["configuration", "condition", "episodes", "ANSWER line", "truncated", "no ANSWER line"]
                    + [f"pass: {k}" for k in scorers], rows)
    statements = []
    for r in s["compliance"]:
        for d in r["disagreements"]:
            pts = d["undercount_points"]
            if abs(pts) >= 0.5:
                verb = "under-counts" if pts > 0 else "over-counts"
                statements.append(
                    f"- {r['config']}, {r['condition']} condition: the extractor {verb} by {abs(pts):.1f} points "
                    f"against `{d['judge']}` ({_points_ci(d['undercount_low'], d['undercount_high'])}; "
                    f"judge-only passes {d['judge_pass_extract_fail']}, extractor-only passes "
                    f"{d['extract_pass_judge_fail']}, n={d['n']})")
        if abs(r.get("lenient_minus_strict_points", 0) or 0) >= 0.5:
            statements.append(f"- {r['config']}, {r['condition']} condition: lenient extraction passes "
                              f"{r['lenient_minus_strict_points']:+.1f} points more than strict")
    lines += statements + ([""] if statements else [])
    lines += ["### Token use", ""]
    rows = [[t["config"], t["episodes"], t["errors"], _f(t["input_tokens"], 0), _f(t["output_tokens"], 0),
             _f(t["mean_output_tokens"], 1), _f(t["mean_output_tokens_base"], 1), _f(t["mean_output_tokens_skill"], 1),
             _f(t["output_ratio_skill_to_base"], 2)] for t in s["tokens"]]
    return lines + _table(["configuration", "episodes", "errors", "input tokens", "output tokens",
                           "mean output", "mean output (base)", "mean output (skill)", "skill/base"], rows)


def _agreement(s: dict[str, Any]) -> list[str]:
    if not s["agreement"] and not s["findings"]:
        return []
    lines = ["## Judge agreement", ""]
    rows = [[r["config"], f"`{r['a']}`", f"`{r['b']}`", r["n"], _f(r["agreement"]),
             f"{_f(r['kappa'], 2)} [{_f(r['kappa_low'], 2)}, {_f(r['kappa_high'], 2)}]"
             + (" (degenerate)" if r["degenerate"] else ""),
             _f(r["prevalence_a"]), _f(r["prevalence_b"]), r["excluded"]] for r in s["agreement"]]
    if rows:
        lines += _table(["configuration", "a", "b", "n", "agreement", "κ [95% CI]", "pass a", "pass b",
                         "excluded"], rows)
    if s["findings"]:
        scorers = list(dict.fromkeys(k for f in s["findings"] for k in f["by_scorer"]))
        lines += ["### Agreement on the findings", ""]
        rows = []
        for f in s["findings"]:
            cells = [f"{_s(f['by_scorer'][k]['estimate'])} ({f['by_scorer'][k]['sign']})" if k in f["by_scorer"]
                     else "—" for k in scorers]
            rows.append([f["finding"], f["config"], *cells, "**DISAGREE**" if f["flagged"] else "agree"])
        lines += _table(["finding", "configuration", *[f"`{k}`" for k in scorers], "direction"], rows)
        flagged = [f for f in s["findings"] if f["flagged"]]
        lines += [f"{len(flagged)} of {len(s['findings'])} findings change direction between scores." , ""]
    return lines


def _skills(s: dict[str, Any]) -> list[str]:
    view = s["skills"]
    if not view or not view["summary"]:
        return []
    smallest = s["method"].get("smallest_p_per_skill_cell")
    lines = ["## Per-skill view (exploratory)", "", (f"Δ per skill under `{view['scorer']}`, mean over configurations; "
             "helped / hurt = configurations with Δ > 0 / Δ < 0. **Exploratory**: each cell rests on ~5 tasks; the "
             f"smallest p-value an exact paired test on five tasks can reach is {_f(smallest, 4)}, so no single cell "
             "can be significant at 5%, let alone after correcting for the many cells shown."), ""]
    configs = [c["label"] for c in s["configurations"] if any(c["label"] in v for v in view["delta"].values())]
    rows = [[r["skill"], _s(r["mean_delta"], 2), f"{r['helped']}/{r['configs']}", f"{r['hurt']}/{r['configs']}",
             *[_s(view["delta"][r["skill"]].get(c), 2) for c in configs]] for r in view["summary"]]
    return lines + _table(["skill", "mean Δ", "helped", "hurt", *configs], rows)


def _points_ci(low: float | None, high: float | None) -> str:
    """A 95% interval in points, or why there is none (one skill: a clustered interval is undefined)."""
    if low is None or high is None:
        return "no 95% CI: fewer than two skills"
    return f"95% CI {low:+.1f} to {high:+.1f}"
