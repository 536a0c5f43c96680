"""The report's figures, drawn with matplotlib's Agg renderer.

Figures are built as ``matplotlib.figure.Figure`` objects (no pyplot): nothing here
touches the global backend or leaves figures open in a user's session. :func:`figures`
builds every figure the report writes, at the size and resolution it writes them (so a
test can check their layout on the same objects), and :func:`png` encodes one.

Units follow :mod:`procskill.analysis._units`: differences in percentage points, rates in
percent. Legends sit outside the axes (constrained layout makes room), so they never cover
bars, error bars or labels.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from procskill.analysis._units import POINTS_AXIS, RATE_AXIS, pts, size

DPI = 110
"""Resolution of the written PNGs (and of the figures as built)."""

PRE_COLOR = "#4C72B0"
POST_COLOR = "#DD8452"
REFERENCE_COLORS = ["#55A868", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C"]
CONDITION_COLORS = {"base": "#8DA0CB", "skill": "#FC8D62"}


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes, at :data:`DPI`."""
    buffer = io.BytesIO()
    # fast zlib level: ~0.2 s less per report for ~8 % larger files
    fig.savefig(buffer, format="png", dpi=DPI, pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


def figures(summary: dict[str, Any]) -> dict[str, Figure]:
    """Every figure of a report summary, by file stem; figures with nothing to draw are left out."""
    configs = [c["label"] for c in summary["configurations"]]
    drawn = {
        "trajectory": trajectory_figure(summary["trajectory"]),
        "lift": lift_figure(summary["lifts"], summary["primary_scorer"]),
        "compliance": compliance_figure(summary["compliance"]),
        "skills_heatmap": skills_heatmap_figure(summary["skills"], configs),
    }
    return {name: fig for name, fig in drawn.items() if fig is not None}


def _figure(width: float, height: float) -> Figure:
    return Figure(layout="constrained", figsize=(width, height), dpi=DPI)


def _wrap(label: str, width: int = 22) -> str:
    """A long configuration label on several lines (tick labels must not run into each other)."""
    return "\n".join(textwrap.wrap(label, width, break_on_hyphens=False)) or label


def _points(x: float | None) -> float:
    return np.nan if x is None else 100 * x


def _errors(entries: Sequence[dict[str, Any]]) -> np.ndarray:
    # an interval may be missing (null: e.g. one skill only, no variability across skills): no bar
    est, low, high = (
        np.array([np.nan if e[k] is None else e[k] for e in entries], dtype=float)
        for k in ("estimate", "low", "high")
    )
    return 100 * np.nan_to_num(np.vstack([np.clip(est - low, 0, None), np.clip(high - est, 0, None)]))


def _min_span(ax: Any, span: float = 10.0) -> None:
    """At least ``span`` points on the y axis: all-zero effects otherwise get ticks like 0.02 points."""
    low, high = ax.get_ylim()
    if high - low < span:
        middle = (low + high) / 2
        ax.set_ylim(middle - span / 2, middle + span / 2)


def _legend_right(ax: Any, **kwargs: Any) -> None:
    """The axes' legend outside on its right (never over the data)."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, fontsize=8, **kwargs)


def trajectory_figure(trajectory: dict[str, Any]) -> Figure | None:
    """Δ (points) against parameters, pre- and post-SFT, references as lines.

    Several sizes: a log axis with a tick at each size. One size: a categorical axis
    (a log scale with one point has nothing to show).
    """
    points, references = trajectory["points"], trajectory["references"]
    if not points and not references:
        return None
    fig = _figure(9, 5.2)
    ax = fig.subplots()
    sizes = sorted({p["parameters"] for p in points})
    log_axis = len(sizes) > 1
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
        if log_axis:
            x = np.array([e["parameters"] for e in entries]) * 1.035**i
        else:
            x = np.array([sizes.index(e["parameters"]) for e in entries]) + 0.06 * (i - (len(series) - 1) / 2)
        y = np.array([_points(e["delta"]["estimate"]) for e in entries])
        ax.errorbar(
            x,
            y,
            yerr=_errors([e["delta"] for e in entries]),
            label=name,
            capsize=4,
            linewidth=1.8,
            marker="o" if pre else next(markers, "s"),
            markersize=7,
            color=PRE_COLOR if pre else next(post_colors, POST_COLOR),
        )
    for i, ref in enumerate(references):
        color = REFERENCE_COLORS[i % len(REFERENCE_COLORS)]
        d = ref["delta"]
        ax.axhline(
            _points(d["estimate"]),
            color=color,
            linestyle="--",
            linewidth=1.4,
            label=f"{ref['config']} (reference): {pts(d['estimate'])}"
            + (f" [{pts(d['low'])}, {pts(d['high'])}]" if d["low"] is not None else ""),
        )
        if d["low"] is not None and np.isfinite(d["low"]):
            ax.axhspan(_points(d["low"]), _points(d["high"]), color=color, alpha=0.08)
    ax.axhline(0, color="black", linewidth=0.8)
    _min_span(ax)
    if log_axis:
        ax.set_xscale("log")
        ax.set_xticks(sizes)
        ax.set_xticklabels([size(s) for s in sizes])
        ax.minorticks_off()
        ax.set_xlim(min(sizes) / 1.6, max(sizes) * 1.6)
        ax.set_xlabel("model size (parameters, log scale)")
    elif sizes:
        ax.set_xticks([0])
        ax.set_xticklabels([size(sizes[0])])
        ax.set_xlim(-1, 1)
        ax.set_xlabel("model size (parameters; one size evaluated)")
    else:
        ax.set_xticks([])
        ax.set_xlabel("(no model with a known size: pass --size MODEL=PARAMS)")
    ax.set_ylabel(f"procedural Δ = pass(skill) − pass(base)  {POINTS_AXIS}")
    ax.set_title(
        f"Procedural Δ vs model size\n({_wrap(trajectory['scorer'], 60)}; bars: 95% CI)", fontsize=11
    )
    ax.grid(True, axis="y", alpha=0.3)
    _legend_right(ax)
    return fig


def lift_figure(lifts: Sequence[dict[str, Any]], scorer: str) -> Figure | None:
    """Lift per checkpoint with its interval, and its decomposition into per-condition gains."""
    rows = [r for r in lifts if r["scorer"] == scorer]
    if not rows:
        return None
    x = np.arange(len(rows))
    fig = _figure(max(8, 2.2 * len(rows) + 4), 8.6)
    ax_lift, ax_gain = fig.subplots(2, 1)
    values = [_points(r["lift"]["estimate"]) for r in rows]
    ax_lift.bar(
        x,
        values,
        yerr=_errors([r["lift"] for r in rows]),
        capsize=5,
        color=POST_COLOR,
        width=0.5,
        label="lift (bars: 95% CI)",
    )
    for xi, v in zip(x, values):
        if np.isfinite(v):
            # beside the bar, clear of the error bar's caps
            ax_lift.annotate(f"{v:+.1f}", (xi + 0.27, v), ha="left", va="center", fontsize=9)
    ax_lift.axhline(0, color="black", linewidth=0.8)
    _min_span(ax_lift)
    ax_lift.set_xticks(x)
    ax_lift.set_xticklabels([_wrap(r["post"]) for r in rows], fontsize=8)
    ax_lift.set_xlim(-0.6, len(rows) - 0.4)
    ax_lift.set_ylabel(f"lift = Δ_post − Δ_pre\n{POINTS_AXIS}")
    ax_lift.set_title(f"SFT-attributable lift ({_wrap(scorer, 60)})")
    ax_lift.grid(True, axis="y", alpha=0.3)
    _legend_right(ax_lift)

    width = 0.36
    for offset, cond in ((-width / 2, "base"), (width / 2, "skill")):
        entries = [r[f"gain_{cond}"] for r in rows]
        ax_gain.bar(
            x + offset,
            [_points(e["estimate"]) for e in entries],
            width,
            yerr=_errors(entries),
            capsize=4,
            color=CONDITION_COLORS[cond],
            label=f"{cond} condition:\npass_post − pass_pre",
        )
    ax_gain.axhline(0, color="black", linewidth=0.8)
    _min_span(ax_gain)
    ax_gain.set_xticks(x)
    ax_gain.set_xticklabels(
        [
            f"{_wrap(r['post'])}\npre-SFT pass: base {_points(r['pre_pass_base']):.0f}%,\n"
            f"skill {_points(r['pre_pass_skill']):.0f}%"
            for r in rows
        ],
        fontsize=8,
    )
    ax_gain.set_xlim(-0.6, len(rows) - 0.4)
    ax_gain.set_ylabel(f"gain from SFT\n{POINTS_AXIS}")
    ax_gain.set_title("Per-condition gain, set against the pre-SFT pass rate")
    ax_gain.grid(True, axis="y", alpha=0.3)
    _legend_right(ax_gain)
    return fig


def compliance_figure(rows: Sequence[dict[str, Any]]) -> Figure | None:
    """ANSWER-line compliance per condition, why the rest failed, and pass rate by scoring."""
    if not rows:
        return None
    configs = list(dict.fromkeys(r["config"] for r in rows))
    by = {(r["config"], r["condition"]): r for r in rows}
    x = np.arange(len(configs))
    width = 0.38
    fig = _figure(max(9, 1.6 * len(configs) + 5), 12)
    ax_c, ax_n, ax_p = fig.subplots(3, 1)
    for offset, cond in ((-width / 2, "base"), (width / 2, "skill")):
        values = [100 * by[(c, cond)]["compliance"] if (c, cond) in by else np.nan for c in configs]
        ax_c.bar(x + offset, values, width, color=CONDITION_COLORS[cond], label=f"{cond} condition")
        for xi, v in zip(x + offset, values):
            if np.isfinite(v):
                ax_c.annotate(
                    f"{v:.0f}", (xi, v), ha="center", textcoords="offset points", xytext=(0, 2), fontsize=7
                )
        trunc = [100 * by[(c, cond)]["truncated"] if (c, cond) in by else np.nan for c in configs]
        none = [100 * by[(c, cond)]["no_answer_line"] if (c, cond) in by else np.nan for c in configs]
        ax_n.bar(
            x + offset,
            trunc,
            width,
            color=CONDITION_COLORS[cond],
            hatch="//",
            edgecolor="black",
            label=f"{cond}: truncated (token limit)",
        )
        ax_n.bar(
            x + offset,
            none,
            width,
            bottom=np.nan_to_num(trunc),
            color=CONDITION_COLORS[cond],
            edgecolor="black",
            label=f"{cond}: finished without\nANSWER line",
        )
    stacked = [100 * (r["truncated"] + r["no_answer_line"]) for r in rows]
    ax_n.set_ylim(0, max([*stacked, 1.0]) * 1.1)
    ax_c.set_ylim(0, 112)
    ax_c.set_ylabel(f"ANSWER-line compliance  {RATE_AXIS}")
    ax_c.set_title("ANSWER-line compliance per configuration and condition")
    _legend_right(ax_c)
    ax_n.set_ylabel(f"non-compliant episodes  {RATE_AXIS}")
    ax_n.set_title("Why episodes have no ANSWER line (left bar: base, right bar: skill)")
    _legend_right(ax_n)

    scorers = sorted(
        dict.fromkeys(s for r in rows for s in r["pass"]), key=lambda s: (not s.startswith("extract"), s)
    )
    n_series = 2 * len(scorers)
    bar = 0.8 / max(n_series, 1)
    palette = ["#4C72B0", "#55A868", "#C44E52", "#8172B3", "#CCB974", "#64B5CD", "#937860"]
    for j, scorer in enumerate(scorers):
        for k, cond in enumerate(("base", "skill")):
            i = 2 * j + k
            values = [
                100 * by[(c, cond)]["pass"].get(scorer, {}).get("pass", np.nan) if (c, cond) in by else np.nan
                for c in configs
            ]
            ax_p.bar(
                x - 0.4 + bar * (i + 0.5),
                values,
                bar,
                color=palette[j % len(palette)],
                alpha=1.0 if cond == "skill" else 0.55,
                hatch="" if cond == "skill" else "..",
                edgecolor="white",
                label=f"{_wrap(scorer, 30)}: {cond}",
            )
    ax_p.set_ylabel(f"pass rate  {RATE_AXIS}")
    ax_p.set_ylim(0, 105)
    ax_p.set_title(
        "Pass rate by scoring: strict extractor, lenient extractor, judges (dotted: base condition)"
    )
    _legend_right(ax_p)
    for ax in (ax_c, ax_n, ax_p):
        ax.set_xticks(x)
        ax.set_xticklabels([_wrap(c) for c in configs], fontsize=8)
        ax.set_xlim(-0.6, len(configs) - 0.4)
        ax.grid(True, axis="y", alpha=0.3)
    return fig


def skills_heatmap_figure(view: dict[str, Any], configs: Sequence[str]) -> Figure | None:
    """Δ per skill (rows, sorted by mean Δ) and configuration (columns)."""
    skills = [r["skill"] for r in view["summary"]]
    configs = [c for c in configs if any(c in view["delta"][s] for s in skills)]
    if not skills or not configs:
        return None
    data = np.array([[view["delta"][s].get(c, np.nan) for c in configs] for s in skills]) * 100
    fig = _figure(max(7, 1.3 * len(configs) + 4.5), max(4.5, 0.3 * len(skills) + 2.5))
    ax = fig.subplots()
    image = ax.imshow(data, cmap="RdBu", vmin=-100, vmax=100, aspect="auto")
    ax.set_xticks(np.arange(len(configs)))
    ax.set_xticklabels([_wrap(c, 16) for c in configs], fontsize=8)
    ax.set_yticks(np.arange(len(skills)))
    ax.set_yticklabels(skills, fontsize=7)
    # Cell labels only while they stay legible and cheap (each is a text artist: ~3 ms to draw); the
    # numbers of every cell are in report.md's per-skill table.
    if data.size <= 120:
        for (i, j), v in np.ndenumerate(data):
            if np.isfinite(v):
                ax.text(
                    j,
                    i,
                    f"{v:+.0f}",
                    ha="center",
                    va="center",
                    fontsize=6,
                    color="white" if abs(v) > 60 else "black",
                )
    colorbar = fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    colorbar.set_label(f"Δ = pass(skill) − pass(base)  {POINTS_AXIS}")
    ax.set_title(
        f"Per-skill procedural Δ ({_wrap(view['scorer'], 60)})\nrows sorted by mean Δ, helped at top",
        fontsize=11,
    )
    return fig
