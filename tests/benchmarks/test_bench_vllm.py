"""bench_vllm.py without a server: its episode selection and its refusal without a vLLM environment.

Its measured run needs vLLM's environment and a server start (minutes here): the engine tests
(tests/engines/) exercise the same server helper and task path on every CI run.
"""

from __future__ import annotations

import pytest


def test_episodes_are_whole_skills_starting_with_the_demo_subset(bench):
    module = bench("bench_vllm")
    assert module._skills_for(80) == module.DEMO_SKILLS  # the offline demo's 40 tasks, both conditions
    assert module._skills_for(20) == module.DEMO_SKILLS[:2]
    with pytest.raises(SystemExit, match="multiple of 10"):
        module._skills_for(15)


def test_refuses_to_run_without_a_vllm_environment(bench, monkeypatch, tmp_path):
    monkeypatch.delenv("PROCSKILL_VLLM_ENV", raising=False)
    with pytest.raises(SystemExit, match="PROCSKILL_VLLM_ENV"):
        bench("bench_vllm").main(["--work-dir", str(tmp_path)])
