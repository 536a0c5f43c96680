"""Solvers: run facts, procedure-block prompting, and generation through Inspect's own ``generate``."""

from procskill.solvers._procedure import (
    BLOCK_TOKENS_KEY,
    block_token_count,
    empty_output,
    episode_setup,
    generate_response,
    procedure_block,
)
from procskill.solvers._run_facts import (
    RUN_FACTS_KEY,
    active_generate_config,
    generation_settings,
    logged_run_facts,
    record_run,
    recorded_max_tokens,
    register_local_model_info,
)

__all__ = [
    "BLOCK_TOKENS_KEY",
    "RUN_FACTS_KEY",
    "active_generate_config",
    "block_token_count",
    "empty_output",
    "episode_setup",
    "generate_response",
    "generation_settings",
    "logged_run_facts",
    "procedure_block",
    "record_run",
    "recorded_max_tokens",
    "register_local_model_info",
]
