"""Solvers: procedure-block prompting, composed with Inspect's own ``generate()``."""

from procskill.solvers._procedure import procedure_block

__all__ = ["procedure_block"]
