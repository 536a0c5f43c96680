"""The solvers that turn a base episode into a skill episode and generate its checked response."""

from __future__ import annotations

from collections.abc import Mapping

from inspect_ai.model import Model, ModelOutput, get_model
from inspect_ai.solver import Generate, Solver, TaskState, solver

from procskill.prompts import PLACEMENTS, Placement, add_procedure_block
from procskill.solvers._run_facts import record_run

BLOCK_TOKENS_KEY = "block_tokens"
"""Sample-metadata key of a skill episode's block length in tokens of the evaluated model's tokenizer
(``None`` when that tokenizer is not loaded here, e.g. an API model: no tokenizer is guessed; the task
metadata ``skill_blocks`` has every block's length in characters)."""


def block_token_count(model: Model, block: str) -> int | None:
    """Tokens of ``block`` as inserted into the prompt (no special tokens) with the evaluated model's own
    tokenizer when it is loaded locally (``hf/`` provider); ``None`` for other providers."""
    tokenizer = getattr(model.api, "tokenizer", None)
    if tokenizer is None or not callable(getattr(tokenizer, "encode", None)):
        return None
    return len(tokenizer.encode(block, add_special_tokens=False))


@solver
def procedure_block(blocks: Mapping[str, str], placement: Placement = "user") -> Solver:
    """Add the skill's procedure block to episodes of the ``skill`` condition.

    Samples carry the base prompt (system + task + answer instruction). For samples
    whose metadata ``condition`` is ``"skill"`` this solver inserts the block of the
    sample's ``skill``; ``base`` samples pass through unchanged, so the block is the only
    difference between the two conditions. The blocks are held by the solver, not by
    every sample's metadata: the log and Inspect's per-sample bookkeeping stay small. Each skill
    episode records the block's length in tokens (:data:`BLOCK_TOKENS_KEY`).

    Args:
        blocks: Rendered procedure block per skill id (:attr:`procskill.skills.SkillPack.block`).
        placement: ``"user"`` (default) puts the block before the task text in the user
            turn; ``"system"`` appends it to the system prompt.

    Returns:
        A solver to run before ``generate()``.
    """
    if placement not in PLACEMENTS:
        raise ValueError(f"placement must be one of {PLACEMENTS}, got {placement!r}")
    blocks = dict(blocks)
    counted: dict[tuple[str, str], int | None] = {}

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        if state.metadata.get("condition") == "skill":
            skill = state.metadata["skill"]
            if skill not in blocks:
                raise KeyError(f"sample {state.sample_id!r}: no procedure block for skill {skill!r}")
            state.messages = add_procedure_block(state.messages, blocks[skill], placement)
            try:
                model = get_model()
            except ValueError:  # run outside an eval (no active model): nothing to count with
                return state
            key = (str(model), skill)
            if key not in counted:
                counted[key] = block_token_count(model, blocks[skill])
            state.metadata[BLOCK_TOKENS_KEY] = counted[key]
        return state

    return solve


@solver
def episode_setup(blocks: Mapping[str, str], placement: Placement = "user") -> Solver:
    """The task's setup: :func:`record_run` then :func:`procedure_block`, as one solver.

    One solver, not two: Inspect wraps every solver of an episode in a span and diffs the whole task
    state before and after it, a per-episode cost of its own (``benchmarks/RESULTS.md``, section 3). As
    the task's ``setup`` it also stays when ``--solver`` or ``task_with(solver=...)`` replaces the
    solver, so the block remains the only difference between the conditions and every log keeps its
    run facts.

    Args:
        blocks: Rendered procedure block per skill id (see :func:`procedure_block`).
        placement: Where the block goes (see :func:`procedure_block`).

    Returns:
        A solver that writes the run facts and, for the ``skill`` condition, the block.
    """
    facts = record_run()
    block = procedure_block(blocks, placement)

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        return await block(await facts(state, generate), generate)

    return solve


def empty_output(output: ModelOutput) -> bool:
    """The provider returned nothing at all: no completion text and no output tokens (or no output).

    An API fault, not an answer: :func:`generate_response` fails the sample, and scorers leave such an
    episode unscored when ``inspect score`` re-scores a log holding one.
    """
    if not output.choices:
        return True
    return not output.completion.strip() and (output.usage is None or output.usage.output_tokens == 0)


@solver
def generate_response() -> Solver:
    """Inspect's generation, then fail the sample when the provider returned nothing at all.

    An empty completion with no output tokens is an API fault (to retry with
    ``inspect eval-retry``), not an answer to score as a FAIL. One solver rather than ``generate()``
    and a check after it: Inspect wraps every solver of an episode in a span and diffs the task state
    around it, a per-episode cost of its own (``benchmarks/RESULTS.md``, section 3).

    Returns:
        A solver that generates with the model and settings of the eval, as ``generate()`` does.
    """

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        state = await generate(state)
        if empty_output(state.output):
            raise RuntimeError("the model returned an empty completion (no output tokens)")
        return state

    return solve
