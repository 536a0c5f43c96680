"""The procskill Inspect task (in ``procskill_task.py``: ``inspect list tasks`` skips ``_`` modules)."""

from procskill.tasks.procskill_task import (
    DEFAULT_MAX_TOKENS,
    SCORING_PATHS,
    TASK_VERSION,
    TaskParameterError,
    configuration_tags,
    procskill,
    record_to_sample,
)

__all__ = [
    "DEFAULT_MAX_TOKENS",
    "SCORING_PATHS",
    "TASK_VERSION",
    "TaskParameterError",
    "configuration_tags",
    "procskill",
    "record_to_sample",
]
