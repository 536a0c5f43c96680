"""The self-description a fine-tuned checkpoint carries.

The trainer writes it; the task copies it into the eval log; the report reads it from
the log. It lives here, outside both, so the task never imports training code.
"""

from __future__ import annotations

import json
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
