"""Checkers for the table skills (csv and json from the standard library)."""

from __future__ import annotations

import csv
import io
import json
import re

from ._common import PromptUnreadable, need


def _pipe_tables(prompt: str) -> dict[str, list[dict[str, str]]]:
    """Every pipe table in the prompt, by the name on the line before it ('Table NAME:' or a caption)."""
    tables, lines = {}, prompt.split("\n")
    for i, line in enumerate(lines):
        if i + 1 < len(lines) and re.fullmatch(r"---( \| ---)+", lines[i + 1].strip()):
            header = [h.strip() for h in line.split("|")]
            rows, j = [], i + 2
            while j < len(lines) and "|" in lines[j]:
                rows.append(dict(zip(header, (c.strip() for c in lines[j].split("|")))))
                j += 1
            caption = next((lines[k] for k in range(i - 1, -1, -1) if lines[k].strip()), "")
            name = re.fullmatch(r"Table (\w+):", caption.strip())
            tables[name[1] if name else caption] = rows
    return tables


_CMP = {
    "at least": lambda a, b: a >= b,
    "at most": lambda a, b: a <= b,
    "less than": lambda a, b: a < b,
    "greater than": lambda a, b: a > b,
}


def _condition(text: str):
    m = re.fullmatch(r"(\w+) is (at least|at most|less than|greater than) (-?[\d.]+)", text)
    if m:
        col, op, val = m.groups()
        return lambda row: _CMP[op](float(row[col]), float(val))
    m = re.fullmatch(r"(\w+) is (not )?(.+)", text)
    if m:
        col, neg, val = m.groups()
        return lambda row: (row[col] == val) != bool(neg)
    raise PromptUnreadable(f"condition {text!r}")


def groupby_aggregate(prompt: str) -> str:
    q = need(
        r"For each (\w+), compute the (total of (\w+) × (\w+) \(multiply within each row, then add\)|total (\w+)|"
        r"number of rows|largest single (\w+) value)(?: over rows| among rows)?(?: whose (\w+ is (?:at least|at most|"
        r"less than|greater than) [\d.]+))?(?: \(report 0 for a \1 with no qualifying rows\))?\. Answer with the "
        r"results as a comma-separated list of integers, one per \1, ordered by \1 name alphabetically \(([^)]+)\)\.",
        prompt,
    )
    (rows,) = [t for t in _pipe_tables(prompt).values()]
    key = q[1]
    keep = _condition(q[7]) if q[7] else (lambda row: True)
    order = [k.strip() for k in q[8].split(",")]
    if order != sorted({r[key] for r in rows}):
        raise PromptUnreadable(f"listed groups {order} are not the table's groups in order")
    out = []
    for k in order:
        group = [r for r in rows if r[key] == k and keep(r)]
        if q[3]:
            out.append(sum(int(r[q[3]]) * int(r[q[4]]) for r in group))
        elif q[5]:
            out.append(sum(int(r[q[5]]) for r in group))
        elif q[6]:
            out.append(max((int(r[q[6]]) for r in group), default=0))
        else:
            out.append(len(group))
    return ", ".join(map(str, out))


def table_join(prompt: str) -> str:
    tables = _pipe_tables(prompt)
    q = need(
        r"Join (\w+) to (\w+) on (\w+)(?: and (\w+) to (\w+) on (\w+))? \(inner joins?\)\. What is the total (\w+) "
        r"of the \1 rows whose (\w+) is ([\w' -]+)\?",
        prompt,
    )
    rows = tables[q[1]]
    joins = [(q[2], q[3])] + ([(q[5], q[6])] if q[4] else [])
    for other, on in joins:
        index: dict[str, list[dict]] = {}
        for r in tables[other]:
            index.setdefault(r[on], []).append(r)
        rows = [{**r, **o} for r in rows for o in index.get(r[on], [])]
    return str(sum(int(r[q[7]]) for r in rows if r[q[8]] == q[9]))


def csv_filter_extract(prompt: str) -> str:
    q = need(
        r"List the (\w+) of every row where (.+?), (in the order they appear in the file|sorted by (\w+) from "
        r"(highest to lowest|lowest to highest))\. Answer with the \1 values as a comma-separated list\.",
        prompt,
    )
    body = need(r"\n\n(.+?)\n\n", prompt, re.DOTALL)[1]
    rows = list(csv.DictReader(io.StringIO(body)))
    conds = [_condition(c) for c in q[2].split(" and ")]
    kept = [r for r in rows if all(c(r) for c in conds)]
    if q[4]:
        values = [float(r[q[4]]) for r in kept]
        if len(set(values)) != len(values):
            raise PromptUnreadable("ties in the sort column leave the order open")
        kept.sort(key=lambda r: float(r[q[4]]), reverse=q[5] == "highest to lowest")
    return ", ".join(r[q[1]] for r in kept)


def json_path_extract(prompt: str) -> str:
    doc = json.loads(need(r"\n\n(\{.+\})\n\n", prompt, re.DOTALL)[1])
    path = need(r"What value does the path (\$\S+) select\?", prompt)[1]
    node = doc
    for dotted, bracket in re.findall(r"\.([\w-]+)|\[([^\]]+)\]", path[1:]):
        if dotted:
            node = node[dotted]
        elif bracket.startswith('"'):
            node = node[json.loads(bracket)]
        else:
            node = node[int(bracket)]
    if isinstance(node, (dict, list)):
        raise PromptUnreadable("the path selects a container")
    return json.dumps(node) if not isinstance(node, str) else node
