"""The procskill Inspect task."""

from procskill.tasks._procskill import DEFAULT_MAX_TOKENS, SCORING_PATHS, TASK_VERSION, procskill, record_to_sample

__all__ = ["DEFAULT_MAX_TOKENS", "SCORING_PATHS", "TASK_VERSION", "procskill", "record_to_sample"]
