"""procedure_block on hand-built TaskStates; the two conditions differ only by the block."""

from __future__ import annotations

import pytest
from inspect_ai.model import ModelName
from inspect_ai.solver import TaskState

from procskill.prompts import ANSWER_INSTRUCTION, SYSTEM_PROMPT, prompt_messages, task_text
from procskill.solvers import procedure_block

BLOCK = "Follow this procedure (Demo):\n1. a\n2. b\n3. c\n4. d\n5. e " + ANSWER_INSTRUCTION
BLOCKS = {"demo": BLOCK, "other": "Follow this procedure (Other):\n1. x"}


def state(condition: str, skill: str = "demo") -> TaskState:
    metadata = {"condition": condition, "task_id": "t1", "skill": skill}
    return TaskState(
        model=ModelName("mockllm/model"),
        sample_id=f"t1:{condition}",
        epoch=1,
        input=prompt_messages("Compute 2+2."),
        messages=prompt_messages("Compute 2+2."),
        metadata=metadata,
    )


async def _no_generate(state, **_):
    raise AssertionError("the solver must not generate")


@pytest.mark.parametrize("placement", ["user", "system"])
async def test_only_the_block_differs(placement):
    solve = procedure_block(BLOCKS, placement)
    base = await solve(state("base"), _no_generate)
    skill = await solve(state("skill"), _no_generate)
    assert [m.role for m in base.messages] == [m.role for m in skill.messages] == ["system", "user"]
    assert base.messages[0].text == SYSTEM_PROMPT
    assert base.messages[1].text == f"Compute 2+2.\n\n{ANSWER_INSTRUCTION}"
    if placement == "user":
        assert skill.messages[0].text == base.messages[0].text
        assert skill.messages[1].text == f"{BLOCK}\n\n{base.messages[1].text}"
    else:
        assert skill.messages[0].text == f"{SYSTEM_PROMPT}\n\n{BLOCK}"
        assert skill.messages[1].text == base.messages[1].text


async def test_base_state_is_untouched():
    before = state("base")
    messages = list(before.messages)
    after = await procedure_block(BLOCKS)(before, _no_generate)
    assert [m.text for m in after.messages] == [m.text for m in messages]


async def test_block_of_an_unknown_skill_names_the_sample():
    with pytest.raises(KeyError, match="t1:skill.*'missing'"):
        await procedure_block(BLOCKS)(state("skill", skill="missing"), _no_generate)


@pytest.mark.parametrize("text", ["Compute 2+2.", "Line one.\n\nLine two with `ANSWER: x` inside."])
def test_task_text_inverts_the_base_prompt(text):
    assert task_text(prompt_messages(text)) == text
    assert task_text(prompt_messages(text)[1].text) == text


def test_task_text_refuses_messages_without_a_procskill_user_turn():
    with pytest.raises(ValueError, match="not a procskill episode"):
        task_text([prompt_messages("x")[0]])


def test_unknown_placement_is_an_error():
    with pytest.raises(ValueError, match="placement must be one of"):
        prompt_messages("x", BLOCK, placement="assistant")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="placement must be one of"):
        procedure_block(BLOCKS, placement="assistant")  # type: ignore[arg-type]
