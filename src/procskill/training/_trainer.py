"""SFT with TRL's ``SFTTrainer``: loss on the assistant turn only, LoRA or full fine-tuning.

Output layout of ``train(..., out=DIR)``::

    DIR/procskill_checkpoint.json   the checkpoint metadata (also copied into adapter/ and merged/)
    DIR/procskill_run.json          what the run was started with (checked by --resume)
    DIR/checkpoints/checkpoint-N/   Trainer checkpoints (what --resume restarts from)
    DIR/adapter/                    the LoRA adapter (LoRA recipes)
    DIR/merged/                     full checkpoint to evaluate: --model hf/local -M model_path=DIR/merged
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from procskill._files import atomic_write
from procskill._local import require_local
from procskill.checkpoint_meta import CHECKPOINT_METADATA
from procskill.errors import ProcskillError
from procskill.prompts import prompt_messages
from procskill.skills import BUILTIN_DIR
from procskill.training._corpus import read_corpus
from procskill.training._guard import check_rows, holdout_index
from procskill.training._recipes import DEFAULT_RECIPE, Recipe, load_recipe

CHECKPOINTS = "checkpoints"
ADAPTER = "adapter"
MERGED = "merged"
RUN_FILE = "procskill_run.json"
METADATA_FORMAT = "procskill-checkpoint/1"
LIBRARIES = ("procskill", "torch", "transformers", "trl", "peft", "datasets", "accelerate", "inspect_ai")

logger = logging.getLogger(__name__)


class TrainingError(ProcskillError):
    """A training run cannot start or continue. The message says what to change."""


@dataclass(frozen=True)
class TrainResult:
    """Where a finished run put its outputs."""

    out: Path
    model_dir: Path
    """The checkpoint to evaluate (``out/merged``)."""
    adapter_dir: Path | None
    metadata: dict[str, Any]


@dataclass
class PreparedRun:
    """A checked, ready-to-start training run (:func:`prepare_run`)."""

    trainer: Any
    """The TRL ``SFTTrainer``; its ``train_dataset`` holds the prepared ``input_ids``/``labels``."""
    recipe: Recipe
    base: str
    out: Path
    corpus_file: Path
    corpus_sha256: str
    corpus_rows: int
    card: dict[str, Any] | None
    holdout_dir: Path
    prompt_ids: list[list[int]]
    """Evaluation prompt ids of each row, as Inspect's ``hf`` provider would feed them."""
    resume_from: str | None
    dtype: Any
    training_template: str | None
    rows_at_max_length: int
    trust_remote_code: bool


def prepare_run(
    base: str | Path,
    corpus: str | Path,
    recipe: str | Path | Recipe = DEFAULT_RECIPE,
    out: str | Path = "checkpoints/sft",
    resume: bool = False,
    *,
    skills_dir: str | Path | None = None,
    max_steps: int | None = None,
    seed: int | None = None,
    trust_remote_code: bool = False,
) -> PreparedRun:
    """Check a corpus against the holdout and the chat template, and build the ``SFTTrainer``.

    :func:`train` is ``prepare_run`` + ``trainer.train()`` + saving; call this to add your
    own callbacks or inspect the prepared rows. Arguments as in :func:`train`.
    """
    spec = recipe if isinstance(recipe, Recipe) else load_recipe(recipe)
    overrides = {k: v for k, v in {"max_steps": max_steps, "seed": seed}.items() if v is not None}
    if overrides:
        spec = spec.replace(**overrides)
    rows, card, corpus_file = read_corpus(corpus)
    holdout_dir = _holdout_dir(skills_dir, card, corpus_file)
    check_rows(rows, holdout_index(holdout_dir), str(corpus_file))
    corpus_sha = hashlib.sha256(corpus_file.read_bytes()).hexdigest()

    # Bad input is refused above before these heavy imports.
    require_local("training (procskill train)")
    import torch
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    from procskill.training._template import check_prompt_prefix, training_chat_template

    out = Path(out)
    checkpoints = out / CHECKPOINTS
    last = _last_complete_checkpoint(checkpoints)
    run = {
        "base": str(base),
        "recipe_sha256": spec.sha256,
        "recipe": spec.to_dict(),
        "corpus_sha256": corpus_sha,
    }
    _start_or_resume(out, run, resume, last)

    use_gpu = torch.cuda.is_available()
    bf16 = use_gpu and torch.cuda.is_bf16_supported()
    dtype = torch.bfloat16 if bf16 else torch.float32
    tokenizer = AutoTokenizer.from_pretrained(str(base), trust_remote_code=trust_remote_code)
    model = AutoModelForCausalLM.from_pretrained(
        str(base), dtype=dtype, use_safetensors=True, trust_remote_code=trust_remote_code
    )

    conversations = [_conversation(row, spec.skill_block) for row in rows]
    template = training_chat_template(tokenizer)
    prompt_ids = check_prompt_prefix(
        tokenizer,
        [{**row, "messages": messages} for row, messages in zip(rows, conversations, strict=True)],
        spec.enable_thinking,
        template,
        source=str(corpus_file),
    )
    dataset = Dataset.from_list(
        [
            # prompt/completion rows: TRL masks the prompt (completion_only_loss) and keeps only
            # tokens inside the template's generation tags (assistant_only_loss). Their
            # intersection is what the model itself produces at evaluation time.
            {
                "prompt": messages[:-1],
                "completion": messages[-1:],
                "chat_template_kwargs": {"enable_thinking": spec.enable_thinking},
            }
            for messages in conversations
        ]
    )
    config = SFTConfig(
        output_dir=str(checkpoints),
        learning_rate=spec.learning_rate,
        num_train_epochs=spec.epochs,
        max_steps=spec.max_steps or -1,
        per_device_train_batch_size=spec.batch_size,
        gradient_accumulation_steps=spec.gradient_accumulation_steps,
        warmup_steps=spec.warmup,
        lr_scheduler_type=spec.lr_scheduler,
        weight_decay=spec.weight_decay,
        max_length=spec.max_length,
        seed=spec.seed,
        data_seed=spec.seed,
        save_strategy="steps",
        save_steps=spec.save_steps,
        save_total_limit=spec.save_total_limit,
        logging_steps=spec.logging_steps,
        logging_first_step=True,
        activation_checkpointing=spec.gradient_checkpointing,
        train_sampling_strategy="group_by_length" if spec.group_by_length else "random",
        assistant_only_loss=True,
        completion_only_loss=True,
        packing=False,  # packing needs a CUDA-only kernel for Qwen3.5's DeltaNet layers
        use_cpu=not use_gpu,
        bf16=bf16,
        report_to="none",
    )
    trainer = SFTTrainer(
        model=model,
        args=config,
        train_dataset=dataset,
        processing_class=tokenizer,
        peft_config=_lora_config(spec),
        callbacks=[_log_last_step()],
    )
    at_limit = verify_label_mask(trainer.train_dataset, prompt_ids, spec.max_length, str(corpus_file))
    if at_limit:
        logger.warning(
            "%s: %d row(s) reach max_length=%d and lose the end of their completion (and its ANSWER line); "
            "raise the recipe's max_length",
            corpus_file,
            at_limit,
            spec.max_length,
        )
    return PreparedRun(
        trainer=trainer,
        recipe=spec,
        base=str(base),
        out=out,
        corpus_file=corpus_file,
        corpus_sha256=corpus_sha,
        corpus_rows=len(rows),
        card=card,
        holdout_dir=holdout_dir,
        prompt_ids=prompt_ids,
        resume_from=last if resume else None,
        dtype=dtype,
        training_template=template,
        rows_at_max_length=at_limit,
        trust_remote_code=trust_remote_code,
    )


def train(
    base: str | Path,
    corpus: str | Path,
    recipe: str | Path | Recipe = DEFAULT_RECIPE,
    out: str | Path = "checkpoints/sft",
    resume: bool = False,
    *,
    skills_dir: str | Path | None = None,
    max_steps: int | None = None,
    seed: int | None = None,
    trust_remote_code: bool = False,
    merge: bool = True,
) -> TrainResult:
    """Fine-tune a chat model on a procskill corpus and write an evaluable checkpoint.

    Every row is checked before training: its task is not in the holdout (by id and by
    normalised prompt), its evaluation prompt (the tokenizer's chat template with
    ``add_generation_prompt=True`` and the recipe's ``enable_thinking``) is a token-for-token
    prefix of the sequence TRL trains on, and TRL's labels are ``-100`` on exactly those
    prompt tokens and equal to the input on the rest (the assistant's completion and its
    end-of-turn token).

    On CPU it trains in float32 (``use_cpu=True``); on GPU in bf16. Under
    ``accelerate launch`` TRL/Accelerate distribute the run; only the main process saves,
    merges and writes metadata. Progress (steps, loss, time left) is transformers' own.

    Args:
        base: Base model folder or hub id (safetensors weights).
        corpus: A corpus folder or JSONL file (:func:`procskill.training.build_corpus`).
        recipe: A shipped recipe name, a YAML file, or a :class:`Recipe`.
        out: Output folder (layout in the module docstring).
        resume: Continue from the last checkpoint in ``out/checkpoints``.
        skills_dir: Skills folder whose holdout the guard checks; by default the one
            recorded in the corpus card, else the built-in catalog.
        max_steps: Override the recipe's ``max_steps``.
        seed: Override the recipe's ``seed``.
        trust_remote_code: Allow model code from the checkpoint (off unless asked for).
        merge: Merge the LoRA adapter into a full checkpoint after training.

    Returns:
        The output folders and the checkpoint metadata (empty on non-main processes).

    Raises:
        TrainingError: ``out`` already holds checkpoints without ``resume`` (or none with
            it), or the base, recipe or corpus changed since the run started.
        procskill.training.ContaminationError: A row is a holdout task.
        procskill.training.TemplateMismatchError: Training and evaluation contexts differ.
    """
    run = prepare_run(
        base,
        corpus,
        recipe,
        out,
        resume,
        skills_dir=skills_dir,
        max_steps=max_steps,
        seed=seed,
        trust_remote_code=trust_remote_code,
    )
    trainer, spec, out = run.trainer, run.recipe, run.out
    output = trainer.train(resume_from_checkpoint=run.resume_from)

    adapter_dir = out / ADAPTER if spec.method == "lora" else None
    model_dir = out / MERGED
    if not trainer.is_world_process_zero():
        return TrainResult(out=out, model_dir=model_dir, adapter_dir=adapter_dir, metadata={})
    if adapter_dir is not None:
        _save_weights(trainer, adapter_dir)
        if merge:
            from procskill.training._merge import merge_adapter

            merge_adapter(base, adapter_dir, model_dir, dtype=run.dtype, trust_remote_code=trust_remote_code)
    else:
        _save_weights(trainer, model_dir)

    merged = merge or adapter_dir is None
    metadata = _metadata(run, output, merged=merged)
    text = json.dumps(metadata, indent=2, ensure_ascii=False) + "\n"
    atomic_write(out / CHECKPOINT_METADATA, text)
    if merged:
        atomic_write(model_dir / CHECKPOINT_METADATA, text)
    if adapter_dir is not None:  # evaluated unmerged as `vllm/<base>:<adapter>`, it describes itself too
        atomic_write(adapter_dir / CHECKPOINT_METADATA, text)
    return TrainResult(out=out, model_dir=model_dir, adapter_dir=adapter_dir, metadata=metadata)


def _save_weights(trainer: Any, directory: Path) -> None:
    trainer.save_model(str(directory))
    # The Trainer adds its pickled arguments; an output folder holds safetensors and JSON only.
    (directory / "training_args.bin").unlink(missing_ok=True)


def _metadata(run: PreparedRun, output: Any, merged: bool) -> dict[str, Any]:
    trainer, spec = run.trainer, run.recipe
    tokenizer = trainer.processing_class
    losses = [(entry["step"], entry["loss"]) for entry in trainer.state.log_history if "loss" in entry]
    base_resolved, base_config_sha = _resolve_base(run.base)
    return {
        "format": METADATA_FORMAT,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "base_model": run.base,
        "base_model_resolved": base_resolved,
        "base_config_sha256": base_config_sha,
        "recipe": spec.name,
        "recipe_sha256": spec.sha256,
        "recipe_tests": spec.tests,
        "recipe_config": spec.to_dict(),
        "method": spec.method,
        "corpus_path": str(run.corpus_file.resolve()),
        "corpus_sha256": run.corpus_sha256,
        "corpus_rows": run.corpus_rows,
        "corpus_card": _card_summary(run.card),
        "holdout_skills_dir": "builtin" if run.holdout_dir == BUILTIN_DIR else str(run.holdout_dir),
        "seed": spec.seed,
        "steps": trainer.state.global_step,
        "epochs": trainer.state.epoch,
        "final_loss": losses[-1][1] if losses else None,
        "final_loss_step": losses[-1][0] if losses else None,
        "train_loss": output.training_loss,
        "parameters": _parameter_count(trainer.model),
        "trainable_parameters": sum(p.numel() for p in trainer.model.parameters() if p.requires_grad),
        "enable_thinking": spec.enable_thinking,
        "skill_block": spec.skill_block,
        "chat_template_sha256": hashlib.sha256(str(tokenizer.chat_template).encode("utf-8")).hexdigest(),
        "training_chat_template": "tokenizer" if run.training_template is None else "trl training variant",
        "prompt_prefix_checked_rows": len(run.prompt_ids),
        "rows_at_max_length": run.rows_at_max_length,
        "device": "cuda" if not trainer.args.use_cpu else "cpu",
        "dtype": str(run.dtype).removeprefix("torch."),
        "world_size": trainer.args.world_size,
        "resumed_from": run.resume_from,
        "layout": {
            "checkpoints": CHECKPOINTS,
            "adapter": ADAPTER if spec.method == "lora" else None,
            "merged": MERGED if merged else None,
        },
        "library_versions": _library_versions(),
    }


def verify_label_mask(
    dataset: Sequence[Mapping[str, Any]], prompt_ids: Sequence[Sequence[int]], max_length: int, source: str
) -> int:
    """Check TRL's prepared rows token by token against the evaluation prompts.

    For each row: ``input_ids`` starts with the evaluation prompt ids; ``labels`` is
    ``-100`` on every prompt token and equals ``input_ids`` on every later token.

    Args:
        dataset: ``trainer.train_dataset`` (rows with ``input_ids`` and ``labels``).
        prompt_ids: The evaluation prompt ids of each corpus row, in order.
        max_length: The recipe's ``max_length`` (rows this long were cut).
        source: Named in errors as ``source:LINE``.

    Returns:
        How many rows reach ``max_length`` (their completion is cut).

    Raises:
        TrainingError: A row was dropped or a label differs from the rule above.
    """
    if len(dataset) != len(prompt_ids):
        raise TrainingError(
            f"{source}: {len(prompt_ids) - len(dataset)} row(s) have no completion token left within "
            f"max_length={max_length}; raise the recipe's max_length"
        )
    at_limit = 0
    for line, (example, prompt) in enumerate(zip(dataset, prompt_ids, strict=True), start=1):
        ids, labels, n = list(example["input_ids"]), list(example["labels"]), len(prompt)
        if ids[:n] != list(prompt):
            raise TrainingError(
                f"{source}:{line}: the training sequence does not start with the evaluation prompt"
            )
        if any(label != -100 for label in labels[:n]):
            raise TrainingError(f"{source}:{line}: a prompt token is in the loss")
        if labels[n:] != ids[n:] or len(ids) == n:
            raise TrainingError(f"{source}:{line}: a completion token is missing from the loss")
        at_limit += len(ids) >= max_length
    return at_limit


def _conversation(row: Mapping[str, Any], skill_block: bool) -> list[dict[str, str]]:
    if skill_block:
        return [dict(m) for m in row["messages"]]
    # The base-condition prompt, built by the same function the task uses.
    prompt = [{"role": m.role, "content": m.text} for m in prompt_messages(row["prompt"])]
    return prompt + [dict(row["messages"][-1])]


def _holdout_dir(skills_dir: str | Path | None, card: Mapping[str, Any] | None, corpus_file: Path) -> Path:
    if skills_dir is not None:
        return Path(skills_dir)
    recorded = (card or {}).get("skills_dir")
    if recorded in (None, "builtin"):
        return BUILTIN_DIR
    if not Path(recorded).is_dir():
        raise TrainingError(
            f"{corpus_file.parent}: the corpus card records skills_dir {recorded!r}, which is not a folder here; "
            "pass the skills folder whose holdout must be excluded (--skills-dir)"
        )
    return Path(recorded)


def _last_complete_checkpoint(checkpoints: Path) -> str | None:
    """The newest ``checkpoint-N`` that was written to the end (it has ``trainer_state.json``,
    which the Trainer saves last): a run stopped while saving leaves a partial one behind."""
    if not checkpoints.is_dir():
        return None
    complete = [
        p for p in checkpoints.glob("checkpoint-*")
        if p.name.removeprefix("checkpoint-").isdigit() and (p / "trainer_state.json").is_file()
    ]
    return str(max(complete, key=lambda p: int(p.name.removeprefix("checkpoint-")))) if complete else None


def _start_or_resume(out: Path, run: dict[str, Any], resume: bool, last: str | None) -> None:
    run_file = out / RUN_FILE
    if resume:
        if last is None:
            raise TrainingError(f"{out / CHECKPOINTS}: no checkpoint to resume from; run without --resume")
        if run_file.is_file():
            started = json.loads(run_file.read_text(encoding="utf-8"))
            for key in ("base", "recipe_sha256", "corpus_sha256"):
                if started.get(key) != run[key]:
                    raise TrainingError(
                        f"{run_file}: '{key}' was {started.get(key)!r} when the run started, now {run[key]!r}; "
                        "resume with the same base, recipe and corpus, or start a new --out"
                    )
        return
    if last is not None:
        raise TrainingError(
            f"{out}: already holds checkpoints ({Path(last).name}); pass --resume or a new --out"
        )
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(run_file, json.dumps(run, indent=2) + "\n")


def _log_last_step() -> Any:
    """A callback that logs the last step too, so ``final_loss`` is the loss where training ended."""
    from transformers import TrainerCallback

    class LogLastStep(TrainerCallback):
        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
            if state.global_step >= state.max_steps:
                control.should_log = True
            return control

    return LogLastStep()


def _lora_config(spec: Recipe) -> Any:
    if spec.method != "lora" or spec.lora is None:
        return None
    from peft import LoraConfig

    targets = spec.lora.target_modules
    return LoraConfig(
        r=spec.lora.r,
        lora_alpha=spec.lora.alpha,
        lora_dropout=spec.lora.dropout,
        target_modules=targets if isinstance(targets, str) else list(targets),
        task_type="CAUSAL_LM",
    )


def _parameter_count(model: Any) -> int:
    """Parameters of the checkpoint as evaluated: a merged LoRA adapter adds none."""
    return sum(p.numel() for name, p in model.named_parameters() if "lora_" not in name)


def _resolve_base(base: str | Path) -> tuple[str, str | None]:
    """An exact identity for the base: its absolute folder, or ``hub_id@commit``; and its config hash."""
    local = Path(base)
    if local.is_dir():
        config = local / "config.json"
        return str(local.resolve()), _sha256(config) if config.is_file() else None
    from transformers.utils.hub import cached_file, extract_commit_hash

    config_path = cached_file(str(base), "config.json")
    commit = extract_commit_hash(config_path, None) if config_path else None
    resolved = f"{base}@{commit}" if commit else str(base)
    return resolved, _sha256(Path(config_path)) if config_path else None


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _card_summary(card: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if card is None:
        return None
    keys = (
        "teacher",
        "judge",
        "filter",
        "source_log",
        "split",
        "skills_dir",
        "dataset_content_hash",
        "corpus_sha256",
        "rows",
        "pass_rate",
    )
    return {key: card.get(key) for key in keys}


def _library_versions() -> dict[str, str | None]:
    from importlib.metadata import PackageNotFoundError, version

    versions: dict[str, str | None] = {}
    for name in LIBRARIES:
        try:
            versions[name] = version(name.replace("_", "-"))
        except PackageNotFoundError:
            versions[name] = None
    return versions
