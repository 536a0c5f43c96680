"""Merging a LoRA adapter into its base model: a checkpoint Inspect's ``hf`` provider loads directly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from procskill._local import require_local


def merge_adapter(
    base: str | Path,
    adapter: str | Path,
    out: str | Path,
    dtype: Any = None,
    trust_remote_code: bool = False,
) -> Path:
    """Fold a PEFT LoRA adapter into the base weights and save a full checkpoint.

    The output holds safetensors weights, the generation config of the base, and the
    tokenizer saved with the adapter (the base tokenizer with its evaluation chat template),
    so ``--model hf/local -M model_path=OUT`` evaluates it with the same template it was
    trained with.

    Args:
        base: The base model (local folder or hub id); weights are read from safetensors only.
        adapter: The adapter folder (``adapter_config.json`` + ``adapter_model.safetensors``).
        out: Destination folder.
        dtype: Torch dtype to load the base in (``None``: the checkpoint's own).
        trust_remote_code: Allow model code from the checkpoint (off unless asked for).

    Returns:
        ``out``.
    """
    require_local("merging an adapter (procskill merge)", ("torch", "transformers", "peft"))
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out = Path(out)
    model = AutoModelForCausalLM.from_pretrained(
        str(base), dtype=dtype or "auto", use_safetensors=True, trust_remote_code=trust_remote_code
    )
    merged = PeftModel.from_pretrained(model, str(adapter)).merge_and_unload()
    merged.save_pretrained(out)
    AutoTokenizer.from_pretrained(str(adapter), trust_remote_code=trust_remote_code).save_pretrained(out)
    return out
