"""A tiny random Qwen3 (dense attention) for real-engine tests: what vLLM's CPU build can serve.

vLLM's CPU build cannot serve the tiny Qwen3.5 of :mod:`procskill.testing.tiny_model` (its Qwen3.5 model
code imports torchvision, which breaks beside torch+cpu) and its CPU attention rejects a head size of 16.
``build_tiny_qwen3(out_dir)`` writes a ``Qwen3ForCausalLM`` (``model_type="qwen3"``) with head size 64 and
the *same* tokenizer and chat template as the tiny Qwen3.5 (ChatML with ``enable_thinking`` and generation
tags), so procskill's training path (assistant-only loss, the prompt-prefix check) and Inspect's ``hf``
provider treat it exactly like the Qwen3.5 one.

Defaults: hidden 128, 2 layers, 2 query heads / 1 KV head of size 64, vocab 2048 -> ~0.6M parameters,
float32 safetensors, tied embeddings. Deterministic for a given parameter set; a folder holding a complete
build with the same parameters is reused.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from pathlib import Path

from procskill._local import require_local
from procskill.testing.tiny_model import EOS_TOKEN, PAD_TOKEN, TRAINING_TEXT, _train_tokenizer

MARKER_FILE = "procskill_tiny_qwen3.json"
HEAD_DIM = 64
"""vLLM's CPU attention supports head sizes 32, 64, 80, 96, 112, 128, 256 (not 16)."""


def build_tiny_qwen3(
    out_dir: str | Path,
    *,
    seed: int = 0,
    hidden_size: int = 128,
    num_hidden_layers: int = 2,
    vocab_size: int = 2048,
    tokenizer_text: str | None = None,
    initializer_range: float = 0.02,
) -> Path:
    """Build (or reuse) a tiny random Qwen3 checkpoint + tokenizer in ``out_dir``; return its path.

    ``hidden_size`` must be a multiple of 64 (the attention has ``hidden_size // 64`` query heads of
    size 64 and half as many KV heads, at least one). ``tokenizer_text`` and ``initializer_range`` mean
    what they mean for :func:`procskill.testing.tiny_model.build_tiny_qwen35`.
    """
    require_local("building the tiny Qwen3", ("torch", "transformers"))
    if hidden_size % HEAD_DIM or hidden_size < HEAD_DIM:
        raise ValueError(f"hidden_size must be a positive multiple of {HEAD_DIM}, got {hidden_size}")
    text = tokenizer_text or TRAINING_TEXT
    params = {
        "seed": seed,
        "hidden_size": hidden_size,
        "num_hidden_layers": num_hidden_layers,
        "vocab_size": vocab_size,
        "initializer_range": initializer_range,
        "tokenizer_text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
    }
    out = Path(out_dir).expanduser().resolve()
    marker = out / MARKER_FILE
    if marker.is_file() and json.loads(marker.read_text(encoding="utf-8")) == params:
        return out

    import torch
    from transformers import GenerationConfig, Qwen3Config, Qwen3ForCausalLM

    tokenizer = _train_tokenizer(vocab_size, text)
    pad_id = tokenizer.convert_tokens_to_ids(PAD_TOKEN)
    eos_id = tokenizer.convert_tokens_to_ids(EOS_TOKEN)
    heads = hidden_size // HEAD_DIM
    config = Qwen3Config(
        vocab_size=vocab_size,
        hidden_size=hidden_size,
        intermediate_size=2 * hidden_size,
        num_hidden_layers=num_hidden_layers,
        num_attention_heads=heads,
        num_key_value_heads=max(1, heads // 2),
        head_dim=HEAD_DIM,
        max_position_embeddings=4096,
        tie_word_embeddings=True,
        pad_token_id=pad_id,
        eos_token_id=eos_id,
        bos_token_id=None,
        initializer_range=initializer_range,
        dtype="float32",
    )
    torch.manual_seed(seed)
    model = Qwen3ForCausalLM(config).eval()
    model.generation_config = GenerationConfig(
        eos_token_id=[eos_id, pad_id], pad_token_id=pad_id, bos_token_id=None, do_sample=False
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        (tmp / MARKER_FILE).write_text(json.dumps(params, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        tmp.chmod(0o755)
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out
