"""A merged fine-tuned checkpoint on its own vLLM server, evaluated like any model served by vLLM."""

from __future__ import annotations

import json

import pytest
from engine_helpers import inspect_eval
from inspect_ai.log import read_eval_log

from procskill.analysis._logs import read_logs
from procskill.analysis._report import pair_checkpoints
from procskill.checkpoint_meta import CHECKPOINT_METADATA
from procskill.solvers import logged_run_facts
from testkit.vllm_server import vllm_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def merged_log(vllm_env, tiny_sweep, lora_server_run, tmp_path_factory):
    # lora_server_run first: its server is stopped before this one starts (one server at a time)
    root = tmp_path_factory.mktemp("merged-run")
    with vllm_server(
        vllm_env, tiny_sweep.merged, enforce_eager=True, log_file=root / "server.log"
    ) as base_url:
        return inspect_eval(vllm_env, f"vllm/{tiny_sweep.merged}", base_url, root / "logs")


def test_merged_checkpoint_log_has_its_checkpoint_metadata(merged_log, tiny_sweep):
    log = read_eval_log(str(merged_log))
    assert log.status == "success"
    assert log.eval.model == f"vllm/{tiny_sweep.merged}"
    assert len(log.samples) == 20 and {s.output.model for s in log.samples} == {str(tiny_sweep.merged)}
    facts = logged_run_facts(log.eval.metadata, [s.metadata for s in log.samples])
    assert facts["checkpoint"] == json.loads((tiny_sweep.merged / CHECKPOINT_METADATA).read_text())
    assert facts["generation"]["enable_thinking"] is False


def test_merged_checkpoint_and_unmerged_adapter_say_the_same(merged_log, lora_server_run):
    # merged weights and base + adapter compute the same logits (to rounding): greedy outputs agree
    merged = {s.id: s.output.completion for s in read_eval_log(str(merged_log)).samples}
    adapter = {s.id: s.output.completion for s in read_eval_log(str(lora_server_run.adapter_log)).samples}
    same = sum(merged[k] == adapter[k] for k in merged)
    assert same >= 0.9 * len(merged), f"only {same}/{len(merged)} completions agree"


def test_the_report_pairs_both_checkpoints_with_the_base(merged_log, lora_server_run):
    tables = read_logs([lora_server_run.base_log, lora_server_run.adapter_log, merged_log])
    pairing = pair_checkpoints(tables.configurations)
    assert not pairing.unpaired and not pairing.refused
    assert len(pairing.pairs) == 2
    assert {pre.model for pre, _ in pairing.pairs} == {
        read_eval_log(str(lora_server_run.base_log), header_only=True).eval.model
    }
