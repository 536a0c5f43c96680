"""procskill: does a written procedure, or SFT on procedure-following demonstrations,
make a language model better at procedural tasks?"""

from procskill.scorers import answers_match, extract, extract_answer
from procskill.tasks import procskill

__version__ = "0.1.0"

__all__ = ["__version__", "answers_match", "extract", "extract_answer", "procskill"]
