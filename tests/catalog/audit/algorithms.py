"""Checkers for the algorithm skills (graphlib, heapq, exact integer arithmetic)."""

from __future__ import annotations

import heapq
import re
from fractions import Fraction

from ._common import PromptUnreadable, need, one_of


def topological_order(prompt: str) -> str:
    items = [i.strip() for i in need(r": ([\w, -]+)\. Constraints:", prompt)[1].split(",")]
    need(
        r"Put all \d+ \w+ in an order that respects every constraint\. Whenever more than one is ready to go next, "
        r"pick the one that comes first alphabetically\.",
        prompt,
    )
    edges = []
    for line in re.findall(r"^- (.+)$", prompt, re.MULTILINE):
        m = re.fullmatch(r"([\w-]+) must finish before ([\w-]+) starts", line) or re.fullmatch(
            r"([\w-]+) (?:is a prerequisite of|has to be done before) ([\w-]+)", line
        )
        if m:
            edges.append((m[1], m[2]))
            continue
        m = re.fullmatch(r"([\w-]+) cannot begin until ([\w-]+) is complete", line) or re.fullmatch(
            r"([\w-]+) is built from ([\w-]+), so \2 must be refreshed first", line
        )
        if m is None:
            raise PromptUnreadable(f"constraint {line!r}")
        edges.append((m[2], m[1]))
    indegree = {i: 0 for i in items}
    for _, b in edges:
        indegree[b] += 1
    ready = sorted(i for i in items if indegree[i] == 0)
    out = []
    while ready:
        node = ready.pop(0)
        out.append(node)
        for a, b in edges:
            if a == node:
                indegree[b] -= 1
                if indegree[b] == 0:
                    ready = sorted([*ready, b])
    if len(out) != len(items):
        raise PromptUnreadable("the constraints have a cycle")
    return ", ".join(out)


def shortest_path(prompt: str) -> str:
    graph: dict[str, dict[str, int]] = {}
    for a, b, w in re.findall(r"^- (.+?) – (.+?): (\d+)", prompt, re.MULTILINE):
        graph.setdefault(a, {})[b] = int(w)
        graph.setdefault(b, {})[a] = int(w)
    src, dst = need(r"Find the cheapest \w+ from (.+?) to (.+?) \(", prompt).groups()
    best: dict[str, int] = {src: 0}
    paths: dict[str, list[list[str]]] = {src: [[src]]}
    heap, done = [(0, src)], set()
    while heap:
        d, node = heapq.heappop(heap)
        if node in done:
            continue
        done.add(node)
        for nxt, w in graph[node].items():
            nd = d + w
            if nxt not in best or nd < best[nxt]:
                best[nxt], paths[nxt] = nd, [p + [nxt] for p in paths[node]]
                heapq.heappush(heap, (nd, nxt))
            elif nd == best[nxt] and nxt not in done:
                paths[nxt] += [p + [nxt] for p in paths[node]]
    if len(paths[dst]) != 1:
        raise PromptUnreadable(f"{len(paths[dst])} cheapest paths: the answer is not unique")
    return ", ".join(paths[dst][0])


def interval_merge(prompt: str) -> str:
    need(r"Each range includes both endpoints, and \w+ that overlap or merely touch", prompt)
    need(r"Merge them into", prompt)
    listed = need(r": ((?:[\d:]+-[\d:]+(?:, )?)+)\. Each range", prompt)[1]
    clock = ":" in listed

    def value(s):
        return int(s.split(":")[0]) * 60 + int(s.split(":")[1]) if clock else int(s)

    def text(v):
        return f"{v // 60:02d}:{v % 60:02d}" if clock else str(v)

    spans = sorted(tuple(map(value, r.split("-"))) for r in listed.split(", "))
    merged = [list(spans[0])]
    for a, b in spans[1:]:
        if a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return ", ".join(f"{text(a)}-{text(b)}" for a, b in merged)


def rpn_evaluate(prompt: str) -> str:
    first = prompt.split("\n")[0]
    tokens = need(r"((?:-?\d+|[-+*/])(?: (?:-?\d+|[-+*/]))+)\s*$", first)[1].split()
    need(
        r"(What number does it produce\?|What value is left on the stack at the end\?|Evaluate it\.|Compute the "
        r"final result\.)",
        prompt,
    )
    one_of(
        prompt,
        {
            "left": r"(the lower one being the left operand|the value pushed earlier is the left operand|the deeper entry being the left-hand operand|older "
            r"value on the left)"
        },
    )
    stack: list[Fraction] = []
    for t in tokens:
        if t in "+-*/":
            b, a = stack.pop(), stack.pop()
            stack.append({"+": a + b, "-": a - b, "*": a * b, "/": a / b if b else None}[t])
        else:
            stack.append(Fraction(int(t)))
    if len(stack) != 1 or stack[0].denominator != 1:
        raise PromptUnreadable(f"stack ends as {stack}")
    return str(stack[0].numerator)


def bracket_validation(prompt: str) -> str:
    snippet = need(r":\n\n(.+)\n\n", prompt)[1]
    one_of(
        prompt,
        {
            "rules": r"(Check whether its brackets|Only the characters \( \) \[ \] \{ \} matter|Decide if the "
            r"round, square and curly brackets)"
        },
    )
    need(
        r"(Report 0 if they pair up|If the brackets are fine, answer 0|Balanced means the answer is 0)",
        prompt,
    )
    pairs = {")": "(", "]": "[", "}": "{"}
    stack: list[tuple[str, int]] = []
    for pos, ch in enumerate(snippet, start=1):
        if ch in "([{":
            stack.append((ch, pos))
        elif ch in pairs:
            if not stack or stack[-1][0] != pairs[ch]:
                return str(pos)
            stack.pop()
    return str(stack[-1][1]) if stack else "0"
