"""Whole studies from one file: the runner, the shipped study files, the offline demo."""

from procskill.studies._demo import DEMO_SKILLS, run_demo
from procskill.studies._models import DEFAULT_ALIASES, alias_models
from procskill.studies._runner import Step, plan, run_study
from procskill.studies._spec import (
    STUDIES_DIR,
    VLLM_ENV,
    VLLM_SETUP,
    ModelEntry,
    SftEntry,
    Study,
    StudyError,
    load_study,
)

__all__ = [
    "DEFAULT_ALIASES",
    "DEMO_SKILLS",
    "STUDIES_DIR",
    "VLLM_ENV",
    "VLLM_SETUP",
    "ModelEntry",
    "SftEntry",
    "Step",
    "Study",
    "StudyError",
    "alias_models",
    "load_study",
    "plan",
    "run_demo",
    "run_study",
]
