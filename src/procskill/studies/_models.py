"""Local models for studies: short names for hub models, and the offline tiny Qwen3.5.

Short names: ``--model hf/qwen3.5-2b`` from any directory.

``hf/NAME`` loads ``NAME`` through transformers, which (offline or not) finds a hub-cache
entry ``models--NAME``. An alias is such an entry whose ``refs/main`` and snapshot point
at the real model's cached snapshot — no copy of the weights.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from procskill.errors import InputNotFoundError, ProcskillError

DEFAULT_ALIASES = {
    "qwen3.5-0.8b": "Qwen/Qwen3.5-0.8B",
    "qwen3.5-2b": "Qwen/Qwen3.5-2B",
    "qwen3.5-4b": "Qwen/Qwen3.5-4B",
}
"""The paper's three student models."""


def _hub_cache(cache_dir: str | Path | None) -> Path:
    if cache_dir is not None:
        return Path(cache_dir)
    from huggingface_hub.constants import HF_HUB_CACHE

    return Path(os.environ.get("HF_HUB_CACHE", HF_HUB_CACHE))


def _repo_folder(repo_id: str) -> str:
    return "models--" + repo_id.replace("/", "--")


def alias_models(aliases: dict[str, str], cache_dir: str | Path | None = None) -> dict[str, str]:
    """Create hub-cache aliases so that ``hf/<alias>`` loads ``<hub id>``.

    Args:
        aliases: ``{alias: hub_id}``, e.g. ``{"qwen3.5-2b": "Qwen/Qwen3.5-2B"}``.
        cache_dir: The hub cache (default: ``HF_HUB_CACHE``).

    Returns:
        ``{alias: snapshot path}`` for every alias made.

    Raises:
        InputNotFoundError: a hub model is not in the cache (download it first, e.g.
            ``hf download Qwen/Qwen3.5-2B``).
    """
    cache = _hub_cache(cache_dir)
    made: dict[str, str] = {}
    for alias, hub_id in aliases.items():
        source = cache / _repo_folder(hub_id)
        ref = source / "refs" / "main"
        if not ref.is_file():
            raise InputNotFoundError(
                f"{hub_id} is not in the hub cache {cache} (no {ref}); "
                f"download it first: `hf download {hub_id}`"
            )
        revision = ref.read_text().strip()
        snapshot = source / "snapshots" / revision
        target = cache / _repo_folder(alias)
        (target / "refs").mkdir(parents=True, exist_ok=True)
        (target / "snapshots").mkdir(exist_ok=True)
        (target / "refs" / "main").write_text(revision)
        link = target / "snapshots" / revision
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(os.path.relpath(snapshot, link.parent), target_is_directory=True)
        made[alias] = str(snapshot)
    return made


CATALOG_TEXT = "catalog"
"""``tokenizer_text: catalog`` fits the tiny model's tokenizer to everything the catalog shows a model."""


def catalog_text() -> str:
    """Everything the catalog shows a model (system prompt, answer instruction, blocks, tasks, solutions)."""
    from procskill.prompts import ANSWER_INSTRUCTION, SYSTEM_PROMPT
    from procskill.skills import BUILTIN_DIR, load_packs

    packs = load_packs(BUILTIN_DIR)
    parts = [SYSTEM_PROMPT, ANSWER_INSTRUCTION] + [p.block for p in packs]
    parts += [f"{t.prompt}\n{t.solution}" for p in packs for t in p.tasks]
    return "\n".join(parts)


def build_tiny_model(out: str | Path, tokenizer_text: str | None = None, **options: Any) -> Path:
    """Build (or reuse) the offline tiny Qwen3.5 (``procskill models tiny``).

    Args:
        out: The checkpoint folder.
        tokenizer_text: ``"catalog"`` (fit the tokenizer to the catalog text), a path to a text file,
            or None for the built-in text.
        **options: :func:`procskill.testing.tiny_model.build_tiny_qwen35` options (``vocab_size``,
            ``initializer_range``, ``hidden_size``, ``num_hidden_layers``, ``seed``).
    """
    from procskill.testing.tiny_model import build_tiny_qwen35

    if tokenizer_text == CATALOG_TEXT:
        tokenizer_text = catalog_text()
    elif tokenizer_text is not None:
        source = Path(tokenizer_text)
        if not source.is_file():
            raise InputNotFoundError(f"--tokenizer-text {tokenizer_text}: no such file (or pass 'catalog')")
        tokenizer_text = source.read_text(encoding="utf-8")
    try:
        return build_tiny_qwen35(out, tokenizer_text=tokenizer_text, **options)
    except FileExistsError:  # a folder of something else: never overwritten silently
        raise ProcskillError(
            f"{out}: holds other files (not a tiny-model build of procskill); "
            "choose another folder or empty it"
        ) from None
