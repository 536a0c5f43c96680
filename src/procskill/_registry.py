"""Inspect entry point: registers the ``procskill/procskill`` task when Inspect loads plugins."""

from procskill._alias import register_bare_task_name
from procskill.tasks import procskill

register_bare_task_name()

__all__ = ["procskill"]
