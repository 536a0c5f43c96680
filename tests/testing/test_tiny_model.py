"""The offline tiny Qwen3.5 checkpoint: builds, reloads, chat template, greedy generation."""

from __future__ import annotations

import json
import os

os.environ["HF_HUB_OFFLINE"] = "1"

import pytest  # noqa: E402

from procskill.testing.tiny_model import MARKER_FILE, build_tiny_qwen35  # noqa: E402

pytestmark = pytest.mark.slow

MESSAGES = [
    {"role": "system", "content": "Follow the procedure."},
    {"role": "user", "content": "What is 17 + 25?"},
]


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    return build_tiny_qwen35(tmp_path_factory.mktemp("tiny") / "qwen35")


@pytest.fixture(scope="module")
def tokenizer(tiny_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_dir)


@pytest.fixture(scope="module")
def model(tiny_dir):
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(tiny_dir)


def test_build_writes_a_loadable_qwen35(tiny_dir, model, tokenizer):
    assert type(model).__name__ == "Qwen3_5ForCausalLM"
    cfg = model.config
    assert cfg.model_type == "qwen3_5_text"
    assert cfg.layer_types == ["linear_attention"] * 3 + ["full_attention"]
    assert cfg.tie_word_embeddings
    assert 250_000 < model.num_parameters() < 400_000
    assert len(tokenizer) <= cfg.vocab_size == 2048
    assert tokenizer.eos_token == "<|im_end|>" and tokenizer.pad_token == "<|endoftext|>"
    assert cfg.eos_token_id == tokenizer.eos_token_id
    gen = json.loads((tiny_dir / "generation_config.json").read_text())
    assert gen["pad_token_id"] == tokenizer.pad_token_id
    assert tokenizer.eos_token_id in gen["eos_token_id"]
    for token in ("<think>", "</think>", "<|im_start|>"):  # atomic tokens
        assert len(tokenizer(token, add_special_tokens=False).input_ids) == 1
    assert tokenizer.tokenize("1234") == ["1", "2", "3", "4"]  # Qwen: digits one by one


def test_chat_template_thinking_off_and_on(tokenizer):
    prompt = tokenizer.apply_chat_template(
        MESSAGES, add_generation_prompt=True, enable_thinking=False, tokenize=False
    )
    assert prompt == (
        "<|im_start|>system\nFollow the procedure.<|im_end|>\n"
        "<|im_start|>user\nWhat is 17 + 25?<|im_end|>\n"
        "<|im_start|>assistant\n<think>\n\n</think>\n\n"
    )
    thinking = tokenizer.apply_chat_template(
        MESSAGES, add_generation_prompt=True, enable_thinking=True, tokenize=False
    )
    assert thinking.endswith("<|im_start|>assistant\n<think>\n")


def test_chat_template_is_prefix_preserving_and_masks_the_assistant_turn(tokenizer):
    prompt = tokenizer.apply_chat_template(
        MESSAGES, add_generation_prompt=True, enable_thinking=False, tokenize=False
    )
    convo = MESSAGES + [{"role": "assistant", "content": "Step 1: add. ANSWER: 42"}]
    full = tokenizer.apply_chat_template(convo, tokenize=False)
    assert full == prompt + "Step 1: add. ANSWER: 42<|im_end|>\n"
    out = tokenizer.apply_chat_template(
        convo, tokenize=True, return_dict=True, return_assistant_tokens_mask=True
    )
    masked = [t for t, m in zip(out["input_ids"], out["assistant_masks"]) if m]
    assert tokenizer.decode(masked) == "<think>\n\n</think>\n\nStep 1: add. ANSWER: 42<|im_end|>\n"


def test_greedy_generate_is_deterministic(model, tokenizer):
    import torch

    prompt = tokenizer.apply_chat_template(
        MESSAGES, add_generation_prompt=True, enable_thinking=False, tokenize=False
    )
    enc = tokenizer(prompt, return_tensors="pt")
    with torch.no_grad():
        a = model.generate(**enc, max_new_tokens=8, do_sample=False)
        b = model.generate(**enc, max_new_tokens=8, do_sample=False)
    assert a.shape[1] <= enc.input_ids.shape[1] + 8
    assert torch.equal(a, b)
    assert isinstance(tokenizer.decode(a[0, enc.input_ids.shape[1] :], skip_special_tokens=True), str)


def test_rebuild_is_skipped_deterministic_and_guarded(tiny_dir, tmp_path):
    weights = tiny_dir / "model.safetensors"
    before = weights.stat().st_mtime_ns
    assert build_tiny_qwen35(tiny_dir) == tiny_dir
    assert weights.stat().st_mtime_ns == before  # same parameters: reused

    twin = build_tiny_qwen35(tmp_path / "twin")
    for name in ("model.safetensors", "tokenizer.json", "config.json", MARKER_FILE):
        assert (twin / name).read_bytes() == (tiny_dir / name).read_bytes(), name

    other = build_tiny_qwen35(tmp_path / "twin", seed=1)  # ours, other parameters: rebuilt
    assert json.loads((other / MARKER_FILE).read_text())["seed"] == 1
    assert (other / "model.safetensors").read_bytes() != weights.read_bytes()

    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("not a model")
    with pytest.raises(FileExistsError):
        build_tiny_qwen35(foreign)
    assert (foreign / "keep.txt").exists()
