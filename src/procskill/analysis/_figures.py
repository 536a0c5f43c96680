"""The report's figures, drawn with matplotlib's Agg renderer.

Figures are built as ``matplotlib.figure.Figure`` objects (no pyplot): nothing here
touches the global backend or leaves figures open in a user's session. Each function
returns PNG bytes, or ``None`` when there is nothing to draw.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

PRE_COLOR = "#4C72B0"
POST_COLOR = "#DD8452"
REFERENCE_COLORS = ["#55A868", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C"]
CONDITION_COLORS = {"base": "#8DA0CB", "skill": "#FC8D62"}


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    # fast zlib level: ~0.2 s less per report for ~8 % larger files
    fig.savefig(buffer, format="png", dpi=110, pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


def _points(x: float | None) -> float:
    return np.nan if x is None else 100 * x


def _errors(entries: Sequence[dict[str, Any]]) -> np.ndarray:
    # an interval may be missing (null: e.g. one skill only, no variability across skills): no bar
    est, low, high = (np.array([np.nan if e[k] is None else e[k] for e in entries], dtype=float)
                      for k in ("estimate", "low", "high"))
    return 100 * np.nan_to_num(np.vstack([np.clip(est - low, 0, None), np.clip(high - est, 0, None)]))


def _size_label(parameters: float) -> str:
    for unit, scale in (("T", 1e12), ("B", 1e8), ("M", 1e6), ("k", 1e3)):
        if parameters >= scale:  # 0.8B, not 800M: model sizes are quoted in billions from 0.1B
            return f"{parameters / (1e9 if unit == 'B' else scale):g}{unit}"
    return f"{parameters:g}"


def trajectory_png(trajectory: dict[str, Any]) -> bytes | None:
    """Δ (points) against parameters (log scale), pre- and post-SFT, references as lines."""
    points, references = trajectory["points"], trajectory["references"]
    if not points and not references:
        return None
    fig = Figure(layout="constrained", figsize=(8, 5.2))
    ax = fig.subplots()
    series: dict[str, list[dict[str, Any]]] = {}
    for p in points:
        name = f"post-SFT ({p['recipe']})" if p["sft"] else "pre-SFT (base model)"
        series.setdefault(name, []).append(p)
    markers = iter(["s", "D", "^", "v", "P", "X"])
    post_colors = iter(["#DD8452", "#C44E52", "#CCB974", "#64B5CD", "#8172B3"])
    for i, (name, entries) in enumerate(series.items()):
        entries = sorted(entries, key=lambda e: e["parameters"])
        pre = name.startswith("pre")
        # a small horizontal offset per series keeps error bars at the same size apart
        x = np.array([e["parameters"] for e in entries]) * 1.035**i
        y = np.array([_points(e["delta"]["estimate"]) for e in entries])
        ax.errorbar(
            x, y, yerr=_errors([e["delta"] for e in entries]), label=name, capsize=4, linewidth=1.8,
            marker="o" if pre else next(markers, "s"), markersize=7,
            color=PRE_COLOR if pre else next(post_colors, POST_COLOR),
        )
    for i, ref in enumerate(references):
        color = REFERENCE_COLORS[i % len(REFERENCE_COLORS)]
        d = ref["delta"]
        ax.axhline(_points(d["estimate"]), color=color, linestyle="--", linewidth=1.4,
                   label=f"{ref['config']} (reference): {_points(d['estimate']):+.1f}"
                   + (f" [{_points(d['low']):+.1f}, {_points(d['high']):+.1f}]" if d["low"] is not None else ""))
        if d["low"] is not None and np.isfinite(d["low"]):
            ax.axhspan(_points(d["low"]), _points(d["high"]), color=color, alpha=0.08)
    ax.axhline(0, color="black", linewidth=0.8)
    if points:
        ax.set_xscale("log")
        sizes = sorted({p["parameters"] for p in points})
        ax.set_xticks(sizes)
        ax.set_xticklabels([_size_label(s) for s in sizes])
        ax.minorticks_off()
        ax.set_xlim(min(sizes) / 1.6, max(sizes) * 1.6)
        ax.set_xlabel("model size (parameters, log scale)")
    else:
        ax.set_xticks([])
        ax.set_xlabel("(no model with a known size: pass --size MODEL=PARAMS)")
    ax.set_ylabel("procedural Δ = pass(skill) − pass(base)  [points]")
    ax.set_title(f"Procedural Δ vs model size ({trajectory['scorer']}; bars: 95% paired bootstrap CI)")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(loc="best", fontsize=8, framealpha=0.9)
    return _png(fig)


def lift_png(lifts: Sequence[dict[str, Any]], scorer: str) -> bytes | None:
    """Lift per checkpoint with its interval, and its decomposition into per-condition gains."""
    rows = [r for r in lifts if r["scorer"] == scorer]
    if not rows:
        return None
    labels = [r["post"] for r in rows]
    x = np.arange(len(rows))
    fig = Figure(layout="constrained", figsize=(max(7, 2.2 * len(rows) + 3), 8.4))
    ax_lift, ax_gain = fig.subplots(2, 1)
    values = [_points(r["lift"]["estimate"]) for r in rows]
    ax_lift.bar(x, values, yerr=_errors([r["lift"] for r in rows]), capsize=5, color=POST_COLOR, width=0.55)
    for xi, v in zip(x, values):
        ax_lift.annotate(f"{v:+.1f}", (xi, v), textcoords="offset points", xytext=(10, 3 if v >= 0 else -12),
                         fontsize=9)
    ax_lift.axhline(0, color="black", linewidth=0.8)
    ax_lift.set_xticks(x)
    ax_lift.set_xticklabels(labels, fontsize=8)
    ax_lift.set_ylabel("lift = Δ_post − Δ_pre  [points]")
    ax_lift.set_title(f"SFT-attributable lift ({scorer}; bars: 95% CI, tasks resampled jointly)")
    ax_lift.grid(True, axis="y", alpha=0.3)

    width = 0.36
    for offset, cond in ((-width / 2, "base"), (width / 2, "skill")):
        entries = [r[f"gain_{cond}"] for r in rows]
        ax_gain.bar(x + offset, [_points(e["estimate"]) for e in entries], width, yerr=_errors(entries), capsize=4,
                    color=CONDITION_COLORS[cond], label=f"{cond} condition: pass_post − pass_pre")
    ax_gain.axhline(0, color="black", linewidth=0.8)
    ax_gain.set_xticks(x)
    ax_gain.set_xticklabels(
        [f"{r['post']}\npre-SFT pass: base {r['pre_pass_base']:.2f}, skill {r['pre_pass_skill']:.2f}" for r in rows],
        fontsize=8)
    ax_gain.set_ylabel("gain from SFT  [points]")
    ax_gain.set_title("Per-condition gain, set against the pre-SFT pass rate")
    ax_gain.legend(fontsize=8)
    ax_gain.grid(True, axis="y", alpha=0.3)
    return _png(fig)


def compliance_png(rows: Sequence[dict[str, Any]]) -> bytes | None:
    """ANSWER-line compliance per condition, why the rest failed, and pass rate by scoring."""
    if not rows:
        return None
    configs = list(dict.fromkeys(r["config"] for r in rows))
    by = {(r["config"], r["condition"]): r for r in rows}
    x = np.arange(len(configs))
    width = 0.38
    fig = Figure(layout="constrained", figsize=(max(8, 1.5 * len(configs) + 3), 11))
    ax_c, ax_n, ax_p = fig.subplots(3, 1)
    for offset, cond in ((-width / 2, "base"), (width / 2, "skill")):
        values = [100 * by[(c, cond)]["compliance"] if (c, cond) in by else np.nan for c in configs]
        ax_c.bar(x + offset, values, width, color=CONDITION_COLORS[cond], label=f"{cond} condition")
        for xi, v in zip(x + offset, values):
            if np.isfinite(v):
                ax_c.annotate(f"{v:.0f}", (xi, v), ha="center", textcoords="offset points", xytext=(0, 2), fontsize=7)
        trunc = [100 * by[(c, cond)]["truncated"] if (c, cond) in by else np.nan for c in configs]
        none = [100 * by[(c, cond)]["no_answer_line"] if (c, cond) in by else np.nan for c in configs]
        ax_n.bar(x + offset, trunc, width, color=CONDITION_COLORS[cond], hatch="//", edgecolor="black",
                 label=f"{cond}: truncated (token limit)")
        ax_n.bar(x + offset, none, width, bottom=np.nan_to_num(trunc), color=CONDITION_COLORS[cond],
                 edgecolor="black", label=f"{cond}: finished without ANSWER line")
    stacked = [100 * (r["truncated"] + r["no_answer_line"]) for r in rows]
    ax_n.set_ylim(0, max([*stacked, 1.0]) * 1.45)  # room for the legend above the bars
    ax_c.set_ylim(0, 110)
    ax_c.set_ylabel("ANSWER-line compliance  [%]")
    ax_c.set_title("ANSWER-line compliance per configuration and condition")
    ax_c.legend(fontsize=8, loc="lower right")
    ax_n.set_ylabel("non-compliant episodes  [%]")
    ax_n.set_title("Why episodes have no ANSWER line (left bar: base, right bar: skill)")
    ax_n.legend(fontsize=7, ncol=2, loc="upper center")

    scorers = sorted(dict.fromkeys(s for r in rows for s in r["pass"]), key=lambda s: (not s.startswith("extract"), s))
    n_series = 2 * len(scorers)
    bar = 0.8 / max(n_series, 1)
    palette = ["#4C72B0", "#55A868", "#C44E52", "#8172B3", "#CCB974", "#64B5CD", "#937860"]
    for j, scorer in enumerate(scorers):
        for k, cond in enumerate(("base", "skill")):
            i = 2 * j + k
            values = [100 * by[(c, cond)]["pass"].get(scorer, {}).get("pass", np.nan) if (c, cond) in by else np.nan
                      for c in configs]
            ax_p.bar(x - 0.4 + bar * (i + 0.5), values, bar, color=palette[j % len(palette)],
                     alpha=1.0 if cond == "skill" else 0.55, hatch="" if cond == "skill" else "..",
                     edgecolor="white", label=f"{scorer} — {cond}")
    ax_p.set_ylabel("pass rate  [%]")
    ax_p.set_ylim(0, 105)
    ax_p.set_title("Pass rate by scoring: strict extractor, lenient extractor, judges (dotted: base condition)")
    ax_p.legend(fontsize=7, ncol=min(4, n_series), loc="upper center", bbox_to_anchor=(0.5, -0.22))
    for ax in (ax_c, ax_n, ax_p):
        ax.set_xticks(x)
        ax.set_xticklabels(configs, fontsize=8, rotation=15, ha="right")
        ax.grid(True, axis="y", alpha=0.3)
    return _png(fig)


def skills_heatmap_png(view: dict[str, Any], configs: Sequence[str]) -> bytes | None:
    """Δ per skill (rows, sorted by mean Δ) and configuration (columns)."""
    skills = [r["skill"] for r in view["summary"]]
    configs = [c for c in configs if any(c in view["delta"][s] for s in skills)]
    if not skills or not configs:
        return None
    data = np.array([[view["delta"][s].get(c, np.nan) for c in configs] for s in skills]) * 100
    fig = Figure(layout="constrained", figsize=(max(6, 1.2 * len(configs) + 3.5), max(4, 0.3 * len(skills) + 2)))
    ax = fig.subplots()
    image = ax.imshow(data, cmap="RdBu", vmin=-100, vmax=100, aspect="auto")
    ax.set_xticks(np.arange(len(configs)))
    ax.set_xticklabels(configs, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(np.arange(len(skills)))
    ax.set_yticklabels(skills, fontsize=7)
    # Cell labels only while they stay legible and cheap (each is a text artist: ~3 ms to draw); the
    # numbers of every cell are in report.md's per-skill table.
    if data.size <= 120:
        for (i, j), v in np.ndenumerate(data):
            if np.isfinite(v):
                ax.text(j, i, f"{v:+.0f}", ha="center", va="center", fontsize=6,
                        color="white" if abs(v) > 60 else "black")
    colorbar = fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    colorbar.set_label("Δ = pass(skill) − pass(base)  [points]")
    ax.set_title(f"Per-skill procedural Δ ({view['scorer']}); rows sorted by mean Δ, helped at top")
    return _png(fig)
