"""Helpers for the judge tests: a scripted solver, a reading judge and a one-call eval."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from inspect_ai import eval as inspect_eval
from inspect_ai.log import EvalLog
from inspect_ai.model import ChatMessage, Model

from testkit.packs import CODE
from testkit.scripted import scripted_model

GOLD = re.compile(r"\[BEGIN GOLD (?:ANSWER|CONCLUSION)\]\n(.*?)\n", re.DOTALL)
RESPONSE = re.compile(r"\[BEGIN RESPONSE (\w+)\]\n(.*?)\n\[END RESPONSE \1\]", re.DOTALL)


def code_of(messages: list[ChatMessage]) -> int:
    return int(CODE.search(messages[-1].text).group(1))  # type: ignore[union-attr]


def answering_solver(messages: list[ChatMessage]) -> str:
    """Answers every task correctly; odd codes without an ANSWER line (the extractor's blind spot)."""
    code = code_of(messages)
    if code % 2:
        return f"<think>the code is {code + 1}?</think>I read the task. The code is {code}."
    return f"<think>thinking about {code}</think>The code is {code}.\nANSWER: {code}"


def reading_judge(text: str) -> str:
    """A judge that passes a response containing the gold answer."""
    gold = GOLD.search(text).group(1).strip()  # type: ignore[union-attr]
    response = RESPONSE.search(text).group(2)  # type: ignore[union-attr]
    verdict = "PASS" if re.search(rf"\b{re.escape(gold)}\b", response) else "FAIL"
    return f"The response states {'the gold answer' if verdict == 'PASS' else 'something else'}.\nVERDICT: {verdict}"


def recording_judge(name: str, reply: Callable[[str], str] = reading_judge) -> tuple[Model, list[str]]:
    """A scripted judge that records the text of every call it receives."""
    seen: list[str] = []

    def respond(messages: list[ChatMessage]) -> str:
        assert len(messages) == 1 and messages[0].role == "user", messages
        seen.append(messages[0].text)
        return reply(messages[0].text)

    return scripted_model(respond, name=name), seen


def run_eval(
    packs: Path,
    log_dir: Path,
    scoring: str = "extract",
    roles: dict[str, Any] | None = None,
    solver: Callable[[list[ChatMessage]], str] = answering_solver,
    model_name: str = "model",
    **task_args: Any,
) -> EvalLog:
    [log] = inspect_eval(
        "procskill/procskill",
        model=scripted_model(solver, name=model_name),
        model_roles=roles,
        task_args={"skills_dir": str(packs), "scoring": scoring, **task_args},
        log_dir=str(log_dir),
        display="none",
    )
    assert log.status == "success", log.error
    return log
