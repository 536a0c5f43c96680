"""A tiny, randomly initialised Qwen3.5 text model built offline (tests, offline demo, benchmarks).

``build_tiny_qwen35(out_dir)`` writes a Hugging Face checkpoint directory that loads with
``AutoModelForCausalLM`` / ``AutoTokenizer`` (``HF_HUB_OFFLINE=1``) and that Inspect evaluates with
``--model hf/local -M model_path=DIR -M do_sample=false -M enable_thinking=false``.

What is in the directory
------------------------
* ``Qwen3_5ForCausalLM`` (``model_type="qwen3_5_text"``), float32 safetensors, tied embeddings, the real
  hybrid layout (``layer_types``: 3 ``linear_attention`` (Gated DeltaNet) then 1 ``full_attention``, repeated).
  Defaults: hidden 64, 4 layers, vocab 2048 -> 298,664 parameters (131,072 of them the tied embedding),
  1.2 MB. The build itself takes ~0.1-0.3 s; importing torch + transformers first costs several seconds.
  Larger shapes for benchmarks: ``build_tiny_qwen35(d, hidden_size=512, num_hidden_layers=8)``.
  Attention uses 4 query heads / 2 KV heads with ``head_dim = hidden_size // 4``; the DeltaNet layers use
  2 key heads / 4 value heads of the same head size; ``intermediate_size = 2 * hidden_size``.
* A byte-level BPE tokenizer (``tokenizers``), trained on ``TRAINING_TEXT`` (fixed, in this module) with the
  Qwen3.5 pre-tokenizer (digits split one by one, NFC), wrapped in ``PreTrainedTokenizerFast``. The text
  is only ~5 KB, so the tokenizer has ~1.1k tokens; the embedding has ``vocab_size`` rows, the unused ones
  padding (real Qwen3.5 also pads its embedding beyond the tokenizer). Decoding an unused id yields ''.
  Specials (``special=True``, dropped by ``skip_special_tokens``): ``<|endoftext|>`` (pad, id 0),
  ``<|im_start|>`` (1), ``<|im_end|>`` (2, eos). ``<think>`` / ``</think>`` are atomic added tokens with
  ``special=False``, as in the real Qwen tokenizers, so they survive decoding (answers must be read outside
  ``<think>...</think>``).
* ``CHAT_TEMPLATE``: ChatML modelled on TRL's ``qwen3_5_nothink_training.jinja`` (the real Qwen3.5 template,
  training variant): system/user/assistant/tool turns, ``add_generation_prompt``, ``enable_thinking``
  (thinking is OFF unless ``enable_thinking=True``, as for Qwen3.5 0.8B/2B; off -> the generation prompt ends
  with ``<think>\\n\\n</think>\\n\\n``), and every assistant turn rendered as
  ``<think>\\n{reasoning}\\n</think>\\n\\n{content}<|im_end|>\\n`` inside ``{% generation %}`` so that
  TRL ``SFTTrainer(assistant_only_loss=True)`` masks correctly (end-of-turn token included). The template is
  prefix-preserving: prompt(enable_thinking=False) + content + ``<|im_end|>\\n`` == rendering of the full turn.
* ``padding_side`` is left at the tokenizer default (right), as in the real Qwen3.5 tokenizer_config;
  batched generation must set ``tokenizer.padding_side = "left"`` (Inspect's hf provider does).
* ``generation_config.json``: ``eos_token_id=[<|im_end|>, <|endoftext|>]``, ``pad_token_id=<|endoftext|>``,
  greedy by default.
* ``procskill_tiny.json``: the build parameters. A directory holding a complete build with the same
  parameters is returned as is (no rebuild); a different build of ours is replaced; a non-empty directory
  that is not ours raises ``FileExistsError`` unless ``overwrite=True``. Builds go to a temporary sibling
  directory first and are renamed into place, so concurrent builders never see half a checkpoint.

Everything is deterministic for a given parameter set (tokenizer training has no randomness; weights come
from ``torch.manual_seed(seed)``), so two builds with equal parameters produce identical files.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from procskill._local import require_local

__all__ = [
    "BUILD_FORMAT_VERSION",
    "CHAT_TEMPLATE",
    "EOS_TOKEN",
    "MARKER_FILE",
    "PAD_TOKEN",
    "THINK_TOKENS",
    "TRAINING_TEXT",
    "build_tiny_qwen35",
    "install_in_hub_cache",
    "is_complete_build",
]

BUILD_FORMAT_VERSION = 1
MARKER_FILE = "procskill_tiny.json"

PAD_TOKEN = "<|endoftext|>"
IM_START = "<|im_start|>"
EOS_TOKEN = "<|im_end|>"
SPECIAL_TOKENS = [PAD_TOKEN, IM_START, EOS_TOKEN]
THINK_TOKENS = ["<think>", "</think>"]

_REQUIRED_FILES = (
    MARKER_FILE,
    "config.json",
    "generation_config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
)

# Pre-tokenisation of the Qwen3.5 tokenizer (transformers' tokenization_qwen3_5.py): digits one at a time.
_PRETOKENIZE_REGEX = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*"""
    r"""|\s*[\r\n]+|\s+(?!\S)|\s+"""
)

# ChatML, modelled on TRL's qwen3_5_nothink_training.jinja (vision parts removed, tool header shortened).
CHAT_TEMPLATE = """\
{%- macro render_content(content) %}
    {%- if content is string %}
        {{- content }}
    {%- elif content is iterable and content is not mapping %}
        {%- for item in content %}
            {%- if item is string %}
                {{- item }}
            {%- elif 'text' in item %}
                {{- item.text }}
            {%- else %}
                {{- raise_exception('Only text content is supported by this tiny model.') }}
            {%- endif %}
        {%- endfor %}
    {%- elif content is none or content is undefined %}
        {{- '' }}
    {%- else %}
        {{- raise_exception('Unexpected content type.') }}
    {%- endif %}
{%- endmacro %}
{%- if not messages %}
    {{- raise_exception('No messages provided.') }}
{%- endif %}
{%- if tools and tools is iterable and tools is not mapping %}
    {{- '<|im_start|>system\\n# Tools\\n\\nYou have access to the following functions:\\n\\n<tools>' }}
    {%- for tool in tools %}
        {{- '\\n' }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- '\\n</tools>' }}
    {%- if messages[0].role == 'system' %}
        {%- set content = render_content(messages[0].content)|trim %}
        {%- if content %}
            {{- '\\n\\n' + content }}
        {%- endif %}
    {%- endif %}
    {{- '<|im_end|>\\n' }}
{%- elif messages[0].role == 'system' %}
    {%- set content = render_content(messages[0].content)|trim %}
    {{- '<|im_start|>system\\n' + content + '<|im_end|>\\n' }}
{%- endif %}
{%- for message in messages %}
    {%- set content = render_content(message.content)|trim %}
    {%- if message.role == 'system' %}
        {%- if not loop.first %}
            {{- raise_exception('System message must be at the beginning.') }}
        {%- endif %}
    {%- elif message.role == 'user' %}
        {{- '<|im_start|>user\\n' + content + '<|im_end|>\\n' }}
    {%- elif message.role == 'assistant' %}
        {%- set reasoning_content = '' %}
        {%- if message.reasoning_content is string %}
            {%- set reasoning_content = message.reasoning_content %}
        {%- elif '</think>' in content %}
            {%- set reasoning_content = content.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') %}
            {%- set content = content.split('</think>')[-1].lstrip('\\n') %}
        {%- endif %}
        {%- set reasoning_content = reasoning_content|trim %}
        {{- '<|im_start|>assistant\\n' }}
        {%- generation %}
        {{- '<think>\\n' + reasoning_content + '\\n</think>\\n\\n' + content }}
        {%- if message.tool_calls and message.tool_calls is iterable and message.tool_calls is not mapping %}
            {%- for tool_call in message.tool_calls %}
                {%- if tool_call.function is defined %}
                    {%- set tool_call = tool_call.function %}
                {%- endif %}
                {%- if loop.first and content|trim %}
                    {{- '\\n\\n' }}
                {%- elif not loop.first %}
                    {{- '\\n' }}
                {%- endif %}
                {{- '<tool_call>\\n<function=' + tool_call.name + '>\\n' }}
                {%- if tool_call.arguments is mapping %}
                    {%- for args_name, args_value in tool_call.arguments|items %}
                        {{- '<parameter=' + args_name + '>\\n' }}
                        {{- args_value | tojson if args_value is mapping or (args_value is sequence and args_value is not string) else args_value | string }}
                        {{- '\\n</parameter>\\n' }}
                    {%- endfor %}
                {%- endif %}
                {{- '</function>\\n</tool_call>' }}
            {%- endfor %}
        {%- endif %}
        {{- '<|im_end|>\\n' }}
        {%- endgeneration %}
    {%- elif message.role == 'tool' %}
        {%- if loop.first or loop.previtem.role != 'tool' %}
            {{- '<|im_start|>user' }}
        {%- endif %}
        {{- '\\n<tool_response>\\n' + content + '\\n</tool_response>' }}
        {%- if loop.last or loop.nextitem.role != 'tool' %}
            {{- '<|im_end|>\\n' }}
        {%- endif %}
    {%- else %}
        {{- raise_exception('Unexpected message role.') }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\\n' }}
    {%- if enable_thinking is defined and enable_thinking is true %}
        {{- '<think>\\n' }}
    {%- else %}
        {{- '<think>\\n\\n</think>\\n\\n' }}
    {%- endif %}
{%- endif %}
"""

# Fixed tokenizer training text (~5 KB): English prose about procedures, digits, punctuation, ANSWER lines.
TRAINING_TEXT = """\
You are a careful assistant. Follow the procedure step by step, then give the final answer.
Procedure: read the question, list the facts, apply each step in order, check the result, and write the
answer on its own line as ANSWER: <value>. Do not write anything after the ANSWER line.

Step 1: Read the problem carefully. Step 2: Write down the numbers. Step 3: Add, subtract, multiply or
divide as the procedure says. Step 4: Check the result. Step 5: Report the result.
ANSWER: 42

Question: What is 17 + 25? Let's think. 17 + 25 = 42. The sum is 42.
ANSWER: 42
Question: What is 81 - 19? 81 - 19 = 62. The difference is 62.
ANSWER: 62
Question: What is 12 * 12? 12 * 12 = 144. The product is 144.
ANSWER: 144
Question: What is 96 / 8? 96 / 8 = 12. The quotient is 12.
ANSWER: 12
Question: Sort the list [9, 3, 7, 1, 5] in ascending order. Sorted: [1, 3, 5, 7, 9].
ANSWER: 1, 3, 5, 7, 9
Question: Count the vowels in "procedure". p-r-o-c-e-d-u-r-e has o, e, u, e: 4 vowels.
ANSWER: 4
Question: Reverse the word "step". s, t, e, p -> p, e, t, s.
ANSWER: pets
Question: Is 97 a prime number? Check 2, 3, 5, 7: none divides 97. Yes, it is prime.
ANSWER: yes
Question: Convert 0.25 to a percent. 0.25 * 100 = 25%.
ANSWER: 25%
Question: What is the date 10 days after 2024-02-25? 2024 is a leap year: 2024-03-06.
ANSWER: 2024-03-06

The procedure has five steps. Each step has a number, a verb and an object. A good answer follows the
steps exactly; a bad answer skips a step, changes the order, or forgets to check the result. When the
procedure is written down, the model can read it; when it is not, the model must remember it. We compare
the two conditions: with the procedure and without the procedure. The score is the fraction of correct
answers, from 0.0 to 1.0, with a standard error. Scores such as 0.55, 0.75 and 1.00 are reported with
two decimals. The grader reads the final ANSWER line and compares it with the target; a missing line is
incorrect, and extra prose after the line may be a miss for a strict parser.

Numbers: 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 30 40 50 60 70 80 90 100
1000 2048 65536 3.14 2.718 -7 +3 1/2 3/4 50% 1e-3 #1 #2 (a) (b) (c) [x] {y} <z> x=1 y=2 z=x+y a*b c/d
Punctuation: . , ; : ! ? ' " ( ) [ ] { } < > - _ + = * / \\ | @ # $ % ^ & ~ ` ...
Words: ANSWER Answer answer STEP Step step PROCEDURE Procedure procedure FINAL Final final RESULT result
TASK task SKILL skill CHECK check VERIFY verify FIRST first SECOND second THIRD third NEXT next THEN then
LAST last TOTAL total SUM sum COUNT count LIST list ORDER order SORT sort ADD add SUBTRACT subtract
MULTIPLY multiply DIVIDE divide NUMBER number DIGIT digit WORD word LETTER letter TRUE true FALSE false
YES yes NO no correct incorrect grade grader judge score verdict GRADE: C GRADE: I CORRECT INCORRECT

Instructions for the judge: Compare the submission with the criterion. Reply with GRADE: C if the
submission is correct and GRADE: I if it is incorrect. Explain your reasoning in one or two sentences
before the grade. The last line must be the grade.

A recipe is a procedure too. First, preheat the oven to 180 degrees. Second, mix 200 g of flour with 2 eggs
and 100 ml of milk. Third, bake for 25 minutes. Finally, let it cool for 10 minutes before serving.
Directions: turn left after 300 m, then right at the 2nd light, then continue for 1.5 km until the station.
To solve a linear equation 3x + 5 = 20: subtract 5 from both sides (3x = 15), divide by 3 (x = 5).
ANSWER: 5
To convert 5 km to m: multiply by 1000. 5 * 1000 = 5000.
ANSWER: 5000
To find the mean of 4, 8, 15, 16, 23, 42: add them (108) and divide by 6 (18).
ANSWER: 18
To find the largest of 31, 17, 58, 44: compare pairs; 58 is the largest.
ANSWER: 58
To spell "skill" backwards: l, l, i, k, s.
ANSWER: lliks

The quick brown fox jumps over the lazy dog. Pack my box with five dozen liquor jugs. How vexingly quick
daft zebras jump! Sphinx of black quartz, judge my vow. The five boxing wizards jump quickly.
System: you are a helpful assistant. User: please help. Assistant: of course, here is the answer.
I think the answer is 7 because 3 + 4 = 7. Therefore, the answer is 7. So the final answer is 7.
ANSWER: 7
"""


def _build_params(
    *,
    seed: int,
    hidden_size: int,
    num_hidden_layers: int,
    vocab_size: int,
    tokenizer_text: str | None = None,
    initializer_range: float = 0.02,
) -> dict[str, Any]:
    if hidden_size % 4 != 0 or hidden_size < 16:
        raise ValueError(f"hidden_size must be a multiple of 4 and >= 16, got {hidden_size}")
    if num_hidden_layers < 1:
        raise ValueError(f"num_hidden_layers must be >= 1, got {num_hidden_layers}")
    if vocab_size < 512:
        raise ValueError(f"vocab_size must be >= 512 (256 bytes + merges + specials), got {vocab_size}")
    return {
        "format_version": BUILD_FORMAT_VERSION,
        "seed": int(seed),
        "hidden_size": int(hidden_size),
        "num_hidden_layers": int(num_hidden_layers),
        "vocab_size": int(vocab_size),
        "initializer_range": float(initializer_range),
        "tokenizer_text_sha256": hashlib.sha256(
            (tokenizer_text or TRAINING_TEXT).encode("utf-8")
        ).hexdigest(),
    }


def is_complete_build(out_dir: str | Path, params: dict[str, Any] | None = None) -> bool:
    """True if ``out_dir`` holds a complete tiny build (with exactly ``params``, when given)."""
    out = Path(out_dir)
    if not all((out / name).is_file() for name in _REQUIRED_FILES):
        return False
    if params is None:
        return True
    try:
        stored = json.loads((out / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return stored == params


def _train_tokenizer(vocab_size: int, text: str):  # -> PreTrainedTokenizerFast
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        trainers,
    )
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token=None, fuse_unk=False, byte_fallback=False))
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(_PRETOKENIZE_REGEX), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size - len(THINK_TOKENS),
        min_frequency=1,
        show_progress=False,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(text.splitlines(keepends=True), trainer=trainer)
    tok.add_tokens([AddedToken(t, special=False, normalized=False) for t in THINK_TOKENS])

    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token=EOS_TOKEN,
        pad_token=PAD_TOKEN,
        unk_token=None,
        bos_token=None,
        model_max_length=1_000_000,
        clean_up_tokenization_spaces=False,
    )
    fast.chat_template = CHAT_TEMPLATE
    if len(fast) > vocab_size:  # pragma: no cover - guarded by the trainer's vocab_size
        raise RuntimeError(f"tokenizer has {len(fast)} tokens > vocab_size {vocab_size}")
    return fast


def _build_model(params: dict[str, Any], tokenizer):  # -> Qwen3_5ForCausalLM
    import torch
    from transformers import GenerationConfig, Qwen3_5ForCausalLM, Qwen3_5TextConfig

    hidden = params["hidden_size"]
    layers = params["num_hidden_layers"]
    head_dim = hidden // 4
    pad_id = tokenizer.convert_tokens_to_ids(PAD_TOKEN)
    eos_id = tokenizer.convert_tokens_to_ids(EOS_TOKEN)
    config = Qwen3_5TextConfig(
        vocab_size=params["vocab_size"],
        hidden_size=hidden,
        intermediate_size=2 * hidden,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=head_dim,
        linear_key_head_dim=head_dim,
        linear_value_head_dim=head_dim,
        linear_num_key_heads=2,
        linear_num_value_heads=4,
        linear_conv_kernel_dim=4,
        layer_types=["full_attention" if (i + 1) % 4 == 0 else "linear_attention" for i in range(layers)],
        max_position_embeddings=4096,
        rope_parameters={"rope_type": "default", "rope_theta": 10_000_000.0, "partial_rotary_factor": 0.25},
        tie_word_embeddings=True,
        pad_token_id=pad_id,
        eos_token_id=eos_id,
        bos_token_id=None,
        initializer_range=params["initializer_range"],
        dtype="float32",
    )
    torch.manual_seed(params["seed"])
    model = Qwen3_5ForCausalLM(config)
    model.eval()
    model.generation_config = GenerationConfig(
        eos_token_id=[eos_id, pad_id],
        pad_token_id=pad_id,
        bos_token_id=None,
        do_sample=False,
    )
    return model


def _normalise_permissions(directory: Path) -> None:
    """mkdtemp makes a 0700 directory and safetensors writes 0600 files: use the umask-based modes instead."""
    file_mode = (directory / MARKER_FILE).stat().st_mode & 0o666  # written by open(): 0666 & ~umask
    dir_mode = file_mode | ((file_mode & 0o444) >> 2)  # add x wherever r is set
    for path in directory.iterdir():
        if path.is_file():
            path.chmod(file_mode)
    directory.chmod(dir_mode)


def build_tiny_qwen35(
    out_dir: str | Path,
    *,
    seed: int = 0,
    hidden_size: int = 64,
    num_hidden_layers: int = 4,
    vocab_size: int = 2048,
    tokenizer_text: str | None = None,
    initializer_range: float = 0.02,
    overwrite: bool = False,
) -> Path:
    """Build (or reuse) a tiny random Qwen3.5 checkpoint + tokenizer in ``out_dir``; return its path.

    Offline and deterministic. ``tokenizer_text`` replaces the built-in tokenizer training
    text: a tokenizer fitted to the text it will see (e.g. the catalog, for the demo)
    compresses it several times better, which makes generation and training that much
    faster. ``initializer_range`` is the weights' init standard deviation: at the usual
    0.02 a 64-wide model's logits are nearly flat, which LoRA (norms and embeddings
    frozen) cannot sharpen; the demo uses a larger one so that SFT can show an effect. Reuses an existing complete build with the same parameters unless
    ``overwrite=True``. Raises ``FileExistsError`` if ``out_dir`` is a non-empty directory that is not a
    procskill tiny build and ``overwrite`` is false.
    """
    require_local("building the tiny Qwen3.5", ("torch", "transformers"))
    out = Path(out_dir).expanduser().resolve()
    params = _build_params(
        seed=seed,
        hidden_size=hidden_size,
        num_hidden_layers=num_hidden_layers,
        vocab_size=vocab_size,
        tokenizer_text=tokenizer_text,
        initializer_range=initializer_range,
    )
    if not overwrite and is_complete_build(out, params):
        return out
    if out.exists():
        if not out.is_dir():
            raise FileExistsError(f"{out} exists and is not a directory")
        ours = (out / MARKER_FILE).is_file()
        if any(out.iterdir()) and not ours and not overwrite:
            raise FileExistsError(
                f"{out} is not empty and is not a procskill tiny-model build; pass overwrite=True to replace it"
            )

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        tokenizer = _train_tokenizer(params["vocab_size"], tokenizer_text or TRAINING_TEXT)
        model = _build_model(params, tokenizer)
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        (tmp / MARKER_FILE).write_text(json.dumps(params, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        _normalise_permissions(tmp)

        if out.exists():
            if not overwrite and is_complete_build(out, params):  # a concurrent builder finished first
                return out
            shutil.rmtree(out)
        try:
            os.replace(tmp, out)
        except OSError:
            if is_complete_build(out, params):  # lost a race against an identical build
                return out
            raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out


def install_in_hub_cache(
    model_dir: str | Path, cache_dir: str | Path, repo_id: str, revision: str = "0123abcd"
) -> Path:
    """Lay a model folder out in a Hugging Face hub cache the way ``hf download`` leaves it.

    ``models--ORG--NAME/refs/main`` names ``revision`` and ``snapshots/<revision>/`` holds a copy of the
    files, so that offline (``HF_HUB_OFFLINE=1``) ``hf download ORG/NAME`` prints that snapshot, Inspect's
    ``hf/ORG/NAME`` loads it and ``procskill models alias`` finds it. Returns the snapshot folder.
    """
    repo = Path(cache_dir) / ("models--" + repo_id.replace("/", "--"))
    snapshot = repo / "snapshots" / revision
    shutil.copytree(model_dir, snapshot)
    (repo / "refs").mkdir(exist_ok=True)
    (repo / "refs" / "main").write_text(revision)
    return snapshot
