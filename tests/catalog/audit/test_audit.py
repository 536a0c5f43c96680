"""Every task's gold answer, re-derived from its prompt text alone.

The checkers (one per skill, in the sibling modules) never import ``procskill.generators`` and never read
a task's ``solution`` or ``params``: a generator bug cannot hide behind its own output. The whole audit
runs in well under a second.
"""

from __future__ import annotations

import importlib
import re

import pytest

from procskill.scorers import answers_match
from procskill.skills import BUILTIN_DIR, load_packs

from ._common import PromptUnreadable

FAMILIES = (
    "numbers",
    "calendar",
    "finance",
    "units",
    "text",
    "formal",
    "tables",
    "algorithms",
    "decisions",
    "diagnostics",
)


def _checkers() -> dict:
    found = {}
    for family in FAMILIES:
        try:
            module = importlib.import_module(f"{__package__}.{family}")
        except ModuleNotFoundError:
            continue
        found.update(
            {
                name: (fn, module)
                for name, fn in vars(module).items()
                if callable(fn)
                and not name.startswith("_")
                and name != "decision_from_target"
                and getattr(fn, "__module__", None) == module.__name__
            }
        )
    return found


CHECKERS = _checkers()


def _key(skill: str) -> str:
    """Checkers are named after the skill id with underscores (ids may use hyphens)."""
    return skill.replace("-", "_")


PACKS = load_packs(BUILTIN_DIR)
AUDITED = [p for p in PACKS if _key(p.id) in CHECKERS]


def rederive(skill: str, prompt: str) -> str:
    """The answer (for free-form skills, the decision) the checker of ``skill`` derives from ``prompt``."""
    return CHECKERS[_key(skill)][0](prompt)


def agrees(task, prompt: str | None = None, target: str | None = None) -> bool:
    """Whether the checker's answer for ``prompt`` matches ``target`` (the task's own by default)."""
    derived = rederive(task.skill, task.prompt if prompt is None else prompt)
    target = task.target if target is None else target
    if task.answer_type == "free":
        return derived == CHECKERS[_key(task.skill)][1].decision_from_target(task.skill, target)
    return answers_match(derived, target, task.answer_type)


def test_the_audit_covers_every_skill():
    missing = sorted({_key(p.id) for p in PACKS} - set(CHECKERS))
    assert not missing, f"skills without a prompt-only checker: {missing}"


@pytest.mark.parametrize("pack", AUDITED, ids=lambda p: p.id)
def test_every_gold_answer_is_rederived_from_the_prompt(pack):
    wrong = []
    for task in pack.tasks:
        try:
            if not agrees(task):
                wrong.append(
                    f"{task.id}: checker {rederive(pack.id, task.prompt)!r} vs target {task.target!r}"
                )
        except PromptUnreadable as err:
            wrong.append(f"{task.id}: {err}")
    assert not wrong, "\n".join(wrong)


def _corrupt(target: str, answer_type: str) -> str:
    if answer_type in ("integer", "number"):
        return str(float(target) + 1)
    if answer_type in ("list", "set"):
        items = [i.strip() for i in target.split(",")]
        return ", ".join(items[:-1]) if len(items) > 1 else target + "x"
    return target + "X" if target[-1:] != "X" else target[:-1] + "Y"


@pytest.mark.parametrize("pack", AUDITED, ids=lambda p: p.id)
def test_a_corrupted_target_is_caught(pack):
    holdout = pack.split("holdout")
    for task in holdout:
        if task.answer_type == "free":
            # Another holdout task's conclusion with a different decision stands in for a wrong gold answer.
            mine = rederive(pack.id, task.prompt)
            wrong = next(t.target for t in holdout if rederive(pack.id, t.prompt) != mine)
        else:
            wrong = _corrupt(task.target, task.answer_type)
        assert not agrees(task, target=wrong), task.id


_ASKING = re.compile(
    r"\?|\b(compute|find|convert|rewrite|express|restate|give|work out|evaluate|decode|encrypt|decrypt|encode|make|"
    r"merge|put|list|order|join|count|check|decide|report|diagnose|triage|review|must be written|expects|wants it in|needs the "
    r"equivalent)\b",
    re.IGNORECASE,
)


def _without_question(prompt: str) -> str:
    """The prompt without its question: every sentence that asks (a '?' or an asking verb), bar 'Answer ...'."""
    sentences = re.split(r"(?<=[.?!])(?=\s)", prompt)
    return "".join(s for s in sentences if s.strip().startswith("Answer") or not _ASKING.search(s))


@pytest.mark.parametrize("pack", AUDITED, ids=lambda p: p.id)
def test_a_prompt_without_its_question_is_refused(pack):
    for task in pack.split("holdout"):
        stripped = _without_question(task.prompt)
        assert stripped != task.prompt, task.id
        with pytest.raises(PromptUnreadable):
            rederive(pack.id, stripped)


def test_the_compound_interest_fault_of_catalog_1_0_is_caught():
    """Catalog 1.0 rendered the interest question as one letter ("... withdrawals. W Keep full ...")."""
    task = next(
        t
        for p in PACKS
        if p.id == "compound-interest"
        for t in p.split("holdout")
        if "interest in" in t.prompt
    )
    broken = re.sub(r"How much interest in total[^?]*\?", "W", task.prompt)
    with pytest.raises(PromptUnreadable):
        rederive("compound-interest", broken)
