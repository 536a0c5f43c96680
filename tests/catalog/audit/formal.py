"""Checkers for the formal-rule skills (ipaddress, SemVer 2.0.0 precedence, truth tables)."""

from __future__ import annotations

import functools
import ipaddress
import itertools
import re

from ._common import PromptUnreadable, need, one_of


def cidr_membership(prompt: str) -> str:
    blocks = re.findall(r"([0-9a-f.:]+/\d+)", prompt)
    addrs = need(
        r"Which of these addresses fall inside at least one of the listed networks: ([0-9a-f.:, ]+)\?", prompt
    )[1]
    nets = [ipaddress.ip_network(b, strict=True) for b in blocks]
    inside = [
        a for a in (x.strip() for x in addrs.split(",")) if any(ipaddress.ip_address(a) in n for n in nets)
    ]
    return ", ".join(inside)


def _semver_key(v: str):
    core, _, pre = v.split("+")[0].partition("-")
    ids = [(0, int(x), "") if x.isdigit() else (1, 0, x) for x in pre.split(".")] if pre else []
    return (tuple(int(x) for x in core.split(".")), 0 if pre else 1, ids)


def _cmp(a: str, b: str) -> int:
    ka, kb = _semver_key(a), _semver_key(b)
    if ka[:2] != kb[:2]:
        return -1 if ka[:2] < kb[:2] else 1
    for x, y in zip(ka[2], kb[2]):
        if x != y:
            return -1 if x < y else 1
    if len(ka[2]) != len(kb[2]):
        return -1 if len(ka[2]) < len(kb[2]) else 1
    return 0


def semver_ordering(prompt: str) -> str:
    versions = [v.strip() for v in need(r": ([0-9A-Za-z.+\-, ]+)\. Order them", prompt)[1].split(",")]
    direction = one_of(
        prompt,
        {
            "up": r"Order them from lowest to highest precedence",
            "down": r"Order them from highest \(newest\) to lowest precedence",
        },
    )
    ordered = sorted(versions, key=functools.cmp_to_key(_cmp))
    for a, b in itertools.combinations(versions, 2):
        if _cmp(a, b) == 0:
            raise PromptUnreadable(f"{a} and {b} have equal precedence: their order is open")
    return ", ".join(ordered if direction == "up" else ordered[::-1])


_OPS = {
    "∧": "and",
    "AND": "and",
    "∨": "or",
    "OR": "or",
    "→": "implies",
    "IMPLIES": "implies",
    "↔": "iff",
    "IFF": "iff",
    "⊕": "xor",
    "XOR": "xor",
}
_NOT = {"¬", "NOT"}


def _parse(tokens: list[str]):
    def unary(i):
        if tokens[i] in _NOT:
            f, i = unary(i + 1)
            return (lambda env, f=f: not f(env)), i
        if tokens[i] == "(":
            f, i = expr(i + 1)
            if tokens[i] != ")":
                raise PromptUnreadable("unbalanced parentheses")
            return f, i + 1
        name = tokens[i]
        return (lambda env: env[name]), i + 1

    def expr(i):
        left, i = unary(i)
        if i < len(tokens) and tokens[i] in _OPS:
            op = _OPS[tokens[i]]
            right, i = unary(i + 1)
            if i < len(tokens) and tokens[i] in _OPS:
                raise PromptUnreadable("two binary operators without parentheses")
            fn = {
                "and": lambda a, b: a and b,
                "or": lambda a, b: a or b,
                "implies": lambda a, b: (not a) or b,
                "iff": lambda a, b: a == b,
                "xor": lambda a, b: a != b,
            }[op]
            return (lambda env, lhs=left, rhs=right, fn=fn: fn(lhs(env), rhs(env))), i
        return left, i

    f, end = expr(0)
    if end != len(tokens):
        raise PromptUnreadable("formula not fully parsed")
    return f


def truth_table_count(prompt: str) -> str:
    m = (
        re.search(r"Let F = (.+?), a formula in the variables ([\w, ]+)\.", prompt)
        or re.search(r"the propositional formula (.+?) over the variables ([\w, ]+)\.", prompt)
        or re.search(r"the Boolean formula (.+?), whose inputs are ([\w, ]+)\.", prompt)
    ) or re.search(
        r"(?:exactly when the condition|grants entry when) (.+?) (?:holds|is true)[,;] (?:where )?([\w, ]+?) are",
        prompt,
    )
    if m is None:
        raise PromptUnreadable("no formula")
    need(r"negation binds tightest and parentheses group everything else", prompt)
    rows = need(r"(?:For how many of the|Count the rows of its|In how many of the) (\d+)", prompt)
    variables = [v.strip() for v in m[2].split(",")]
    assert int(rows[1]) == 2 ** len(variables)
    tokens = re.findall(r"[()¬∧∨→↔⊕]|[A-Za-z]+", m[1])
    f = _parse(tokens)
    return str(
        sum(f(dict(zip(variables, vals))) for vals in itertools.product([False, True], repeat=len(variables)))
    )
