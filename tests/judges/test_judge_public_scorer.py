"""The judge is a public, registered scorer (``procskill/judge``): ``inspect score`` runs it, with the same
score name and the same results as ``procskill rejudge``, which is built on it (one judge call per episode,
none on a rerun, the evaluated model never loaded)."""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from inspect_ai.log import read_eval_log
from judge_helpers import GOLD, RESPONSE, answering_solver, run_eval

from procskill.analysis import rejudge
from testkit.fake_openai import FakeOpenAIServer, last_user_text

JUDGE = "openai-api/fake/judge-1"
NAME = f"llm@{JUDGE}"
BIN = Path(sys.executable).parent
SRC = Path(__file__).resolve().parents[2] / "src"


def verdicts(request: dict) -> str:
    text = last_user_text(request)
    gold = GOLD.search(text).group(1).strip()
    return "Checked.\nVERDICT: " + ("PASS" if gold in RESPONSE.search(text).group(2) else "FAIL")


def per_condition(messages) -> str:
    """Different responses in the two conditions: every episode has its own judge prompt."""
    with_block = "Follow this procedure" in messages[-1].text
    return answering_solver(messages) + ("\nI followed the procedure." if with_block else "")


def comparable(log) -> tuple:
    samples = sorted(log.samples, key=lambda s: (str(s.id), s.epoch))
    values = [
        (s.id, s.scores[NAME].value, s.scores[NAME].answer, s.scores[NAME].explanation) for s in samples
    ]
    metadata = [{k: v for k, v in s.scores[NAME].metadata.items()} for s in samples]
    [result] = [s for s in log.results.scores if s.name == NAME]
    metrics = {k: (None if math.isnan(m.value) else round(m.value, 12)) for k, m in result.metrics.items()}
    return values, metadata, metrics


@pytest.mark.slow
def test_inspect_score_runs_the_registered_judge_like_rejudge(packs, tmp_path, monkeypatch) -> None:
    log = run_eval(packs, tmp_path / "logs", solver=per_condition)
    copy = tmp_path / "copy" / "log.eval"
    copy.parent.mkdir()
    shutil.copy(log.location, copy)
    with FakeOpenAIServer(verdicts, retry_after_ms=1) as server:
        monkeypatch.setenv("FAKE_BASE_URL", server.base_url)
        monkeypatch.setenv("FAKE_API_KEY", "test-key")
        [first] = rejudge(log.location, JUDGE)
        assert first.action == "added" and server.calls == 12  # one call per episode
        [again] = rejudge(log.location, JUDGE)
        assert again.action == "skipped" and server.calls == 12  # none on a rerun

        # Inspect's own re-scoring, in a fresh process with its own (empty) model cache.
        env = {**os.environ, "INSPECT_CACHE_DIR": str(tmp_path / "other-cache")}
        scored = subprocess.run(
            [
                str(BIN / "inspect"),
                "score",
                str(copy),
                "--scorer",
                "procskill/judge",
                "-S",
                "path=llm",
                "-S",
                f"judge={JUDGE}",
                "--action",
                "append",
                "--overwrite",
                "--model",
                "none",
            ],
            check=False,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert scored.returncode == 0, scored.stderr + scored.stdout
        assert server.calls == 24  # it judged every episode itself

    by_rejudge, by_inspect = read_eval_log(log.location), read_eval_log(str(copy))
    assert [s.name for s in by_inspect.results.scores] == ["extract", "answer_format", NAME]
    assert [s.name for s in by_inspect.eval.scorers] == ["extract", "answer_format", NAME]
    assert comparable(by_inspect) == comparable(by_rejudge)
    assert (
        by_inspect.eval.scorers[2].options
        == by_rejudge.eval.scorers[2].options
        == {
            "path": "llm",
            "judge": JUDGE,
            "model_role": None,
        }
    )


def test_the_registered_factory_keeps_each_judge_its_own_score_name() -> None:
    from inspect_ai._util.registry import registry_info, registry_lookup

    from procskill.scorers import judge

    factory = registry_lookup("scorer", "procskill/judge")
    assert factory is judge
    from inspect_ai.scorer._scorer import scorer_create

    a = scorer_create("procskill/judge", path="llm", judge="openai/gpt-5.4")
    b = scorer_create("procskill/judge", path="bench", judge="anthropic/claude-haiku-4-5")
    assert registry_info(a).name == "procskill/llm@openai/gpt-5.4"
    assert registry_info(b).name == "procskill/bench@anthropic/claude-haiku-4-5"
