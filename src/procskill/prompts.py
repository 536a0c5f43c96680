"""The one place where a task's prompt is built.

The evaluation task and the SFT corpus builder both call :func:`prompt_messages`, so a
model is trained on exactly the messages it is later evaluated on. The *only*
difference between the ``base`` and ``skill`` conditions of a task is the procedure
block: the system prompt and the answer instruction are shared word for word.
"""

from __future__ import annotations

from typing import Literal

from inspect_ai.model import ChatMessage, ChatMessageSystem, ChatMessageUser

PROMPT_TEMPLATE_VERSION = "1"
"""Bumped whenever any text below changes; part of the dataset content hash."""

SYSTEM_PROMPT = "You are a careful assistant. Solve the task and show your work."
"""System prompt shared by both conditions."""

ANSWER_INSTRUCTION = "Finish your response with a final line of the form `ANSWER: <answer>`."
"""Answer-format instruction shared by both conditions.

Every procedure block's fifth step restates it word for word, so the block adds
procedure, never a different answer format.
"""

ANSWER_TYPES = ("integer", "number", "string", "list", "set", "free")
"""How a task's ANSWER line is compared with its gold answer (``procskill.scorers.answers_match``); every
task row names one. Defined here, upstream of the packs, generators and scorers that all use it."""

SKILL_BLOCK_HEADER = "Follow this procedure ({name}):"

Condition = Literal["base", "skill"]
Placement = Literal["user", "system"]
CONDITIONS: tuple[Condition, ...] = ("base", "skill")
PLACEMENTS: tuple[Placement, ...] = ("user", "system")


def skill_block(name: str, steps: list[str]) -> str:
    """Render a skill's procedure block as it is shown to the model.

    Args:
        name: Human-readable skill name (front matter ``name``).
        steps: The five procedure steps, without numbering.

    Returns:
        The header line followed by the numbered steps.
    """
    lines = [SKILL_BLOCK_HEADER.format(name=name)]
    lines += [f"{i}. {step}" for i, step in enumerate(steps, start=1)]
    return "\n".join(lines)


def user_prompt(task_prompt: str) -> str:
    """The user turn of the ``base`` condition: task text plus the answer instruction."""
    return f"{task_prompt.rstrip()}\n\n{ANSWER_INSTRUCTION}"


def task_text(messages: str | list[ChatMessage]) -> str:
    """The task text of an episode, recovered from its base messages.

    The inverse of :func:`user_prompt`: the judge and the corpus builder read the task
    from a sample's input instead of carrying a second copy in its metadata.

    Args:
        messages: A base episode's messages (:func:`prompt_messages` without a block),
            e.g. a sample's ``input``; a string is the user turn.

    Returns:
        The task text (JSONL ``prompt`` field, trailing whitespace removed).

    Raises:
        ValueError: The messages have no user turn ending with the answer instruction.
    """
    user = (
        messages if isinstance(messages, str) else next((m.text for m in messages if m.role == "user"), None)
    )
    suffix = f"\n\n{ANSWER_INSTRUCTION}"
    if user is None or not user.endswith(suffix):
        raise ValueError("not a procskill episode: no user turn ending with the answer instruction")
    return user[: -len(suffix)]


def add_procedure_block(
    messages: list[ChatMessage], block: str, placement: Placement = "user"
) -> list[ChatMessage]:
    """Insert a procedure block into an episode's messages.

    Args:
        messages: A system message followed by the user message (:func:`prompt_messages`).
        block: The rendered procedure block (:func:`skill_block`).
        placement: ``"user"`` puts the block before the task in the first user turn;
            ``"system"`` appends it to the system prompt.

    Returns:
        New messages; the input list is not modified.
    """
    if placement not in PLACEMENTS:
        raise ValueError(f"placement must be one of {PLACEMENTS}, got {placement!r}")
    role = "user" if placement == "user" else "system"
    out = list(messages)
    i = next(i for i, m in enumerate(out) if m.role == role)
    text = out[i].text
    combined = f"{block}\n\n{text}" if placement == "user" else f"{text}\n\n{block}"
    out[i] = out[i].model_copy(update={"content": combined})
    return out


def prompt_messages(
    task_prompt: str, block: str | None = None, placement: Placement = "user"
) -> list[ChatMessage]:
    """Messages sent to the model for one episode.

    Args:
        task_prompt: The task text (JSONL ``prompt`` field).
        block: The rendered procedure block, or ``None`` for the ``base`` condition.
        placement: Where the block goes (see :func:`add_procedure_block`).

    Returns:
        A system message and a user message.
    """
    messages: list[ChatMessage] = [
        ChatMessageSystem(content=SYSTEM_PROMPT),
        ChatMessageUser(content=user_prompt(task_prompt)),
    ]
    return messages if block is None else add_procedure_block(messages, block, placement)
