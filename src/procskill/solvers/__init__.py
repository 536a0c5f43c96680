"""Solvers: run facts, procedure-block prompting, composed with Inspect's own ``generate()``."""

from procskill.solvers._procedure import (
    BLOCK_TOKENS_KEY,
    block_token_count,
    episode_setup,
    procedure_block,
    require_completion,
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
    "episode_setup",
    "generation_settings",
    "logged_run_facts",
    "procedure_block",
    "record_run",
    "recorded_max_tokens",
    "register_local_model_info",
    "require_completion",
]
