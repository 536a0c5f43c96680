"""Judge economy: exact judge-call counts, read off a local fake OpenAI-compatible server.

The evaluated model is a scripted ``mockllm`` (its reply differs between the base and skill conditions, as a
real model's would, so the two conditions of a task give different judge prompts). The judge is
``openai-api/fake/judge`` on :class:`testkit.fake_openai.FakeOpenAIServer` (127.0.0.1). Inspect's
model cache is pointed at fresh temporary folders (``INSPECT_CACHE_DIR``), so each count starts from a known
cache: empty, or holding exactly the verdicts of an earlier step.

Checks (exact counts, not timings):

* ``bench`` path at eval time: one judge call per free-form episode, none for deterministic ones;
* ``procskill rejudge --path llm`` on an extract-only log: exactly one call per episode;
* the same re-judge again: zero calls (the log already has the score);
* ``llm`` re-judge of the *bench* log: only the deterministic episodes are new (free-form verdicts come
  from the cache).

Usage::

    python benchmarks/bench_judge.py --episodes 400
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Any

from _common import Stopwatch, emit

VERDICT = "The response states the gold answer.\nVERDICT: PASS"


def _evaluated_reply(messages: list[Any]) -> str:
    if any("Follow this procedure" in m.text for m in messages):
        return "Step 1: restate the task. Step 2: apply the procedure. Step 5: check.\nANSWER: 42"
    return "Working it out directly.\nANSWER: 42"


def run(
    episodes: int = 400, work_dir: str | Path | None = None, skills_dir: str | None = None
) -> dict[str, Any]:
    work = Path(work_dir) if work_dir else Path(tempfile.mkdtemp(prefix="procskill-bench-judge-"))

    def use_cache(name: str) -> None:
        # Inspect reads INSPECT_CACHE_DIR at each cached call, so switching it between steps is enough.
        os.environ["INSPECT_CACHE_DIR"] = str(work / f"cache-{name}")

    from inspect_ai import eval as inspect_eval
    from inspect_ai.model import GenerateConfig, get_model

    from procskill.analysis.rejudge import rejudge
    from testkit.fake_openai import FakeOpenAIServer
    from testkit.scripted import scripted_model

    evaluated = scripted_model(_evaluated_reply)
    task_args: dict[str, Any] = {"skills_dir": skills_dir} if skills_dir else {}
    out: dict[str, Any] = {"episodes": episodes}
    with FakeOpenAIServer(VERDICT, retry_after_ms=1) as server:
        judge_model = get_model(
            "openai-api/fake/judge",
            base_url=server.base_url,
            api_key="test-key",
            config=GenerateConfig(max_retries=0, max_connections=16),
            max_retries=3,
            memoize=False,
        )

        def calls_during(fn) -> tuple[int, float, Any]:
            before = server.calls
            with Stopwatch() as sw:
                result = fn()
            return server.calls - before, sw.seconds, result

        # 1. bench path at eval time (empty cache A).
        use_cache("A")
        calls, seconds, [bench_log] = calls_during(
            lambda: inspect_eval(
                "procskill/procskill",
                model=evaluated,
                model_roles={"grader": judge_model},
                limit=episodes,
                task_args={**task_args, "scoring": "extract,bench"},
                log_dir=str(work / "bench"),
                display="none",
            )
        )
        assert bench_log.status == "success", bench_log.error
        free = sum(1 for s in bench_log.samples if s.metadata["answer_type"] == "free")
        out["bench_eval"] = {
            "judge_calls": calls,
            "free_form_episodes": free,
            "deterministic_episodes": len(bench_log.samples) - free,
            "exact": calls == free,
            "seconds": round(seconds, 2),
        }

        # 2. full llm re-judge of an extract-only log (empty cache B): one call per episode.
        use_cache("B")
        [extract_log] = inspect_eval(
            "procskill/procskill",
            model=evaluated,
            limit=episodes,
            task_args=task_args,
            log_dir=str(work / "extract"),
            display="none",
        )
        assert extract_log.status == "success", extract_log.error
        calls, seconds, results = calls_during(lambda: rejudge(extract_log.location, judge_model, path="llm"))
        n = len(extract_log.samples)
        out["llm_rejudge"] = {
            "judge_calls": calls,
            "episodes": n,
            "exact": calls == n,
            "action": results[0].action,
            "seconds": round(seconds, 2),
            "calls_per_s": round(calls / seconds, 1) if seconds else None,
        }

        # 3. the same re-judge again: nothing to do.
        calls, seconds, results = calls_during(lambda: rejudge(extract_log.location, judge_model, path="llm"))
        out["llm_rejudge_rerun"] = {
            "judge_calls": calls,
            "exact": calls == 0,
            "action": results[0].action,
            "seconds": round(seconds, 2),
        }

        # 4. llm re-judge of the bench log with cache A: its free-form verdicts are already cached.
        use_cache("A")
        calls, seconds, results = calls_during(lambda: rejudge(bench_log.location, judge_model, path="llm"))
        expected = len(bench_log.samples) - free
        out["llm_rejudge_of_bench_log"] = {
            "judge_calls": calls,
            "expected_new": expected,
            "exact": calls == expected,
            "seconds": round(seconds, 2),
        }
        out["server"] = {"calls": server.calls, "completed": server.completed, "errors": server.errors}
    out["all_exact"] = all(v["exact"] for v in out.values() if isinstance(v, dict) and "exact" in v)
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--episodes", type=int, default=400)
    parser.add_argument("--work-dir", default=None)
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    return emit("judge", run(args.episodes, args.work_dir), args.out)


if __name__ == "__main__":
    main()
