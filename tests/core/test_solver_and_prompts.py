"""procedure_block on hand-built TaskStates; the two conditions differ only by the block."""

from __future__ import annotations

import pytest
from inspect_ai.model import ModelName
from inspect_ai.solver import TaskState

from procskill.prompts import ANSWER_INSTRUCTION, SYSTEM_PROMPT, prompt_messages
from procskill.solvers import procedure_block

BLOCK = "Follow this procedure (Demo):\n1. a\n2. b\n3. c\n4. d\n5. e " + ANSWER_INSTRUCTION


def state(condition: str) -> TaskState:
    metadata = {"condition": condition, "task_id": "t1", "skill": "demo"}
    if condition == "skill":
        metadata["procedure_block"] = BLOCK
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
    solve = procedure_block(placement)
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
    after = await procedure_block()(before, _no_generate)
    assert [m.text for m in after.messages] == [m.text for m in messages]


def test_unknown_placement_is_an_error():
    with pytest.raises(ValueError, match="placement must be one of"):
        prompt_messages("x", BLOCK, placement="assistant")  # type: ignore[arg-type]
