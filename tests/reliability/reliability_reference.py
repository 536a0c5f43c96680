"""The extractor and matcher as of commit 7d5861f: plain per-line loops, slow but obvious.

The differential property test compares the optimised :mod:`procskill.scorers` against this on
small inputs, so the linear-time rewrite cannot change what is scored. Do not "fix" this copy.
"""

# ruff: noqa
from __future__ import annotations

import math
import re
import unicodedata

# ---- procskill/scorers/_extract.py ----

THINK_OPEN, THINK_CLOSE = "<think>", "</think>"

# One line that *starts* with ANSWER:, allowing markdown decoration around the keyword:
# "ANSWER: 4", "**ANSWER:** 4", "ANSWER**: 4", "## Answer: 4", "- ANSWER: 4", "> ANSWER: 4".
_ANSWER_LINE = re.compile(r"[\s#>*_`-]*answer[*_`]*\s*:(.*)", re.IGNORECASE)
_FINAL_ANSWER = re.compile(
    r"(?:final answer|the answer)\s*(?:is|=|:)\s*(.+)",
    re.IGNORECASE,
)
_ANYWHERE_ANSWER = re.compile(r"\banswer[*_`]*\s*:(.+)", re.IGNORECASE)
_DECORATION = " \t*_`"

STRICT_RULE = "answer_line"
LENIENT_RULES = ("boxed", "final_answer_phrase", "answer_colon_inline", "last_line")
"""Lenient fallbacks, tried in this order when no ANSWER line is found:

- ``boxed``: the content of the last ``\\boxed{...}`` (braces balanced);
- ``final_answer_phrase``: the rest of the last line saying "final answer is …" /
  "the answer is …";
- ``answer_colon_inline``: the rest of the last line containing "answer:" anywhere;
- ``last_line``: the last non-empty line, if it is short (≤ 40 characters) — a bare
  value left at the end of the response.
"""


def strip_thinking(text: str) -> str:
    """Remove reasoning blocks: ``<think>…</think>``, an unterminated ``<think>…``, and
    everything before a stray ``</think>`` (a template that opens the block in the prompt).
    """
    if THINK_CLOSE in text:
        first_close = text.find(THINK_CLOSE)
        first_open = text.find(THINK_OPEN)
        if first_open == -1 or first_open > first_close:
            text = text[first_close + len(THINK_CLOSE) :]
    parts: list[str] = []
    pos = 0
    while True:
        start = text.find(THINK_OPEN, pos)
        if start == -1:
            parts.append(text[pos:])
            break
        parts.append(text[pos:start])
        end = text.find(THINK_CLOSE, start + len(THINK_OPEN))
        if end == -1:
            break
        pos = end + len(THINK_CLOSE)
    return "".join(parts)


def _clean(value: str) -> str | None:
    value = value.strip().strip(_DECORATION).strip()
    return value or None


def _boxed(text: str) -> str | None:
    start = text.rfind("\\boxed{")
    if start == -1:
        return None
    depth, i = 1, start + len("\\boxed{")
    begin = i
    while i < len(text):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return _clean(text[begin:i])
        i += 1
    return None


def extract_answer_with_rule(text: str, lenient: bool = False) -> tuple[str | None, str | None]:
    """Extract the answer and name the rule that found it.

    Args:
        text: The model's completion.
        lenient: Also try the :data:`LENIENT_RULES` fallbacks when there is no ANSWER line.

    Returns:
        ``(answer, rule)``; ``(None, None)`` when nothing was found.
    """
    visible = strip_thinking(text)
    lines = visible.splitlines()
    for line in reversed(lines):
        match = _ANSWER_LINE.match(line)
        if match:
            value = _clean(match.group(1))
            return (value, STRICT_RULE) if value is not None else (None, None)
    if not lenient:
        return None, None
    boxed = _boxed(visible)
    if boxed is not None:
        return boxed, "boxed"
    for rule, pattern in (("final_answer_phrase", _FINAL_ANSWER), ("answer_colon_inline", _ANYWHERE_ANSWER)):
        for line in reversed(lines):
            match = pattern.search(line)
            if match and (value := _clean(match.group(1))):
                return value, rule
    for line in reversed(lines):
        if line.strip():
            value = _clean(line)
            return (value, "last_line") if value and len(value) <= 40 else (None, None)
    return None, None


def extract_answer(text: str, lenient: bool = False) -> str | None:
    """Extract the final answer from a model completion.

    Strict (default): the content of the **last** line that starts with ``ANSWER:``
    (case-insensitive; markdown decoration such as ``**ANSWER:**``, ``ANSWER**:``, a
    leading ``#``, ``-`` or ``>`` is tolerated). Prose after that line is allowed —
    unlike Inspect's end-anchored ``answer("line")`` pattern. Text inside
    ``<think>…</think>`` (or after an unterminated ``<think>``) is never the answer.

    Args:
        text: The model's completion.
        lenient: When no ANSWER line exists, fall back to :data:`LENIENT_RULES`
            (as lm-evaluation-harness's flexible-extract complements strict-match).

    Returns:
        The answer text, or ``None`` when none was found.
    """
    return extract_answer_with_rule(text, lenient)[0]


# ---- procskill/scorers/_match.py ----

ANSWER_TYPES = ("integer", "number", "string", "list", "set", "free")
NUMBER_REL_TOL = 1e-4
"""``number`` answers match within this relative tolerance *and* within half a unit of the
target's last decimal place (so ``7762.96`` accepts ``7762.955`` but not ``7762.95``)."""
NUMBER_ABS_TOL = 1e-9

_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:[,_ \u202f\u00a0]\d{3})+(?:\.\d*)?$")
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_WRAPPERS = ("**", "__", "`", "$", '"', "'")
_TRAILING_PUNCT = ".,;:!?"


def _unwrap(text: str) -> str:
    """Remove what surrounds an answer but is not part of it: ``\\boxed{}``, markdown
    emphasis, backticks, ``$``, quotes, a trailing period."""
    text = unicodedata.normalize("NFKC", text).strip()
    changed = True
    while changed and text:
        changed = False
        if text.startswith("\\boxed{") and text.endswith("}"):
            text, changed = text[len("\\boxed{") : -1].strip(), True
        for wrap in _WRAPPERS:
            if len(text) >= 2 * len(wrap) and text.startswith(wrap) and text.endswith(wrap):
                text, changed = text[len(wrap) : -len(wrap)].strip(), True
        if text.endswith(tuple(_TRAILING_PUNCT)):
            text, changed = text[:-1].rstrip(), True
    return text


def parse_number(text: str) -> float | None:
    """Parse a number written with optional sign, thousands separators and exponent.

    ``"1,234.5"``, ``"1 234"``, ``"$12.50"``, ``"**42**"`` and ``"7."`` parse;
    ``"1,5"`` (ambiguous decimal comma) and ``"12 km"`` do not.
    """
    text = _unwrap(text).lstrip("$").strip()
    if _THOUSANDS.match(text):
        text = re.sub(r"[,_ \u202f\u00a0]", "", text)
    if not _PLAIN_NUMBER.match(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def _half_ulp(target: str) -> float:
    """Half a unit in the last decimal place the target is written to."""
    digits = _unwrap(target).lstrip("$").split("e")[0].split("E")[0]
    decimals = len(digits.split(".", 1)[1]) if "." in digits else 0
    return 0.5 * 10.0**-decimals


def _normal_string(text: str) -> str:
    return " ".join(_unwrap(text).casefold().split())


def _items(text: str) -> list[str]:
    text = _unwrap(text)
    if len(text) >= 2 and text[0] in "[(" and text[-1] in "])":
        text = text[1:-1]
    return [_normal_string(item) for item in text.split(",") if item.strip()]


def _item_key(item: str) -> str:
    number = parse_number(item)
    return repr(number) if number is not None else item


def answers_match(extracted: str, target: str, answer_type: str) -> bool:
    """Whether an extracted answer matches the gold target.

    Args:
        extracted: The answer text (from :func:`extract_answer`).
        target: The gold answer.
        answer_type: How to compare:

            - ``integer``: equal as integers (``"1,024"``, ``"**42**"``, ``"42."`` accepted);
            - ``number``: equal within the target's precision (half a unit in its last
              decimal place) and :data:`NUMBER_REL_TOL` relative tolerance;
            - ``string``: case-, whitespace- and trailing-punctuation-insensitive;
            - ``list``: comma-separated items, same items in the same order;
            - ``set``: comma-separated items, same items in any order;
            - ``free``: never matches (free-form answers are judge-only).

            Surrounding ``**``, backticks, ``$``, quotes and ``\\boxed{}`` are ignored
            for every type; list and set items compare numerically when both parse.

    Returns:
        ``True`` on a match.

    Raises:
        ValueError: ``answer_type`` is not one of :data:`ANSWER_TYPES`.
    """
    if answer_type not in ANSWER_TYPES:
        raise ValueError(f"unknown answer_type {answer_type!r}; expected one of {ANSWER_TYPES}")
    if answer_type == "free":
        return False
    if answer_type in ("integer", "number"):
        got, want = parse_number(extracted), parse_number(target)
        if got is None or want is None:
            return False
        if answer_type == "integer":
            return got.is_integer() and want.is_integer() and int(got) == int(want)
        tolerance = max(NUMBER_ABS_TOL, min(NUMBER_REL_TOL * abs(want), _half_ulp(target)))
        return abs(got - want) <= tolerance * (1 + 1e-9)  # binary floats: 7762.955 - 7762.96 > 0.005
    if answer_type == "string":
        return _normal_string(extracted) == _normal_string(target)
    got_items = [_item_key(i) for i in _items(extracted)]
    want_items = [_item_key(i) for i in _items(target)]
    if answer_type == "list":
        return got_items == want_items
    return set(got_items) == set(want_items) and len(got_items) == len(set(got_items))
