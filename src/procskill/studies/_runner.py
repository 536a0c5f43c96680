"""Run a study: the same steps a user would run by hand, in order, resumably.

Each step knows the command a user would type for it, whether it is already done
(found from logs and checkpoint metadata, never from a ledger of our own) and how to
run it through the Python function behind that command. Evaluations go through
Inspect's ``eval_set``, whose retry semantics redo an interrupted evaluation without
losing its completed samples.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from procskill._local import require_local
from procskill.checkpoint_meta import CHECKPOINT_METADATA
from procskill.studies._spec import VLLM_ENV, VLLM_SETUP, ModelEntry, SftEntry, Study, StudyError

LOGS, CORPUS, CHECKPOINTS, REPORT, MODELS = "logs", "corpus", "checkpoints", "report", "models"


@dataclass
class Step:
    """One unit of a study."""

    name: str
    command: str
    """What a user would type to do this step by hand."""
    done: Callable[[], bool]
    run: Callable[[], Any]


def _quote(args: list[str]) -> str:
    return " ".join(shlex.quote(str(a)) for a in args)


def _flag_value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, dict):  # --extra-body and the like take JSON; compact keeps it one shell word
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _generate_config(study: Study, model: ModelEntry) -> dict[str, Any]:
    """The study's generation settings, plus the model's chat-template switches for vLLM."""
    config = dict(study.generate)
    if model.chat_template_kwargs:
        extra_body = dict(config.get("extra_body") or {})
        extra_body["chat_template_kwargs"] = {**(extra_body.get("chat_template_kwargs") or {}),
                                              **model.chat_template_kwargs}
        config["extra_body"] = extra_body
    return config


def _successful_log(log_dir: Path) -> bool:
    from inspect_ai.log import list_eval_logs, read_eval_log

    if not log_dir.is_dir():
        return False
    return any(read_eval_log(info, header_only=True).status == "success" for info in list_eval_logs(str(log_dir)))


def _eval_step(study: Study, config_id: str, model: ModelEntry, display: str | None) -> Step:
    log_dir = study.out / LOGS / config_id
    task_args = {k: _flag_value(v) for k, v in study.task.items()}
    # vLLM evaluations run from vLLM's own environment (see VLLM_SETUP)
    inspect = f"{VLLM_ENV}/bin/inspect" if model.engine == "vllm" else "inspect"
    model_args = model.eval_model_args
    generate = _generate_config(study, model)
    args = [inspect, "eval-set", "procskill/procskill", "--log-dir", log_dir, "--model", model.eval_model]
    for key, value in model_args.items():
        args += ["-M", f"{key}={_flag_value(value)}"]
    for key, value in task_args.items():
        args += ["-T", f"{key}={value}"]
    for role, judge in study.judges.items():
        args += ["--model-role", f"{role}={judge}"]
    for key, value in generate.items():
        args += [f"--{key.replace('_', '-')}", _flag_value(value)]

    def run() -> Any:
        if model.engine == "vllm":
            # vLLM cannot share this environment (it pins its own torch and transformers): run the
            # printed command, which uses vLLM's environment, exactly as a user would
            subprocess.run([str(a) for a in args], check=True)
            return log_dir
        from inspect_ai import eval_set

        if model.eval_model.startswith("hf/"):
            require_local(f"evaluating {model.eval_model}", ("torch", "transformers"))
        success, logs = eval_set(
            tasks="procskill/procskill",
            log_dir=str(log_dir),
            model=model.eval_model,
            model_args=model_args,
            model_roles=dict(study.judges) or None,
            task_args=task_args,
            display=display,  # type: ignore[arg-type]
            **generate,
        )
        if not success:
            raise RuntimeError(f"evaluation of {config_id} did not finish; rerun the study to retry it")
        return logs

    return Step(f"eval {config_id}", _quote(args), lambda: _successful_log(log_dir), run)


def _checkpoint_dir(study: Study, sft: SftEntry, recipe: str) -> Path:
    return study.out / CHECKPOINTS / f"{sft.base}-{Path(recipe).stem}"


def _serves_adapter(base: ModelEntry, recipe: str) -> bool:
    """A LoRA checkpoint of a vLLM-served base is evaluated as an adapter, never merged: one vLLM server
    with LoRA enabled serves the base and every adapter of the sweep (``vllm/<base>:<adapter folder>``)."""
    from procskill.training._recipes import load_recipe

    return base.engine == "vllm" and load_recipe(recipe).method == "lora"


def _train_step(study: Study, sft: SftEntry, recipe: str) -> Step:
    base = study.model(sft.base)
    out = _checkpoint_dir(study, sft, recipe)
    corpus = study.out / CORPUS
    merge = not _serves_adapter(base, recipe)
    train_args = ["--base", base.base_for_training, "--corpus", corpus, "--recipe", recipe, "--out", out]
    if sft.max_steps is not None:
        train_args += ["--max-steps", sft.max_steps]
    if not merge:
        train_args += ["--no-merge"]
    if sft.launcher == "accelerate":
        # explicit, so that a stale `accelerate config` on the machine cannot silently change the launch
        args = ["accelerate", "launch", *(["--multi_gpu"] if sft.num_processes > 1 else []),
                "--num_processes", sft.num_processes]
        if sft.mixed_precision is not None:
            args += ["--mixed_precision", sft.mixed_precision]
        args += ["-m", "procskill.training", *train_args]
    else:
        args = ["procskill", "train", *train_args]

    def run() -> Any:
        resume = (out / "procskill_run.json").is_file()
        if sft.launcher == "accelerate":  # the launched processes check their own environment
            subprocess.run([*map(str, args), *(["--resume"] if resume else [])], check=True)
            return out
        require_local(f"training {sft.base} ({recipe})")
        from procskill.training import train

        return train(base.base_for_training, corpus, recipe, out=out, resume=resume, max_steps=sft.max_steps,
                     merge=merge)

    return Step(f"train {sft.base} {recipe}", _quote(args), lambda: (out / CHECKPOINT_METADATA).is_file(), run)


def _corpus_step(study: Study) -> Step:
    spec = dict(study.corpus or {})
    out = study.out / CORPUS
    teacher = spec.pop("teacher")
    args = ["procskill", "corpus", "build", "--teacher", teacher, "--out", out]
    for key in ("skills", "skills_dir"):
        if key in study.task and key not in spec:
            spec[key] = _flag_value(study.task[key])
    for key, value in spec.items():
        if key == "model_args":
            for k, v in value.items():
                args += ["-M", f"{k}={_flag_value(v)}"]
        else:
            args += [f"--{key.replace('_', '-')}", _flag_value(value)]

    def run() -> Any:
        from procskill.training import build_corpus

        return build_corpus(teacher, out=out, **spec)

    return Step("corpus", _quote(args), lambda: (out / "corpus_card.json").is_file(), run)


def _rejudge_step(study: Study, spec: dict[str, Any]) -> Step:
    judge, path = spec["judge"], spec.get("path", "llm")
    logs = study.out / LOGS
    score = f"{path}@{judge}"
    args = ["procskill", "rejudge", logs, "--judge", judge, "--path", path]

    def done() -> bool:
        from inspect_ai.log import list_eval_logs, read_eval_log

        infos = list_eval_logs(str(logs)) if logs.is_dir() else []
        headers = [read_eval_log(info, header_only=True) for info in infos]
        return bool(headers) and all(
            h.results is not None and any(s.name == score for s in h.results.scores) for h in headers
        )

    def run() -> Any:
        from procskill.analysis import rejudge

        return rejudge(logs, judge, path=path, max_connections=spec.get("max_connections"))

    return Step(f"rejudge {score}", _quote(args), done, run)


def _report_step(study: Study) -> Step:
    spec = dict(study.report or {})
    out = study.out / REPORT
    logs = study.out / LOGS
    sizes = {m.eval_model: m.size for m in study.models if m.size is not None}
    args = ["procskill", "report", logs, "--out", out]
    for name, size in sizes.items():
        args += ["--size", f"{name}={size:g}"]

    def done() -> bool:
        summary = out / "summary.json"
        if not summary.is_file():
            return False
        newest_log = max((p.stat().st_mtime for p in logs.rglob("*.eval")), default=0.0)
        return summary.stat().st_mtime >= newest_log

    def run() -> Any:
        from procskill.analysis import build_report

        return build_report([logs], out, size_overrides=sizes or None, **spec)

    return Step("report", _quote(args), done, run)


def _vllm_step(study: Study) -> Step:
    # The study itself runs from procskill's own environment (training needs the `local` extra, which
    # vLLM's pins exclude); only its vLLM evaluations run from VLLM_ENV, which must exist beforehand.
    inspect = Path(VLLM_ENV) / "bin" / "inspect"

    def run() -> Any:
        raise StudyError(
            f"{study.source}: this study evaluates through vLLM, which needs its own environment: set it up "
            f"from the procskill checkout with `{VLLM_SETUP}`, then rerun `procskill study {study.source}` "
            "from there (finished steps are skipped)"
        )

    return Step("vLLM environment", VLLM_SETUP, inspect.is_file, run)


def _setup_steps(study: Study) -> list[Step]:
    steps = []
    if any(m.engine == "vllm" for m in study.models):
        steps.append(_vllm_step(study))
    if "tiny_model" in study.setup:
        spec = dict(study.setup["tiny_model"])
        path = Path(spec.pop("path"))
        if spec.get("tokenizer_text") == "catalog":
            from procskill.studies._demo import catalog_text

            spec["tokenizer_text"] = catalog_text()

        def run() -> Any:
            from procskill.testing.tiny_model import build_tiny_qwen35

            return build_tiny_qwen35(path, **spec)

        def done() -> bool:
            from procskill.testing.tiny_model import is_complete_build

            return is_complete_build(path)

        options = ", ".join(f"{k}={v!r}" for k, v in study.setup["tiny_model"].items() if k != "path")
        command = f"python -c 'from procskill.testing.tiny_model import build_tiny_qwen35; build_tiny_qwen35(\"{path}\", {options})'"
        steps.append(Step("build tiny Qwen3.5", command, done, run))
    return steps


def plan(study: Study, display: str | None = None) -> list[Step]:
    """The study's steps in order: setup, evaluations, corpus, training, checkpoint evaluations,
    re-judges, report."""
    steps = _setup_steps(study)
    steps += [_eval_step(study, m.id, m, display) for m in study.models]
    if study.corpus:
        steps.append(_corpus_step(study))
    for sft in study.sft:
        base = study.model(sft.base)
        for recipe in sft.recipes:
            steps.append(_train_step(study, sft, recipe))
            out = _checkpoint_dir(study, sft, recipe)
            merged = out / "merged"
            # vLLM serves the folder named in the model string (an adapter after its base's name);
            # `model_path` is an hf provider argument that Inspect's vllm provider would pass to `vllm serve`
            if _serves_adapter(base, recipe):
                vllm_model: str | None = f"{base.vllm_model}:{out / 'adapter'}"
            else:
                vllm_model = str(merged) if base.engine == "vllm" else None
            path_arg = {} if base.engine == "vllm" else {"model_path": str(merged)}
            checkpoint = ModelEntry(
                id=f"{sft.base}+{Path(recipe).stem}",
                model="hf/local",
                model_args={**base.model_args, **path_arg},
                engine=base.engine,
                vllm_model=vllm_model,
            )
            steps.append(_eval_step(study, checkpoint.id, checkpoint, display))
    steps += [_rejudge_step(study, spec) for spec in study.rejudge]
    if study.report is not None:
        steps.append(_report_step(study))
    return steps


def run_study(
    study: Study,
    dry_run: bool = False,
    display: str | None = None,
    echo: Callable[[str], None] = print,
) -> list[Step]:
    """Run (or, with ``dry_run``, only print) every step that is not done yet.

    Args:
        study: A loaded study (:func:`procskill.studies.load_study`).
        dry_run: Print the plan — each step's status and command — and run nothing.
        display: Inspect's progress display for evaluations (``none``, ``plain``, ``rich``).
        echo: Where progress lines go.

    Returns:
        The plan.
    """
    steps = plan(study, display)
    for i, step in enumerate(steps, start=1):
        status = "done" if step.done() else "todo"
        echo(f"[{i}/{len(steps)}] {status:4}  {step.name}\n        $ {step.command}")
        if dry_run or status == "done":
            continue
        step.run()
        sys.stdout.flush()
    return steps
