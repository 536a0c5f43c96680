"""SFT on procedure-following demonstrations: corpus builder, contamination guard, recipes, trainer, merge.

A researcher goes from a teacher model to evaluable checkpoints with two calls
(or the ``procskill corpus build`` and ``procskill train`` commands)::

    corpus = build_corpus("openai/gpt-5.4", judge="anthropic/claude-haiku-4-5")
    result = train("Qwen/Qwen3.5-0.8B", corpus.path, "lora_r16_lr2e-4", out="ckpt/qwen08-r16")
    # inspect eval procskill/procskill --model hf/local -M model_path=ckpt/qwen08-r16/merged \\
    #     -M do_sample=false -M enable_thinking=false

Heavy libraries (torch, transformers, TRL, PEFT) are imported when a function needs them.
"""

from procskill.training._corpus import (
    ANSWERS_ONLY,
    CARD_FILE,
    CORPUS_FILE,
    FILTERS,
    PROCEDURAL,
    TEACHER_LOGS,
    Corpus,
    CorpusError,
    build_corpus,
    read_corpus,
)
from procskill.training._guard import ContaminationError, HoldoutIndex, check_rows, holdout_index
from procskill.training._merge import merge_adapter
from procskill.training._recipes import (
    DEFAULT_RECIPE,
    RECIPES_DIR,
    Recipe,
    RecipeError,
    list_recipes,
    load_recipe,
)
from procskill.training._template import TemplateMismatchError, check_prompt_prefix, training_chat_template
from procskill.training._trainer import (
    ADAPTER,
    CHECKPOINTS,
    MERGED,
    PreparedRun,
    TrainingError,
    TrainResult,
    checkpoint_complete,
    evaluate_command,
    prepare_run,
    train,
    verify_label_mask,
    whole_run_loss,
)

__all__ = [
    "ADAPTER",
    "ANSWERS_ONLY",
    "CARD_FILE",
    "CHECKPOINTS",
    "CORPUS_FILE",
    "DEFAULT_RECIPE",
    "FILTERS",
    "MERGED",
    "PROCEDURAL",
    "RECIPES_DIR",
    "TEACHER_LOGS",
    "ContaminationError",
    "Corpus",
    "CorpusError",
    "HoldoutIndex",
    "PreparedRun",
    "Recipe",
    "RecipeError",
    "TemplateMismatchError",
    "TrainResult",
    "TrainingError",
    "build_corpus",
    "check_prompt_prefix",
    "check_rows",
    "checkpoint_complete",
    "evaluate_command",
    "holdout_index",
    "list_recipes",
    "load_recipe",
    "merge_adapter",
    "prepare_run",
    "read_corpus",
    "train",
    "training_chat_template",
    "verify_label_mask",
    "whole_run_loss",
]
