"""How long each skill block is: what a skill costs in context (issue #14 item 5)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from procskill.skills._pack import SkillPack


def block_sizes(
    packs: Iterable[SkillPack], count_tokens: Callable[[str], int] | None, tokenizer: str
) -> dict[str, Any]:
    """Each pack's block length, for the task's log metadata (``skill_blocks``).

    Args:
        packs: The evaluated packs.
        count_tokens: Token count of a text with the evaluated model's tokenizer; ``None`` when that
            tokenizer is not available here (then only characters are recorded).
        tokenizer: Which tokenizer counted, or why none did (recorded beside the counts).

    Returns:
        ``{"tokenizer": …, "skills": {id: {"tokens", "characters", "not_shown"}}}``: ``tokens`` counts the block
        exactly as inserted into the prompt (header + SKILL.md body, no special tokens); ``not_shown`` lists the
        pack's files the model never sees (``references/``, ``scripts/``, ``assets/``, …).
    """
    return {
        "tokenizer": tokenizer,
        "skills": {
            p.id: {
                "tokens": count_tokens(p.block) if count_tokens else None,
                "characters": len(p.block),
                "not_shown": list(p.not_shown),
            }
            for p in packs
        },
    }
