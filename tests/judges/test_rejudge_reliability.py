"""Re-judging under concurrency and with bad folders: concurrent judges all keep their scores, each log is
read once, unfinished or unreadable logs are left with a note, stale temporary files are removed, and the
command checks its inputs before it builds a judge."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from inspect_ai.log import read_eval_log, write_eval_log
from judge_helpers import GOLD, RESPONSE, answering_solver, recording_judge, run_eval

from procskill.analysis import rejudge
from procskill.analysis.rejudge import STAGING_PREFIX
from procskill.scorers import score_labels
from testkit.fake_openai import FakeOpenAIServer, last_user_text
from testkit.scores import labelled

BIN = Path(sys.executable).parent
SRC = Path(__file__).resolve().parents[2] / "src"


def per_condition(messages) -> str:
    """Different responses in the two conditions: every episode has its own judge prompt."""
    with_block = "Follow this procedure" in messages[-1].text
    return answering_solver(messages) + ("\nI followed the procedure." if with_block else "")


class SlowJudge:
    """A fake-server judge that takes ``delay`` seconds per call and records when each model was called.

    No call is answered before ``models`` different judge models have called (at most ``wait`` seconds), so
    two concurrent re-judges overlap however slowly the second process starts on a loaded machine — unless
    the code under test serialises them, which the overlap assertion then catches.
    """

    def __init__(self, delay: float, models: int = 2, wait: float = 120) -> None:
        self.delay, self.models, self.wait = delay, models, wait
        self.calls: dict[str, list[float]] = {}
        self.lock = threading.Lock()
        self.all_calling = threading.Event()

    def __call__(self, request: dict) -> str:
        with self.lock:
            self.calls.setdefault(request["model"], []).append(time.monotonic())
            if len(self.calls) >= self.models:
                self.all_calling.set()
        self.all_calling.wait(self.wait)
        time.sleep(self.delay)
        text = last_user_text(request)
        gold = GOLD.search(text).group(1).strip()
        return "Checked.\nVERDICT: " + ("PASS" if gold in RESPONSE.search(text).group(2) else "FAIL")


def cli(*args: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "procskill"), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    return {**env, "HF_HUB_OFFLINE": "1", **extra}


@pytest.mark.slow
def test_two_concurrent_rejudges_with_different_judges_both_keep_their_scores(packs, tmp_path) -> None:
    logs = tmp_path / "logs"
    first = run_eval(packs, logs / "a", solver=per_condition)
    second = run_eval(packs, logs / "b", solver=per_condition)
    judge = SlowJudge(delay=0.25)
    with FakeOpenAIServer(judge, retry_after_ms=1) as server:
        env = cli_env(FAKE_API_KEY="test-key", INSPECT_CACHE_DIR=str(tmp_path / "cache"))
        runs = [
            cli(
                "rejudge",
                str(logs),
                "--judge",
                f"openai-api/fake/{name}",
                "--base-url",
                server.base_url,
                "--max-connections",
                "3",
                "--max-retries",
                "0",
                env=env,
            )
            for name in ("judge-a", "judge-b")
        ]
        outputs = [run.communicate(timeout=300) for run in runs]
    for run, (out, err) in zip(runs, outputs):
        assert run.returncode == 0, err
        assert out.count(" added  ") == 2 and "12 judged" in out, out
    # The two judges were called at the same time (the race the lock and the merge are for); one
    # call per episode of the first log, and none for the second (the same responses: the cache).
    a, b = judge.calls["judge-a"], judge.calls["judge-b"]
    assert len(a) == len(b) == 12 and min(b) < max(a) and min(a) < max(b)
    for log in (first, second):
        after = read_eval_log(log.location)
        # Both re-judges keyed their score `llm` in their own copy; the second to write renumbered its
        # own as Inspect would (`llm1`), and the recorded scorers stay in key order, so a bare
        # `inspect score LOG` re-creates the same keys for the same judges.
        assert [s.name for s in after.results.scores] == ["extract", "answer_format", "llm", "llm1"]
        assert [s.name for s in after.eval.scorers] == ["extract", "answer_format", "llm", "llm"]
        for key, scorer in zip(("llm", "llm1"), after.eval.scorers[2:], strict=True):
            assert {s.scores[key].metadata["judge"] for s in after.samples} == {scorer.options["judge"]}
        assert {r.scorer for r in after.reductions} == {"extract", "answer_format", "llm", "llm1"}
        for sample in after.samples:
            assert labelled(sample)["llm@openai-api/fake/judge-a"].value == 1.0
            assert labelled(sample)["llm@openai-api/fake/judge-b"].value == 1.0
            assert sample.output.completion  # nothing regenerated or lost
    assert not list(logs.rglob(f"{STAGING_PREFIX}*")) and not list(logs.rglob("*.writing"))


def test_results_are_reported_per_log_as_each_is_written(packs, tmp_path) -> None:
    run_eval(packs, tmp_path / "logs" / "a")
    run_eval(packs, tmp_path / "logs" / "b")
    grader, _ = recording_judge("judge-r")
    seen: list[tuple[str, bool]] = []

    def on_result(result) -> None:
        # When a result is reported, its log already holds the score.
        labels = score_labels(read_eval_log(result.log).samples).values()
        seen.append((result.action, "llm@mockllm/judge-r" in labels))

    rejudge(tmp_path / "logs", grader, on_result=on_result)
    assert seen == [("added", True), ("added", True)]


def test_a_bad_folder_is_judged_around_its_bad_logs(packs, tmp_path) -> None:
    logs = tmp_path / "logs"
    good = run_eval(packs, logs)
    template = read_eval_log(good.location)
    # A copy of the good log in a subfolder (same evaluation), a killed eval, a failed and a
    # cancelled one, and a corrupt file.
    (logs / "copy").mkdir()
    shutil.copy(good.location, logs / "copy" / "again.eval")
    for status in ("started", "error", "cancelled"):
        other = template.model_copy(deep=True)
        other.status = status
        other.eval.eval_id = f"eval-{status}"
        write_eval_log(other, str(logs / f"z-{status}.eval"))
    (logs / "z-corrupt.eval").write_bytes(b"PK\x03\x04 not a zip archive")
    untouched = {p: p.read_bytes() for p in logs.glob("z-*.eval")}
    # What killed writes leave behind: a re-judge's staging folder and an old Inspect temporary file.
    (logs / f"{STAGING_PREFIX}dead").mkdir()
    (logs / f"{STAGING_PREFIX}dead" / "owner.lock").write_text("")
    (logs / f"{STAGING_PREFIX}dead" / "log.part").write_text("half a log")
    stale = logs / ".inspect_tmp_abc.writing"
    stale.write_text("half a log")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    fresh = logs / ".inspect_tmp_new.writing"  # a write in progress elsewhere: left alone
    fresh.write_text("")

    grader, seen = recording_judge("judge-r")
    results = {Path(r.log).name: r for r in rejudge(logs, grader)}

    assert (
        results[Path(good.location).name].action == "added" and results[Path(good.location).name].judged == 12
    )
    assert (
        results["again.eval"].action == "duplicate" and Path(good.location).name in results["again.eval"].note
    )
    assert results["z-started.eval"].action == "running"
    assert results["z-error.eval"].action == "not_finished" and "eval-retry" in results["z-error.eval"].note
    assert results["z-cancelled.eval"].action == "not_finished"
    assert results["z-corrupt.eval"].action == "unreadable"
    assert all(r.note and "\n" not in r.note for name, r in results.items() if r.action != "added")
    # Nothing was written into the logs that were left, nor into the copy.
    assert {p: p.read_bytes() for p in logs.glob("z-*.eval")} == untouched
    assert "llm@mockllm/judge-r" not in (
        read_eval_log(str(logs / "copy" / "again.eval")).samples[0].scores or {}
    )
    assert not (logs / f"{STAGING_PREFIX}dead").exists() and not stale.exists() and fresh.exists()
    assert len(seen) == 6  # one call per distinct judge prompt of the one good log


def test_cli_checks_its_inputs_before_it_builds_a_judge(packs, tmp_path) -> None:
    from typer.testing import CliRunner

    from procskill.cli import app

    runner = CliRunner()
    missing = runner.invoke(app, ["rejudge", str(tmp_path / "nonexistent"), "--judge", "openai/gpt-5.4"])
    assert missing.exit_code == 2
    assert missing.output.strip() == f"error: {tmp_path / 'nonexistent'}: no such log file or folder"

    run_eval(packs, tmp_path / "logs")
    for args, expected in [
        (["--judge", "gpt-5.4"], "expected provider/model"),
        (["--judge", "openai/gpt-5.4", "--path", "extract"], "--path must be one of"),
        (["--judge", "openai/gpt-5.4", "--batch", "maybe"], "--batch 'maybe'"),
        (["--judge", "nosuchprovider/model"], "--judge nosuchprovider/model"),
    ]:
        result = runner.invoke(app, ["rejudge", str(tmp_path / "logs"), *args])
        assert result.exit_code == 2, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], result.output
        assert "Traceback" not in result.output and "[bold]" not in result.output


def test_cli_missing_api_key_is_one_line(packs, tmp_path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from procskill.cli import app

    run_eval(packs, tmp_path / "logs")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    result = CliRunner().invoke(app, ["rejudge", str(tmp_path / "logs"), "--judge", "openai/gpt-5.4"])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "OPENAI_API_KEY" in lines[0] and "[bold]" not in lines[0], result.output


def test_the_shared_folder_reader_reads_each_evaluation_once(packs, tmp_path) -> None:
    from procskill.analysis.rejudge import log_headers

    logs = tmp_path / "logs"
    good = run_eval(packs, logs)
    (logs / "copy").mkdir()
    shutil.copy(good.location, logs / "copy" / "again.eval")
    (logs / "z-corrupt.eval").write_bytes(b"PK\x03\x04 not a zip archive")
    (logs / "link.eval").symlink_to(good.location)  # the same file twice: listed once

    entries = {e.file.name: e for e in log_headers([logs, good.location])}
    assert set(entries) == {Path(good.location).name, "again.eval", "z-corrupt.eval"}
    assert entries[Path(good.location).name].header.eval.eval_id == good.eval.eval_id
    assert entries[Path(good.location).name].named  # also named explicitly
    assert entries["again.eval"].header is None and "same evaluation" in entries["again.eval"].skip
    assert (
        entries["z-corrupt.eval"].header is None
        and "not a readable Inspect log" in entries["z-corrupt.eval"].skip
    )
