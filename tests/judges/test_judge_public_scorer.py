"""The judge is a public, registered scorer (``procskill/judge``): ``inspect score`` runs it, with the same
score name and the same results as ``procskill rejudge``, which is built on it (one judge call per episode,
none on a rerun, the evaluated model never loaded); a bare ``inspect score LOG`` re-runs a log's judges by
the names it records."""

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
from testkit.scores import labelled

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
        (s.id, labelled(s)[NAME].value, labelled(s)[NAME].answer, labelled(s)[NAME].explanation)
        for s in samples
    ]
    metadata = [{k: v for k, v in labelled(s)[NAME].metadata.items()} for s in samples]
    [result] = [s for s in log.results.scores if s.name == "llm"]
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
    assert [s.name for s in by_inspect.results.scores] == ["extract", "answer_format", "llm"]
    assert [s.name for s in by_inspect.eval.scorers] == ["extract", "answer_format", "llm"]
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


def by_judge(request: dict) -> str:
    """judge-1 reads the response; judge-2 fails everything (so the two judges' scores differ)."""
    return "VERDICT: FAIL" if request["model"] == "judge-2" else verdicts(request)


@pytest.mark.slow
def test_bare_inspect_score_reruns_every_judge_by_the_names_the_log_records(
    packs, tmp_path, monkeypatch
) -> None:
    from inspect_ai.model import get_model

    from procskill.scorers import score_label

    with FakeOpenAIServer(by_judge, retry_after_ms=1) as server:
        # The judges' base URL is a model argument, not in the environment: `inspect score` must call
        # them as the log's model roles record them (the API key is never logged: it stays in the env).
        monkeypatch.delenv("FAKE_BASE_URL", raising=False)
        monkeypatch.setenv("FAKE_API_KEY", "test-key")
        judges = [
            get_model(f"openai-api/fake/judge-{i}", base_url=server.base_url, memoize=False) for i in (1, 2)
        ]
        log = run_eval(packs, tmp_path / "logs", "extract,bench,llm", {"grader": judges}, per_condition)
        calls = server.calls
        rescored = tmp_path / "rescored.eval"
        result = subprocess.run(
            [str(BIN / "inspect"), "score", log.location, "--action", "overwrite"]
            + ["--output-file", str(rescored), "--display", "none"],
            env=dict(os.environ),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        assert server.calls == calls  # the same judges, the same prompts: every verdict from Inspect's cache

    before, after = read_eval_log(log.location), read_eval_log(str(rescored))
    keys = ["extract", "bench", "bench1", "llm", "llm1", "answer_format"]
    assert [s.name for s in after.eval.scorers] == [
        "extract",
        "bench",
        "bench",
        "llm",
        "llm",
        "answer_format",
    ]
    assert [s.name for s in after.results.scores] == [s.name for s in before.results.scores] == keys
    assert [score_label(k, after.samples[0].scores[k].metadata) for k in keys] == [
        "extract",
        f"bench@{JUDGE}",
        "bench@openai-api/fake/judge-2",
        f"llm@{JUDGE}",
        "llm@openai-api/fake/judge-2",
        "answer_format",
    ]
    for old, new in zip(before.samples, after.samples, strict=True):
        for key in keys:
            a, b = old.scores[key], new.scores[key]
            assert (a.answer, a.explanation, a.metadata) == (b.answer, b.explanation, b.metadata), key
            assert a.value == b.value or (math.isnan(a.value) and math.isnan(b.value)), key
    for old, new in zip(before.results.scores, after.results.scores, strict=True):
        assert {k: m.value for k, m in old.metrics.items()} == pytest.approx(
            {k: m.value for k, m in new.metrics.items()}, nan_ok=True
        )
    assert before.results.scores[4].metrics["pass_skill"].value == 0.0  # judge-2 failed everything


def test_the_registered_factory_keys_each_judge_by_its_path() -> None:
    from inspect_ai._util.registry import registry_info, registry_lookup, registry_params

    from procskill.scorers import judge

    factory = registry_lookup("scorer", "procskill/judge")
    assert factory is judge
    from inspect_ai.scorer._scorer import scorer_create

    a = scorer_create("procskill/judge", path="llm", judge="openai/gpt-5.4")
    b = scorer_create("procskill/judge", path="bench", judge="anthropic/claude-haiku-4-5")
    assert registry_info(a).name == "procskill/llm"
    assert registry_info(b).name == "procskill/bench"
    assert registry_params(a) == {"path": "llm", "judge": "openai/gpt-5.4", "model_role": None}
    # `inspect score LOG` finds the judges by the bare names a log records (registered by the entry
    # point Inspect loads at start-up).
    import procskill._registry  # noqa: F401

    assert registry_lookup("scorer", "llm") is not None and registry_lookup("scorer", "bench") is not None
