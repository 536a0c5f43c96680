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
from procskill.solvers import logged_run_facts
from procskill.studies import VLLM_ENV, VLLM_SETUP, StudyError, load_study, plan, run_study
from testkit.fake_openai import FakeOpenAIServer

THINKING_OFF = {"chat_template_kwargs": {"enable_thinking": False}}

VLLM_STUDY = """\
name: v
models:
  - {id: q4, model: hf/Qwen/Qwen3.5-4B, engine: vllm, vllm_model: Qwen/Qwen3.5-4B,
     model_args: {enable_thinking: false, max_model_len: 4096}}
  - {id: hf, model: hf/Qwen/Qwen3.5-4B, model_args: {enable_thinking: false}}
task: {skills: luhn-check-digit}
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
    assert (
        "--model hf/Qwen/Qwen3.5-0.8B -M enable_thinking=false -M do_sample=false"
        in commands["eval qwen3.5-0.8b"]
    )
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


def test_dry_run_prints_vllm_and_accelerate_commands(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the vLLM environment is found relative to the working folder (CI has one)
    result = CliRunner().invoke(app, ["study", "paper-gpu-cluster", "--dry-run", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert f"[1/14] todo  vLLM environment\n        $ {VLLM_SETUP}\n" in result.output
    assert (
        f"$ {VLLM_ENV}/bin/inspect eval-set procskill/procskill --log-dir {tmp_path}/logs/qwen3.5-2b "
        "--model vllm/Qwen/Qwen3.5-2B -T " in result.output
    )
    assert '--extra-body \'{"chat_template_kwargs":{"enable_thinking":false}}\'' in result.output
    assert "-M enable_thinking" not in result.output  # `vllm serve` would get nothing from a false flag
    assert (
        "accelerate launch --multi_gpu --num_processes 8 --mixed_precision bf16 -m procskill.training "
        "--base Qwen/Qwen3.5-0.8B"
    ) in result.output
    assert "todo" in result.output and "done" not in result.output
    assert not any(tmp_path.iterdir())  # a dry run writes nothing


def test_vllm_lora_checkpoint_is_evaluated_as_an_adapter_of_its_base(tmp_path):
    commands = {s.name: s.command for s in plan(load_study("paper-gpu-cluster", out=tmp_path))}
    adapter = tmp_path / "checkpoints" / "qwen3.5-2b-lora_r16_lr2e-4" / "adapter"
    command = commands["eval qwen3.5-2b+lora_r16_lr2e-4"]
    # Inspect's vllm provider: `base:adapter` on one LoRA-enabled server, no merged copy of the weights
    assert f"--model vllm/Qwen/Qwen3.5-2B:{adapter} " in command
    assert (
        "model_path" not in command
    )  # an hf provider argument; vLLM would get it as `vllm serve --model-path`
    assert "--no-merge" in commands["train qwen3.5-2b lora_r16_lr2e-4"]
    # tagged as a checkpoint of its base and recipe, like a merged one (the viewer's log list)
    assert (
        f"--tags config:qwen3.5-2b+lora_r16_lr2e-4,model:vllm/Qwen/Qwen3.5-2B:{adapter},"
        "base_model:qwen3.5-2b,recipe:lora_r16_lr2e-4," in command
    )


def test_only_lora_on_vllm_skips_the_merge(tmp_path):
    """Full fine-tuning has no adapter: its checkpoint is evaluated whole on vLLM; on the hf path every
    checkpoint is merged and evaluated with model_path."""
    path = tmp_path / "s.yaml"
    path.write_text(
        VLLM_STUDY + "corpus: {teacher: procedural}\nsft:\n"
        "  - {base: q4, recipes: [lora_r16_lr2e-4, full_ft_lr1e-5]}\n"
        "  - {base: hf, recipes: [lora_r16_lr2e-4]}\n"
    )
    commands = {s.name: s.command for s in plan(load_study(str(path), out=tmp_path / "out"))}
    checkpoints = tmp_path / "out" / "checkpoints"
    assert "--no-merge" in commands["train q4 lora_r16_lr2e-4"]
    assert (
        f"--model vllm/Qwen/Qwen3.5-4B:{checkpoints / 'q4-lora_r16_lr2e-4' / 'adapter'} "
        in (commands["eval q4+lora_r16_lr2e-4"])
    )
    assert "--no-merge" not in commands["train q4 full_ft_lr1e-5"]
    assert (
        f"--model vllm/{checkpoints / 'q4-full_ft_lr1e-5' / 'merged'} " in commands["eval q4+full_ft_lr1e-5"]
    )
    assert "--no-merge" not in commands["train hf lora_r16_lr2e-4"]
    assert (
        f"model_path={checkpoints / 'hf-lora_r16_lr2e-4' / 'merged'}" in commands["eval hf+lora_r16_lr2e-4"]
    )


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
    assert [f"{VLLM_ENV}/bin/inspect", *calls.read_text().splitlines()] == shlex.split(
        steps["eval qwen3.5-2b"].command
    )


def test_single_process_accelerate_has_no_multi_gpu_flag(tmp_path):
    path = tmp_path / "study.yaml"
    path.write_text(
        "name: x\nmodels:\n  - {id: a, model: hf/Org/A}\ncorpus: {teacher: procedural}\n"
        "sft:\n  - {base: a, recipes: [r], launcher: accelerate}\n"
    )
    [train] = [s for s in plan(load_study(path, out=tmp_path)) if s.name.startswith("train")]
    assert train.command.startswith("accelerate launch --num_processes 1 -m procskill.training --base Org/A")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("models: []\n", r"study.yaml:1: name: is required$"),
        ("name: x\nmodels:\n  - {id: a}\n", r"study.yaml:3: models\[0\].model: is required"),
        (
            "name: x\nmodels:\n  - {id: a, model: m, engine: tgi}\n",
            r"study.yaml:3: models\[0\].engine: Input should be 'inspect' or 'vllm'",
        ),
        (
            "name: x\nmodels:\n  - {id: a, model: 3}\n",
            r"study.yaml:3: models\[0\].model: Input should be a valid string",
        ),
        (
            "name: x\nmodels:\n  - {id: a, model: m, modle_args: {}}\n",
            r"study.yaml:3: models\[0\].modle_args: unknown field",
        ),
        (
            "name: x\nmodels:\n  - {id: a, model: m}\nsft:\n  - {base: b, recipes: [r]}\ncorpus: {teacher: procedural}\n",
            r"study.yaml:5: sft\[0\].base: 'b' is not a model id",
        ),
        (
            "name: x\nmodels:\n  - {id: a, model: m}\nsft:\n  - {base: a, recipes: [r]}\n",
            r"study.yaml:5: sft: SFT needs a corpus",
        ),
        (
            (
                "name: x\nmodels:\n  - {id: a, model: m}\ncorpus: {teacher: procedural}\n"
                "sft:\n  - {base: a, recipes: [r], launcher: accelerate, mixed_precision: bf17}\n"
            ),
            r"study.yaml:6: sft\[0\].mixed_precision: Input should be 'no', 'fp16', 'bf16' or 'fp8'",
        ),
        (
            "name: x\nmodels:\n  - {id: a, model: m}\n  - {id: a, model: n}\n",
            r"study.yaml:4: models\[1\].id: 'a' is used twice",
        ),
        ("name: [\n", r"study.yaml:2: not valid YAML: expected the node content"),
        ("- a\n", r"study.yaml:1: expected a mapping of fields, got list"),
    ],
)
def test_bad_study_files_name_the_line_and_field(tmp_path, text, message):
    path = tmp_path / "study.yaml"
    path.write_text(text)
    with pytest.raises(StudyError, match=message) as raised:
        load_study(path)
    assert "\n" not in str(raised.value)  # one problem, one line


def test_every_problem_of_a_study_file_at_once(tmp_path):
    path = tmp_path / "study.yaml"
    path.write_text("name: x\nmodels:\n  - {id: a, model: 3}\n  - {id: b}\nsft: 7\n")
    with pytest.raises(StudyError) as raised:
        load_study(path)
    assert str(raised.value).splitlines() == [
        f"{path}:3: models[0].model: Input should be a valid string",
        f"{path}:4: models[1].model: is required",
        f"{path}:5: sft: Input should be a valid list",
    ]


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
    assert (
        vllm[vllm.index("--extra-body") + 1]
        == '{"top_k":20,"chat_template_kwargs":{"enable_thinking":false}}'
    )
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
    return [
        read_eval_log(info, header_only=True).eval.metadata["generation"]["enable_thinking"]
        for info in list_eval_logs(str(log_dir))
    ]


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
    assert (
        logged_run_facts(log.eval.metadata, [s.metadata for s in log.samples])["generation"][
            "enable_thinking"
        ]
        is False
    )


def test_model_arg_thinking_wins_over_the_request_body(tmp_path, fake_vllm):
    from inspect_ai import eval as inspect_eval

    def thinking(**kwargs):
        [log] = inspect_eval(
            "procskill/procskill",
            model="vllm/Qwen/Qwen3.5-4B",
            limit=1,
            display="none",
            task_args={"skills": "luhn-check-digit"},
            log_dir=str(tmp_path / "logs"),
            **kwargs,
        )
        return log.samples[0].metadata["procskill_run"]["generation"]["enable_thinking"]

    assert thinking() is None  # nothing said: nothing recorded
    assert thinking(extra_body=THINKING_OFF) is False
    assert thinking(extra_body={"chat_template_kwargs": {"enable_thinking": True}}) is True
    assert thinking(extra_body=THINKING_OFF, model_args={"enable_thinking": True}) is True


# -- one-way imports: the runner knows no particular study and nothing above it ------------------------------


def test_the_runner_imports_neither_the_demo_nor_the_cli():
    import ast

    import procskill.studies._runner as runner

    tree = ast.parse(Path(runner.__file__).read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not {m for m in imported if m.startswith(("procskill.studies._demo", "procskill.cli"))}
    assert "python -c" not in Path(runner.__file__).read_text()


def test_each_step_renders_and_runs_from_the_same_arguments(tmp_path):
    study = load_study("demo", out=tmp_path)
    steps = {s.name: s for s in plan(study)}
    tiny = steps["build tiny Qwen3.5"]
    assert tiny.command == (
        f"procskill models tiny {tmp_path}/models/tiny-qwen35 --tokenizer-text catalog "
        "--vocab-size 4096 --initializer-range 0.2"
    )
    evaluation = steps["eval tiny-qwen35"]
    # the run passes what Inspect's CLI parses from the printed -T/-M values (same task identity for eval_set)
    from procskill.studies._runner import _as_inspect_parses

    assert _as_inspect_parses(evaluation.task_args["skills"]) == study.task["skills"]
    assert _as_inspect_parses("luhn-check-digit") == "luhn-check-digit"
    assert _as_inspect_parses(evaluation.model_args["enable_thinking"]) is False
    assert "--no-score-display" not in evaluation.command
    assert "--no-score-display" in plan(study, score_display=False)[1].command


def test_a_log_folder_of_another_configuration_is_one_clear_error(tmp_path, monkeypatch):
    from procskill.studies._runner import EvalStep

    class PrerequisiteError(Exception):  # Inspect's (private) class, matched by name
        pass

    def dirty(self):
        raise PrerequisiteError(
            "[bold]ERROR[/bold]: Existing log file 'x.eval' in log_dir is not associated "
            "with a task passed to eval_set"
        )

    monkeypatch.setattr(EvalStep, "_eval_set", dirty)
    step = next(s for s in plan(load_study("demo", out=tmp_path)) if isinstance(s, EvalStep))
    with pytest.raises(
        StudyError, match=r"logs/tiny-qwen35: ERROR: Existing log file 'x.eval' .* pass a new --out"
    ):
        step.run()


DRIFT_STUDY = """\
name: drift
models:
  - {id: tiny, model: hf/local, size: 0.8, model_args: {model_path: "{out}/models/tiny"}}
setup:
  tiny_model: {path: "{out}/models/tiny", tokenizer_text: catalog, vocab_size: 4096}
task: {skills: [day-of-week, gcd-euclid]}
corpus: {teacher: procedural, limit: 5}
sft:
  - {base: tiny, recipes: [demo_tiny_lora], max_steps: 3}
report: {mode: cluster, resamples: 100}
"""


class _Captured(Exception):
    pass


@pytest.mark.parametrize(
    ("step_kind", "module", "function"),
    [
        ("TinyModelStep", "procskill.studies._models", "build_tiny_model"),
        ("CorpusStep", "procskill.training", "build_corpus"),
        ("TrainStep", "procskill.training", "train"),
        ("ReportStep", "procskill.analysis", "build_report"),
    ],
)
def test_a_printed_procskill_command_calls_what_the_step_runs(
    tmp_path, monkeypatch, step_kind, module, function
):
    """The printed command, parsed by the real CLI, reaches the function with the arguments the step passes."""
    import importlib
    import inspect as pyinspect

    target = importlib.import_module(module)
    real = getattr(target, function)
    calls: list[dict] = []

    signature = pyinspect.signature(real)
    var_keyword = [p.name for p in signature.parameters.values() if p.kind is p.VAR_KEYWORD]

    def capture(*args, **kwargs):
        bound = dict(signature.bind(*args, **kwargs).arguments)
        for name in var_keyword:  # **options: compare option by option
            bound |= bound.pop(name, {})
        calls.append(bound)
        raise _Captured

    for where in {target, importlib.import_module("procskill.studies")}:
        if hasattr(where, function):
            monkeypatch.setattr(where, function, capture)
    monkeypatch.setattr("procskill.studies._runner.require_local", lambda *a, **k: None)
    path = tmp_path / "drift.yaml"
    path.write_text(DRIFT_STUDY)
    [step] = [s for s in plan(load_study(path, out=tmp_path)) if type(s).__name__ == step_kind]
    with pytest.raises(_Captured):
        step.run()
    argv = shlex.split(step.command)
    assert argv[0] == "procskill"
    CliRunner().invoke(app, argv[1:])
    assert len(calls) == 2, calls
    ran, typed = calls

    def norm(value):
        if isinstance(value, Path):
            return str(value)
        return None if value in ({}, None) else value

    assert {k: norm(v) for k, v in ran.items()} == {k: norm(typed.get(k)) for k in ran}
