"""Training recipes: YAML files parsed into a validated :class:`Recipe`.

The shipped recipes (``procskill/training/recipes/*.yaml``) are the named variants of
the paper's negative-iteration sequence; each states in one line (``tests:``) what it
tests. A user's own YAML file with the same fields works everywhere a name does.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from procskill.errors import ProcskillError
from procskill.skills._pack import read_text

RECIPES_DIR = Path(__file__).parent / "recipes"
DEFAULT_RECIPE = "lora_r16_lr2e-4"
METHODS = ("lora", "full")
LR_SCHEDULERS = ("linear", "cosine", "constant", "constant_with_warmup", "cosine_with_restarts", "polynomial")


class RecipeError(ProcskillError):
    """A recipe file is malformed. The message names the file, the line and the field."""


@dataclass(frozen=True)
class LoraSettings:
    """PEFT LoRA settings (``lora:`` section)."""

    r: int = 16
    alpha: int = 32
    dropout: float = 0.05
    target_modules: str | tuple[str, ...] = "all-linear"
    """``all-linear`` (every linear layer but the output head: on Qwen3.5 this includes the
    Gated DeltaNet projections) or a list of module names such as ``[q_proj, v_proj]``."""


@dataclass(frozen=True)
class Recipe:
    """One SFT configuration. Field names are the YAML keys."""

    name: str
    tests: str
    """One line: what this variant tests."""
    method: str = "lora"
    """``lora`` (PEFT adapter, merged after training) or ``full`` (all weights)."""
    learning_rate: float = 2e-4
    epochs: float = 3.0
    max_steps: int | None = None
    """Stop after this many optimizer steps (overrides ``epochs``)."""
    batch_size: int = 4
    gradient_accumulation_steps: int = 4
    warmup: float = 0.03
    """Warm-up: a fraction of the steps when below 1, else a number of steps."""
    lr_scheduler: str = "cosine"
    weight_decay: float = 0.0
    max_length: int = 2048
    """Longest training sequence in tokens; longer rows are cut at the end (and counted)."""
    seed: int = 0
    save_steps: int = 20
    """Checkpoint every this many steps (what ``--resume`` restarts from)."""
    save_total_limit: int = 2
    logging_steps: int = 5
    gradient_checkpointing: bool = True
    group_by_length: bool = True
    """Batch rows of similar length together (transformers' length-grouped sampler): the same rows
    per epoch with a third of the padding; measured 1.40x tokens per CPU second, identical epoch loss
    (benchmarks/RESULTS.md, SFT throughput). ``false`` samples rows uniformly at random."""
    skill_block: bool = True
    """Train on the prompt with the procedure block (as in the skill condition); ``false``
    rebuilds each prompt without it (as in the base condition)."""
    enable_thinking: bool = False
    """Chat-template thinking switch, at training and (``-M enable_thinking``) at evaluation."""
    lora: LoraSettings | None = field(default_factory=LoraSettings)
    source: Path | None = field(default=None, compare=False)
    """The YAML file the recipe was read from."""
    sha256: str | None = field(default=None, compare=False)
    """SHA-256 of that file."""

    def to_dict(self) -> dict[str, Any]:
        """The recipe as plain data (for checkpoint metadata)."""
        data = dataclasses.asdict(self)
        data["source"] = str(self.source) if self.source else None
        if self.lora is not None and isinstance(self.lora.target_modules, tuple):
            data["lora"]["target_modules"] = list(self.lora.target_modules)
        return data

    def replace(self, **changes: Any) -> Recipe:
        """A copy with some fields changed, validated like a file (e.g. ``max_steps=3`` for a smoke run)."""
        updated = dataclasses.replace(self, **changes)
        _validate(updated, f"{self.source or self.name} (override)", {})
        return updated


_TYPES: dict[str, tuple[type, ...]] = {
    "name": (str,),
    "tests": (str,),
    "method": (str,),
    "learning_rate": (float, int),
    "epochs": (float, int),
    "max_steps": (int, type(None)),
    "batch_size": (int,),
    "gradient_accumulation_steps": (int,),
    "warmup": (float, int),
    "lr_scheduler": (str,),
    "weight_decay": (float, int),
    "max_length": (int,),
    "seed": (int,),
    "save_steps": (int,),
    "save_total_limit": (int,),
    "logging_steps": (int,),
    "gradient_checkpointing": (bool,),
    "group_by_length": (bool,),
    "skill_block": (bool,),
    "enable_thinking": (bool,),
    "lora": (dict, type(None)),
}
_LORA_TYPES: dict[str, tuple[type, ...]] = {
    "r": (int,),
    "alpha": (int,),
    "dropout": (float, int),
    "target_modules": (str, list),
}


def list_recipes() -> list[Recipe]:
    """The shipped recipes, sorted by name."""
    return [load_recipe(path) for path in sorted(RECIPES_DIR.glob("*.yaml"))]


def load_recipe(recipe: str | Path) -> Recipe:
    """Load a shipped recipe by name, or a recipe file by path.

    Args:
        recipe: A shipped recipe name (see :func:`list_recipes`) or a YAML file path.

    Returns:
        The validated recipe.

    Raises:
        RecipeError: Unknown name, unreadable YAML, unknown field, wrong type or
            out-of-range value; the message names file, line and field.
    """
    path = Path(recipe)
    if not path.is_file():
        if path.suffix in (".yaml", ".yml") or path.parent != Path("."):
            raise RecipeError(f"{path}: recipe file not found")
        path = RECIPES_DIR / f"{recipe}.yaml"
        if not path.is_file():
            known = sorted(p.stem for p in RECIPES_DIR.glob("*.yaml"))
            raise RecipeError(
                f"unknown recipe {str(recipe)!r}; shipped recipes: {known} (or pass a YAML file)"
            )
    raw = path.read_bytes()
    text = read_text(path, RecipeError)
    try:
        data = yaml.safe_load(text)
        lines = _key_lines(yaml.compose(text))
    except yaml.YAMLError as err:
        raise RecipeError(f"{path}: not valid YAML: {err}") from None
    if not isinstance(data, dict):
        raise RecipeError(f"{path}:1: a recipe must be a mapping of fields")
    where = str(path)

    def at(key: str) -> str:
        return f"{where}:{lines[key]}" if key in lines else where

    for key in ("name", "tests"):
        if key not in data:
            raise RecipeError(f"{where}: field '{key}' is missing")
    for key, value in data.items():
        if key not in _TYPES:
            raise RecipeError(f"{at(key)}: unknown field '{key}'; known fields: {sorted(_TYPES)}")
        _check_type(value, _TYPES[key], f"{at(key)}: field '{key}'")
    lora = data.get("lora", {} if data.get("method", "lora") == "lora" else None)
    if isinstance(lora, dict):
        for key, value in lora.items():
            if key not in _LORA_TYPES:
                raise RecipeError(
                    f"{at('lora.' + key)}: unknown field 'lora.{key}'; known: {sorted(_LORA_TYPES)}"
                )
            _check_type(value, _LORA_TYPES[key], f"{at('lora.' + key)}: field 'lora.{key}'")
        if isinstance(lora.get("target_modules"), list):
            lora = {**lora, "target_modules": tuple(lora["target_modules"])}
        lora_settings: LoraSettings | None = LoraSettings(**lora)
    else:
        lora_settings = None
    fields = {k: v for k, v in data.items() if k != "lora"}
    for key in ("learning_rate", "epochs", "warmup", "weight_decay"):
        if key in fields:
            fields[key] = float(fields[key])
    result = Recipe(**fields, lora=lora_settings, source=path, sha256=hashlib.sha256(raw).hexdigest())
    _validate(result, where, lines)
    return result


def _key_lines(node: Any, prefix: str = "") -> dict[str, int]:
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = f"{prefix}{key_node.value}"
            lines[key] = key_node.start_mark.line + 1
            lines.update(_key_lines(value_node, f"{key}."))
    return lines


def _check_type(value: Any, types: tuple[type, ...], what: str) -> None:
    # bool is an int in Python; a YAML `true` is never a valid number here.
    if isinstance(value, bool) and bool not in types:
        raise RecipeError(f"{what} must be {_names(types)}, got {value!r}")
    if not isinstance(value, types):
        raise RecipeError(f"{what} must be {_names(types)}, got {value!r}")


def _names(types: tuple[type, ...]) -> str:
    return " or ".join("null" if t is type(None) else t.__name__ for t in types)


def _validate(recipe: Recipe, where: str, lines: dict[str, int]) -> None:
    def fail(key: str, message: str) -> None:
        raise RecipeError(f"{where}{':' + str(lines[key]) if key in lines else ''}: field '{key}' {message}")

    if not recipe.name.strip():
        fail("name", "is empty")
    if not recipe.tests.strip() or "\n" in recipe.tests.strip():
        fail("tests", "must be one non-empty line saying what the variant tests")
    if recipe.method not in METHODS:
        fail("method", f"must be one of {METHODS}, got {recipe.method!r}")
    if recipe.lr_scheduler not in LR_SCHEDULERS:
        fail("lr_scheduler", f"must be one of {LR_SCHEDULERS}, got {recipe.lr_scheduler!r}")
    if not recipe.learning_rate > 0:
        fail("learning_rate", f"must be > 0, got {recipe.learning_rate}")
    if not recipe.epochs > 0:
        fail("epochs", f"must be > 0, got {recipe.epochs}")
    if recipe.max_steps is not None and recipe.max_steps < 1:
        fail("max_steps", f"must be >= 1 or null, got {recipe.max_steps}")
    for key in (
        "batch_size",
        "gradient_accumulation_steps",
        "max_length",
        "save_steps",
        "logging_steps",
        "save_total_limit",
    ):
        if getattr(recipe, key) < 1:
            fail(key, f"must be >= 1, got {getattr(recipe, key)}")
    if recipe.warmup < 0 or recipe.weight_decay < 0:
        fail("warmup" if recipe.warmup < 0 else "weight_decay", "must be >= 0")
    if recipe.method == "lora" and recipe.lora is None:
        fail("lora", "is required for method 'lora'")
    if recipe.method == "full" and recipe.lora is not None:
        fail("lora", "is only for method 'lora' (this recipe is a full fine-tune)")
    if recipe.lora is not None:
        if recipe.lora.r < 1 or recipe.lora.alpha < 1:
            fail("lora.r" if recipe.lora.r < 1 else "lora.alpha", "must be >= 1")
        if not 0 <= recipe.lora.dropout < 1:
            fail("lora.dropout", f"must be in [0, 1), got {recipe.lora.dropout}")
        if not recipe.lora.target_modules:
            fail("lora.target_modules", "is empty")
