"""Fixtures of the reliability tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from reliability_helpers import FAKE_KEY, SKILLS, TASKS_PER_SKILL

from testkit.fake_openai import FakeOpenAIServer
from testkit.packs import write_synthetic_packs


@pytest.fixture
def packs(tmp_path: Path) -> Path:
    """Two integer skills of two holdout and two training tasks: eight episodes in both conditions."""
    return write_synthetic_packs(
        tmp_path / "packs", skills=SKILLS, tasks_per_skill=TASKS_PER_SKILL, train_per_skill=2
    )


@pytest.fixture
def fake_env(monkeypatch: pytest.MonkeyPatch):
    """Point ``openai-api/fake/...`` at a server the way a user would: FAKE_BASE_URL and FAKE_API_KEY.

    ``eval_retry`` rebuilds the model from the log, which holds neither the key nor the client
    options, so the key must come from the environment exactly as on the command line.
    """

    def bind(server: FakeOpenAIServer) -> None:
        monkeypatch.setenv("FAKE_BASE_URL", server.base_url)
        monkeypatch.setenv("FAKE_API_KEY", FAKE_KEY)

    return bind


@pytest.fixture
def load_calls(monkeypatch):
    """Record the keyword arguments of every Auto*.from_pretrained call (then load as usual)."""
    import transformers

    calls: list[tuple[str, dict]] = []
    for name in ("AutoModelForCausalLM", "AutoModelForImageTextToText", "AutoTokenizer", "AutoConfig"):
        cls = getattr(transformers, name)
        original = cls.from_pretrained.__func__

        def recording(cls, *args, __original=original, __name=name, **kwargs):
            calls.append((__name, kwargs))
            return __original(cls, *args, **kwargs)

        monkeypatch.setattr(cls, "from_pretrained", classmethod(recording))
    return calls
