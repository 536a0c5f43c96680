"""report.md, its figures and the console read well on every shape of study (issue 17 item 4).

Shapes (``shape_logs``): one configuration, pre/post, three sizes with a reference, one skill,
every lift refused, and every output the same (the demo's shape); plus the judged logs.
"""

from __future__ import annotations

import re
import struct

import numpy as np
import pytest
from figure_checks import layout_problems, tick_problems
from matplotlib.figure import Figure
from typer.testing import CliRunner

from procskill.analysis import _figures, build_report
from procskill.cli import app

pytestmark = pytest.mark.slow  # 8 small evals + 7 reports with figures: ~30 s on 2 quiet cores

SHAPES = ("one_config", "pre_post", "sizes", "one_skill", "all_refused", "flat")
SINGLE_SIZE = {"mockllm/tiny": 429_736}  # the demo's tiny model: one size, an awkward count


@pytest.fixture(scope="module")
def reports(shape_logs, judged_logs, tmp_path_factory):
    out = {}
    for shape in SHAPES:
        files, sizes = shape_logs[shape]
        sizes = sizes or (SINGLE_SIZE if shape in ("pre_post", "all_refused") else {})
        out[shape] = build_report(files, tmp_path_factory.mktemp(shape), size_overrides=sizes, resamples=200)
    out["judged"] = build_report(
        [judged_logs], tmp_path_factory.mktemp("judged"), resamples=200, size_overrides={"mockllm/tiny": "1M"}
    )
    return out


def _markdown(report) -> str:
    return (report.out_dir / "report.md").read_text()


def _prose(text: str) -> list[str]:
    """Lines of running text: not tables, headings or images."""
    return [line for line in text.splitlines() if line.strip() and not line.startswith(("|", "#", "!["))]


def _tables(text: str) -> list[tuple[list[str], list[list[str]]]]:
    tables, block = [], []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            block.append([c.strip() for c in line.strip().strip("|").split(" | ")])
        elif block:
            tables.append((block[0], [row for row in block[2:]]))
            block = []
    return tables


def test_summary_leads_with_the_findings_in_plain_words(reports):
    text = {shape: _markdown(r) for shape, r in reports.items()}
    for shape, md in text.items():
        assert md.split("\n## ")[1].startswith("Summary"), shape  # the first section
        summary = md.split("## Summary")[1].split("\n## ")[0]
        assert "**Power**" in summary and summary.count("**Units**") == 1 and md.count("**Units**") == 1, (
            shape
        )
    lift = reports["pre_post"].lift("tiny+SFT (r_a)").lift
    pre_post = text["pre_post"].split("## Configurations")[0]
    assert (
        "SFT lift of **tiny+SFT (r_a)** over tiny: Δ went from" in pre_post
        and f"a lift of {100 * lift.estimate:+.1f} points (95 % CI {100 * lift.low:+.1f} to "
        f"{100 * lift.high:+.1f})".replace("-", "−")
        in pre_post
    )
    assert "the design detects about" in pre_post or "distinguishable from 0" in pre_post
    refused = text["all_refused"].split("## Configurations")[0]
    assert (
        "- **Refused**: lift of tiny+SFT (r_c) over tiny: max_tokens differs: 2048 (tiny) vs 1024" in refused
    )
    flat = text["flat"].split("## Configurations")[0]
    assert "ANSWER-line compliance (base condition) went from 0 % (flat) to 100 % (flat+SFT (r_flat))" in flat
    assert (
        "no interval: every task gave the same difference" in flat and "Power**: not estimable here" in flat
    )
    assert "no interval: all its tasks come from one skill" in text["one_skill"].split("## Configurations")[0]
    assert "- **Size**:" in text["sizes"].split("## Configurations")[0]
    assert "**Judge tokens**: `mockllm/judge-a` (llm path)" in text["judged"].split("## Configurations")[0]


PLACEHOLDER = re.compile(r"—|…|\bnan\b|\bNaN\b|\bNone\b|\bnull\b|\binf\b|\bn/a\b")


def test_no_sentence_shows_a_placeholder(reports):
    for shape, report in reports.items():
        bad = [line for line in _prose(_markdown(report)) if PLACEHOLDER.search(line)]
        assert not bad, (shape, bad)
        # the claim-check sentence (once "ρ …: — over 16 cells") says why when ρ is undefined
        claim = report.summary.get("claim_check")
        if claim and claim["skill_level_rho"]["estimate"] is None:
            assert "Not answerable from these logs: the Spearman correlation" in _markdown(report), shape


RATE_OR_DIFFERENCE = (
    "pass",
    "Δ",
    "lift",
    "gain",
    "MDE",
    "ANSWER line",
    "truncated",
    "agreement",
    "SD",
    "max−min",
    "difference",
    "`",
)
FRACTION = re.compile(r"\d\.\d{3}")  # 0.075 as a rate or difference: the report shows 7.5 points
P_VALUE = re.compile(r"(?:Holm )?p (?:=|<) \d\.\d{3}|p=\d\.\d{3}|p=<0\.001")


def test_one_unit_convention_in_tables_prose_and_console(reports, shape_logs):
    for shape, report in reports.items():
        md = _markdown(report)
        for header, rows in _tables(md):
            for i, name in enumerate(header):
                is_p = name == "p" or name.endswith(" p") or name.startswith("p (")
                if any(k in name for k in RATE_OR_DIFFERENCE) and name not in ("finding", "configuration"):
                    assert "[%]" in name or "[points" in name, (shape, name)
                if not is_p:
                    assert not [r[i] for r in rows if FRACTION.search(r[i])], (shape, name)
        for line in _prose(md):
            assert not FRACTION.search(P_VALUE.sub("", line)), (shape, line)
    files, _ = shape_logs["sizes"]
    result = CliRunner().invoke(
        app,
        [
            "report",
            *map(str, files),
            "--out",
            str(reports["sizes"].out_dir / "cli"),
            "--no-figures",
            *[f"--size={k}={v}" for k, v in shape_logs["sizes"][1].items()],
        ],
    )
    assert result.exit_code == 0, result.output
    effects = [line for line in result.output.splitlines() if line.lstrip().startswith(("Δ", "lift"))]
    assert len(effects) == 7 + 3 and "percentage points" in result.output.splitlines()[0]
    for line in effects:
        assert " points" in line and not FRACTION.search(P_VALUE.sub("", line)), line


def _png_size(data: bytes) -> tuple[int, int]:
    return struct.unpack(">II", data[16:24])


def test_every_figure_is_readable_at_the_size_written(reports):
    for shape, report in reports.items():
        figures = _figures.figures(report.summary)
        assert set(figures) == set(report.summary["figures"]), shape
        md = _markdown(report)
        for name, fig in figures.items():
            assert f"![{name}]({name}.png)" in md  # embedded, relative link
            assert layout_problems(fig) == [], (shape, name)
            assert tick_problems(fig) == [], (shape, name)
            written = (report.out_dir / f"{name}.png").read_bytes()
            assert _png_size(written) == fig.canvas.get_width_height(), (shape, name)  # checked at that size
            for ax in fig.axes:
                ticks = [t.get_text().replace("−", "-") for t in ax.get_yticklabels() if t.get_text()]
                if ticks and all(
                    re.fullmatch(r"-?\d+(\.\d)?", t) for t in ticks
                ):  # a numeric axis names its unit
                    assert ax.get_ylabel().endswith(("[%]", "[percentage points]")), (
                        shape,
                        name,
                        ax.get_ylabel(),
                    )
                texts = [t.get_text() for t in ax.get_xticklabels() + ax.texts]
                assert not [t for t in texts if re.search(r"\b0\.\d\d\b", t)], (shape, name)  # no fractions
    one = _figures.figures(reports["pre_post"].summary)["trajectory"]
    assert one.axes[0].get_xscale() == "linear" and [t.get_text() for t in one.axes[0].get_xticklabels()] == [
        "430k"
    ]
    several = _figures.figures(reports["sizes"].summary)["trajectory"].axes[0]
    assert several.get_xscale() == "log"
    assert [t.get_text() for t in several.get_xticklabels()] == ["0.8B", "2B", "4B"]


def test_the_checks_catch_what_they_look_for():
    """The overlap and tick checks find a legend over an error bar and a '429.736k' tick on a one-size log axis."""
    fig = Figure(figsize=(4, 3), dpi=110)
    ax = fig.subplots()
    ax.bar([0], [50], yerr=[[10], [40]], capsize=5, label="a long legend entry")
    ax.set_ylim(0, 100)
    ax.legend(loc="upper center")
    ax.set_ylabel("pass [%]")
    assert any("legend overlaps" in p for p in layout_problems(fig))
    fig = Figure(figsize=(4, 3), dpi=110)
    ax = fig.subplots()
    ax.plot([429_736], [1.0], "o")
    ax.set_xscale("log")
    ax.set_xticks([429_736], ["429.736k"])
    ax.minorticks_off()
    ax.set_yticks(np.linspace(0, 0.05, 3))
    problems = tick_problems(fig)
    assert any("429.736k" in p for p in problems) and any("log scale with 1" in p for p in problems)
    assert any("0.025" in p for p in problems)
