"""Study files: what a study evaluates, trains, re-judges and reports, as YAML.

A study file is validated as a whole before anything runs; an error names the file and
the field (``models[2].model``). Strings may use ``{out}``, replaced by the study's
output folder, so a study can refer to what it builds (a model, a corpus).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from procskill.errors import ProcskillError

STUDIES_DIR = Path(__file__).parent
"""Where the shipped study files (``paper.yaml``, ``demo.yaml``) live."""

ENGINES = ("inspect", "vllm")
LAUNCHERS = ("python", "accelerate")
MIXED_PRECISION = ("no", "fp16", "bf16", "fp8")

VLLM_ENV = ".venv-vllm"
"""vLLM's own environment (it pins its own torch and transformers), relative to a procskill checkout."""

VLLM_SETUP = f"python3 -m venv {VLLM_ENV} && {VLLM_ENV}/bin/pip install vllm -e ."
"""The command that sets that environment up, from the checkout (the README quotes it). It installs
procskill's core only: the ``local`` extra pins a transformers that vLLM's own pin excludes."""

CHAT_TEMPLATE_ARGS = ("enable_thinking",)
"""Model args the hf provider hands to the chat template. Inspect's vllm provider would pass them to
``vllm serve`` as flags instead (dropping false ones), so they go into each request's
``chat_template_kwargs``, which the vLLM server applies to the template."""


class StudyError(ProcskillError):
    """A study file is malformed; the message names the file and the field."""


@dataclass(frozen=True)
class ModelEntry:
    """One model to evaluate (a configuration before SFT)."""

    id: str
    model: str
    model_args: dict[str, Any] = field(default_factory=dict)
    size: float | None = None
    reference: bool = False
    engine: str = "inspect"
    vllm_model: str | None = None

    @property
    def eval_model(self) -> str:
        """The Inspect model string: ``vllm/<hub id>`` when served through vLLM."""
        return f"vllm/{self.vllm_model}" if self.engine == "vllm" else self.model

    @property
    def served_by_vllm(self) -> bool:
        return self.eval_model.startswith("vllm/")

    @property
    def eval_model_args(self) -> dict[str, Any]:
        """The ``-M`` arguments of the evaluation (chat-template switches leave them for vLLM)."""
        if not self.served_by_vllm:
            return dict(self.model_args)
        return {k: v for k, v in self.model_args.items() if k not in CHAT_TEMPLATE_ARGS}

    @property
    def chat_template_kwargs(self) -> dict[str, Any]:
        """What a vLLM evaluation sends as ``extra_body.chat_template_kwargs`` (empty otherwise)."""
        if not self.served_by_vllm:
            return {}
        return {k: v for k, v in self.model_args.items() if k in CHAT_TEMPLATE_ARGS}

    @property
    def base_for_training(self) -> str:
        """What the trainer loads: the local path or the hub id behind ``hf/…``."""
        if "model_path" in self.model_args:
            return str(self.model_args["model_path"])
        return self.model.removeprefix("hf/")


@dataclass(frozen=True)
class SftEntry:
    """SFT runs of one base model: one checkpoint per recipe."""

    base: str
    recipes: list[str]
    launcher: str = "python"
    num_processes: int = 1
    mixed_precision: str | None = None
    """``accelerate launch --mixed_precision``; None leaves it to accelerate's config."""
    max_steps: int | None = None


@dataclass(frozen=True)
class Study:
    """A parsed, validated study file."""

    name: str
    source: Path
    out: Path
    models: list[ModelEntry]
    task: dict[str, Any] = field(default_factory=dict)
    generate: dict[str, Any] = field(default_factory=dict)
    judges: dict[str, str] = field(default_factory=dict)
    setup: dict[str, Any] = field(default_factory=dict)
    corpus: dict[str, Any] | None = None
    sft: list[SftEntry] = field(default_factory=list)
    rejudge: list[dict[str, Any]] = field(default_factory=list)
    report: dict[str, Any] | None = None

    def model(self, model_id: str) -> ModelEntry:
        return next(m for m in self.models if m.id == model_id)


def _fill(value: Any, out: Path) -> Any:
    if isinstance(value, str):
        return value.replace("{out}", str(out))
    if isinstance(value, list):
        return [_fill(v, out) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, out) for k, v in value.items()}
    return value


def _require(mapping: dict[str, Any], key: str, types: type | tuple[type, ...], where: str) -> Any:
    if key not in mapping:
        raise StudyError(f"{where}.{key} is required")
    value = mapping[key]
    if not isinstance(value, types):
        raise StudyError(f"{where}.{key} must be {types}, got {type(value).__name__}")
    return value


def resolve_study_path(study: str | Path) -> Path:
    """A study file path, or the name of a shipped study (``paper``, ``demo``)."""
    path = Path(study)
    if path.is_file():
        return path
    shipped = STUDIES_DIR / f"{study}.yaml"
    if shipped.is_file():
        return shipped
    names = sorted(p.stem for p in STUDIES_DIR.glob("*.yaml"))
    raise StudyError(f"{study}: no such study file, and not a shipped study ({', '.join(names)})")


def load_study(study: str | Path, out: str | Path | None = None) -> Study:
    """Parse and validate a study file.

    Args:
        study: A YAML file, or the name of a shipped study.
        out: Output folder overriding the file's ``out``.

    Returns:
        The study, with ``{out}`` filled in and disabled models dropped.
    """
    path = resolve_study_path(study)
    where = str(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise StudyError(f"{where}: not valid YAML: {err}") from None
    if not isinstance(raw, dict):
        raise StudyError(f"{where}: a study file is a mapping of fields")
    name = _require(raw, "name", str, where)
    out_dir = Path(out) if out is not None else Path(raw.get("out", f"procskill-out/{name}"))
    raw = _fill(raw, out_dir)

    models: list[ModelEntry] = []
    for i, entry in enumerate(_require(raw, "models", list, where)):
        at = f"{where}: models[{i}]"
        if not isinstance(entry, dict):
            raise StudyError(f"{at} must be a mapping")
        if not entry.get("enabled", True):
            continue
        engine = entry.get("engine", "inspect")
        if engine not in ENGINES:
            raise StudyError(f"{at}.engine must be one of {ENGINES}, got {engine!r}")
        if engine == "vllm" and not entry.get("vllm_model"):
            raise StudyError(f"{at}.vllm_model is required with engine: vllm (the hub id vLLM serves)")
        models.append(
            ModelEntry(
                id=_require(entry, "id", str, at),
                model=_require(entry, "model", str, at),
                model_args=dict(entry.get("model_args") or {}),
                size=float(entry["size"]) if entry.get("size") is not None else None,
                reference=bool(entry.get("reference", False)),
                engine=engine,
                vllm_model=entry.get("vllm_model"),
            )
        )
    ids = [m.id for m in models]
    if len(set(ids)) != len(ids):
        raise StudyError(f"{where}: models[].id must be unique, got {ids}")

    sft: list[SftEntry] = []
    for i, entry in enumerate(raw.get("sft") or []):
        at = f"{where}: sft[{i}]"
        base = _require(entry, "base", str, at)
        if base not in ids:
            if any(m.get("id") == base for m in raw["models"]):
                continue  # its base model is switched off
            raise StudyError(f"{at}.base {base!r} is not a model id ({ids})")
        launcher = entry.get("launcher", "python")
        if launcher not in LAUNCHERS:
            raise StudyError(f"{at}.launcher must be one of {LAUNCHERS}, got {launcher!r}")
        mixed_precision = entry.get("mixed_precision")
        if mixed_precision is not None and mixed_precision not in MIXED_PRECISION:
            raise StudyError(f"{at}.mixed_precision must be one of {MIXED_PRECISION}, got {mixed_precision!r}")
        recipes = _require(entry, "recipes", list, at)
        sft.append(
            SftEntry(
                base=base,
                recipes=[str(r) for r in recipes],
                launcher=launcher,
                num_processes=int(entry.get("num_processes", 1)),
                mixed_precision=mixed_precision,
                max_steps=entry.get("max_steps"),
            )
        )
    if sft and not raw.get("corpus"):
        raise StudyError(f"{where}: sft needs a corpus section (teacher: procedural | provider/model)")
    for i, entry in enumerate(raw.get("rejudge") or []):
        _require(entry, "judge", str, f"{where}: rejudge[{i}]")
    for key in ("task", "generate", "judges", "setup"):
        if not isinstance(raw.get(key) or {}, dict):
            raise StudyError(f"{where}: {key} must be a mapping")

    return Study(
        name=name,
        source=path,
        out=out_dir,
        models=models,
        task=dict(raw.get("task") or {}),
        generate=dict(raw.get("generate") or {}),
        judges=dict(raw.get("judges") or {}),
        setup=dict(raw.get("setup") or {}),
        corpus=raw.get("corpus"),
        sft=sft,
        rejudge=list(raw.get("rejudge") or []),
        report=raw.get("report"),
    )
