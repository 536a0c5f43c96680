"""A sample's scores by the names procskill's readers give them."""

from __future__ import annotations

from inspect_ai.log import EvalSample, EvalSampleSummary
from inspect_ai.scorer import Score

from procskill.scorers import score_label


def labelled(sample: EvalSample | EvalSampleSummary) -> dict[str, Score]:
    """``sample``'s scores by label: ``extract``, ``llm@<judge>`` (Inspect keys a judge ``llm``, ``llm1``, …)."""
    return {score_label(key, score.metadata): score for key, score in (sample.scores or {}).items()}
