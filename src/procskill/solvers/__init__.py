"""Solvers: procedure-block prompting, composed with Inspect's own ``generate()``."""

from procskill.solvers._procedure import procedure_block, require_completion

__all__ = ["procedure_block", "require_completion"]
