"""`inspect score LOG` re-runs the extract and answer_format scorers by the names the log records, with no
flags, and gets identical results (the token limit comes from the episode's recorded run facts)."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai.log import read_eval_log

from procskill.tasks import procskill
from testkit.packs import CODE, write_synthetic_packs
from testkit.scripted import scripted_model, scripted_output


def _responder(messages):
    user = messages[-1].text
    if "Task 2 " in user:  # used the whole limit, no stop reason (as Inspect's hf provider reports)
        return scripted_output("step", stop_reason="unknown")
    return f"ANSWER: {CODE.search(user).group(1)}" if "Follow this procedure" in user else "ANSWER: 0"


def _scores(log):
    def plain(value):
        return "nan" if isinstance(value, float) and math.isnan(value) else value

    return {
        (s.id, s.epoch, name): (plain(sc.value), sc.metadata)
        for s in log.samples
        for name, sc in s.scores.items()
    }


@pytest.mark.slow
def test_inspect_score_without_flags_reproduces_the_scores(tmp_path):
    packs = write_synthetic_packs(tmp_path / "packs", skills=2, tasks_per_skill=3, free_skills=1)
    [log] = inspect_eval(
        procskill(skills_dir=str(packs)),
        model=scripted_model(_responder),
        max_tokens=1,
        log_dir=str(tmp_path / "logs"),
        display="none",
    )
    assert log.status == "success", log.error
    assert [s.name for s in log.eval.scorers] == [
        "extract",
        "answer_format",
    ]  # bare names, as Inspect records
    rescored = tmp_path / "rescored.eval"
    result = subprocess.run(
        [
            Path(sys.executable).with_name("inspect"),
            "score",
            log.location,
            "--action",
            "overwrite",
            "--output-file",
            str(rescored),
            "--display",
            "none",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    before, after = read_eval_log(log.location), read_eval_log(str(rescored))
    assert _scores(after) == _scores(before)
    assert any(
        meta.get("truncated") for (_, _, name), (_, meta) in _scores(after).items() if name == "extract"
    )
    for old, new in zip(before.results.scores, after.results.scores, strict=True):
        assert old.name == new.name
        assert {k: m.value for k, m in old.metrics.items()} == {k: m.value for k, m in new.metrics.items()}


@pytest.mark.slow
def test_inspect_score_leaves_a_sample_without_output_unscored(tmp_path):
    """`inspect score` re-scores every sample of a log, errors included: an episode whose model returned
    nothing (an error in the eval) must come back unscored, never a FAIL that moves the metrics."""
    packs = write_synthetic_packs(tmp_path / "packs", skills=2, tasks_per_skill=3)

    def responder(messages):
        user = messages[-1].text
        if "Task 2 " in user and "Follow this procedure" in user:
            return ""  # no text, no output tokens: the provider returned nothing
        return f"ANSWER: {CODE.search(user).group(1)}"

    [log] = inspect_eval(
        procskill(skills_dir=str(packs)),
        model=scripted_model(responder),
        log_dir=str(tmp_path / "logs"),
        display="none",
        fail_on_error=False,
    )
    failed = [s for s in log.samples if s.error is not None]
    assert log.status == "success" and len(failed) == 2 and not failed[0].scores
    rescored = tmp_path / "rescored.eval"
    result = subprocess.run(
        [Path(sys.executable).with_name("inspect"), "score", log.location, "--action", "overwrite"]
        + ["--output-file", str(rescored), "--display", "none"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    after = read_eval_log(str(rescored))
    for sample in after.samples:
        if sample.error is not None:
            assert {k: (math.isnan(s.value), s.reason) for k, s in sample.scores.items()} == {
                "extract": (True, "no_response"),
                "answer_format": (True, "no_response"),
            }
    before = read_eval_log(log.location)
    for old, new in zip(before.results.scores, after.results.scores, strict=True):
        assert {k: m.value for k, m in old.metrics.items()} == {k: m.value for k, m in new.metrics.items()}
