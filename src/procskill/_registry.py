"""Inspect entry point: registers the ``procskill/procskill`` task and procskill's scorers when Inspect loads
plugins, and the bare names ``procskill``, ``extract`` and ``answer_format`` (see :mod:`procskill._alias`)."""

from procskill._alias import register_bare_scorer_names, register_bare_task_name
from procskill.scorers import answer_format_score, extract
from procskill.tasks import procskill

register_bare_task_name()
register_bare_scorer_names()

__all__ = ["answer_format_score", "extract", "procskill"]
