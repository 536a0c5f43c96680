"""Chat-template checks: a model is trained on exactly the context it is evaluated in.

At evaluation Inspect's ``hf`` provider renders the prompt messages with the tokenizer's
chat template (``add_generation_prompt=True``, ``enable_thinking`` from ``-M``) and
tokenizes that text. At training TRL renders the whole conversation, with a training
variant of the template when the tokenizer's own lacks ``{% generation %}`` markers. The
functions here compare the two token by token.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from procskill._local import require_local
from procskill.errors import ProcskillError


class TemplateMismatchError(ProcskillError):
    """The chat-templated training row does not start with the chat-templated evaluation prompt."""


def training_chat_template(tokenizer: Any) -> str | None:
    """The template TRL will train with, or ``None`` when it uses the tokenizer's own.

    Mirrors ``SFTTrainer(assistant_only_loss=True)``: a template with generation markers is
    used as is; otherwise TRL swaps in its training variant of a known template.

    Raises:
        TemplateMismatchError: The tokenizer has no chat template.
    """
    require_local("the training chat template", ("trl",))
    from trl.chat_template_utils import get_training_chat_template, has_generation_markers

    if not tokenizer.chat_template:
        raise TemplateMismatchError(
            "the tokenizer has no chat template: the task evaluates chat models through their template, "
            "so an SFT checkpoint needs one"
        )
    if has_generation_markers(tokenizer.chat_template):
        return None
    return get_training_chat_template(tokenizer)


def eval_prompt_ids(
    tokenizer: Any, messages: Sequence[Mapping[str, str]], enable_thinking: bool
) -> list[int]:
    """Token ids Inspect's ``hf`` provider feeds the model for these prompt messages."""
    text = tokenizer.apply_chat_template(
        list(messages), tokenize=False, add_generation_prompt=True, enable_thinking=enable_thinking
    )
    return list(tokenizer(text)["input_ids"])


def training_ids(
    tokenizer: Any,
    messages: Sequence[Mapping[str, str]],
    enable_thinking: bool,
    chat_template: str | None = None,
) -> list[int]:
    """Token ids TRL trains on for a full conversation (prompt + assistant turn)."""
    rendered = tokenizer.apply_chat_template(
        list(messages),
        tokenize=True,
        return_dict=True,
        enable_thinking=enable_thinking,
        chat_template=chat_template,
    )
    return list(rendered["input_ids"])


def check_prompt_prefix(
    tokenizer: Any,
    rows: Sequence[Mapping[str, Any]],
    enable_thinking: bool = False,
    chat_template: str | None = None,
    source: str = "corpus",
) -> list[list[int]]:
    """Check that each row's evaluation prompt is a token-for-token prefix of its training sequence.

    Args:
        tokenizer: The student's tokenizer (its chat template is the evaluation template).
        rows: Corpus rows whose ``messages`` end with the assistant turn.
        enable_thinking: The thinking setting used at evaluation and at training.
        chat_template: The training template (:func:`training_chat_template`), ``None`` for
            the tokenizer's own.
        source: Named in errors as ``source:LINE``.

    Returns:
        The evaluation prompt ids of each row.

    Raises:
        TemplateMismatchError: Names the row, the first differing token position and the
            text on both sides.
    """
    prompts: list[list[int]] = []
    for line, row in enumerate(rows, start=1):
        messages = row["messages"]
        prompt = eval_prompt_ids(tokenizer, messages[:-1], enable_thinking)
        full = training_ids(tokenizer, messages, enable_thinking, chat_template)
        if full[: len(prompt)] != prompt:
            at = next((i for i, (a, b) in enumerate(zip(prompt, full, strict=False)) if a != b), len(full))
            raise TemplateMismatchError(
                f"{source}:{line}: row {row.get('task_id')!r}: the training sequence differs from the evaluation "
                f"prompt at token {at} (enable_thinking={enable_thinking}): evaluation has "
                f"{tokenizer.decode(prompt[at : at + 8])!r}, training has {tokenizer.decode(full[at : at + 8])!r}. "
                "The model would be trained on a context it is never evaluated in; fix the chat template or "
                "the thinking setting."
            )
        prompts.append(prompt)
    return prompts
