"""The self-description a fine-tuned checkpoint carries.

The trainer writes it; the task copies it into the eval log; the report reads it from
the log. It lives here, outside both, so the task never imports training code.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

CHECKPOINT_METADATA = "procskill_checkpoint.json"
"""File name of the metadata in a checkpoint directory."""


def read_checkpoint_metadata(model_dir: str | Path) -> dict[str, Any] | None:
    """The metadata of a local checkpoint directory, or ``None`` when it has none.

    Raises:
        ValueError: the file exists but is not a JSON object (names the file).
    """
    path = Path(model_dir) / CHECKPOINT_METADATA
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}:{err.lineno}: checkpoint metadata is not valid JSON ({err.msg})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: checkpoint metadata must be a JSON object")
    return data


def find_checkpoint_metadata(*folders: str | Path | None) -> dict[str, Any] | None:
    """The metadata of the first of ``folders`` that is a local directory (``None`` when none is, or
    it has no metadata file). A model names its checkpoint by a vLLM adapter folder
    (``vllm/<base>:<folder>``), a ``model_path`` model argument or its own name: callers pass those."""
    for folder in folders:
        if folder and Path(str(folder)).is_dir():
            return read_checkpoint_metadata(folder)
    return None


def recipe_name(metadata: Mapping[str, Any]) -> str | None:
    """The recipe a checkpoint was trained with: its name (a recipe file's stem)."""
    recipe = metadata.get("recipe")
    if isinstance(recipe, Mapping):
        recipe = recipe.get("name")
    if recipe is None:
        return None
    text = str(recipe)
    return Path(text).stem if text.endswith((".yaml", ".yml")) else text
