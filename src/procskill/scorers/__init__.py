"""Scorers: ANSWER-line extraction, typed matching, judges and the paired metrics."""

from procskill.scorers._extract import LENIENT_RULES, extract_answer, extract_answer_with_rule, strip_thinking
from procskill.scorers._extract_scorer import (
    EXTRACT_PATH,
    FORMAT_SCORE,
    answer_format,
    answer_format_score,
    extract,
)
from procskill.scorers._judge import (
    JUDGE_PATHS,
    judge,
    judge_label,
    judge_prompt,
    parse_verdict,
    role_judges,
    score_keys,
    score_label,
    score_labels,
    verdict_keys,
)
from procskill.scorers._match import ANSWER_TYPES, NUMBER_REL_TOL, answers_match, parse_number
from procskill.scorers._metrics import (
    FORMAT_KEYS,
    PATH_METRICS,
    answer_compliance,
    procedural_delta,
    skill_pass,
)

__all__ = [
    "ANSWER_TYPES",
    "EXTRACT_PATH",
    "FORMAT_KEYS",
    "FORMAT_SCORE",
    "JUDGE_PATHS",
    "LENIENT_RULES",
    "NUMBER_REL_TOL",
    "PATH_METRICS",
    "answer_compliance",
    "answer_format",
    "answer_format_score",
    "answers_match",
    "extract",
    "extract_answer",
    "extract_answer_with_rule",
    "judge",
    "judge_label",
    "judge_prompt",
    "parse_number",
    "parse_verdict",
    "procedural_delta",
    "role_judges",
    "score_keys",
    "score_label",
    "score_labels",
    "skill_pass",
    "strip_thinking",
    "verdict_keys",
]
