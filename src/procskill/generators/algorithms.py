"""Algorithm procedures: topological order, shortest paths, interval merging, RPN, bracket matching."""

from __future__ import annotations

import heapq
import itertools
import random

from procskill.generators._base import GeneratedTask, skill

DOMAIN = "algorithms"

# --------------------------------------------------------------------------- topological order

_TOPO_THEMES = (
    {
        "intro": "A release pipeline has these steps",
        "nodes": tuple(
            (
                "audit bench cache compile docs fetch lint migrate notify package seed sign tag test "
                "upload vendor"
            ).split()
        ),
        "edge": "{a} must finish before {b} starts",
        "unit": "steps",
    },
    {
        "intro": "A student plans which courses to take, one at a time",
        "nodes": tuple(
            (
                "algebra biology calculus chemistry compilers databases ecology genetics logic mechanics "
                "networks optics physics robotics statistics"
            ).split()
        ),
        "edge": "{a} is a prerequisite of {b}",
        "unit": "courses",
    },
    {
        "intro": "A recipe is written as separate tasks",
        "nodes": tuple(
            (
                "bake blend boil chop garnish knead marinate plate preheat proof roast saute season "
                "simmer whisk"
            ).split()
        ),
        "edge": "{a} has to be done before {b}",
        "unit": "tasks",
    },
    {
        "intro": "A house renovation is split into jobs",
        "nodes": tuple(
            (
                "cabinets cleanup demolition drywall flooring inspection insulation lighting painting "
                "permits plumbing survey tiling wiring"
            ).split()
        ),
        "edge": "{b} cannot begin until {a} is complete",
        "unit": "jobs",
    },
    {
        "intro": "A data warehouse refreshes these tables",
        "nodes": tuple(
            (
                "accounts clicks currency customers events invoices ledger orders payments products "
                "refunds sessions stock users"
            ).split()
        ),
        "edge": "{b} is built from {a}, so {a} must be refreshed first",
        "unit": "tables",
    },
)


def _kahn_alphabetical(nodes: list[str], edges: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    indeg = {n: 0 for n in nodes}
    succ: dict[str, list[str]] = {n: [] for n in nodes}
    for a, b in edges:
        indeg[b] += 1
        succ[a].append(b)
    heap = [n for n in nodes if indeg[n] == 0]
    heapq.heapify(heap)
    order, trace = [], []
    while heap:
        avail = sorted(heap)
        n = heapq.heappop(heap)
        order.append(n)
        freed = []
        for m in sorted(succ[n]):
            indeg[m] -= 1
            if indeg[m] == 0:
                heapq.heappush(heap, m)
                freed.append(m)
        trace.append(
            f"available {{{', '.join(avail)}}} → take {n}" + (f", frees {', '.join(freed)}" if freed else "")
        )
    return order, trace


@skill(
    id="topological-order",
    name="Topological ordering",
    domain=DOMAIN,
    description="Order items so every dependency comes first, ties broken alphabetically (Kahn's algorithm).",
    answer_type="list",
    procedure=[
        "List every item with its direct prerequisites and count how many unmet prerequisites each has.",
        "Mark as available every item whose count is 0.",
        "Repeatedly take the available item that comes first under the tie-break rule, append it to the "
        "order, and lower the count of each item that depends on it, marking any that reach 0 as available.",
        "Continue until every item is placed; if items remain but none is available, there is a cycle.",
        "Verify: every item appears exactly once and, for every dependency, the prerequisite comes before "
        "the item that needs it.",
    ],
    why="Models produce an order that respects the constraints but ignores the tie-break, or violate a "
    "constraint, unless they simulate the available set step by step.",
)
def topological_order(rng: random.Random, difficulty: int) -> GeneratedTask:
    theme = rng.choice(_TOPO_THEMES)
    n_nodes, n_edges = {1: (5, 5), 2: (7, 9), 3: (10, 14)}[difficulty]
    while True:
        hidden = rng.sample(theme["nodes"], n_nodes)
        pairs = [(hidden[i], hidden[j]) for i in range(n_nodes) for j in range(i + 1, n_nodes)]
        edges = rng.sample(pairs, n_edges)
        nodes = sorted(hidden)
        order, trace = _kahn_alphabetical(nodes, edges)
        if order != nodes and all(any(n in e for e in edges) for n in nodes):
            break
    rng.shuffle(edges)
    rules = "\n".join(f"- {theme['edge'].format(a=a, b=b)}" for a, b in edges)
    prompt = (
        f"{theme['intro']}: {', '.join(hidden)}. Constraints:\n{rules}\n\n"
        f"Put all {n_nodes} {theme['unit']} in an order that respects every constraint. Whenever more than "
        f"one is ready to go next, pick the one that comes first alphabetically. Answer with the "
        f"{theme['unit']} as a comma-separated list in order."
    )
    prereqs = {n: sorted(a for a, b in edges if b == n) for n in nodes}
    pos = {n: i for i, n in enumerate(order)}
    assert all(pos[a] < pos[b] for a, b in edges)
    return GeneratedTask(
        prompt=prompt,
        target=", ".join(order),
        steps=[
            "Prerequisites (count): "
            + "; ".join(f"{n} ← {', '.join(prereqs[n]) or '-'} ({len(prereqs[n])})" for n in nodes)
            + ".",
            "Initially available: " + ", ".join(n for n in nodes if not prereqs[n]) + ".",
            "Trace: " + "; ".join(trace) + ".",
            f"All {n_nodes} placed: {', '.join(order)}.",
            f"Each item appears once, and all {len(edges)} constraints hold "
            f"(e.g. {edges[0][0]} at position {pos[edges[0][0]] + 1} before {edges[0][1]} at position "
            f"{pos[edges[0][1]] + 1}).",
        ],
        params={"nodes": hidden, "edges": [list(e) for e in edges], "theme": theme["unit"]},
    )


# --------------------------------------------------------------------------- shortest path

_TOWNS = tuple(
    (
        "Ashby Brill Corfe Dunmow Epping Frome Goring Hythe Ilsley Jarrow Kelso Ludlow Marlow Nairn "
        "Oakham Penryn Quorn Ripon Settle Thame Usk Ventnor Wells Yarm"
    ).split()
)
_GRAPH_THEMES = (
    ("A road map lists these two-way roads with their lengths in km", "km", "route", "smallest total length"),
    (
        "A rail operator lists these two-way connections with travel times in minutes",
        "min",
        "journey",
        "shortest total travel time",
    ),
    (
        "A courier's map lists these two-way lanes with toll costs in euros",
        "EUR",
        "route",
        "lowest total toll",
    ),
    (
        "A hiking club lists these two-way trails with their lengths in km",
        "km",
        "hike",
        "shortest total distance",
    ),
    (
        "A network diagram lists these two-way links with their latencies in ms",
        "ms",
        "path",
        "lowest total latency",
    ),
)


def _dijkstra(adj: dict[str, dict[str, int]], src: str) -> tuple[dict[str, int], dict[str, int], list[str]]:
    dist = {src: 0}
    ways = {src: 1}
    settled: list[str] = []
    heap = [(0, src)]
    done: set[str] = set()
    while heap:
        d, u = heapq.heappop(heap)
        if u in done:
            continue
        done.add(u)
        settled.append(u)
        for v, w in sorted(adj[u].items()):
            nd = d + w
            if v not in dist or nd < dist[v]:
                dist[v], ways[v] = nd, ways[u]
                heapq.heappush(heap, (nd, v))
            elif nd == dist[v] and v not in done:
                ways[v] += ways[u]
    return dist, ways, settled


@skill(
    id="shortest-path",
    name="Shortest weighted path",
    domain=DOMAIN,
    description="Find the cheapest path between two nodes of a small weighted graph (Dijkstra's algorithm).",
    answer_type="list",
    procedure=[
        "Build the adjacency list: every node with its neighbours and the weight of each edge.",
        "Give the start node distance 0 and every other node an unknown (infinite) distance.",
        "Repeatedly settle the unsettled node with the smallest tentative distance, and for each neighbour "
        "replace its tentative distance (and remember the predecessor) when going through the settled node "
        "is cheaper.",
        "Stop when the destination is settled, then follow the predecessors back from it to the start to "
        "read off the path.",
        "Verify: add the edge weights along the path to confirm they equal the destination's distance, and "
        "check that no other route you can see is cheaper.",
    ],
    why="Models pick the path with the fewest hops or the greedy cheapest first edge unless they settle "
    "distances in order.",
)
def shortest_path(rng: random.Random, difficulty: int) -> GeneratedTask:
    n_nodes, n_extra, max_w, min_hops = {1: (5, 3, 9, 2), 2: (7, 5, 15, 3), 3: (9, 8, 20, 3)}[difficulty]
    intro, unit, noun, criterion = rng.choice(_GRAPH_THEMES)
    while True:
        nodes = rng.sample(_TOWNS, n_nodes)
        edges: dict[tuple[str, str], int] = {}
        for i in range(1, n_nodes):
            a, b = sorted((nodes[i], nodes[rng.randrange(i)]))
            edges[(a, b)] = rng.randint(1, max_w)
        candidates = [tuple(sorted((a, b))) for i, a in enumerate(nodes) for b in nodes[i + 1 :]]
        free = [c for c in candidates if c not in edges]
        for a, b in rng.sample(free, min(n_extra, len(free))):
            edges[(a, b)] = rng.randint(1, max_w)
        adj: dict[str, dict[str, int]] = {n: {} for n in nodes}
        for (a, b), w in edges.items():
            adj[a][b] = w
            adj[b][a] = w
        src, dst = rng.sample(nodes, 2)
        dist, ways, settled = _dijkstra(adj, src)
        if ways[dst] != 1:
            continue
        path = [dst]
        while path[-1] != src:
            v = path[-1]
            path.append(next(u for u in sorted(adj[v]) if u in dist and dist[u] + adj[u][v] == dist[v]))
        path.reverse()
        if len(path) - 1 < min_hops:
            continue
        hop = {src: 0}
        queue = [src]
        for u in queue:  # breadth-first search; the list grows while it is walked
            for v in sorted(adj[u]):
                if v not in hop:
                    hop[v] = hop[u] + 1
                    queue.append(v)
        if difficulty >= 2 and hop[dst] == len(path) - 1:
            continue  # make the fewest-hops route a trap: it must not be the cheapest one
        break
    edge_list = sorted(edges.items())
    rng.shuffle(edge_list)
    lines = "\n".join(f"- {a} – {b}: {w} {unit}" for (a, b), w in edge_list)
    prompt = (
        f"{intro}:\n{lines}\n\nFind the cheapest {noun} from {src} to {dst} (the {criterion}). "
        f"Answer with the places on it as a comma-separated list in order, starting with {src} and ending "
        f"with {dst}."
    )
    cost_terms = " + ".join(str(adj[a][b]) for a, b in itertools.pairwise(path))
    upto = settled[: settled.index(dst) + 1]
    return GeneratedTask(
        prompt=prompt,
        target=", ".join(path),
        steps=[
            "Adjacency: "
            + "; ".join(
                f"{n}: " + ", ".join(f"{m} {w}" for m, w in sorted(adj[n].items())) for n in sorted(nodes)
            )
            + ".",
            f"Start: {src} = 0, all other places unknown.",
            "Settled in order: " + ", ".join(f"{n} {dist[n]}" for n in upto) + ".",
            f"Following predecessors back from {dst}: {', '.join(path)}.",
            f"{cost_terms} = {dist[dst]} {unit}, equal to the settled distance of {dst}; it is the only "
            "route "
            + (
                f"with that cost, and the fewest-hops route ({hop[dst]} hops) costs more."
                if hop[dst] < len(path) - 1
                else "with that cost."
            ),
        ],
        params={"edges": [[a, b, w] for (a, b), w in sorted(edges.items())], "src": src, "dst": dst},
    )


# --------------------------------------------------------------------------- interval merge

_INTERVAL_THEMES = (
    (
        "Road-works crews have closed these stretches of a highway, given as kilometre markers",
        "stretches",
        "closed stretches",
    ),
    (
        "A gene annotator has flagged these regions of a chromosome, given as base positions",
        "regions",
        "flagged regions",
    ),
    (
        "A monitoring system recorded these outage windows, given as minutes since the service launched",
        "windows",
        "outage windows",
    ),
    ("A project calendar shows these busy blocks, given as hours since kick-off", "blocks", "busy blocks"),
    (
        "A seismograph logged these tremor spans, given as seconds since the start of the recording",
        "spans",
        "tremor spans",
    ),
)
_CLOCK_THEMES = (
    ("A meeting room has these bookings today", "bookings", "booked periods"),
    ("A power grid reported these load-shedding periods today", "periods", "load-shedding periods"),
    ("A lifeguard rota lists these shifts for one beach today", "shifts", "covered periods"),
)


def _clock(m: int) -> str:
    return f"{m // 60:02d}:{m % 60:02d}"


@skill(
    id="interval-merge",
    name="Interval merging",
    domain=DOMAIN,
    description="Merge overlapping or touching closed intervals into a sorted list of disjoint intervals.",
    answer_type="list",
    procedure=[
        "Write every interval as a (start, end) pair in one comparable unit (e.g. minutes for clock times).",
        "Sort the intervals by start, breaking ties by end.",
        "Sweep in order, keeping a current merged interval: if the next interval starts at or before the "
        "current end, extend the current end to the larger end; otherwise close the current interval and "
        "start a new one.",
        "Close the last interval and write the merged intervals in order in the requested format.",
        "Verify: the merged intervals are in increasing order, neither overlap nor touch, and every original "
        "interval lies inside one of them.",
    ],
    why="Models merge only adjacent pairs in the given order and miss intervals nested inside others unless "
    "they sort first and sweep.",
)
def interval_merge(rng: random.Random, difficulty: int) -> GeneratedTask:
    n, span, max_len = {1: (5, 60, 15), 2: (8, 120, 25), 3: (10, 12 * 60, 150)}[difficulty]
    clock = difficulty == 3
    while True:
        if clock:
            base, step = 7 * 60, 5
            intervals = []
            for _ in range(n):
                start = base + step * rng.randrange(0, span // step)
                intervals.append([start, start + step * rng.randint(2, max_len // step)])
        else:
            base = rng.choice((0, 100, 1000, 2500))
            intervals = []
            for _ in range(n):
                start = base + rng.randrange(0, span)
                intervals.append([start, start + rng.randint(1, max_len)])
        ordered = sorted(intervals)
        merged: list[list[int]] = []
        sweep = []
        for s, e in ordered:
            if merged and s <= merged[-1][1]:
                how = "touches" if s == merged[-1][1] else "overlaps"
                merged[-1][1] = max(merged[-1][1], e)
                sweep.append(
                    f"{_fmt(s, clock)}-{_fmt(e, clock)} {how}, current becomes "
                    f"{_fmt(merged[-1][0], clock)}-{_fmt(merged[-1][1], clock)}"
                )
            else:
                merged.append([s, e])
                sweep.append(f"{_fmt(s, clock)}-{_fmt(e, clock)} starts a new interval")
        touching = any(a[1] == b[0] for a, b in itertools.pairwise(ordered))
        distinct = len({tuple(i) for i in intervals}) == n
        if 2 <= len(merged) <= n - 2 and distinct and (difficulty == 1 or touching):
            break
    theme = rng.choice(_CLOCK_THEMES if clock else _INTERVAL_THEMES)
    intro, noun, merged_noun = theme
    shown = ", ".join(f"{_fmt(s, clock)}-{_fmt(e, clock)}" for s, e in intervals)
    unit_fmt = "HH:MM-HH:MM" if clock else "start-end"
    prompt = (
        f"{intro}: {shown}. Each range includes both endpoints, and {noun} that overlap or merely touch "
        f"(one ends exactly where the next starts) count as one continuous range. Merge them into the "
        f"{merged_noun}. Answer with the merged ranges sorted by start, written as {unit_fmt}, as a "
        "comma-separated list."
    )
    target = ", ".join(f"{_fmt(s, clock)}-{_fmt(e, clock)}" for s, e in merged)
    for s, e in intervals:
        assert any(ms <= s and e <= me for ms, me in merged)
    return GeneratedTask(
        prompt=prompt,
        target=target,
        steps=[
            "As numbers: "
            + ", ".join(f"({s}, {e})" for s, e in intervals)
            + (" (minutes since midnight)" if clock else "")
            + ".",
            "Sorted: " + ", ".join(f"{_fmt(s, clock)}-{_fmt(e, clock)}" for s, e in ordered) + ".",
            "Sweep: " + "; ".join(sweep) + ".",
            f"Merged: {target}.",
            f"{len(merged)} ranges in increasing order with gaps between them; each of the {n} originals "
            "lies inside one of them.",
        ],
        params={"intervals": intervals, "clock": clock},
    )


def _fmt(v: int, clock: bool) -> str:
    return _clock(v) if clock else str(v)


# --------------------------------------------------------------------------- RPN

_RPN_CONTEXTS = (
    "A stack-based calculator (Reverse Polish notation) receives the tokens",
    "An old HP calculator in RPN mode is fed, left to right, the keystrokes",
    "A bytecode interpreter's operand stack processes the instructions",
    "A Forth-style program consists of the words",
    "A postfix expression in a compiler test suite reads",
    "A homework problem gives this expression in postfix (RPN) order:",
)

_RPN_RULES = (
    "Operators are +, -, * and /; each takes the two values on top of the stack, the lower one being the "
    "left operand, and every division here is exact.",
    "Each operator (+, -, *, /) pops two values and pushes its result; the value pushed earlier is the left "
    "operand. All divisions come out exact.",
    "A binary operator consumes the top two stack entries, the deeper entry being the left-hand operand, and "
    "pushes the result; / never leaves a remainder in this expression.",
    "Apply each of + - * / to the two most recent values still on the stack (older value on the left) and "
    "put the result back; no division has a remainder.",
)
_RPN_QUESTIONS = (
    "Evaluate it.",
    "What value is left on the stack at the end?",
    "What number does it produce?",
    "Compute the final result.",
)


def _rpn_tree(rng: random.Random, n: int, ops: tuple[str, ...], lo: int, hi: int) -> tuple[list[str], int]:
    if n == 1:
        v = rng.randint(lo, hi)
        return [str(v)], v
    k = rng.randint(1, n - 1)
    left, lv = _rpn_tree(rng, k, ops, lo, hi)
    right, rv = _rpn_tree(rng, n - k, ops, lo, hi)
    choices = [op for op in ops if op != "/" or (lv != 0 and abs(rv) > 1 and lv % rv == 0)]
    op = rng.choice(choices)
    value = {"+": lv + rv, "-": lv - rv, "*": lv * rv, "/": lv // rv if rv else 0}[op]
    return [*left, *right, op], value


@skill(
    id="rpn-evaluate",
    name="Reverse Polish notation evaluation",
    domain=DOMAIN,
    description="Evaluate an integer expression written in Reverse Polish (postfix) notation with a stack.",
    answer_type="integer",
    procedure=[
        "Split the expression into tokens at the spaces and separate numbers from operators.",
        "Read the tokens left to right with an empty stack, pushing every number onto it.",
        "At each operator pop the top value (the right operand), then the next one (the left operand), "
        "compute left operator right, and push the result.",
        "After the last token exactly one value must remain on the stack: that is the result.",
        "Verify: the number of numbers is one more than the number of operators, and recheck every "
        "subtraction and division for operand order.",
    ],
    why="Models swap the operands of - and / and lose track of the stack unless they write its state after "
    "every token.",
)
def rpn_evaluate(rng: random.Random, difficulty: int) -> GeneratedTask:
    n, ops, lo, hi = {
        1: (4, ("+", "-", "*"), 1, 12),
        2: (6, ("+", "-", "*", "/"), 1, 20),
        3: (8, ("+", "-", "*", "/"), 1, 30),
    }[difficulty]
    while True:
        tokens, value = _rpn_tree(rng, n, ops, lo, hi)
        stack: list[int] = []
        trace, applied = [], []
        ok = True
        for t in tokens:
            if t.lstrip("-").isdigit():
                stack.append(int(t))
            else:
                b, a = stack.pop(), stack.pop()
                r = {"+": a + b, "-": a - b, "*": a * b}.get(t)
                if r is None:
                    ok = ok and b != 0 and a % b == 0
                    r = a // b if b else 0
                applied.append(f"{a} {t} {b} = {r}")
                stack.append(r)
                ok = ok and abs(r) <= 5000
            trace.append(f"{t} → [{', '.join(map(str, stack))}]")
        n_ops = len(tokens) - n
        has_order_op = any(t in ("-", "/") for t in tokens)
        if (
            ok
            and len(stack) == 1
            and stack[0] == value != 0
            and has_order_op
            and (difficulty == 1 or "/" in tokens)
        ):
            break
    context = rng.choice(_RPN_CONTEXTS)
    expr = " ".join(tokens)
    prompt = (
        f"{context} {expr}\n\n{rng.choice(_RPN_RULES)} {rng.choice(_RPN_QUESTIONS)} "
        f"{rng.choice(('Answer with a single integer.', 'Give the result as an integer.'))}"
    )
    checks = [a for a in applied if " - " in a or " / " in a]
    return GeneratedTask(
        prompt=prompt,
        target=str(value),
        steps=[
            f"Tokens: {expr} ({n} numbers, {n_ops} operators).",
            "Stack after each token: " + "; ".join(trace) + ".",
            "Operations in order: " + "; ".join(applied) + ".",
            f"One value remains: {value}.",
            f"{n} numbers = {n_ops} operators + 1; order-sensitive steps rechecked: {'; '.join(checks)}.",
        ],
        params={"tokens": tokens},
    )


# --------------------------------------------------------------------------- bracket validation

_IDENTS = tuple(
    (
        "map sum get cfg row key val arr obj len fmt req res env db ctx item user data node sort find "
        "load save opts"
    ).split()
)
_PAIRS = {")": "(", "]": "[", "}": "{"}
_BRACKET_CONTEXTS = (
    "A code linter checks this line of source code",
    "A config parser reads this expression",
    "A student's spreadsheet formula reads",
    "A template engine receives this snippet",
    "A log shows this serialized query filter",
    "An editor's bracket highlighter is given this text",
    "A build script contains this call",
    "A reviewer pasted this fragment from a pull request",
    "A minified JavaScript bundle contains",
    "A unit test feeds the tokenizer this input",
)

_BRACKET_RULES = (
    "Check whether its brackets (), [] and {} are balanced and properly nested; all other characters are "
    "ignored. Positions count every character, starting at 1. If the brackets are fine, answer 0. Otherwise "
    "answer the position of the first closing bracket that does not match the most recent unclosed opening "
    "bracket (or has nothing to close); if there is none but some opening brackets are never closed, answer "
    "the position of the most recently opened unclosed one.",
    "Only the characters ( ) [ ] { } matter. Report 0 if they pair up correctly with proper nesting. If not, "
    "report where the first problem is, numbering characters from 1 (letters, digits and punctuation all "
    "count): the first closer whose type differs from the latest still-open opener, or that has no opener "
    "left; failing that, when openers remain unclosed at the end, the position of the last one opened.",
    "Decide if the round, square and curly brackets are balanced and correctly nested (ignore the rest). The "
    "first character is position 1 and every character counts. Balanced means the answer is 0. An unbalanced "
    "text's answer is the position of the earliest closing bracket that cannot close the innermost open "
    "bracket, or closes nothing; if every closer is fine but something stays open, give the position of the "
    "innermost bracket left open.",
)


def _expr(rng: random.Random, depth: int) -> str:
    if depth <= 0 or rng.random() < 0.2:
        return rng.choice(_IDENTS) if rng.random() < 0.7 else str(rng.randint(0, 99))
    kind = rng.randrange(5)
    if kind == 0:
        args = ",".join(_expr(rng, depth - 1) for _ in range(rng.randint(1, 2)))
        return f"{rng.choice(_IDENTS)}({args})"
    if kind == 1:
        return f"{rng.choice(_IDENTS)}[{_expr(rng, depth - 1)}]"
    if kind == 2:
        return "{" + f"{rng.choice(_IDENTS)}:{_expr(rng, depth - 1)}" + "}"
    if kind == 3:
        return f"({_expr(rng, depth - 1)}+{_expr(rng, depth - 1)})"
    return f"[{_expr(rng, depth - 1)},{_expr(rng, depth - 1)}]"


def _check_brackets(text: str) -> tuple[int, list[str], str]:
    stack: list[tuple[str, int]] = []
    trace = []
    for i, ch in enumerate(text, start=1):
        if ch in "([{":
            stack.append((ch, i))
            trace.append(f"push {ch}@{i}")
        elif ch in _PAIRS:
            if not stack:
                trace.append(f"{ch}@{i} with empty stack: error")
                return i, trace, f"closing {ch} at position {i} has no opening bracket"
            top, pos = stack[-1]
            if top != _PAIRS[ch]:
                trace.append(f"{ch}@{i} vs {top}@{pos}: mismatch")
                return i, trace, f"closing {ch} at position {i} does not match {top} opened at {pos}"
            stack.pop()
            trace.append(f"{ch}@{i} closes {top}@{pos}")
    if stack:
        top, pos = stack[-1]
        return pos, trace, f"end reached with {len(stack)} unclosed; most recent is {top} at position {pos}"
    return 0, trace, "every bracket matched and the stack is empty"


@skill(
    id="bracket-validation",
    name="Bracket validation",
    domain=DOMAIN,
    description="Check whether (), [] and {} are balanced and properly nested, and locate the first error.",
    answer_type="integer",
    procedure=[
        "Number the characters from 1 (every character counts) and list the bracket characters with their "
        "positions, ignoring everything else.",
        "Scan the brackets left to right, pushing each opening bracket with its position onto a stack.",
        "At each closing bracket, compare it with the opening bracket on top of the stack: if they form a "
        "pair, pop it; if the stack is empty or they do not pair, that closing bracket is the first error.",
        "If the scan ends without an error, the string is balanced when the stack is empty; otherwise the "
        "error is the most recently opened bracket still on the stack.",
        "Verify: recount the position of the reported character from the start of the string, and confirm "
        "that every bracket before it was correctly matched.",
    ],
    why="Models check only that the bracket counts agree, missing crossed pairs like ([)], unless they keep "
    "an explicit stack.",
)
def bracket_validation(rng: random.Random, difficulty: int) -> GeneratedTask:
    depth, lo, hi = {1: (3, 12, 24), 2: (4, 25, 40), 3: (5, 41, 60)}[difficulty]
    while True:
        text = _expr(rng, depth)
        if lo <= len(text) <= hi and sum(c in "([{" for c in text) >= depth:
            break
    mode = rng.choice(("valid", "swap", "drop_close", "drop_open", "extra_close"))
    chars = list(text)
    opens = [i for i, c in enumerate(chars) if c in "([{"]
    closes = [i for i, c in enumerate(chars) if c in _PAIRS]
    if mode == "swap":
        i = rng.choice(closes)
        chars[i] = rng.choice([c for c in _PAIRS if c != chars[i]])
    elif mode == "drop_close":
        del chars[rng.choice(closes)]
    elif mode == "drop_open":
        del chars[rng.choice(opens)]
    elif mode == "extra_close":
        chars.insert(rng.randint(0, len(chars)), rng.choice(tuple(_PAIRS)))
    text = "".join(chars)
    answer, trace, reason = _check_brackets(text)
    context = rng.choice(_BRACKET_CONTEXTS)
    prompt = f"{context}:\n\n{text}\n\n{rng.choice(_BRACKET_RULES)} Answer with a single integer."
    brackets = [f"{c}@{i}" for i, c in enumerate(text, start=1) if c in "()[]{}"]
    pushes = [t.removeprefix("push ") for t in trace if t.startswith("push")]
    if answer:
        check = (
            f"character {answer} is '{text[answer - 1]}' (preceded by {text[: answer - 1]!r}), and the "
            "brackets before the error were matched as traced"
        )
    else:
        check = f"{len(brackets) // 2} pairs matched across all {len(text)} characters"
    return GeneratedTask(
        prompt=prompt,
        target=str(answer),
        steps=[
            f"Brackets with positions ({len(text)} characters): {' '.join(brackets)}.",
            f"Opening brackets pushed in order: {', '.join(pushes) or 'none'}.",
            f"Scan: {'; '.join(trace) or 'no brackets'}.",
            f"Result: {reason}; answer {answer}.",
            f"Check: {check}.",
        ],
        params={"text": text},
    )
