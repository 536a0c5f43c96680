"""Diagnostic for RESULTS.md section 3: which parts of the procskill task cost harness time (CPU seconds).

Arms, 400 holdout episodes, scripted mockllm, rounds alternating: ``bare`` and ``bare_match`` (see
bench_harness.py), ``procskill`` (the task as is), ``no_skill_pass`` (the task with ``Task(metrics=...)``
overriding its metrics by ``procedural_delta`` and ``answer_compliance``: no 80-key per-skill metric) and
``no_require_completion`` (the task without its empty-completion check after ``generate()``). Prints JSON.

Usage::

    python benchmarks/harness_variants.py --repeats 8 > benchmarks/results/harness_variants.json
"""

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_harness as bh
from _common import machine, ratio_summary, side_by_side
from inspect_ai import Task
from inspect_ai import eval as inspect_eval
from inspect_ai.model._model import init_active_model

from procskill.scorers import answer_compliance, procedural_delta
from procskill.solvers import require_completion
from procskill.tasks._procskill import procskill
from testkit.scripted import scripted_model


def variant(kind: str, model, log_dir: str):
    def arm() -> None:
        task = procskill()
        parts = dict(dataset=task.dataset, solver=task.solver, scorer=task.scorer, config=task.config,
                     metadata=task.metadata, name=kind)
        if kind == "no_skill_pass":
            parts["metrics"] = [procedural_delta(), answer_compliance()]
        elif kind == "no_require_completion":
            solvers = list(task.solver._solvers)  # Inspect's Chain keeps the unrolled solvers here
            parts["solver"] = [s for s in solvers if not _is(s, require_completion)]
        [log] = inspect_eval(Task(**parts), model=model, log_dir=log_dir, display="none")
        assert log.status == "success" and len(log.samples) == 400

    return arm


def _is(solver, factory) -> bool:
    from inspect_ai._util.registry import registry_info

    return registry_info(solver).name == registry_info(factory()).name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=8)
    args = parser.parse_args()
    model = scripted_model(bh.REPLY)
    init_active_model(model, model.config)
    log_dir = tempfile.mkdtemp(prefix="procskill-harness-variants-")
    items = bh._with_targets(bh.holdout_episodes(400))

    def bare(kind: str):
        return lambda: inspect_eval(bh.bare_task(items, kind), model=model, log_dir=log_dir, display="none")

    arms = {"bare": bare("bare"), "bare_match": bare("bare_match")}
    arms |= {k: variant(k, model, log_dir) for k in ("procskill", "no_skill_pass", "no_require_completion")}
    for arm in arms.values():
        arm()
    _, cpu = side_by_side(arms, args.repeats)
    print(json.dumps({
        "machine": machine(),
        "repeats": args.repeats,
        "cpu_seconds": {k: [round(x, 2) for x in v] for k, v in cpu.items()},
        "ratio_cpu_over_bare": {k: ratio_summary(cpu[k], cpu["bare"]) for k in arms if k != "bare"},
        "ratio_cpu_over_bare_match": {k: ratio_summary(cpu[k], cpu["bare_match"]) for k in arms
                                      if k not in ("bare", "bare_match")},
    }, indent=1))


if __name__ == "__main__":
    main()
