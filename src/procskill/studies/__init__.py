"""Whole studies from one file: the runner, the shipped study files, the offline demo."""

from procskill.studies._demo import quick_variant, run_demo
from procskill.studies._models import DEFAULT_ALIASES, alias_models, build_tiny_model, catalog_text
from procskill.studies._runner import Step, plan, run_study
from procskill.studies._spec import (
    STUDIES_DIR,
    VLLM_ENV,
    VLLM_SETUP,
    ModelEntry,
    RejudgeEntry,
    SftEntry,
    Study,
    StudyError,
    load_study,
)

__all__ = [
    "DEFAULT_ALIASES",
    "STUDIES_DIR",
    "VLLM_ENV",
    "VLLM_SETUP",
    "ModelEntry",
    "RejudgeEntry",
    "SftEntry",
    "Step",
    "Study",
    "StudyError",
    "alias_models",
    "build_tiny_model",
    "catalog_text",
    "load_study",
    "plan",
    "quick_variant",
    "run_demo",
    "run_study",
]
