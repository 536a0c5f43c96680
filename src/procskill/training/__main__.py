"""``python -m procskill.training``: the ``procskill train`` run, for ``accelerate launch -m procskill.training``.

Arguments are a dataclass parsed by transformers' ``HfArgumentParser`` (as TRL's own scripts
parse theirs), so the launcher needs nothing from the CLI layer above training. The flags
are those of ``procskill train`` (``--max-steps`` and ``--max_steps`` both work).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from procskill._local import LocalStackMissing
from procskill.errors import ProcskillError
from procskill.training._recipes import DEFAULT_RECIPE


@dataclass
class TrainArguments:
    """Arguments of :func:`procskill.training.train`."""

    base: str = field(metadata={"help": "Base model folder or hub id (safetensors weights)."})
    corpus: str = field(metadata={"help": "Corpus folder or JSONL file."})
    out: str = field(metadata={"help": "Output folder (adapter/, merged/, checkpoints/, metadata)."})
    recipe: str = field(default=DEFAULT_RECIPE, metadata={"help": "Shipped recipe name or a YAML file."})
    resume: bool = field(
        default=False, metadata={"help": "Continue from the last checkpoint in OUT/checkpoints."}
    )
    overwrite: bool = field(default=False, metadata={"help": "Replace a previous run's files in OUT."})
    skills_dir: str | None = field(
        default=None, metadata={"help": "Skills folder whose holdout is excluded."}
    )
    max_steps: int | None = field(default=None, metadata={"help": "Override the recipe's sft.max_steps."})
    seed: int | None = field(default=None, metadata={"help": "Override the recipe's sft.seed."})
    trust_remote_code: bool = field(default=False, metadata={"help": "Allow model code from the checkpoint."})
    merge: bool = field(default=True, metadata={"help": "Merge the LoRA adapter into a full checkpoint."})


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, train, print where the checkpoint is; a user error is one line, exit 2."""
    from transformers import HfArgumentParser

    from procskill.training._trainer import evaluate_command, train

    parser = HfArgumentParser(TrainArguments, prog="python -m procskill.training")
    (args,) = parser.parse_args_into_dataclasses(args=argv)
    try:
        result = train(**vars(args))
    except (ProcskillError, LocalStackMissing) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if result.metadata:
        print(f"{result.out}: {result.metadata['steps']} steps, final loss {result.metadata['final_loss']}")
        print(f"evaluate: {evaluate_command(result)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
