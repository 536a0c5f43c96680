"""Training on the tiny Qwen3.5: label mask, outputs, merge, resume, and evaluation through the real task."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai.log import read_eval_log

from procskill.checkpoint_meta import CHECKPOINT_METADATA, read_checkpoint_metadata
from procskill.solvers import logged_run_facts
from procskill.training import (
    TemplateMismatchError,
    TrainingError,
    build_corpus,
    check_prompt_prefix,
    checkpoint_complete,
    load_recipe,
    prepare_run,
    read_corpus,
    train,
)
from testkit.packs import write_synthetic_packs

pytestmark = pytest.mark.slow

# A few optimizer steps on the default recipe; a checkpoint every 2 steps so there is one to resume from.
SMOKE = {
    "max_steps": 3,
    "per_device_train_batch_size": 2,
    "gradient_accumulation_steps": 1,
    "logging_steps": 1,
    "save_steps": 2,
}
REQUIRED_METADATA = {
    "base_model",
    "base_model_resolved",
    "base_config_sha256",
    "recipe",
    "recipe_sha256",
    "corpus_path",
    "corpus_sha256",
    "seed",
    "steps",
    "final_loss",
    "parameters",
    "library_versions",
    "enable_thinking",
    "created",
}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("sft")
    packs = write_synthetic_packs(root / "packs", skills=2, tasks_per_skill=2, train_per_skill=3)
    corpus = build_corpus("procedural", skills_dir=packs, out=root / "corpus")
    return root, packs, corpus


@pytest.fixture(scope="module")
def trained(workspace, tiny_model_dir):
    root, _, corpus = workspace
    recipe = load_recipe("lora_r16_lr2e-4").with_sft(**SMOKE)
    return train(tiny_model_dir, corpus.path, recipe, out=root / "run")


def _tokenizer(path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(path))


@pytest.mark.parametrize("recipe_name", ["lora_r16_lr2e-4", "no_skill_block"])
def test_labels_cover_exactly_the_assistant_completion_token_by_token(
    workspace, tiny_model_dir, tmp_path, recipe_name
):
    _, _, corpus = workspace
    run = prepare_run(
        tiny_model_dir, corpus.path, load_recipe(recipe_name).with_sft(**SMOKE), out=tmp_path / "r"
    )
    assert run.trainer.args.train_sampling_strategy == "group_by_length"  # the recipes' default
    tokenizer = _tokenizer(tiny_model_dir)
    end_of_turn = tokenizer.convert_tokens_to_ids("<|im_end|>")
    rows, _, _ = read_corpus(corpus.path)
    prepared = run.trainer.train_dataset
    assert len(prepared) == len(rows)
    for row, example in zip(rows, prepared, strict=True):
        prompt = row["messages"][:2]
        if recipe_name == "no_skill_block":
            assert "Follow this procedure" in prompt[1]["content"]
            prompt = [prompt[0], {"role": "user", "content": prompt[1]["content"].split("\n\n", 1)[1]}]
            assert not prompt[1]["content"].startswith("Follow") and row["prompt"] in prompt[1]["content"]
        # What Inspect's hf provider feeds the model at evaluation (-M enable_thinking=false) ...
        text = tokenizer.apply_chat_template(
            prompt, tokenize=False, add_generation_prompt=True, enable_thinking=False
        )
        prompt_ids = tokenizer(text)["input_ids"]
        # ... followed by exactly the assistant's visible text and its end-of-turn token.
        completion_ids = tokenizer(row["messages"][2]["content"] + "<|im_end|>\n", add_special_tokens=False)[
            "input_ids"
        ]
        assert example["input_ids"] == prompt_ids + completion_ids
        assert example["labels"] == [-100] * len(prompt_ids) + completion_ids
        assert end_of_turn in example["labels"]  # the model is taught to stop
        assert tokenizer.decode(prompt_ids).endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")


def test_a_template_that_renders_training_turns_differently_is_refused(workspace, tiny_model_dir):
    _, _, corpus = workspace
    rows, _, _ = read_corpus(corpus.path)
    tokenizer = _tokenizer(tiny_model_dir)
    assert len(check_prompt_prefix(tokenizer, rows, enable_thinking=False)) == len(rows)
    # Like templates that drop the empty think block from a rendered assistant turn.
    original = tokenizer.chat_template
    tokenizer.chat_template = original.replace(
        "'<think>\\n' + reasoning_content + '\\n</think>\\n\\n' + content", "content"
    )
    assert tokenizer.chat_template != original
    with pytest.raises(
        TemplateMismatchError, match=r"corpus.jsonl:1: row 'skill-00-t000'.*evaluation has '<think>"
    ):
        check_prompt_prefix(tokenizer, rows, enable_thinking=False, source=str(corpus.path))


def test_training_writes_adapter_merged_checkpoint_and_metadata(trained, workspace, tiny_model_dir):
    _, _, corpus = workspace
    out = trained.out
    assert trained.model_dir == out / "merged" and trained.adapter_dir == out / "adapter"
    assert {p.name for p in out.iterdir()} >= {"adapter", "merged", "checkpoints", CHECKPOINT_METADATA}
    for folder in (trained.adapter_dir, trained.model_dir):
        suffixes = {p.suffix for p in folder.iterdir()}
        assert ".safetensors" in suffixes and not suffixes & {".bin", ".pt", ".pth", ".pkl"}
    assert (trained.model_dir / "chat_template.jinja").is_file() or "chat_template" in json.loads(
        (trained.model_dir / "tokenizer_config.json").read_text()
    )

    meta = read_checkpoint_metadata(out)
    assert meta == trained.metadata == read_checkpoint_metadata(trained.model_dir)
    assert meta == read_checkpoint_metadata(trained.adapter_dir)  # evaluated unmerged through vLLM too
    assert REQUIRED_METADATA <= set(meta)
    assert meta["steps"] == 3 and meta["recipe"] == "lora_r16_lr2e-4" and meta["method"] == "lora"
    assert meta["base_model_resolved"] == str(tiny_model_dir.resolve())
    assert (
        meta["base_config_sha256"]
        == hashlib.sha256((tiny_model_dir / "config.json").read_bytes()).hexdigest()
    )
    assert meta["corpus_sha256"] == hashlib.sha256(corpus.path.read_bytes()).hexdigest()
    assert meta["corpus_card"]["teacher"] == "procedural"
    assert meta["final_loss"] > 0 and meta["final_loss_step"] == 3
    assert meta["world_size"] == 1 and meta["effective_batch_size"] == 2
    assert meta["enable_thinking"] is False and meta["skill_block"] is True
    assert meta["prompt_prefix_checked_rows"] == 6 and meta["device"] == "cpu" and meta["dtype"] == "float32"
    assert set(meta["library_versions"]) >= {"torch", "transformers", "trl", "peft", "datasets", "accelerate"}


def test_merged_weights_reproduce_the_adapter(trained, tiny_model_dir):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(str(tiny_model_dir))
    base_params = sum(p.numel() for p in base.parameters())
    ids = torch.tensor([[1, 85, 91, 791, 201, 53, 2]])
    with torch.no_grad():
        base_logits = base(ids).logits
        adapted = PeftModel.from_pretrained(base, str(trained.adapter_dir)).eval()
        adapter_logits = adapted(ids).logits
        merged = AutoModelForCausalLM.from_pretrained(str(trained.model_dir)).eval()
        merged_logits = merged(ids).logits
    assert torch.allclose(merged_logits, adapter_logits, atol=1e-5)
    assert not torch.allclose(merged_logits, base_logits, atol=1e-7)  # training changed the model
    assert trained.metadata["parameters"] == base_params == sum(p.numel() for p in merged.parameters())


def test_merged_checkpoint_is_evaluated_by_the_task_with_its_metadata(trained, workspace, tmp_path):
    _, packs, _ = workspace
    [log] = inspect_eval(
        "procskill/procskill",
        model="hf/local",
        model_args={"model_path": str(trained.model_dir), "do_sample": False, "enable_thinking": False},
        task_args={"skills_dir": str(packs), "skills": "skill-00"},
        max_tokens=16,
        max_connections=8,
        log_dir=str(tmp_path / "logs"),
        display="none",
    )
    assert log.status == "success", log.error
    log = read_eval_log(log.location)
    assert len(log.samples) == 4  # 2 holdout tasks x 2 conditions
    facts = logged_run_facts(log.eval.metadata, [s.metadata for s in log.samples])
    assert facts["checkpoint"] == trained.metadata
    assert facts["generation"]["enable_thinking"] == facts["checkpoint"]["enable_thinking"]
    assert facts["model"]["parameters"] == trained.metadata["parameters"]


def test_resume_continues_from_the_last_checkpoint(trained, workspace, tiny_model_dir, tmp_path):
    _, _, corpus = workspace
    out = tmp_path / "run"
    shutil.copytree(trained.out, out)
    recipe = load_recipe("lora_r16_lr2e-4").with_sft(**SMOKE)
    with pytest.raises(
        TrainingError, match="already holds a training run's files.*pass --resume.*--overwrite"
    ):
        train(tiny_model_dir, corpus.path, recipe, out=out)
    sparse_logging = recipe.with_sft(logging_steps=4)
    resumed = train(tiny_model_dir, corpus.path, sparse_logging, out=out, resume=True, max_steps=5)
    assert resumed.metadata["steps"] == 5
    assert resumed.metadata["final_loss_step"] == 5  # the last step is logged even off the logging grid
    assert resumed.metadata["resumed_from"].endswith("checkpoint-3")
    assert read_checkpoint_metadata(resumed.model_dir)["steps"] == 5

    other = tmp_path / "other.jsonl"
    other.write_text(corpus.path.read_text().splitlines()[0] + "\n")
    with pytest.raises(TrainingError, match="'corpus_sha256' was"):
        train(tiny_model_dir, other, recipe, out=out, resume=True, skills_dir=workspace[1])
    with pytest.raises(TrainingError, match="no run to resume here"):
        train(tiny_model_dir, corpus.path, recipe, out=tmp_path / "fresh", resume=True)


def test_full_fine_tune_saves_the_full_checkpoint_without_an_adapter(workspace, tiny_model_dir, tmp_path):
    _, _, corpus = workspace
    recipe = load_recipe("full_ft_lr1e-5").with_sft(**{**SMOKE, "max_steps": 1})
    result = train(tiny_model_dir, corpus.path, recipe, out=tmp_path / "full")
    assert result.adapter_dir is None and not (tmp_path / "full" / "adapter").exists()
    assert (result.model_dir / "model.safetensors").is_file()
    assert not (result.model_dir / "training_args.bin").exists()
    meta = read_checkpoint_metadata(result.model_dir)
    assert meta["method"] == "full" and meta["steps"] == 1
    assert meta["trainable_parameters"] == meta["parameters"]


def test_a_finished_run_is_complete_and_a_mixed_or_partial_folder_is_not(trained, tmp_path):
    assert checkpoint_complete(trained.out)
    meta = read_checkpoint_metadata(trained.out)
    run_file = json.loads((trained.out / "procskill_run.json").read_text())
    assert meta["run_id"] == run_file["run_id"]

    def copy(name):
        target = tmp_path / name
        shutil.copytree(trained.out, target)
        return target

    # A new run started in the folder (new run file) while the old run's metadata is still there.
    mixed = copy("mixed")
    (mixed / "procskill_run.json").write_text(json.dumps({**run_file, "run_id": "another-run"}))
    # A run stopped while merging: no merged weights yet.
    unmerged = copy("unmerged")
    shutil.rmtree(unmerged / "merged")
    # The merged checkpoint's metadata is not this run's.
    other_merged = copy("other-merged")
    (other_merged / "merged" / CHECKPOINT_METADATA).write_text(json.dumps({**meta, "steps": 99}))
    # The adapter's metadata (what a vLLM evaluation of the unmerged adapter records) is not this run's.
    other_adapter = copy("other-adapter")
    (other_adapter / "adapter" / CHECKPOINT_METADATA).write_text(json.dumps({**meta, "steps": 99}))
    # Stopped before the metadata was written.
    unfinished = copy("unfinished")
    (unfinished / CHECKPOINT_METADATA).unlink()
    for folder in (mixed, unmerged, other_merged, other_adapter, unfinished, tmp_path / "absent"):
        assert not checkpoint_complete(folder), folder.name


def test_a_folder_with_another_runs_files_is_refused_unless_overwritten(
    trained, workspace, tiny_model_dir, tmp_path, capfd
):
    _, _, corpus = workspace
    out = tmp_path / "run"
    shutil.copytree(trained.out, out)
    shutil.rmtree(out / "checkpoints")  # a finished run whose checkpoints were removed
    recipe = load_recipe("lora_r16_lr2e-4").with_sft(**{**SMOKE, "max_steps": 1})
    with pytest.raises(
        TrainingError, match=r"already holds a training run's files \(adapter, merged, procskill_"
    ):
        train(tiny_model_dir, corpus.path, recipe, out=out)
    (out / "notes.txt").write_text("mine")
    result = train(tiny_model_dir, corpus.path, recipe, out=out, overwrite=True)
    assert result.metadata["steps"] == 1 and checkpoint_complete(out)
    assert result.metadata["run_id"] != trained.metadata["run_id"]
    assert (out / "notes.txt").read_text() == "mine"  # only the run's own files are replaced
    # The console shows one line per logged step, not the Trainer's dicts nor advice for CUDA-only kernels.
    console = capfd.readouterr()
    assert "step 1/1  loss " in console.out and "{'loss'" not in console.out + console.err
    assert "falling back to its reference PyTorch implementation" not in console.out + console.err


def test_advice_to_install_cuda_kernels_is_hidden_on_cpu():
    import logging

    from transformers.utils import logging as hf_logging

    from procskill._local import quiet_cpu_kernel_warnings

    quiet_cpu_kernel_warnings()
    quiet_cpu_kernel_warnings()  # idempotent: prepare_run calls it once per run
    kernels = hf_logging.get_logger("transformers.integrations.hub_kernels")
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    level = kernels.level
    kernels.addHandler(handler)
    kernels.setLevel(logging.WARNING)
    try:
        kernels.warning(
            "`causal_conv1d_fn` is falling back to its reference PyTorch implementation because `causal-conv1d` "
            "is not installed. This is correct but much slower; install `causal-conv1d` for the optimized kernel."
        )
        kernels.warning("another warning")
    finally:
        kernels.removeHandler(handler)
        kernels.setLevel(level)
    assert [r.getMessage() for r in records] == ["another warning"]
    assert len(kernels.filters) == 1
