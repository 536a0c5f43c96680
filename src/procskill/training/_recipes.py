"""Training recipes: TRL's ``SFTConfig`` and PEFT's ``LoraConfig``, verbatim, plus procskill's few fields.

A recipe YAML file holds::

    name: lora_r16_lr2e-4            # the recipe's name (= the file name for shipped recipes)
    tests: "Baseline: does ...?"     # one line: the question this variant answers
    skill_block: true                # train on the prompt with the procedure block (as in the skill condition)
    enable_thinking: false           # chat-template thinking switch, at training and at evaluation
    sft:                             # keyword arguments of trl.SFTConfig, passed as they are
      learning_rate: 2.0e-4
      ...
    lora:                            # keyword arguments of peft.LoraConfig; no section = full fine-tuning
      r: 16
      ...

Both sections are validated the way TRL's own ``TrlParser`` does it, by constructing the
config classes: an unknown or mistyped key fails with the file, line and key named. A few
``SFTConfig`` fields are procskill's to set (the output folder, the device, the loss mask);
a recipe that sets one of them is refused (:data:`SET_BY_PROCSKILL`).

The shipped recipes (``procskill/training/recipes/*.yaml``) are the named variants of the
paper's negative-iteration sequence. A user's own YAML file works everywhere a name does.
"""

from __future__ import annotations

import dataclasses
import difflib
import enum
import hashlib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from procskill.errors import ProcskillError
from procskill.validation import YamlDocument, field_path, read_yaml, validate_document

RECIPES_DIR = Path(__file__).parent / "recipes"
DEFAULT_RECIPE = "lora_r16_lr2e-4"
PROCSKILL_FIELDS = ("name", "tests", "skill_block", "enable_thinking", "sft", "lora")

SET_BY_PROCSKILL: dict[str, str] = {
    "output_dir": "the run's --out folder decides it (OUT/checkpoints)",
    "use_cpu": "procskill trains on the GPU when there is one, else on the CPU",
    "bf16": "procskill uses bf16 on a GPU that supports it, else float32",
    "fp16": "procskill uses bf16 on a GPU that supports it, else float32",
    "assistant_only_loss": "the loss is always on the assistant completion only",
    "completion_only_loss": "the loss is always on the assistant completion only",
    "packing": "packing needs a CUDA-only kernel for Qwen3.5's DeltaNet layers",
}
"""``SFTConfig`` fields a recipe may not set, and why."""

SFT_DEFAULTS: dict[str, Any] = {
    "report_to": "none",
    "save_strategy": "steps",
    "logging_first_step": True,
}
"""``SFTConfig`` values procskill uses unless the recipe sets them (``data_seed`` defaults to ``seed``)."""


class RecipeError(ProcskillError):
    """A recipe file is malformed. The message names the file, the line and the field."""


@dataclass(frozen=True)
class Recipe:
    """One SFT configuration: procskill's fields and the ``sft:`` / ``lora:`` keyword arguments."""

    name: str
    tests: str
    """One line: the question this variant answers."""
    sft: Mapping[str, Any]
    """Keyword arguments of ``trl.SFTConfig``, verbatim."""
    lora: Mapping[str, Any] | None = None
    """Keyword arguments of ``peft.LoraConfig``, verbatim; ``None`` for full fine-tuning."""
    skill_block: bool = True
    """Train on the prompt with the procedure block (as in the skill condition); ``false``
    rebuilds each prompt without it (as in the base condition)."""
    enable_thinking: bool = False
    """Chat-template thinking switch, at training and (``-M enable_thinking``) at evaluation."""
    source: Path | None = field(default=None, compare=False)
    """The YAML file the recipe was read from."""
    sha256: str | None = field(default=None, compare=False)
    """SHA-256 of that file."""

    @property
    def method(self) -> str:
        """``lora`` (a PEFT adapter, merged after training unless ``merge=False``) or ``full`` (all weights)."""
        return "full" if self.lora is None else "lora"

    def sft_config(self, output_dir: str | Path, *, use_cpu: bool = True, bf16: bool = False) -> Any:
        """The ``trl.SFTConfig`` of this recipe, with procskill's fixed fields filled in."""
        from trl import SFTConfig

        return SFTConfig(**self._sft_kwargs(output_dir, use_cpu=use_cpu, bf16=bf16))

    def lora_config(self) -> Any:
        """The ``peft.LoraConfig`` of this recipe (``None`` for full fine-tuning)."""
        if self.lora is None:
            return None
        from peft import LoraConfig

        return LoraConfig(**{**self.lora, "task_type": "CAUSAL_LM"})

    def with_sft(self, **changes: Any) -> Recipe:
        """A copy with some ``sft:`` values changed, validated like a file (e.g. ``max_steps=3``)."""
        updated = dataclasses.replace(self, sft={**self.sft, **changes})
        _validate_sections(updated, f"{self.source or self.name} (override)")
        return updated

    def to_dict(self) -> dict[str, Any]:
        """The recipe as plain data (for checkpoint metadata)."""
        return {
            "name": self.name,
            "tests": self.tests,
            "method": self.method,
            "skill_block": self.skill_block,
            "enable_thinking": self.enable_thinking,
            "sft": dict(self.sft),
            "lora": dict(self.lora) if self.lora is not None else None,
            "source": str(self.source) if self.source else None,
            "sha256": self.sha256,
        }

    def _sft_kwargs(self, output_dir: str | Path, *, use_cpu: bool, bf16: bool) -> dict[str, Any]:
        kwargs = {**SFT_DEFAULTS, **self.sft}
        kwargs.setdefault("data_seed", kwargs.get("seed", 42))
        return {
            **kwargs,
            "output_dir": str(output_dir),
            "use_cpu": use_cpu,
            "bf16": bf16,
            "assistant_only_loss": True,
            "completion_only_loss": True,
            "packing": False,
        }


def list_recipes() -> list[Recipe]:
    """The shipped recipes, sorted by name."""
    return [load_recipe(path) for path in sorted(RECIPES_DIR.glob("*.yaml"))]


class _RecipeFields(BaseModel):
    """procskill's own fields of a recipe file; the sections are checked against TRL's and PEFT's classes."""

    model_config = ConfigDict(extra="forbid", strict=True)

    name: str
    tests: str
    skill_block: bool = True
    enable_thinking: bool = False
    sft: dict[str, Any]
    lora: dict[str, Any] | None = None

    @field_validator("name")
    @classmethod
    def _named(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("is empty")
        return value

    @field_validator("tests")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if not value.strip() or "\n" in value.strip():
            raise ValueError("must be one non-empty line: the question the variant answers")
        return value


def load_recipe(recipe: str | Path, check_sections: bool = True) -> Recipe:
    """Load a shipped recipe by name, or a recipe file by path.

    Args:
        recipe: A shipped recipe name (see :func:`list_recipes`) or a YAML file path.
        check_sections: Validate the ``sft:``/``lora:`` sections by constructing the config classes
            (needs TRL and PEFT). ``False`` reads procskill's own fields only, e.g. to plan a study on a
            machine without the local-model stack; training always checks them.

    Returns:
        The validated recipe (its ``sft:`` and ``lora:`` sections construct ``SFTConfig``
        and ``LoraConfig``).

    Raises:
        RecipeError: Unknown name, unreadable YAML, unknown or mistyped field, or a value
            the config classes refuse; the message names file, line and field
            (``file:line: field: problem``, like every YAML input, see :mod:`procskill.validation`).
        procskill._local.LocalStackMissing: TRL / PEFT are not installed.
    """
    path = _recipe_path(recipe)
    doc = read_yaml(path, RecipeError)
    if not isinstance(doc.data, dict):
        raise RecipeError(f"{path}:1: a recipe must be a mapping of fields")
    for key in doc.data:
        if key not in PROCSKILL_FIELDS:
            raise RecipeError(
                doc.problem(
                    (key,),
                    f"unknown field{_suggest(str(key), PROCSKILL_FIELDS)}; a recipe has {list(PROCSKILL_FIELDS)} "
                    "(training arguments go under 'sft:', adapter ones under 'lora:')",
                )
            )
    fields = validate_document(doc, _RecipeFields, RecipeError)
    result = Recipe(**fields.model_dump(), source=path, sha256=hashlib.sha256(path.read_bytes()).hexdigest())
    if check_sections:
        _validate_sections(result, doc)
    return result


_CLASS_NAMES = {"sft": "trl.SFTConfig", "lora": "peft.LoraConfig"}


def _recipe_path(recipe: str | Path) -> Path:
    path = Path(recipe)
    if path.is_file():
        return path
    if path.suffix in (".yaml", ".yml") or path.parent != Path("."):
        raise RecipeError(f"{path}: recipe file not found")
    path = RECIPES_DIR / f"{recipe}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in RECIPES_DIR.glob("*.yaml"))
        raise RecipeError(f"unknown recipe {str(recipe)!r}; shipped recipes: {known} (or pass a YAML file)")
    return path


def _validate_sections(recipe: Recipe, where: YamlDocument | str) -> None:
    """Check each key against the config class's fields and types, then construct the classes.

    ``where``: the recipe's parsed file (problems carry its lines), or a label for values set in code."""

    def problem(loc: tuple[str, ...], message: str) -> str:
        if isinstance(where, YamlDocument):
            return where.problem(loc, message)
        return f"{where}: {field_path(loc)}: {message}"

    from procskill._local import require_local

    require_local("reading a training recipe", ("transformers", "trl", "peft"))
    from peft import LoraConfig
    from trl import SFTConfig

    for section, cls, values in (("sft", SFTConfig, recipe.sft), ("lora", LoraConfig, recipe.lora)):
        if values is None:
            continue
        hints = _init_fields(cls)
        for key, value in values.items():
            loc = (section, key)
            if section == "sft" and key in SET_BY_PROCSKILL:
                raise RecipeError(
                    problem(loc, f"is set by procskill, not by a recipe: {SET_BY_PROCSKILL[key]}")
                )
            if section == "lora" and key == "task_type":
                raise RecipeError(problem(loc, "is set by procskill (CAUSAL_LM)"))
            if key not in hints:
                raise RecipeError(
                    problem(loc, f"unknown {_CLASS_NAMES[section]} field{_suggest(str(key), hints)}")
                )
            if not _matches(value, hints[key]):
                raise RecipeError(problem(loc, f"must be {_type_name(hints[key])}, got {value!r}"))
    for section, construct in (
        ("sft", lambda: recipe.sft_config("recipe-check")),
        ("lora", recipe.lora_config),
    ):
        try:
            construct()
        except (ValueError, TypeError) as err:
            values = (recipe.sft if section == "sft" else recipe.lora) or {}
            # Name the key whose value the library's message quotes, or else the one whose removal lets it construct.
            key = next((k for k, v in values.items() if isinstance(v, str) and v in str(err)), None)
            key = key or next((k for k in values if _constructs_without(recipe, section, k)), None)
            loc = (section, key) if key else (section,)
            raise RecipeError(problem(loc, f"is refused by {_CLASS_NAMES[section]}: {err}")) from None


def _constructs_without(recipe: Recipe, section: str, key: str) -> bool:
    values = {k: v for k, v in ((recipe.sft if section == "sft" else recipe.lora) or {}).items() if k != key}
    trial = dataclasses.replace(recipe, **{section: values})
    try:
        trial.sft_config("recipe-check") if section == "sft" else trial.lora_config()
    except (ValueError, TypeError):
        return False
    return True


def _init_fields(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    return {f.name: hints.get(f.name, Any) for f in dataclasses.fields(cls) if f.init}


def _matches(value: Any, hint: Any) -> bool:
    """Whether a YAML value fits a field annotation (``float`` takes an int; a bool is never a number)."""
    if hint is Any:
        return True
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, arg) for arg in typing.get_args(hint))
    if origin is typing.Literal:
        return value in typing.get_args(hint)
    if hint is type(None):
        return value is None
    if origin is not None:
        hint = origin
    if not isinstance(hint, type):
        return True
    if issubclass(hint, enum.Enum):
        return isinstance(value, str) and value in {m.value for m in hint}
    if isinstance(value, bool):
        return hint is bool
    if hint is float:
        return isinstance(value, int | float)
    if hint in (list, tuple):
        return isinstance(value, list)
    return isinstance(value, hint)


def _type_name(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(arg) for arg in typing.get_args(hint))
    if hint is type(None):
        return "null"
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return f"one of {[m.value for m in hint]}"
    return getattr(hint, "__name__", str(hint))


def _suggest(key: str, known: Any) -> str:
    close = difflib.get_close_matches(key, list(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""
