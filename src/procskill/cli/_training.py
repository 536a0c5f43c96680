"""``procskill corpus build``, ``procskill train``, ``procskill merge``, ``procskill recipes``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from procskill.cli._app import app, parse_model_args

corpus_app = typer.Typer(help="Build SFT corpora from a teacher's passing episodes.", no_args_is_help=True)
app.add_typer(corpus_app, name="corpus")


@corpus_app.command("build")
def corpus_build(
    teacher: Annotated[
        str | None,
        typer.Option(
            help="provider/model; 'procedural' (the catalog's worked solutions) or 'procedural-answers' "
            "(their ANSWER lines only: an answer-only control)."
        ),
    ] = None,
    split: Annotated[str, typer.Option(help="Task split to learn from (only 'train').")] = "train",
    skills: Annotated[str | None, typer.Option(help="Comma-separated skill ids (default: all).")] = None,
    skills_dir: Annotated[
        Path | None, typer.Option(help="Your own skill packs (default: the built-in catalog).")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder (default: corpora/<teacher>).")] = None,
    judge: Annotated[
        str | None, typer.Option(help="provider/model bound as the grader role (adds the llm path).")
    ] = None,
    keep: Annotated[
        str | None,
        typer.Option(
            help="Keep episodes that pass: extract | judge | both (default: both with --judge, else extract)."
        ),
    ] = None,
    log: Annotated[
        Path | None, typer.Option(help="Build from this teacher log instead of running the teacher.")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Run the teacher on the first N episodes only.")] = None,
    placement: Annotated[str, typer.Option(help="Procedure block placement: user | system.")] = "user",
    model_arg: Annotated[
        list[str] | None,
        typer.Option("--model-arg", "-M", help="Teacher model argument KEY=VALUE (repeatable)."),
    ] = None,
    max_tokens: Annotated[int | None, typer.Option(help="Teacher max tokens per episode.")] = None,
    max_connections: Annotated[int | None, typer.Option(help="Concurrent teacher calls.")] = None,
    temperature: Annotated[float | None, typer.Option(help="Teacher sampling temperature.")] = None,
    tokenizer: Annotated[
        str | None,
        typer.Option(help="Student tokenizer: check each row's prompt against it token by token now."),
    ] = None,
    enable_thinking: Annotated[
        bool, typer.Option(help="Thinking setting for the --tokenizer check.")
    ] = False,
) -> None:
    """Run a teacher on the training pool (skill condition) and keep its passing episodes as chat rows."""
    from procskill.training import build_corpus

    options = {"max_tokens": max_tokens, "max_connections": max_connections, "temperature": temperature}
    corpus = build_corpus(
        teacher,
        split=split,
        skills=skills,
        skills_dir=skills_dir,
        out=out,
        judge=judge,
        keep=keep,
        placement=placement,  # type: ignore[arg-type]
        log=log,
        limit=limit,
        model_args=parse_model_args(model_arg),
        tokenizer=tokenizer,
        enable_thinking=enable_thinking,
        **{k: v for k, v in options.items() if v is not None},
    )
    card = corpus.card
    rate = f"{card['pass_rate']:.1%}" if card["pass_rate"] is not None else "n/a"
    typer.echo(
        f"{corpus.path}: {card['rows']} rows kept of {card['episodes']} episodes ({rate}, filter {card['filter']})"
    )
    typer.echo(f"card: {corpus.card_path}")


def train_command(
    base: Annotated[str, typer.Option(help="Base model folder or hub id (safetensors weights).")],
    corpus: Annotated[Path, typer.Option(help="Corpus folder or JSONL file.")],
    out: Annotated[Path, typer.Option(help="Output folder (adapter/, merged/, checkpoints/, metadata).")],
    recipe: Annotated[
        str, typer.Option(help="Shipped recipe name (see `procskill recipes`) or a YAML file.")
    ] = ("lora_r16_lr2e-4"),
    resume: Annotated[
        bool, typer.Option(help="Continue from the last checkpoint in OUT/checkpoints.")
    ] = False,
    overwrite: Annotated[bool, typer.Option(help="Replace a previous run's files in OUT.")] = False,
    skills_dir: Annotated[
        Path | None,
        typer.Option(help="Skills folder whose holdout is excluded (default: from the corpus card)."),
    ] = None,
    max_steps: Annotated[int | None, typer.Option(help="Override the recipe's max_steps.")] = None,
    seed: Annotated[int | None, typer.Option(help="Override the recipe's seed.")] = None,
    trust_remote_code: Annotated[bool, typer.Option(help="Allow model code from the checkpoint.")] = False,
    merge: Annotated[bool, typer.Option(help="Merge the LoRA adapter into a full checkpoint.")] = True,
) -> None:
    """Fine-tune a chat model on a corpus (TRL SFTTrainer; loss on the assistant turn only)."""
    from procskill.training import evaluate_command, train

    result = train(
        base,
        corpus,
        recipe,
        out,
        resume=resume,
        overwrite=overwrite,
        skills_dir=skills_dir,
        max_steps=max_steps,
        seed=seed,
        trust_remote_code=trust_remote_code,
        merge=merge,
    )
    if result.metadata:
        typer.echo(
            f"{result.out}: {result.metadata['steps']} steps, final loss {result.metadata['final_loss']}"
        )
        typer.echo(f"evaluate: {evaluate_command(result)}")


app.command("train")(train_command)


@app.command("merge")
def merge_command(
    base: Annotated[str, typer.Option(help="The base model the adapter was trained on.")],
    adapter: Annotated[Path, typer.Option(help="The adapter folder (OUT/adapter of a training run).")],
    out: Annotated[Path, typer.Option(help="Destination of the merged checkpoint.")],
    trust_remote_code: Annotated[bool, typer.Option(help="Allow model code from the checkpoint.")] = False,
) -> None:
    """Merge a LoRA adapter into its base model (safetensors; tokenizer and chat template included)."""
    from procskill.training import merge_adapter

    typer.echo(merge_adapter(base, adapter, out, trust_remote_code=trust_remote_code))


@app.command("recipes")
def recipes_command() -> None:
    """List the shipped training recipes and what each one tests."""
    from procskill.training import list_recipes

    for recipe in list_recipes():
        typer.echo(f"{recipe.name:22} {recipe.tests}")
