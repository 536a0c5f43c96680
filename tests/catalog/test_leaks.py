"""No holdout item's substance appears in the training pool, and no two holdout tasks test the same case.

Substance is judged from the prompt text with normalisers written here (not the build's): for code, the
function bodies with every identifier renamed in order of appearance; for every skill, the numbers and
the long upper-case strings (ciphertexts, run-length strings, Roman numerals) that determine the answer.
"""

from __future__ import annotations

import ast
import builtins
import collections
import re

import pytest

from procskill.skills import BUILTIN_DIR, load_packs

PACKS = load_packs(BUILTIN_DIR)
KEEP = set(dir(builtins))


def _function_bodies(prompt: str) -> set[str]:
    code = "\n".join(line.split("|", 1)[1][1:] for line in re.findall(r"^ *\d+ \|.*$", prompt, re.MULTILINE))
    bodies = set()
    for fn in ast.parse(code).body:
        renamed: dict[str, str] = {}
        for node in ast.walk(fn):
            for attr in ("name", "arg", "id"):
                value = getattr(node, attr, None)
                if isinstance(value, str) and value not in KEEP:
                    setattr(node, attr, renamed.setdefault(value, f"n{len(renamed)}"))
        fn.body = [s for s in fn.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
        bodies.add(ast.dump(fn))
    return bodies


def test_code_review_holdout_functions_are_not_renamed_training_functions():
    pack = next(p for p in PACKS if p.id == "code-review-verdict")
    train = set().union(*(_function_bodies(t.prompt) for t in pack.split("train")))
    seen: set[str] = set()
    for task in pack.split("holdout"):
        bodies = _function_bodies(task.prompt)
        assert not bodies & train, f"{task.id} repeats a training function"
        assert not bodies & seen, f"{task.id} repeats a function of another holdout task"
        seen |= bodies


def test_the_normaliser_sees_through_renaming():
    a = '  1 | def clamp(x, lo, hi):\n  2 |     """Doc."""\n  3 |     return min(lo, max(x, hi))'
    b = '  1 | def bound(v, low, high):\n  2 |     """Other doc."""\n  3 |     return min(low, max(v, high))'
    assert _function_bodies(a) == _function_bodies(b)
    assert _function_bodies(a) != _function_bodies(b.replace("min(low", "max(low"))


def _substance(prompts: list[str]) -> list[set[str]]:
    """Per prompt: its numbers and long upper-case strings, minus the template's (those in >= 20% of prompts)."""
    tokens = [set(re.findall(r"\d+(?:[.,:/-]\d+)*|\b[A-Z]{6,}\b", p)) for p in prompts]
    counts = collections.Counter(x for t in tokens for x in t)
    common = {x for x, k in counts.items() if k >= 0.2 * len(prompts)}
    return [t - common for t in tokens]


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.id)
def test_no_holdout_case_recurs(pack):
    tasks = pack.split("holdout") + pack.split("train")
    substance = dict(zip((t.id for t in tasks), _substance([t.prompt for t in tasks])))
    holdout = pack.split("holdout")
    for i, h in enumerate(holdout):
        mine = substance[h.id]
        if len(mine) < 2 and not any(re.fullmatch(r"[A-Z]{6,}", x) for x in mine):
            continue
        for other in holdout[i + 1 :] + pack.split("train"):
            assert not mine <= substance[other.id], (
                f"{h.id}'s deciding values {sorted(mine)} recur in {other.id}"
            )
