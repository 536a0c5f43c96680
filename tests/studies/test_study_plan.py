"""Study files: validation, the plan and its commands (the README's vLLM and multi-GPU commands
are exercised here through --dry-run)."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest
from inspect_ai.log import list_eval_logs, read_eval_log
from typer.testing import CliRunner

from procskill.cli import app
from procskill.studies import VLLM_ENV, VLLM_SETUP, StudyError, load_study, plan, run_study
from procskill.testing.fake_openai import FakeOpenAIServer

THINKING_OFF = {"chat_template_kwargs": {"enable_thinking": False}}

VLLM_STUDY = """\
name: v
models:
  - {id: q4, model: hf/Qwen/Qwen3.5-4B, engine: vllm, vllm_model: Qwen/Qwen3.5-4B,
     model_args: {enable_thinking: false, max_model_len: 4096}}
  - {id: hf, model: hf/Qwen/Qwen3.5-4B, model_args: {enable_thinking: false}}
task: {skills: luhn_check_digit}
generate: {max_tokens: 16, extra_body: {top_k: 20}}
"""


def test_paper_study_plan_has_every_configuration(tmp_path):
    study = load_study("paper", out=tmp_path)
    names = [step.name for step in plan(study)]
    assert names[:4] == ["eval qwen3.5-0.8b", "eval qwen3.5-2b", "eval qwen3.5-4b", "eval claude-haiku-4.5"]
    assert "eval qwen3.5-8b" not in names  # switched off until the prediction is tested
    assert "corpus" in names and names[-2:] == ["rejudge llm@openrouter/openai/gpt-5.4", "report"]
    sweep = [n for n in names if n.startswith("train qwen3.5-0.8b")]
    assert len(sweep) >= 5
    commands = {step.name: step.command for step in plan(study)}
    assert "--model hf/Qwen/Qwen3.5-0.8B -M enable_thinking=false -M do_sample=false" in commands["eval qwen3.5-0.8b"]
    assert "--model-role grader=anthropic/claude-haiku-4-5" in commands["eval qwen3.5-0.8b"]
    assert "-T scoring=extract,bench,llm" in commands["eval qwen3.5-0.8b"]
    assert "procskill corpus build --teacher anthropic/claude-opus-4-5" in commands["corpus"]
    ckpt_eval = commands["eval qwen3.5-0.8b+lora_r16_lr2e-4"]
    assert f"model_path={tmp_path}/checkpoints/qwen3.5-0.8b-lora_r16_lr2e-4/merged" in ckpt_eval


def test_switching_on_the_larger_models(tmp_path):
    text = (load_study("paper").source.read_text()).replace("    enabled: false\n", "")
    path = tmp_path / "paper-14b.yaml"
    path.write_text(text)
    names = [step.name for step in plan(load_study(path, out=tmp_path))]
    assert "eval qwen3.5-14b" in names and "train qwen3.5-14b lora_r16_lr2e-4" in names


def test_dry_run_prints_vllm_and_accelerate_commands(tmp_path):
    result = CliRunner().invoke(app, ["study", "paper-gpu-cluster", "--dry-run", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert f"[1/14] todo  vLLM environment\n        $ {VLLM_SETUP}\n" in result.output
    assert f"$ {VLLM_ENV}/bin/inspect eval-set procskill/procskill --log-dir {tmp_path}/logs/qwen3.5-2b " \
           "--model vllm/Qwen/Qwen3.5-2B -T " in result.output
    assert "--extra-body '{\"chat_template_kwargs\":{\"enable_thinking\":false}}'" in result.output
    assert "-M enable_thinking" not in result.output  # `vllm serve` would get nothing from a false flag
    assert ("accelerate launch --multi_gpu --num_processes 8 --mixed_precision bf16 -m procskill.training "
            "--base Qwen/Qwen3.5-0.8B") in result.output
    assert "todo" in result.output and "done" not in result.output
    assert not any(tmp_path.iterdir())  # a dry run writes nothing


def test_vllm_lora_checkpoint_is_evaluated_as_an_adapter_of_its_base(tmp_path):
    commands = {s.name: s.command for s in plan(load_study("paper-gpu-cluster", out=tmp_path))}
    adapter = tmp_path / "checkpoints" / "qwen3.5-2b-lora_r16_lr2e-4" / "adapter"
    command = commands["eval qwen3.5-2b+lora_r16_lr2e-4"]
    # Inspect's vllm provider: `base:adapter` on one LoRA-enabled server, no merged copy of the weights
    assert f"--model vllm/Qwen/Qwen3.5-2B:{adapter} " in command
    assert "model_path" not in command  # an hf provider argument; vLLM would get it as `vllm serve --model-path`
    assert "--no-merge" in commands["train qwen3.5-2b lora_r16_lr2e-4"]


def test_a_vllm_study_stops_at_the_environment_step_without_vllm(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    study = load_study("paper-gpu-cluster", out=tmp_path / "out")
    [setup] = [s for s in plan(study) if s.name == "vLLM environment"]
    assert not setup.done()
    with pytest.raises(StudyError, match=r"rerun `procskill study .*paper-gpu-cluster\.yaml` from there"):
        run_study(study, echo=lambda line: None)
    assert not (tmp_path / "out").exists()


def test_vllm_evaluations_run_the_printed_command_in_vllms_environment(tmp_path, monkeypatch):
    # A stand-in for `.venv-vllm/bin/inspect` that records how it was called: the study runs from
    # procskill's own environment and hands only its vLLM evaluations to vLLM's.
    monkeypatch.chdir(tmp_path)
    inspect = tmp_path / VLLM_ENV / "bin" / "inspect"
    inspect.parent.mkdir(parents=True)
    calls = tmp_path / "calls.txt"
    inspect.write_text(f'#!/bin/sh\nfor arg in "$@"; do printf "%s\\n" "$arg"; done >> {calls}\n')
    inspect.chmod(0o755)
    steps = {s.name: s for s in plan(load_study("paper-gpu-cluster", out=tmp_path / "out"))}
    assert steps["vLLM environment"].done()
    steps["eval qwen3.5-2b"].run()
    assert [f"{VLLM_ENV}/bin/inspect", *calls.read_text().splitlines()] == shlex.split(steps["eval qwen3.5-2b"].command)


def test_single_process_accelerate_has_no_multi_gpu_flag(tmp_path):
    path = tmp_path / "study.yaml"
    path.write_text("name: x\nmodels:\n  - {id: a, model: hf/Org/A}\ncorpus: {teacher: procedural}\n"
                    "sft:\n  - {base: a, recipes: [r], launcher: accelerate}\n")
    [train] = [s for s in plan(load_study(path, out=tmp_path)) if s.name.startswith("train")]
    assert train.command.startswith("accelerate launch --num_processes 1 -m procskill.training --base Org/A")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("models: []\n", r"name is required"),
        ("name: x\nmodels:\n  - {id: a}\n", r"models\[0\].model is required"),
        ("name: x\nmodels:\n  - {id: a, model: m, engine: tgi}\n", r"models\[0\].engine must be one of"),
        ("name: x\nmodels:\n  - {id: a, model: m}\nsft:\n  - {base: b, recipes: [r]}\ncorpus: {teacher: procedural}\n",
         r"sft\[0\].base 'b' is not a model id"),
        ("name: x\nmodels:\n  - {id: a, model: m}\nsft:\n  - {base: a, recipes: [r]}\n", r"sft needs a corpus"),
        (("name: x\nmodels:\n  - {id: a, model: m}\ncorpus: {teacher: procedural}\n"
          "sft:\n  - {base: a, recipes: [r], launcher: accelerate, mixed_precision: bf17}\n"),
         r"sft\[0\].mixed_precision must be one of"),
    ],
)
def test_bad_study_files_name_the_field(tmp_path, text, message):
    path = tmp_path / "study.yaml"
    path.write_text(text)
    with pytest.raises(StudyError, match=message):
        load_study(path)


def test_unknown_study_name():
    with pytest.raises(StudyError, match="not a shipped study"):
        load_study("nope")


# -- thinking off for vLLM: a per-request chat_template_kwargs, not a `vllm serve` flag ---------------------


def _vllm_study(tmp_path: Path):
    path = tmp_path / "v.yaml"
    path.write_text(VLLM_STUDY)
    return {s.name: s for s in plan(load_study(path, out=tmp_path / "out"), display="none")}


def test_vllm_thinking_goes_into_the_request_body_and_hf_keeps_its_model_arg(tmp_path):
    steps = _vllm_study(tmp_path)
    vllm = shlex.split(steps["eval q4"].command)
    # max_model_len is a `vllm serve` option and stays one; the study's own extra_body is kept beside it
    assert vllm[vllm.index("-M") + 1] == "max_model_len=4096" and vllm.count("-M") == 1
    assert vllm[vllm.index("--extra-body") + 1] == \
        '{"top_k":20,"chat_template_kwargs":{"enable_thinking":false}}'
    hf = shlex.split(steps["eval hf"].command)
    assert hf[hf.index("-M") + 1] == "enable_thinking=false"
    assert hf[hf.index("--extra-body") + 1] == '{"top_k":20}'


@pytest.fixture
def fake_vllm(monkeypatch):
    """Inspect's vllm provider talks to an existing server at VLLM_BASE_URL instead of starting one."""
    with FakeOpenAIServer("Checked.\nANSWER: 7") as server:
        monkeypatch.setenv("VLLM_BASE_URL", server.base_url)
        monkeypatch.setenv("VLLM_API_KEY", "dummy")
        yield server


def _thinking_recorded(log_dir: Path) -> list[bool | None]:
    return [read_eval_log(info, header_only=True).eval.metadata["generation"]["enable_thinking"]
            for info in list_eval_logs(str(log_dir))]


@pytest.mark.slow
def test_the_runner_sends_thinking_off_to_vllm_and_the_log_records_it(tmp_path, fake_vllm, monkeypatch):
    # vLLM's environment stand-in: this environment's own `inspect`, whose vllm provider talks to the fake
    # server at VLLM_BASE_URL (no vLLM needed); the runner runs its printed command through it
    monkeypatch.chdir(tmp_path)
    (tmp_path / VLLM_ENV / "bin").mkdir(parents=True)
    (tmp_path / VLLM_ENV / "bin" / "inspect").symlink_to(Path(sys.executable).parent / "inspect")
    monkeypatch.delenv("INSPECT_LOG_DIR", raising=False)
    log_dir = _vllm_study(tmp_path)["eval q4"].run()
    [info] = list_eval_logs(str(log_dir))
    log = read_eval_log(info)
    assert log.status == "success" and log.results.total_samples == 10
    bodies = fake_vllm.requests
    assert len(bodies) == 10 and all(b["chat_template_kwargs"] == {"enable_thinking": False} for b in bodies)
    assert all(b["top_k"] == 20 and b["model"] == "Qwen/Qwen3.5-4B" for b in bodies)
    assert log.eval.model_args == {"max_model_len": 4096}
    # recorded like `-M enable_thinking=false` on the hf provider, so the report sees one thinking setting
    assert log.eval.metadata["generation"]["enable_thinking"] is False


def test_model_arg_thinking_wins_over_the_request_body(tmp_path, fake_vllm):
    from inspect_ai import eval as inspect_eval

    def thinking(**kwargs):
        [log] = inspect_eval("procskill/procskill", model="vllm/Qwen/Qwen3.5-4B", limit=1, display="none",
                             task_args={"skills": "luhn_check_digit"}, log_dir=str(tmp_path / "logs"), **kwargs)
        return log.eval.metadata["generation"]["enable_thinking"]

    assert thinking() is None  # nothing said: nothing recorded
    assert thinking(extra_body=THINKING_OFF) is False
    assert thinking(extra_body={"chat_template_kwargs": {"enable_thinking": True}}) is True
    assert thinking(extra_body=THINKING_OFF, model_args={"enable_thinking": True}) is True
