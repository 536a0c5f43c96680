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
import shutil
import uuid
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from procskill._files import atomic_write
from procskill._local import quiet_cpu_kernel_warnings, require_local
from procskill.checkpoint_meta import CHECKPOINT_METADATA
from procskill.errors import ProcskillError
from procskill.prompts import prompt_messages
from procskill.skills import BUILTIN_DIR
from procskill.training._corpus import CARD_FILE, CorpusError, read_corpus
from procskill.training._guard import check_rows, holdout_index
from procskill.training._recipes import DEFAULT_RECIPE, Recipe, load_recipe

CHECKPOINTS = "checkpoints"
ADAPTER = "adapter"
MERGED = "merged"
RUN_FILE = "procskill_run.json"
RUN_LAYOUT = (RUN_FILE, CHECKPOINT_METADATA, CHECKPOINTS, ADAPTER, MERGED)
"""What a run writes into its output folder (and ``--overwrite`` removes)."""
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
    run_id: str
    """Identifies the run: recorded in ``procskill_run.json`` and in the checkpoint metadata."""

    def train(self, merge: bool = True) -> TrainResult:
        """Train, save the adapter / merged checkpoint and write the metadata (what :func:`train` does)."""
        return _finish(self, merge)


def prepare_run(
    base: str | Path,
    corpus: str | Path,
    recipe: str | Path | Recipe = DEFAULT_RECIPE,
    out: str | Path = "checkpoints/sft",
    resume: bool = False,
    *,
    overwrite: bool = False,
    skills_dir: str | Path | None = None,
    max_steps: int | None = None,
    seed: int | None = None,
    trust_remote_code: bool = False,
) -> PreparedRun:
    """Check a corpus against its card, the holdout and the chat template, and build the ``SFTTrainer``.

    :func:`train` is ``prepare_run(...).train()``; call this to add your own callbacks,
    wrap the data collator or inspect the prepared rows. Arguments as in :func:`train`.
    """
    spec = recipe if isinstance(recipe, Recipe) else load_recipe(recipe)
    overrides = {k: v for k, v in {"max_steps": max_steps, "seed": seed}.items() if v is not None}
    if overrides:
        spec = spec.with_sft(**overrides)
    rows, card, corpus_file = read_corpus(corpus)
    corpus_sha = hashlib.sha256(corpus_file.read_bytes()).hexdigest()
    if card is not None and card.get("corpus_sha256") not in (None, corpus_sha):
        raise CorpusError(
            f"{corpus_file}: the rows no longer match {corpus_file.parent / CARD_FILE} (sha256 {corpus_sha[:12]}… "
            f"vs the card's {str(card['corpus_sha256'])[:12]}…): the file was edited after it was built; "
            "rebuild it with procskill corpus build"
        )
    holdout_dir = _holdout_dir(skills_dir, card, corpus_file)
    check_rows(rows, holdout_index(holdout_dir), str(corpus_file))

    # Bad input is refused above before these heavy imports.
    require_local("training (procskill train)")
    import torch
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from procskill.training._template import check_prompt_prefix, training_chat_template

    out = Path(out)
    checkpoints = out / CHECKPOINTS
    run = {
        "base": str(base),
        "recipe_sha256": spec.sha256,
        "recipe": spec.to_dict(),
        "corpus_sha256": corpus_sha,
    }
    from accelerate import PartialState

    # Under `accelerate launch` the main process checks and prepares OUT; the others then join its run.
    processes = PartialState()
    with processes.main_process_first():
        if processes.is_main_process:
            run_id, last = _start_or_resume(out, run, resume, overwrite)
        else:
            run_id = json.loads((out / RUN_FILE).read_text(encoding="utf-8"))["run_id"]
            last = _last_complete_checkpoint(checkpoints)

    use_gpu = torch.cuda.is_available()
    if not use_gpu:
        quiet_cpu_kernel_warnings()
    # TRL calls an API transformers deprecated; nothing a user of procskill can change.
    warnings.filterwarnings(
        "ignore", message="`is_gradient_checkpointing` is deprecated", category=FutureWarning
    )
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
    trainer = _trainer_class()(
        model=model,
        args=spec.sft_config(checkpoints, use_cpu=not use_gpu, bf16=bf16),
        train_dataset=dataset,
        processing_class=tokenizer,
        peft_config=spec.lora_config(),
        callbacks=[_log_last_and_saved_steps()],
    )
    _print_progress_instead_of_dicts(trainer)
    max_length = trainer.args.max_length
    at_limit = verify_label_mask(trainer.train_dataset, prompt_ids, max_length, str(corpus_file))
    if at_limit:
        logger.warning(
            "%s: %d row(s) reach max_length=%d and lose the end of their completion (and its ANSWER line); "
            "raise the recipe's sft.max_length",
            corpus_file,
            at_limit,
            max_length,
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
        run_id=run_id,
    )


def train(
    base: str | Path,
    corpus: str | Path,
    recipe: str | Path | Recipe = DEFAULT_RECIPE,
    out: str | Path = "checkpoints/sft",
    resume: bool = False,
    *,
    overwrite: bool = False,
    skills_dir: str | Path | None = None,
    max_steps: int | None = None,
    seed: int | None = None,
    trust_remote_code: bool = False,
    merge: bool = True,
) -> TrainResult:
    """Fine-tune a chat model on a procskill corpus and write an evaluable checkpoint.

    Every row is checked before training: the corpus file still has the hash its card
    records, its task is not in the holdout (by id and by normalised prompt), its evaluation
    prompt (the tokenizer's chat template with ``add_generation_prompt=True`` and the
    recipe's ``enable_thinking``) is a token-for-token prefix of the sequence TRL trains on,
    and TRL's labels are ``-100`` on exactly those prompt tokens and equal to the input on
    the rest (the assistant's completion and its end-of-turn token).

    On CPU it trains in float32 (``use_cpu=True``); on GPU in bf16. Under
    ``accelerate launch`` TRL/Accelerate distribute the run; only the main process saves,
    merges and writes metadata. Each logged step prints ``step N/TOTAL loss X``.

    A resumed run (``resume=True``) trains on exactly the rows, in the order, of an
    uninterrupted one, from any checkpoint: each epoch's order is drawn from a generator
    seeded with ``data_seed + epoch`` (length-grouped or random sampling alike), and the
    Trainer skips the batches the checkpoint had already trained on.

    Args:
        base: Base model folder or hub id (safetensors weights).
        corpus: A corpus folder or JSONL file (:func:`procskill.training.build_corpus`).
        recipe: A shipped recipe name, a YAML file, or a :class:`Recipe`.
        out: Output folder (layout in the module docstring).
        resume: Continue from the last checkpoint in ``out/checkpoints``.
        overwrite: Remove a previous run's files from ``out`` and start afresh.
        skills_dir: Skills folder whose holdout the guard checks; by default the one
            recorded in the corpus card, else the built-in catalog.
        max_steps: Override the recipe's ``sft.max_steps``.
        seed: Override the recipe's ``sft.seed``.
        trust_remote_code: Allow model code from the checkpoint (off unless asked for).
        merge: Merge the LoRA adapter into a full checkpoint after training.

    Returns:
        The output folders and the checkpoint metadata (empty on non-main processes).

    Raises:
        TrainingError: ``out`` already holds a run's files without ``resume`` or
            ``overwrite`` (or no run with ``resume``), or the base, recipe or corpus changed
            since the run started.
        procskill.training.CorpusError: The corpus was edited after it was built.
        procskill.training.ContaminationError: A row is a holdout task.
        procskill.training.TemplateMismatchError: Training and evaluation contexts differ.
    """
    run = prepare_run(
        base,
        corpus,
        recipe,
        out,
        resume,
        overwrite=overwrite,
        skills_dir=skills_dir,
        max_steps=max_steps,
        seed=seed,
        trust_remote_code=trust_remote_code,
    )
    return run.train(merge=merge)


def _finish(run: PreparedRun, merge: bool) -> TrainResult:
    trainer, spec, out = run.trainer, run.recipe, run.out
    final = _final_state(run.resume_from, trainer.args.max_steps)
    if final is not None:
        # The Trainer trains one step past max_steps when resumed from its last checkpoint: the run
        # was finished (stopped while saving its outputs), so load that checkpoint instead.
        trainer._load_from_checkpoint(run.resume_from)
        trainer.state = final
    else:
        trainer.train(resume_from_checkpoint=run.resume_from)

    adapter_dir = out / ADAPTER if spec.method == "lora" else None
    model_dir = out / MERGED
    if not trainer.is_world_process_zero():
        return TrainResult(out=out, model_dir=model_dir, adapter_dir=adapter_dir, metadata={})
    if adapter_dir is not None:
        _save_weights(trainer, adapter_dir)
        if merge:
            from procskill.training._merge import merge_adapter

            merge_adapter(
                run.base, adapter_dir, model_dir, dtype=run.dtype, trust_remote_code=run.trust_remote_code
            )
    else:
        _save_weights(trainer, model_dir)

    merged = merge or adapter_dir is None
    metadata = _metadata(run, merged=merged)
    text = json.dumps(metadata, indent=2, ensure_ascii=False) + "\n"
    if merged:
        atomic_write(model_dir / CHECKPOINT_METADATA, text)
    if adapter_dir is not None:  # evaluated unmerged as `vllm/<base>:<adapter>`, it describes itself too
        atomic_write(adapter_dir / CHECKPOINT_METADATA, text)
    # Written last: its presence (with a run id matching procskill_run.json) marks the run complete.
    atomic_write(out / CHECKPOINT_METADATA, text)
    return TrainResult(out=out, model_dir=model_dir, adapter_dir=adapter_dir, metadata=metadata)


def _final_state(checkpoint: str | None, max_steps: int) -> Any:
    """The ``TrainerState`` of ``checkpoint`` when it is the run's last step, else ``None``.

    ``max_steps`` is this run's (``-1``: set by the epochs, as when the checkpoint was written).
    """
    if checkpoint is None:
        return None
    from transformers import TrainerState

    state = TrainerState.load_from_json(str(Path(checkpoint) / "trainer_state.json"))
    last = max_steps if max_steps > 0 else state.max_steps
    return state if last and state.global_step >= last else None


def _save_weights(trainer: Any, directory: Path) -> None:
    trainer.save_model(str(directory))
    # The Trainer adds its pickled arguments; an output folder holds safetensors and JSON only.
    (directory / "training_args.bin").unlink(missing_ok=True)


def _metadata(run: PreparedRun, merged: bool) -> dict[str, Any]:
    trainer, spec = run.trainer, run.recipe
    tokenizer = trainer.processing_class
    losses = [(entry["step"], entry["loss"]) for entry in trainer.state.log_history if "loss" in entry]
    base_resolved, base_config_sha = _resolve_base(run.base)
    return {
        "format": METADATA_FORMAT,
        "run_id": run.run_id,
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
        "seed": trainer.args.seed,
        "steps": trainer.state.global_step,
        "epochs": trainer.state.epoch,
        "final_loss": losses[-1][1] if losses else None,
        "final_loss_step": losses[-1][0] if losses else None,
        "train_loss": whole_run_loss(trainer.state.log_history),
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
        "effective_batch_size": trainer.args.per_device_train_batch_size
        * trainer.args.gradient_accumulation_steps
        * trainer.args.world_size,
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
        p
        for p in checkpoints.glob("checkpoint-*")
        if p.name.removeprefix("checkpoint-").isdigit() and (p / "trainer_state.json").is_file()
    ]
    return str(max(complete, key=lambda p: int(p.name.removeprefix("checkpoint-")))) if complete else None


def _start_or_resume(out: Path, run: dict[str, Any], resume: bool, overwrite: bool) -> tuple[str, str | None]:
    """Check ``out`` against the request; return the run id and the checkpoint to resume from."""
    run_file = out / RUN_FILE
    last = _last_complete_checkpoint(out / CHECKPOINTS)
    if resume:
        if not run_file.is_file():
            raise TrainingError(f"{out}: no run to resume here ({RUN_FILE} missing); run without --resume")
        started = json.loads(run_file.read_text(encoding="utf-8"))
        for key in ("base", "recipe_sha256", "corpus_sha256"):
            if started.get(key) != run[key]:
                raise TrainingError(
                    f"{run_file}: '{key}' was {started.get(key)!r} when the run started, now {run[key]!r}; "
                    "resume with the same base, recipe and corpus, or start a new --out"
                )
        if last is None:
            # A run stopped before its first save has nothing to resume: it starts again.
            logger.warning("%s: no complete checkpoint yet; training from the start", out / CHECKPOINTS)
        if not started.get("run_id"):  # a run file written before run ids existed
            started["run_id"] = uuid.uuid4().hex
            atomic_write(run_file, json.dumps(started, indent=2) + "\n")
        return str(started["run_id"]), last
    present = sorted(name for name in RUN_LAYOUT if (out / name).exists())
    if present and not overwrite:
        hint = "pass --resume to continue it, " if last is not None else ""
        raise TrainingError(
            f"{out}: already holds a training run's files ({', '.join(present)}); {hint}"
            "pass --overwrite to replace them, or choose a new --out"
        )
    for name in present:
        target = out / name
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    out.mkdir(parents=True, exist_ok=True)
    run_id = uuid.uuid4().hex
    atomic_write(run_file, json.dumps({"run_id": run_id, **run}, indent=2) + "\n")
    return run_id, None


def checkpoint_complete(out: str | Path) -> bool:
    """Whether ``out`` holds a finished training run whose files belong together.

    True when the checkpoint metadata (written last) exists, names the same run as
    ``procskill_run.json`` (same run id, base, recipe and corpus hashes), and the model it
    describes is on disk: the merged checkpoint (weights, config and the same metadata) and/or
    the adapter (weights, config and the same metadata). A run that was stopped, or a folder mixing
    two runs' files, is not complete.
    """
    out = Path(out)
    try:
        meta = json.loads((out / CHECKPOINT_METADATA).read_text(encoding="utf-8"))
        started = json.loads((out / RUN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(meta, dict) or not isinstance(started, dict) or not meta.get("run_id"):
        return False
    pairs = (
        ("run_id", "run_id"),
        ("base_model", "base"),
        ("recipe_sha256", "recipe_sha256"),
        ("corpus_sha256", "corpus_sha256"),
    )
    if any(meta.get(a) != started.get(b) for a, b in pairs):
        return False
    layout = meta.get("layout") or {}
    if layout.get("merged"):
        merged = out / layout["merged"]
        try:
            same = json.loads((merged / CHECKPOINT_METADATA).read_text(encoding="utf-8")) == meta
        except (OSError, ValueError):
            return False
        if not (same and (merged / "config.json").is_file() and any(merged.glob("*.safetensors"))):
            return False
    if layout.get("adapter"):
        adapter = out / layout["adapter"]
        if not ((adapter / "adapter_config.json").is_file() and any(adapter.glob("*.safetensors"))):
            return False
        # evaluated unmerged (`vllm/<base>:<adapter>`), the adapter's own metadata is what the log records
        try:
            if json.loads((adapter / CHECKPOINT_METADATA).read_text(encoding="utf-8")) != meta:
                return False
        except (OSError, ValueError):
            return False
    return bool(layout.get("merged") or layout.get("adapter"))


def whole_run_loss(log_history: Sequence[Mapping[str, Any]]) -> float | None:
    """The mean training loss over every step of the run, resumed parts included.

    Each logged ``loss`` is the mean over the steps since the previous log; the run logs at
    every checkpoint and at its last step, so the logs of the checkpoint it resumed from and
    those after it cover each step exactly once. Weighted by the steps each one covers.
    """
    total, previous = 0.0, 0
    for entry in log_history:
        if "loss" in entry:
            total += float(entry["loss"]) * (entry["step"] - previous)
            previous = entry["step"]
    return total / previous if previous else None


def _trainer_class() -> type:
    """TRL's ``SFTTrainer`` whose length-grouped sampler draws each epoch's order from ``data_seed + epoch``.

    transformers' ``LengthGroupedSampler`` draws from the global torch generator, whose state at the
    start of an epoch depends on everything the run did before (dropout, a resumed checkpoint's restored
    state): a resumed run then replays another order. Accelerate's ``SeedableRandomSampler`` (the
    ``random`` strategy) already reseeds per epoch through ``set_epoch``, which the Trainer calls; this
    gives the length-grouped sampler the same contract.
    """
    import torch
    from transformers.trainer_pt_utils import LengthGroupedSampler
    from trl import SFTTrainer

    class EpochSeededLengthGroupedSampler(LengthGroupedSampler):
        def __init__(self, *args: Any, seed: int, **kwargs: Any) -> None:
            super().__init__(*args, generator=torch.Generator(), **kwargs)
            self.seed, self.epoch = seed, 0

        def set_epoch(self, epoch: int) -> None:
            self.epoch = epoch

        def __iter__(self) -> Any:
            self.generator.manual_seed(self.seed + self.epoch)
            return super().__iter__()

    class ProcskillSFTTrainer(SFTTrainer):
        def _get_train_sampler(self, train_dataset: Any = None) -> Any:
            sampler = super()._get_train_sampler(train_dataset)
            if type(sampler) is LengthGroupedSampler:
                seed = self.args.data_seed if self.args.data_seed is not None else self.args.seed
                # Group over the global batch (every process draws the same order, then Accelerate deals
                # its batches out in turn), so a step trains the same rows at any number of processes.
                group = sampler.batch_size * max(1, self.args.world_size)
                return EpochSeededLengthGroupedSampler(group, lengths=sampler.lengths, seed=seed)
            return sampler

    return ProcskillSFTTrainer


def _log_last_and_saved_steps() -> Any:
    """A callback that logs the last step (``final_loss`` is the loss where training ended) and every
    step that saves a checkpoint (so a resumed run's logs cover each step once: :func:`whole_run_loss`)."""
    from transformers import TrainerCallback

    class LogLastAndSavedSteps(TrainerCallback):
        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
            if state.global_step >= state.max_steps or control.should_save:
                control.should_log = True
            return control

    return LogLastAndSavedSteps()


def _print_progress_instead_of_dicts(trainer: Any) -> None:
    """Replace the Trainer's printed log dicts with one line per logged step: ``step N/TOTAL  loss X``."""
    from transformers import PrinterCallback, ProgressCallback, TrainerCallback

    class StepLoss(TrainerCallback):
        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kwargs: Any) -> None:
            if state.is_world_process_zero and logs and "loss" in logs:
                print(
                    f"step {state.global_step}/{state.max_steps}  loss {float(logs['loss']):.4f}  "
                    f"epoch {float(logs.get('epoch', state.epoch or 0)):.2f}",
                    flush=True,
                )

    for callback in (ProgressCallback, PrinterCallback):
        trainer.remove_callback(callback)
    trainer.add_callback(StepLoss())


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


def evaluate_command(result: TrainResult) -> str:
    """The ``inspect eval`` command that evaluates a finished run: its merged checkpoint through the hf
    provider, or (trained with ``merge=False``) its adapter beside the base model on a vLLM server."""
    thinking = str(result.metadata["enable_thinking"]).lower()
    if not (result.metadata.get("layout") or {}).get("merged") and result.adapter_dir is not None:
        # thinking goes per request on vLLM (Inspect passes -M options to `vllm serve`, not the template)
        extra_body = json.dumps(
            {"chat_template_kwargs": {"enable_thinking": result.metadata["enable_thinking"]}},
            separators=(",", ":"),
        )
        return (
            f"inspect eval procskill/procskill --model vllm/{result.metadata['base_model']}:{result.adapter_dir} "
            f"--extra-body '{extra_body}'"
        )
    return (
        f"inspect eval procskill/procskill --model hf/local -M model_path={result.model_dir} "
        f"-M do_sample=false -M enable_thinking={thinking}"
    )
