"""Run a study: the same steps a user would run by hand, in order, resumably.

Each step is one object that holds its arguments once: it renders the command a user
would type (:meth:`Step.argv`), runs the Python function behind that command with the
same arguments (:meth:`Step.run`), and knows whether it is already done (:meth:`Step.done`,
found from logs and checkpoint metadata, never from a ledger of our own). Evaluations go
through Inspect's ``eval_set``, whose retry semantics redo an interrupted evaluation
without losing its completed samples. The runner knows nothing about any particular
study (the demo is a study file, ``demo.yaml``, plus a small wrapper).
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from procskill._local import quiet_cpu_kernel_warnings, require_local
from procskill.scorers import judge_label, score_keys
from procskill.studies._spec import (
    VLLM_ENV,
    VLLM_SETUP,
    ModelEntry,
    RejudgeEntry,
    SftEntry,
    Study,
    StudyError,
)
from procskill.tasks import configuration_tags

LOGS, CORPUS, CHECKPOINTS, REPORT, MODELS = "logs", "corpus", "checkpoints", "report", "models"


class Step:
    """One unit of a study: its command, whether it is done, and how to run it."""

    name: str

    def argv(self) -> list[str]:
        """The command a user would type to do this step by hand."""
        raise NotImplementedError

    @property
    def command(self) -> str:
        """:meth:`argv` as one shell line (pastes into bash)."""
        return _quote(self.argv())

    def done(self) -> bool:
        raise NotImplementedError

    def run(self) -> Any:
        raise NotImplementedError

    def result(self) -> str | None:
        """One line on what the finished step produced (None: nothing to add)."""
        return None


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


def _as_inspect_parses(rendered: str) -> Any:
    """The value Inspect's CLI makes of ``-T key=<rendered>`` / ``-M key=<rendered>``: YAML, and a string with
    commas is a list (``a,b`` -> ``["a", "b"]``). The Python call passes exactly this, so that a printed
    command and the run behind it are the same task to ``eval_set`` (same arguments, same task identity)."""
    value = yaml.safe_load(rendered)
    if isinstance(value, str):
        parts = value.split(",")
        return parts if len(parts) > 1 else parts[0]
    return value


def _generate_config(study: Study, model: ModelEntry) -> dict[str, Any]:
    """The study's generation settings, plus the model's chat-template switches for vLLM."""
    config = dict(study.generate)
    if model.chat_template_kwargs:
        extra_body = dict(config.get("extra_body") or {})
        extra_body["chat_template_kwargs"] = {
            **(extra_body.get("chat_template_kwargs") or {}),
            **model.chat_template_kwargs,
        }
        config["extra_body"] = extra_body
    return config


def _successful_log(log_dir: Path) -> bool:
    from inspect_ai.log import list_eval_logs, read_eval_log

    if not log_dir.is_dir():
        return False
    return any(
        read_eval_log(info, header_only=True).status == "success" for info in list_eval_logs(str(log_dir))
    )


def _options(options: dict[str, Any]) -> list[str]:
    """``--key value`` flags for keyword arguments (``max_connections`` -> ``--max-connections``)."""
    args: list[str] = []
    for key, value in options.items():
        if key == "model_args":
            for k, v in value.items():
                args += ["-M", f"{k}={_flag_value(v)}"]
        else:
            args += [f"--{key.replace('_', '-')}", _flag_value(value)]
    return args


@dataclass
class TinyModelStep(Step):
    """Build the offline tiny Qwen3.5 (``procskill models tiny``)."""

    path: Path
    options: dict[str, Any] = field(default_factory=dict)
    name: str = "build tiny Qwen3.5"

    def argv(self) -> list[str]:
        return ["procskill", "models", "tiny", str(self.path), *_options(self.options)]

    def done(self) -> bool:
        from procskill.testing.tiny_model import is_complete_build

        return is_complete_build(self.path)

    def run(self) -> Any:
        from procskill.studies._models import build_tiny_model

        return build_tiny_model(self.path, **self.options)


@dataclass
class VllmEnvStep(Step):
    """vLLM's own environment must exist; the study cannot make it from inside this one."""

    source: Path
    name: str = "vLLM environment"

    def argv(self) -> list[str]:
        return ["sh", "-c", VLLM_SETUP]

    @property
    def command(self) -> str:
        return VLLM_SETUP  # what the README quotes

    def done(self) -> bool:
        return (Path(VLLM_ENV) / "bin" / "inspect").is_file()

    def run(self) -> Any:
        # The study itself runs from procskill's own environment (training needs the `local` extra, which
        # vLLM's pins exclude); only its vLLM evaluations run from VLLM_ENV, which must exist beforehand.
        raise StudyError(
            f"{self.source}: this study evaluates through vLLM, which needs its own environment: set it up "
            f"from the procskill checkout with `{VLLM_SETUP}`, then rerun `procskill study {self.source}` "
            "from there (finished steps are skipped)"
        )


@dataclass
class EvalStep(Step):
    """One configuration's paired evaluation (``inspect eval-set procskill/procskill``)."""

    config_id: str
    model: ModelEntry
    log_dir: Path
    task_args: dict[str, str]
    """The ``-T`` arguments as printed (the run passes what Inspect's CLI parses from them)."""
    judges: dict[str, str]
    generate: dict[str, Any]
    tags: list[str] = field(default_factory=list)
    """Inspect tags naming the configuration (the viewer's log list tells configurations apart by them)."""
    display: str | None = None
    score_display: bool = True
    """Inspect's live metrics; off where they would mislead (Inspect recomputes them at most every
    ~1 s and not after the last sample, so a batch that finishes at once leaves a partial value on screen)."""

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"eval {self.config_id}"

    @property
    def model_args(self) -> dict[str, str]:
        """The ``-M`` arguments as printed."""
        return {k: _flag_value(v) for k, v in self.model.eval_model_args.items()}

    def result(self) -> str | None:
        """The evaluation's headline numbers, read back from its log (what the report will use)."""
        from inspect_ai.log import list_eval_logs, read_eval_log

        infos = list_eval_logs(str(self.log_dir)) if self.log_dir.is_dir() else []
        headers = [read_eval_log(i, header_only=True) for i in infos]
        done = [h for h in headers if h.status == "success" and h.results is not None and h.results.scores]
        if not done:
            return None
        score = done[-1].results.scores[0]  # type: ignore[union-attr]
        values = {name: m.value for name, m in score.metrics.items()}
        from procskill.analysis._units import interval, pct  # the report's units: rates in %, Δ in points

        parts = [f"{key} {pct(values[key])} %" for key in ("pass_base", "pass_skill") if key in values]
        if "delta" in values:
            delta = {
                "estimate": values["delta"],
                "low": values.get("delta_low"),
                "high": values.get("delta_high"),
            }
            parts.append(f"Δ {interval(delta)} points over {values.get('pairs', 0):.0f} pairs")
        return f"{score.name}: " + ", ".join(parts)

    def argv(self) -> list[str]:
        # vLLM evaluations run from vLLM's own environment (see VLLM_SETUP)
        inspect = f"{VLLM_ENV}/bin/inspect" if self.model.engine == "vllm" else "inspect"
        args = [
            inspect,
            "eval-set",
            "procskill/procskill",
            "--log-dir",
            str(self.log_dir),
            "--model",
            self.model.eval_model,
        ]
        for key, value in self.model_args.items():
            args += ["-M", f"{key}={value}"]
        for key, value in self.task_args.items():
            args += ["-T", f"{key}={value}"]
        for role, judge in self.judges.items():
            args += ["--model-role", f"{role}={judge}"]
        if self.tags:
            args += ["--tags", ",".join(self.tags)]
        for key, value in self.generate.items():
            args += [f"--{key.replace('_', '-')}", _flag_value(value)]
        if not self.score_display:
            args.append("--no-score-display")
        return args

    def done(self) -> bool:
        return _successful_log(self.log_dir)

    def run(self) -> Any:
        if self.model.engine == "vllm":
            # vLLM cannot share this environment (it pins its own torch and transformers): run the
            # printed command, which uses vLLM's environment, exactly as a user would
            subprocess.run(self.argv(), check=True)
            return self.log_dir
        if self.model.eval_model.startswith("hf/"):
            require_local(f"evaluating {self.model.eval_model}", ("torch", "transformers"))
            quiet_cpu_kernel_warnings()
        try:
            success, logs = self._eval_set()
        except Exception as err:
            # Inspect's PrerequisiteError (not public): e.g. the folder holds logs of another configuration
            if type(err).__name__ != "PrerequisiteError":
                raise
            message = " ".join(re.sub(r"\[/?(bold|red|blue|yellow)\]", "", str(err)).split())
            raise StudyError(
                f"{self.log_dir}: {message} — this step's logs must come from this exact command: move the "
                "folder away, or pass a new --out"
            ) from None
        if not success:
            raise RuntimeError(f"evaluation of {self.config_id} did not finish; rerun the study to retry it")
        return logs

    def _eval_set(self) -> Any:
        from inspect_ai import eval_set

        return eval_set(
            tasks="procskill/procskill",
            log_dir=str(self.log_dir),
            model=self.model.eval_model,
            model_args={k: _as_inspect_parses(v) for k, v in self.model_args.items()},
            model_roles=dict(self.judges) or None,
            task_args={k: _as_inspect_parses(v) for k, v in self.task_args.items()},
            tags=self.tags or None,
            display=self.display,  # type: ignore[arg-type]
            score_display=self.score_display,
            **self.generate,
        )


@dataclass
class CorpusStep(Step):
    """The SFT corpus (``procskill corpus build``)."""

    out: Path
    teacher: str
    options: dict[str, Any] = field(default_factory=dict)
    name: str = "corpus"

    def argv(self) -> list[str]:
        return [
            "procskill",
            "corpus",
            "build",
            "--teacher",
            self.teacher,
            "--out",
            str(self.out),
            *_options(self.options),
        ]

    def done(self) -> bool:
        return (self.out / "corpus_card.json").is_file()

    def run(self) -> Any:
        from procskill.training import build_corpus

        return build_corpus(self.teacher, out=self.out, **self.options)


@dataclass
class TrainStep(Step):
    """One SFT run (``procskill train``, or ``accelerate launch -m procskill.training``)."""

    sft: SftEntry
    base: str
    corpus: Path
    recipe: str
    out: Path
    merge: bool = True
    """Merge a LoRA adapter into a full checkpoint (``False``: ``--no-merge``, the adapter is served as is)."""

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"train {self.sft.base} {self.recipe}"

    def _train_args(self) -> list[str]:
        args = [
            "--base",
            self.base,
            "--corpus",
            str(self.corpus),
            "--recipe",
            self.recipe,
            "--out",
            str(self.out),
        ]
        if self.sft.max_steps is not None:
            args += ["--max-steps", str(self.sft.max_steps)]
        if not self.merge:
            args += ["--no-merge"]
        return args

    def argv(self) -> list[str]:
        sft = self.sft
        if sft.launcher != "accelerate":
            return ["procskill", "train", *self._train_args()]
        # explicit, so that a stale `accelerate config` on the machine cannot silently change the launch
        args = [
            "accelerate",
            "launch",
            *(["--multi_gpu"] if sft.num_processes > 1 else []),
            "--num_processes",
            str(sft.num_processes),
        ]
        if sft.mixed_precision is not None:
            args += ["--mixed_precision", sft.mixed_precision]
        return [*args, "-m", "procskill.training", *self._train_args()]

    def done(self) -> bool:
        from procskill.training import checkpoint_complete

        return checkpoint_complete(self.out)

    def run(self) -> Any:
        resume = (self.out / "procskill_run.json").is_file()
        if self.sft.launcher == "accelerate":  # the launched processes check their own environment
            subprocess.run([*self.argv(), *(["--resume"] if resume else [])], check=True)
            return self.out
        require_local(f"training {self.sft.base} ({self.recipe})")
        quiet_cpu_kernel_warnings()
        from procskill.training import train

        return train(
            self.base,
            self.corpus,
            self.recipe,
            out=self.out,
            resume=resume,
            max_steps=self.sft.max_steps,
            merge=self.merge,
        )


@dataclass
class RejudgeStep(Step):
    """Add a judge's score to every log (``procskill rejudge``)."""

    logs: Path
    spec: RejudgeEntry

    @property
    def score(self) -> str:
        return judge_label(self.spec.path, self.spec.judge)

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"rejudge {self.score}"

    def argv(self) -> list[str]:
        args = ["procskill", "rejudge", str(self.logs), "--judge", self.spec.judge, "--path", self.spec.path]
        if self.spec.max_connections is not None:
            args += ["--max-connections", str(self.spec.max_connections)]
        return args

    def done(self) -> bool:
        from inspect_ai.log import list_eval_logs, read_eval_log_sample_summaries

        infos = list_eval_logs(str(self.logs)) if self.logs.is_dir() else []
        return bool(infos) and all(
            self.score in score_keys(read_eval_log_sample_summaries(info.name)) for info in infos
        )

    def run(self) -> Any:
        from procskill.analysis import rejudge

        return rejudge(
            self.logs, self.spec.judge, path=self.spec.path, max_connections=self.spec.max_connections
        )


@dataclass
class ReportStep(Step):
    """The study report (``procskill report``)."""

    logs: Path
    out: Path
    sizes: dict[str, float]
    options: dict[str, Any] = field(default_factory=dict)
    name: str = "report"

    def argv(self) -> list[str]:
        args = ["procskill", "report", str(self.logs), "--out", str(self.out)]
        for model, size in self.sizes.items():
            args += ["--size", f"{model}={size:g}"]
        return [*args, *_options(self.options)]

    def done(self) -> bool:
        summary = self.out / "summary.json"
        if not summary.is_file():
            return False
        newest_log = max((p.stat().st_mtime for p in self.logs.rglob("*.eval")), default=0.0)
        return summary.stat().st_mtime >= newest_log

    def run(self) -> Any:
        from procskill.analysis import build_report

        sizes = {model: f"{size:g}" for model, size in self.sizes.items()}
        return build_report([self.logs], self.out, size_overrides=sizes or None, **self.options)


def _eval_step(
    study: Study,
    config_id: str,
    model: ModelEntry,
    display: str | None,
    score_display: bool = True,
    sft: tuple[str, str] | None = None,
) -> EvalStep:
    """``sft``: (base model id, recipe name) of a checkpoint's evaluation."""
    base_model, recipe = sft or (None, None)
    tags = configuration_tags(
        model.eval_model,
        model.eval_model_args,
        str(study.task.get("condition", "both")),
        base_model=base_model,
        recipe=recipe,
    )
    return EvalStep(
        tags=[f"config:{config_id}", *tags],
        config_id=config_id,
        model=model,
        log_dir=study.out / LOGS / config_id,
        task_args={k: _flag_value(v) for k, v in study.task.items()},
        judges=dict(study.judges),
        generate=_generate_config(study, model),
        display=display,
        score_display=score_display,
    )


def _checkpoint_dir(study: Study, sft: SftEntry, recipe: str) -> Path:
    return study.out / CHECKPOINTS / f"{sft.base}-{Path(recipe).stem}"


def _serves_adapter(base: ModelEntry, recipe: str) -> bool:
    """A LoRA checkpoint of a vLLM-served base is evaluated as an adapter, never merged: one vLLM server
    with LoRA enabled serves the base and every adapter of the sweep (``vllm/<base>:<adapter folder>``)."""
    from procskill.training._recipes import load_recipe

    return base.engine == "vllm" and load_recipe(recipe, check_sections=False).method == "lora"


def _corpus_step(study: Study) -> CorpusStep:
    options = dict(study.corpus or {})
    teacher = options.pop("teacher")
    for key in ("skills", "skills_dir"):
        if key in study.task and key not in options:
            options[key] = _flag_value(study.task[key])
    return CorpusStep(out=study.out / CORPUS, teacher=teacher, options=options)


def _setup_steps(study: Study) -> list[Step]:
    steps: list[Step] = []
    if any(m.engine == "vllm" for m in study.models):
        steps.append(VllmEnvStep(study.source))
    if "tiny_model" in study.setup:
        options = dict(study.setup["tiny_model"])
        steps.append(TinyModelStep(Path(options.pop("path")), options))
    return steps


def plan(study: Study, display: str | None = None, score_display: bool = True) -> list[Step]:
    """The study's steps in order: setup, evaluations, corpus, training, checkpoint evaluations,
    re-judges, report (``score_display``: Inspect's live metrics during evaluations)."""
    steps = _setup_steps(study)
    steps += [_eval_step(study, m.id, m, display, score_display) for m in study.models]
    if study.corpus:
        steps.append(_corpus_step(study))
    for sft in study.sft:
        base = study.model(sft.base)
        for recipe in sft.recipes:
            out = _checkpoint_dir(study, sft, recipe)
            adapter = _serves_adapter(base, recipe)
            steps.append(
                TrainStep(
                    sft=sft,
                    base=base.base_for_training,
                    corpus=study.out / CORPUS,
                    recipe=recipe,
                    out=out,
                    merge=not adapter,
                )
            )
            merged = out / "merged"
            # vLLM serves the folder named in the model string (an adapter after its base's name);
            # `model_path` is an hf provider argument that Inspect's vllm provider would pass to `vllm serve`
            if adapter:
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
            steps.append(
                _eval_step(
                    study, checkpoint.id, checkpoint, display, score_display, (sft.base, Path(recipe).stem)
                )
            )
    steps += [RejudgeStep(study.out / LOGS, spec) for spec in study.rejudge]
    if study.report is not None:
        sizes = {m.eval_model: m.size for m in study.models if m.size is not None}
        steps.append(ReportStep(study.out / LOGS, study.out / REPORT, sizes, dict(study.report)))
    return steps


def run_study(
    study: Study,
    dry_run: bool = False,
    display: str | None = None,
    echo: Callable[[str], None] = print,
    score_display: bool = True,
) -> list[Step]:
    """Run (or, with ``dry_run``, only print) every step that is not done yet.

    Args:
        study: A loaded study (:func:`procskill.studies.load_study`).
        dry_run: Print the plan — each step's status and command — and run nothing.
        display: Inspect's progress display for evaluations (``none``, ``plain``, ``rich``).
        echo: Where progress lines go.
        score_display: Inspect's live metrics during evaluations (each evaluation's final numbers are
            printed after it either way).

    Returns:
        The plan.
    """
    steps = plan(study, display, score_display)
    for i, step in enumerate(steps, start=1):
        status = "done" if step.done() else "todo"
        echo(f"[{i}/{len(steps)}] {status:4}  {step.name}\n        $ {step.command}")
        if dry_run or status == "done":
            continue
        started = time.monotonic()
        step.run()
        sys.stdout.flush()
        echo(f"        {step.name}: finished in {_elapsed(time.monotonic() - started)}")
        result = step.result()
        if result:
            echo(f"        {result}")
    return steps


def _elapsed(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"
