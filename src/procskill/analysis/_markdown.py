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
        (f"{len(s['configurations'])} configurations from {sum(len(c['logs']) for c in s['configurations'])} logs; "
        f"headline score: `{s['primary_scorer']}`. Intervals: 95% percentile bootstrap, {method['resamples']} "
        f"replicates, seed {method['seed']}, tasks resampled {method['mode_description']}. McNemar: exact, "
        "two-sided, on the discordant task pairs (with several epochs: the largest per-epoch p)."),
        "",
    ]
    lines += _configurations(s)
    lines += _deltas(s)
    lines += _lift(s)
    lines += _sweeps(s)
    lines += _compliance(s)
    lines += _agreement(s)
    lines += _skills(s)
    lines += _block_length(s)
    if s["figures"]:
        lines += ["## Figures", ""]
        lines += [f"![{name}]({file})" + "\n" for name, file in s["figures"].items()]
    if s["skipped_logs"]:
        lines += ["## Logs not used", ""]
        lines += _table(["log", "reason"], [[x["log"], x["reason"]] for x in s["skipped_logs"]])
    return "\n".join(lines).rstrip() + "\n"


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
                     f"**{_ci(r['delta'])}**", _p(r["mcnemar_p"]), f"{r['base_only']}/{r['skill_only']}", r["n"],
                     r["pairs_dropped"]])
    lines = ["## Procedural Δ per configuration", "",
             ("Δ = pass(skill) − pass(base) on the same tasks. Discordant = tasks passing only without / only "
             "with the block."), ""]
    lines += _table(["configuration", "score", "pass(base)", "pass(skill)", "Δ [95% CI]", "McNemar p",
                     "discordant b/s", "tasks", "dropped"], rows)
    multi = [r for r in s["deltas"] if len(r["epochs"]) > 1]
    if multi:
        lines += ["### Per epoch", ""]
        rows = [[r["config"], f"`{r['scorer']}`", ", ".join(f"{e['epoch']}: {_s(e['delta'])}" for e in r["epochs"]),
                 _f(r["epoch_sd"]), _f(r["epoch_range"])] for r in multi]
        lines += _table(["configuration", "score", "Δ by epoch", "SD", "max−min"], rows)
    return lines


def _lift(s: dict[str, Any]) -> list[str]:
    lines = ["## SFT-attributable lift", "",
             ("lift = Δ_post − Δ_pre on the tasks scored in both logs; the interval resamples tasks jointly in "
             "both logs. gain = pass_post − pass_pre per condition."), ""]
    rows = []
    for r in s["lifts"]:
        rows.append([r["post"], f"`{r['scorer']}`", _ci(r["delta_pre"]), _ci(r["delta_post"]), f"**{_ci(r['lift'])}**",
                     _ci(r["gain_base"]), _ci(r["gain_skill"]),
                     f"{_f(r['pre_pass_base'])} / {_f(r['pre_pass_skill'])}", r["n"]])
    if rows:
        lines += _table(["checkpoint", "score", "Δ_pre", "Δ_post", "lift [95% CI]", "gain (base)", "gain (skill)",
                         "pre-SFT pass base / skill", "tasks"], rows)
    else:
        lines += ["No SFT checkpoint was paired with its base model.", ""]
    claim = s.get("claim_check")
    if claim:
        rho, mrho = claim["skill_level_rho"], claim["model_level_rho"]
        lines += [
            (f"**Does SFT help most where the base model struggles?** Spearman ρ between pre-SFT pass rate and gain "
            f"(`{claim['scorer']}`): {_ci(rho, True, 2)} over {rho['n']} (base model, skill, condition) cells, "
            "each condition's gain against the pre-SFT pass rate of the other condition (independent noise, so "
            f"no regression-to-the-mean artefact); {_ci(mrho, True, 2)} over {mrho['n']} (base model, condition) "
            f"points. Verdict: {claim['verdict']}."), "",
        ]
    for r in s["refused"]:
        lines += [f"- **Refused**: {r['pre']} vs {r['post']}: " + "; ".join(r["reasons"])]
    for r in s["unpaired"]:
        lines += [f"- **Unpaired**: {r['post']}: {r['reason']}"]
    for r in s["lift_missing"]:
        lines += [f"- Not compared under `{r['scorer']}`: {r['reason']}"]
    return lines + [""]


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
                    f"against `{d['judge']}` (95% CI {d['undercount_low']:+.1f} to {d['undercount_high']:+.1f}; "
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
    lines = ["## Per-skill view", "", (f"Δ per skill under `{view['scorer']}`, mean over configurations; "
             "helped / hurt = configurations with Δ > 0 / Δ < 0."), ""]
    configs = [c["label"] for c in s["configurations"] if any(c["label"] in v for v in view["delta"].values())]
    rows = [[r["skill"], _s(r["mean_delta"], 2), f"{r['helped']}/{r['configs']}", f"{r['hurt']}/{r['configs']}",
             *[_s(view["delta"][r["skill"]].get(c), 2) for c in configs]] for r in view["summary"]]
    return lines + _table(["skill", "mean Δ", "helped", "hurt", *configs], rows)


def _block_length(s: dict[str, Any]) -> list[str]:
    view = s.get("block_length") or {}
    if not view.get("skills"):
        return []
    unit = view["unit"]
    rho = view["spearman_rho"]
    tokenizer = next((r.get("tokenizer") for r in view["skills"] if r.get("tokenizer")), None)
    lines = ["## Δ vs skill-block length", "",
             (f"Each skill's block length in {unit}" + (f" ({tokenizer})" if unit == "tokens" and tokenizer else "")
              + f" beside its mean Δ under `{view['scorer']}`; Spearman ρ across skills: "
              + (f"{rho:+.2f}" if rho is not None else "— (fewer than 3 skills or constant values)")
              + ". Files the model is not shown (references/, scripts/, assets/) are listed."), ""]
    rows = [[r["skill"], r.get(unit), _s(r["mean_delta"], 2), ", ".join(r.get("not_shown") or []) or "—"]
            for r in sorted(view["skills"], key=lambda r: r.get(unit) or 0)]
    return lines + _table(["skill", f"block {unit}", "mean Δ", "not shown to the model"], rows)
