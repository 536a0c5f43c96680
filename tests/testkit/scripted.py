"""Scripted ``mockllm`` models whose outputs carry token usage.

Inspect counts tokens with tiktoken when an output has no usage, which downloads an
encoding file and fails offline; every output made here sets usage explicitly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from inspect_ai.model import ChatMessage, GenerateConfig, Model, ModelOutput, ModelUsage, get_model

Responder = Callable[[list[ChatMessage]], str]
"""Maps the messages of one generate call to the completion text."""


def scripted_output(text: str, stop_reason: str = "stop", model: str = "mockllm/model") -> ModelOutput:
    """A ``ModelOutput`` with the given completion and a word-count usage."""
    output = ModelOutput.from_content(model, text, stop_reason=stop_reason)  # type: ignore[arg-type]
    words = len(text.split())
    output.usage = ModelUsage(input_tokens=10, output_tokens=words, total_tokens=10 + words)
    return output


def scripted_model(responder: Responder | str, name: str = "model", **config: Any) -> Model:
    """A ``mockllm`` model that answers every call through ``responder``.

    Args:
        responder: A function of the input messages returning the completion text (it
            may also return a ``ModelOutput`` to set the stop reason), or a fixed text.
        name: Model name after ``mockllm/`` (distinguishes several scripted models in logs).
        **config: ``GenerateConfig`` fields.

    Returns:
        A model to pass as ``model=`` (or a model role) to ``inspect_ai.eval``.
    """

    def outputs(messages: list[ChatMessage], *_: Any) -> ModelOutput:
        result = responder(messages) if callable(responder) else responder
        return result if isinstance(result, ModelOutput) else scripted_output(result, model=f"mockllm/{name}")

    return get_model(
        f"mockllm/{name}", custom_outputs=outputs, config=GenerateConfig(**config), memoize=False
    )
