"""The deterministic ``extract`` scorer: strict ANSWER-line extraction + typed matching."""

from __future__ import annotations

from typing import Any

from inspect_ai.scorer import Score, Scorer, Target, scorer
from inspect_ai.solver import TaskState

from procskill.scorers._extract import extract_answer_with_rule
from procskill.scorers._match import answers_match
from procskill.scorers._metrics import PATH_METRICS, answer_compliance
from procskill.solvers import empty_output, recorded_max_tokens

TRUNCATION_STOP_REASONS = ("max_tokens", "model_length")

EXTRACT_PATH = "extract"
"""The deterministic scoring path: its score and its metadata ``path``."""

FORMAT_SCORE = "answer_format"
"""The name of the ANSWER-line format score in every log: not a scoring path (its value is a dict, not a verdict)."""


def no_output(state: TaskState, metadata: dict[str, Any]) -> Score | None:
    """Unscored, for an episode whose model returned nothing (:func:`procskill.solvers.empty_output`).

    The task fails such a sample before scoring; ``inspect score`` re-scores every sample of a log,
    errors included, and an absent answer must not become a FAIL. ``None`` for an episode with output;
    ``metadata`` is the score's (its ``path``, and a judge's name).
    """
    if not empty_output(state.output):
        return None
    return Score.unscored(
        reason="no_response",
        explanation="the model returned nothing (the sample's generation failed): re-run it with inspect eval-retry",
        metadata=metadata,
    )


def answer_format(state: TaskState, max_tokens: int | None = None) -> dict[str, Any]:
    """Format facts about an episode's completion, recorded by every scoring path.

    Args:
        state: The scored episode.
        max_tokens: The generation token limit; by default the one the episode was generated
            with (:func:`procskill.solvers.recorded_max_tokens`). Providers that report no stop
            reason (Inspect's ``hf`` says ``"unknown"``) are judged truncated when the output
            used the whole limit.

    Returns:
        ``compliant`` (a strict ANSWER line was found), ``extracted`` (its value),
        ``truncated`` (the completion was cut off by the token limit) and ``stop_reason``.
    """
    if max_tokens is None:
        max_tokens = recorded_max_tokens(state)
    extracted, _ = extract_answer_with_rule(state.output.completion)
    stop_reason = state.output.stop_reason
    usage = state.output.usage
    hit_limit = (
        stop_reason == "unknown"
        and max_tokens is not None
        and usage is not None
        and usage.output_tokens >= max_tokens
    )
    return {
        "compliant": extracted is not None,
        "extracted": extracted,
        "truncated": stop_reason in TRUNCATION_STOP_REASONS or hit_limit,
        "stop_reason": stop_reason,
    }


@scorer(metrics=PATH_METRICS)
def extract(max_tokens: int | None = None) -> Scorer:
    """Score deterministic tasks by their ANSWER line (the ``extract`` scoring path).

    The value is the **strict** verdict (1.0 pass, 0.0 fail): the last ``ANSWER:`` line
    outside reasoning blocks, matched against the target by the task's ``answer_type``
    (:func:`procskill.scorers.answers_match`). Free-form tasks (``answer_type: free``)
    are unscored on this path — excluded from pass rates, never counted as failures.

    The metadata records ``path``, ``compliant``, ``extracted``, ``truncated``,
    ``stop_reason`` and the lenient verdict (``lenient_answer``, ``lenient_rule``,
    ``lenient_correct``) for the strict-vs-lenient comparison.

    Args:
        max_tokens: Override of the generation token limit used to recognise truncated outputs
            from providers that report no stop reason; by default the limit the episode was
            generated with (see :func:`answer_format`), so ``inspect score`` needs no flag.

    Returns:
        A scorer reporting pass rates and the procedural Δ (:func:`procskill.scorers.procedural_delta`).
    """

    async def score(state: TaskState, target: Target) -> Score:
        if (absent := no_output(state, {"path": EXTRACT_PATH})) is not None:
            return absent
        answer_type = state.metadata["answer_type"]
        fmt = answer_format(state, max_tokens)
        meta: dict[str, Any] = {"path": EXTRACT_PATH, **fmt}
        if answer_type == "free":
            return Score.unscored(
                reason="free_form_task",
                answer=fmt["extracted"],
                explanation="Free-form tasks are scored by a judge (bench or llm path), not by the extractor.",
                metadata=meta,
            )
        lenient_answer, lenient_rule = extract_answer_with_rule(state.output.completion, lenient=True)
        lenient_correct = lenient_answer is not None and answers_match(
            lenient_answer, target.text, answer_type
        )
        correct = fmt["extracted"] is not None and answers_match(fmt["extracted"], target.text, answer_type)
        meta |= {
            "lenient_answer": lenient_answer,
            "lenient_rule": lenient_rule,
            "lenient_correct": lenient_correct,
        }
        if fmt["extracted"] is None:
            why = "output truncated by the token limit" if fmt["truncated"] else "no ANSWER line"
            explanation = f"{why}; target {target.text!r}"
        else:
            explanation = f"extracted {fmt['extracted']!r} vs target {target.text!r} ({answer_type})"
        return Score(
            value=1.0 if correct else 0.0, answer=fmt["extracted"], explanation=explanation, metadata=meta
        )

    return score


@scorer(metrics=[answer_compliance()], name=FORMAT_SCORE)
def answer_format_score() -> Scorer:
    """The ANSWER-line format of every episode, whatever the scoring path (score name ``answer_format``).

    The value is a dict, ``compliant`` (a strict ANSWER line), ``truncated`` (none, and the output was
    cut by the token limit) and ``no_answer_line`` (none, output finished), one of them 1.0: values, not
    metadata, so that Inspect averages them over epochs and the compliance metrics cover every epoch.

    Returns:
        A scorer reporting ``compliance_<cond>``, ``truncated_<cond>``, ``no_answer_line_<cond>``.
    """

    async def score(state: TaskState, target: Target) -> Score:
        if (absent := no_output(state, {"path": FORMAT_SCORE})) is not None:
            return absent
        fmt = answer_format(state)
        truncated = not fmt["compliant"] and fmt["truncated"]
        value = {
            "compliant": 1.0 if fmt["compliant"] else 0.0,
            "truncated": 1.0 if truncated else 0.0,
            "no_answer_line": 0.0 if fmt["compliant"] or truncated else 1.0,
        }
        return Score(
            value=value,
            answer=fmt["extracted"],
            metadata={"path": FORMAT_SCORE, "stop_reason": fmt["stop_reason"]},
        )

    return score
