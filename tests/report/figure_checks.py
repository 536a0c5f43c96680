"""Layout checks of a drawn matplotlib figure, from the renderer's own bounding boxes.

``layout_problems``: texts overlapping texts; a legend over a text, a bar, an error bar or a
marker; annotations over bars or error bars; any text outside the figure. ``tick_problems``:
tick labels a reader would not write (``429.736k``, ``0.02`` points, a scientific offset) and a
log axis with fewer than two labelled ticks. Both run after ``fig.canvas.draw()``, at the
figure's own size and resolution (the report writes the PNGs at the same ones).
"""

from __future__ import annotations

import re
from itertools import combinations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.container import BarContainer, ErrorbarContainer
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

TOLERANCE = 1.5  # pixels of overlap allowed (antialiasing, glyph side bearings)


def _overlap(a: Bbox, b: Bbox) -> bool:
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return width > TOLERANCE and height > TOLERANCE


def _visible_ticklabels(axis) -> list[Text]:
    low, high = sorted(axis.get_view_interval())
    span = (high - low) or 1.0
    labels = []
    for loc, label in zip(axis.get_majorticklocs(), axis.get_majorticklabels()):
        if (
            label.get_visible()
            and label.get_text().strip()
            and low - 1e-9 * span <= loc <= high + 1e-9 * span
        ):
            labels.append(label)
    return labels


def _texts(fig: Figure) -> list[tuple[str, Text]]:
    """(role, text) of every visible non-empty text: ticks, titles, axis labels, annotations, legends."""
    out: list[tuple[str, Text]] = []
    for ax in fig.axes:
        for axis_name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            out += [(f"{axis_name} tick", t) for t in _visible_ticklabels(axis)]
            out += [(f"{axis_name} label", axis.label), (f"{axis_name} offset", axis.get_offset_text())]
        out += [("title", t) for t in (ax.title, ax._left_title, ax._right_title)]
        out += [("annotation", t) for t in ax.texts]
    for legend in [*(ax.get_legend() for ax in fig.axes), *fig.legends]:
        if legend is not None:
            out += [("legend", t) for t in legend.get_texts()]
            out.append(("legend title", legend.get_title()))
    out += [("figure text", t) for t in fig.texts]
    return [(role, t) for role, t in out if t.get_visible() and t.get_text().strip()]


def _data_boxes(fig: Figure, renderer) -> list[tuple[str, Bbox]]:
    """Boxes of the drawn data a legend or a label must not cover: bars, error bars, markers."""
    boxes = []
    for ax in fig.axes:
        for container in ax.containers:
            if isinstance(container, BarContainer):
                for patch in container.patches:
                    box = patch.get_window_extent(renderer)
                    if np.isfinite(box.get_points()).all() and box.height > 0.5:
                        boxes.append(("bar", box))
                if container.errorbar is not None:
                    boxes += _errorbar_boxes(ax, container.errorbar)
            elif isinstance(container, ErrorbarContainer):
                boxes += _errorbar_boxes(ax, container)
    return boxes


def _errorbar_boxes(ax, container: ErrorbarContainer) -> list[tuple[str, Bbox]]:
    data_line, caplines, barlinecols = container.lines
    boxes = []
    for collection in barlinecols:
        for segment in collection.get_segments():
            points = ax.transData.transform(segment)
            if np.isfinite(points).all():
                boxes.append(("error bar", Bbox(points).padded(1.0)))
    for line in [*caplines, *([data_line] if data_line is not None else [])]:
        half = line.get_markersize() / 2 * ax.figure.dpi / 72
        if not line.get_marker() or line.get_marker() == "None":
            continue
        for x, y in ax.transData.transform(np.column_stack(line.get_data())):
            if np.isfinite([x, y]).all():
                boxes.append(("marker", Bbox([[x - half, y - half], [x + half, y + half]])))
    return boxes


def _draw(fig: Figure):
    """Draw with Agg (what ``savefig`` to PNG uses) and return its renderer."""
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def layout_problems(fig: Figure) -> list[str]:
    """Every overlap, and every text outside the figure, as readable lines (empty: the layout is clean)."""
    renderer = _draw(fig)
    texts = [(role, t, t.get_window_extent(renderer)) for role, t in _texts(fig)]
    problems = []
    figure_box = fig.bbox.padded(TOLERANCE)
    for role, t, box in texts:
        if not (figure_box.contains(box.x0, box.y0) and figure_box.contains(box.x1, box.y1)):
            problems.append(f"{role} {t.get_text()!r} runs outside the figure")
    for (role_a, a, box_a), (role_b, b, box_b) in combinations(texts, 2):
        if role_a.startswith("legend") and role_b.startswith("legend"):
            continue  # a legend's own entries are laid out by the legend
        if _overlap(box_a, box_b):
            problems.append(f"{role_a} {a.get_text()!r} overlaps {role_b} {b.get_text()!r}")
    data = _data_boxes(fig, renderer)
    for legend in [*(ax.get_legend() for ax in fig.axes), *fig.legends]:
        if legend is None:
            continue
        frame = legend.get_window_extent(renderer)
        own = set(map(id, legend.get_texts())) | {id(legend.get_title())}
        for role, t, box in texts:
            if id(t) not in own and _overlap(frame, box):
                problems.append(f"legend overlaps {role} {t.get_text()!r}")
        for kind, box in data:
            if _overlap(frame, box):
                problems.append(f"legend overlaps a {kind}")
    for role, t, box in texts:
        if role == "annotation":
            for kind, other in data:
                if kind != "bar" and _overlap(box, other):
                    problems.append(f"annotation {t.get_text()!r} overlaps a {kind}")
    return problems


_NUMBER = re.compile(r"^[−+-]?\d+(\.\d+)?%?$")
_SIZE = re.compile(r"^(\d+(?:\.\d+)?)([kMBT])$")


def tick_problems(fig: Figure) -> list[str]:
    """Tick labels a reader would not write, and log axes that show only one labelled size."""
    _draw(fig)
    problems = []
    for ax in fig.axes:
        for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            labels = [t.get_text() for t in _visible_ticklabels(axis)]
            if axis.get_offset_text().get_text().strip():
                problems.append(
                    f"{name} axis has an offset/scientific label {axis.get_offset_text().get_text()!r}"
                )
            if axis.get_scale() == "log" and len(labels) < 2:
                problems.append(f"{name} axis is a log scale with {len(labels)} labelled tick(s)")
            for text in labels:
                size = _SIZE.match(text)
                if size:
                    digits = len(size.group(1).replace(".", "").lstrip("0"))
                    if digits > 3:
                        problems.append(f"{name} tick {text!r}: more than 3 significant digits")
                elif _NUMBER.match(text):
                    decimals = len(text.split(".")[1].rstrip("%")) if "." in text else 0
                    if decimals > 1:
                        problems.append(f"{name} tick {text!r}: more decimals than points or percent need")
                elif re.fullmatch(r"[−+-]?[\d.,]+(?:[eE][+−-]?\d+)?[a-zA-Z%]?", text):
                    problems.append(f"{name} tick {text!r}: not a number a reader writes")
    return problems
