"""Helpers of the reliability tests: a responder that solves the synthetic tasks, fault scheduling,
models on the fake OpenAI-compatible server."""

from __future__ import annotations

import itertools
from typing import Any

from inspect_ai.model import GenerateConfig, Model, get_model

from testkit.fake_openai import FakeOpenAIServer
from testkit.packs import CODE

SKILLS, TASKS_PER_SKILL = 2, 2
SAMPLES = SKILLS * TASKS_PER_SKILL * 2  # both conditions
FAKE_KEY = "sk-procskill-fake-server-key"
_MODEL_IDS = itertools.count(1)


def request_text(request: dict[str, Any]) -> str:
    """The text of the last message of a chat-completions request."""
    content = request["messages"][-1]["content"]
    return content if isinstance(content, str) else " ".join(part.get("text", "") for part in content)


def correct_answer(request: dict[str, Any]) -> str:
    """A fake-server responder that solves every synthetic task (the code is in the prompt)."""
    return f"Step 1: read the code.\nANSWER: {CODE.search(request_text(request)).group(1)}"


class FaultsAfter:
    """A correct responder that queues ``faults`` on its server after ``calls`` answers, so the
    first samples finish and later ones meet the faults. Set ``server`` once it exists."""

    def __init__(self, calls: int, *faults: str) -> None:
        self.calls, self.faults = calls, faults
        self.answered = 0
        self.server: FakeOpenAIServer | None = None

    def __call__(self, request: dict[str, Any]) -> str:
        self.answered += 1
        if self.answered == self.calls:
            assert self.server is not None
            self.server.inject(*self.faults)
        return correct_answer(request)


def fake_model(name: str, sdk_retries: int = 3, **config: Any) -> Model:
    """A model on the fake server (see fake_openai's docstring for the two retry layers).

    The openai SDK absorbs ``sdk_retries`` faults per call (``retry-after-ms`` keeps it fast) and
    times out a hung request after 1.5 s; Inspect's own retries are off unless ``config`` sets them.
    The server and key come from FAKE_BASE_URL / FAKE_API_KEY (the ``fake_env`` fixture). Each
    model gets a new name (``name-N``): ``eval_retry`` looks models up through Inspect's memo by
    name, and would otherwise find one bound to an earlier test's server.
    """
    return get_model(
        f"openai-api/fake/{name}-{next(_MODEL_IDS)}",
        config=GenerateConfig(**{"max_retries": 0, **config}),
        max_retries=sdk_retries,
        client_timeout=1.5,  # long enough that only a hung request times out on a busy machine
        memoize=False,
    )
