"""Diagnostic for RESULTS.md section 3: which parts of the procskill task cost harness time (CPU seconds).

Arms, 400 holdout episodes, scripted mockllm, 3 rounds alternating: ``procskill`` (the task as is), ``bare``
(see bench_harness.py), ``no_skill_pass`` (the task with ``Task(metrics=...)`` overriding its metrics with
``procedural_delta`` and ``answer_compliance``: no 80-key per-skill metric), ``lean`` (the procedure block
already in the sample input, no procedure-block solver, no ``prompt`` / ``procedure_block`` in the sample
metadata) and ``lean_no_skill_pass`` (both). Prints JSON.

Usage::

    python benchmarks/harness_variants.py > benchmarks/results/harness_variants.json
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_harness as bh
from _common import ratio_summary, side_by_side
from inspect_ai import Task
from inspect_ai import eval as inspect_eval
from inspect_ai.dataset import MemoryDataset
from inspect_ai.model._model import init_active_model
from inspect_ai.solver import generate

from procskill.scorers import answer_compliance, procedural_delta
from procskill.tasks._procskill import procskill
from procskill.testing.scripted import scripted_model

model = scripted_model(bh.REPLY)
init_active_model(model, model.config)
base_task = procskill()
items = bh._with_targets(bh.holdout_episodes(400))
lean_samples = []
for s, e in zip(base_task.dataset, items):
    assert s.id == e["id"]
    lean_samples.append(s.model_copy(update={"input": bh.bare_task([e]).dataset[0].input,
        "metadata": {k: v for k, v in s.metadata.items() if k not in bh.LONG_METADATA}}))

def variant(kind):
    def arm():
        t = procskill()
        if kind == "no_skill_pass":
            t = Task(dataset=t.dataset, solver=t.solver, scorer=t.scorer, metrics=[procedural_delta(), answer_compliance()], config=t.config, metadata=t.metadata, name="v")
        elif kind == "lean":
            t = Task(dataset=MemoryDataset(lean_samples), solver=[generate()], scorer=t.scorer, config=t.config, metadata=t.metadata, name="v")
        elif kind == "lean_no_skill_pass":
            t = Task(dataset=MemoryDataset(lean_samples), solver=[generate()], scorer=t.scorer, metrics=[procedural_delta(), answer_compliance()], config=t.config, metadata=t.metadata, name="v")
        [log] = inspect_eval(t, model=model, log_dir="/tmp/bench/var", display="none")
        assert log.status == "success" and len(log.samples) == 400
    return arm

arms = {"procskill": variant("as_is"), "bare": lambda: inspect_eval(bh.bare_task(items), model=model, log_dir="/tmp/bench/var", display="none"),
        "no_skill_pass": variant("no_skill_pass"), "lean": variant("lean"), "lean_no_skill_pass": variant("lean_no_skill_pass")}
for a in arms.values(): a()
wall, cpu = side_by_side(arms, 3)
print(json.dumps({"cpu": cpu, "ratio_cpu_over_bare": {k: ratio_summary(cpu[k], cpu["bare"]) for k in arms if k != "bare"},
                  "ratio_wall_over_bare": {k: ratio_summary(wall[k], wall["bare"]) for k in arms if k != "bare"}}, indent=1))
