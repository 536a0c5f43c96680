"""Study files: what a study evaluates, trains, re-judges and reports, as YAML.

A study file is validated as a whole before anything runs (typed models, through
:mod:`procskill.validation`); every problem is one line ``file:line: field: problem``
(``demo.yaml:12: models[2].model: Input should be a valid string``).
Strings may use ``{out}``, replaced by the study's
output folder, so a study can refer to what it builds (a model, a corpus).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from procskill.errors import ProcskillError
from procskill.validation import read_yaml, validate_document

STUDIES_DIR = Path(__file__).parent
"""Where the shipped study files (``paper.yaml``, ``demo.yaml``) live."""

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


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, protected_namespaces=())


class ModelEntry(_Entry):
    """One model to evaluate (a configuration before SFT)."""

    id: str
    model: str
    model_args: dict[str, Any] = Field(default_factory=dict)
    size: float | None = None
    reference: bool = False
    engine: Literal["inspect", "vllm"] = "inspect"
    vllm_model: str | None = None
    """The hub id vLLM serves (required with ``engine: vllm``)."""
    enabled: bool = True
    """``false`` leaves the model (and its SFT runs) out of the study."""

    @model_validator(mode="after")
    def _vllm_needs_its_model(self) -> ModelEntry:
        if self.engine == "vllm" and not self.vllm_model:
            raise ValueError("vllm_model is required with engine: vllm (the hub id vLLM serves)")
        return self

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


class SftEntry(_Entry):
    """SFT runs of one base model: one checkpoint per recipe."""

    base: str
    recipes: list[str]
    launcher: Literal["python", "accelerate"] = "python"
    num_processes: int = 1
    mixed_precision: Literal["no", "fp16", "bf16", "fp8"] | None = None
    """``accelerate launch --mixed_precision``; None leaves it to accelerate's config."""
    max_steps: int | None = None


class RejudgeEntry(_Entry):
    """Add the score ``<path>@<judge>`` to every log of the study (``procskill rejudge``)."""

    judge: str
    path: str = "llm"
    max_connections: int | None = None


class Study(_Entry):
    """A parsed, validated study file."""

    name: str
    source: Path
    out: Path
    models: list[ModelEntry]
    task: dict[str, Any] = Field(default_factory=dict)
    generate: dict[str, Any] = Field(default_factory=dict)
    judges: dict[str, str] = Field(default_factory=dict)
    setup: dict[str, dict[str, Any]] = Field(default_factory=dict)
    corpus: dict[str, Any] | None = None
    sft: list[SftEntry] = Field(default_factory=list)
    rejudge: list[RejudgeEntry] = Field(default_factory=list)
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
    doc = read_yaml(path, StudyError)
    raw = doc.data if isinstance(doc.data, dict) else {}
    out_dir = (
        Path(out) if out is not None else Path(str(raw.get("out") or f"procskill-out/{raw.get('name')}"))
    )
    data = {**_fill(raw, out_dir), "source": path, "out": out_dir} if isinstance(doc.data, dict) else doc.data
    study = validate_document(doc, Study, StudyError, data)

    problems = []
    ids = [m.id for m in study.models]
    for i, model_id in enumerate(ids):
        if model_id in ids[:i]:
            problems.append(
                doc.problem(("models", i, "id"), f"{model_id!r} is used twice; ids must be unique")
            )
    enabled = {m.id for m in study.models if m.enabled}
    for i, sft in enumerate(study.sft):
        if sft.base not in ids:
            problems.append(
                doc.problem(("sft", i, "base"), f"{sft.base!r} is not a model id ({', '.join(ids)})")
            )
    if study.sft and not study.corpus:
        problems.append(
            doc.problem(("sft",), "SFT needs a corpus section (teacher: procedural | provider/model)")
        )
    if study.corpus is not None and not isinstance(study.corpus.get("teacher"), str):
        problems.append(doc.problem(("corpus",), "teacher is required (procedural | provider/model)"))
    if problems:
        raise StudyError("\n".join(problems))
    return study.model_copy(
        update={
            "models": [m for m in study.models if m.enabled],
            "sft": [s for s in study.sft if s.base in enabled],  # SFT of a switched-off model is off too
        }
    )
