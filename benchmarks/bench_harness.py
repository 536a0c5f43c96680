"""Harness overhead: procskill's task vs a bare Inspect task, same samples, scripted ``mockllm`` model.

The bare task holds the very messages procskill sends (procedure block already in place for the ``skill``
condition) with ``generate()`` and no scorer; procskill adds its dataset loading and hashing, the setup
solver (run facts and procedure block), the empty-completion check, the ``extract`` scorer with its paired
metrics (bootstrap interval) and the ``answer_format`` score. The model is a scripted mockllm whose outputs
carry usage (no tiktoken, no network), so the ratio is pure harness cost. Rounds alternate order; a warm-up
run of each arm comes first and is not timed. Three reference arms split the cost: ``bare_match`` (the bare
task + Inspect's own ``match()`` scorer: what scoring costs any Inspect task), ``bare_metadata`` (the bare
task + procskill's sample metadata) and ``bare_match_shaped`` (procskill's shape from Inspect's parts alone:
a setup solver, ``generate()``, two scorers). Both wall and CPU seconds are recorded; on a shared machine
the CPU-time ratio is the steadier one.

``--variants`` adds diagnostic arms that change one part of the task with ``task_with`` (which part costs
harness time): ``no_answer_format`` (only the ``extract`` score), ``no_setup`` (no setup solver: no run
facts, no block), ``extract_only`` (neither: procskill's samples, solver and ``extract`` alone),
``match_only`` (the same with Inspect's ``match()`` in place of ``extract``), ``no_completion_check``
(``generate()`` alone as the solver), ``generate_then_check`` (the solver as it was before
``generate_response``: ``generate()`` and the empty-completion check as two solvers) and
``two_setup_solvers`` (the setup as it was before it became one solver: ``record_run`` and
``procedure_block`` apart).

Run from a checkout over an editable install of *another* checkout (a worktree with ``PYTHONPATH=src``),
Inspect cannot match the task's module to its distribution by the fast path and scans every installed
distribution's file list once per eval (~0.23 s CPU here): put a copy of the ``procskill`` dist-info whose
``direct_url.json`` points at this checkout first on ``PYTHONPATH`` (see RESULTS.md section 3), or measure
from the installed checkout itself.

Usage::

    python benchmarks/bench_harness.py --episodes 400 --repeats 8 [--variants]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path
from typing import Any

from _common import Stopwatch, emit, holdout_episodes, ratio_summary, side_by_side

REPLY = "Step 1: read the task.\nStep 2: apply the procedure.\nANSWER: 42"


def bare_task(episodes: list[dict[str, Any]], variant: str = "bare"):
    """An Inspect task with the same input messages and targets, ``generate()`` only.

    ``variant``: ``bare``; ``bare_match`` (+ Inspect's ``match()`` scorer); ``bare_metadata`` (+ procskill's
    sample metadata: Inspect thins every metadata string for its sample summaries, so metadata size is a
    harness cost of its own); ``bare_match_shaped`` (procskill's shape built from Inspect's parts alone: a
    setup solver that writes one metadata value, ``generate()``, and ``match()`` twice: what one setup step
    and a second score cost any Inspect task).
    """
    from inspect_ai import Task
    from inspect_ai.dataset import MemoryDataset, Sample
    from inspect_ai.model import ChatMessageSystem, ChatMessageUser
    from inspect_ai.scorer import match
    from inspect_ai.solver import generate

    roles = {"system": ChatMessageSystem, "user": ChatMessageUser}
    samples = [
        Sample(
            id=e["id"],
            input=[roles[m["role"]](content=m["content"]) for m in e["messages"]],
            target=e["target"],
            metadata=e["metadata"] if variant == "bare_metadata" else None,
        )
        for e in episodes
    ]
    scorer = {"bare_match": [match()], "bare_match_shaped": [match(), match()]}.get(variant)
    setup = _note_run() if variant == "bare_match_shaped" else None
    return Task(
        dataset=MemoryDataset(samples, name=variant),
        setup=setup,
        solver=[generate()],
        scorer=scorer,
        name=variant,
    )


def _note_run():
    """A setup solver that writes one metadata value (the least a run-facts step does)."""
    from inspect_ai.solver import solver

    @solver
    def note_run():
        async def solve(state, generate):
            state.metadata["run"] = "noted"
            return state

        return solve

    return note_run()


def _require_completion():
    """The empty-completion check as a solver of its own, after ``generate()`` (the task before
    ``procskill.solvers.generate_response``)."""
    from inspect_ai.solver import solver

    @solver
    def require_completion():
        async def solve(state, generate):
            if not state.output.completion.strip():
                raise RuntimeError("the model returned an empty completion")
            return state

        return solve

    return require_completion()


def _with_targets(episodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from procskill.skills import BUILTIN_DIR, load_packs
    from procskill.tasks import record_to_sample

    samples = {
        s.id: s
        for p in load_packs(BUILTIN_DIR)
        for r in p.split("holdout")
        for s in (record_to_sample(r, p, "base"), record_to_sample(r, p, "skill"))
    }
    return [{**e, "target": samples[e["id"]].target, "metadata": samples[e["id"]].metadata} for e in episodes]


def component_seconds(episodes: int) -> dict[str, float]:
    """Time procskill's own parts outside Inspect: task construction and its metrics on N scores."""
    from inspect_ai.scorer import SampleScore, Score

    from procskill.scorers import answer_compliance, procedural_delta
    from procskill.tasks import procskill

    with Stopwatch() as build:
        task = procskill()  # needs no model
    samples = task.dataset[:episodes]
    passes = [
        SampleScore(score=Score(value=float(i % 3 == 0)), sample_id=s.id, sample_metadata=s.metadata)
        for i, s in enumerate(samples)
    ]
    formats = [
        SampleScore(
            score=Score(value={"compliant": 1.0, "truncated": 0.0, "no_answer_line": 0.0}),
            sample_id=s.id,
            sample_metadata=s.metadata,
        )
        for s in samples
    ]
    out = {"task_construction": build.seconds}
    for name, m, scores in (
        ("procedural_delta", procedural_delta(), passes),
        ("answer_compliance", answer_compliance(), formats),
    ):
        with Stopwatch() as sw:
            m(scores)
        out[f"metric_{name}"] = sw.seconds
    return {k: round(v, 4) for k, v in out.items()}


def run(
    episodes: int = 400,
    repeats: int = 5,
    work_dir: str | Path | None = None,
    warmup: bool = True,
    variants: bool = False,
) -> dict[str, Any]:
    from inspect_ai import eval as inspect_eval
    from inspect_ai import task_with
    from inspect_ai.scorer import match
    from inspect_ai.solver import generate

    from procskill.scorers import extract
    from procskill.skills import BUILTIN_DIR, load_packs
    from procskill.solvers import generate_response, procedure_block, record_run
    from procskill.tasks import procskill
    from testkit.scripted import scripted_model

    work = Path(work_dir) if work_dir else Path(tempfile.mkdtemp(prefix="procskill-bench-harness-"))
    items = _with_targets(holdout_episodes(episodes))
    model = scripted_model(REPLY)

    def procskill_arm() -> None:
        [log] = inspect_eval(
            "procskill/procskill",
            model=model,
            limit=episodes,
            log_dir=str(work / "procskill"),
            display="none",
        )
        assert log.status == "success" and len(log.samples) == episodes, log.error

    def bare_arm(variant: str):
        def arm() -> None:
            [log] = inspect_eval(
                bare_task(items, variant), model=model, log_dir=str(work / "bare"), display="none"
            )
            assert log.status == "success" and len(log.samples) == episodes, log.error

        return arm

    def variant_arm(name: str, **changes: Any):
        def arm() -> None:
            task = task_with(procskill(), name=name, **changes)
            [log] = inspect_eval(task, model=model, limit=episodes, log_dir=str(work / name), display="none")
            assert log.status == "success" and len(log.samples) == episodes, log.error

        return arm

    bare_variants = ("bare", "bare_match", "bare_metadata", "bare_match_shaped")
    arms = {"procskill": procskill_arm, **{v: bare_arm(v) for v in bare_variants}}
    if variants:
        arms["no_answer_format"] = variant_arm("no_answer_format", scorer=[extract()])
        arms["no_setup"] = variant_arm("no_setup", setup=None)
        # the floor without changing a scorer: no setup and no answer_format (procskill's samples,
        # generate_response and extract); and the same with Inspect's match() in place of extract
        arms["extract_only"] = variant_arm("extract_only", setup=None, scorer=[extract()])
        arms["match_only"] = variant_arm("match_only", setup=None, scorer=[match()])
        arms["no_completion_check"] = variant_arm("no_completion_check", solver=[generate()])
        # the solver before: Inspect's generate() and the empty-completion check as two solvers
        arms["generate_then_check"] = variant_arm(
            "generate_then_check", solver=[generate(), _require_completion()]
        )
        # the task before issue #16 item 7's change: run facts and block as two solvers (a span and state diff each)
        blocks = {p.id: p.block for p in load_packs(BUILTIN_DIR)}
        arms["two_setup_solvers"] = variant_arm(
            "two_setup_solvers",
            setup=record_run(),
            solver=[procedure_block(blocks), generate_response()],
        )
    for arm in arms.values() if warmup else ():
        arm()
    seconds, cpu = side_by_side(arms, repeats)
    others = [name for name in arms if name != "bare"]
    return {
        "episodes": episodes,
        "repeats": repeats,
        "wall_seconds": {name: [round(s, 2) for s in seconds[name]] for name in arms},
        "cpu_seconds": {name: [round(s, 2) for s in cpu[name]] for name in arms},
        "episodes_per_s_wall": {
            name: round(statistics.median(episodes / s for s in seconds[name]), 1) for name in arms
        },
        "ratio_over_bare_wall": {name: ratio_summary(seconds[name], seconds["bare"]) for name in others},
        "ratio_over_bare_cpu": {name: ratio_summary(cpu[name], cpu["bare"]) for name in others},
        "ratio_over_bare_match_wall": {
            name: ratio_summary(seconds[name], seconds["bare_match"])
            for name in others
            if name != "bare_match"
        },
        "ratio_over_bare_match_cpu": {
            name: ratio_summary(cpu[name], cpu["bare_match"]) for name in others if name != "bare_match"
        },
        "procskill_components_seconds": component_seconds(episodes),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--episodes", type=int, default=400)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--work-dir", default=None)
    parser.add_argument("--out", default=None)
    parser.add_argument("--variants", action="store_true", help="add the diagnostic arms (see above)")
    args = parser.parse_args(argv)
    return emit("harness", run(args.episodes, args.repeats, args.work_dir, variants=args.variants), args.out)


if __name__ == "__main__":
    main()
