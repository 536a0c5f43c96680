"""Matching an extracted answer against the gold target, per answer type."""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal

from procskill.prompts import ANSWER_TYPES

NUMBER_REL_TOL = 1e-4
"""``number`` answers match within this relative tolerance *and* within half a unit of the
target's last decimal place (so ``7762.96`` accepts ``7762.955`` but not ``7762.95``)."""
NUMBER_ABS_TOL = 1e-9
MAX_ANSWER_CHARS = 2_000
"""An answer longer than this (and than four times its target) is not compared: it never matches.
Real answers are short (the built-in catalog's longest target has 241 characters); the bound keeps
scoring fast on degenerate output, where Unicode normalisation alone can take seconds per megabyte
(and is quadratic in a run of combining marks)."""

# Possessive (``++``, ``*+``) and unambiguous: ``\d+\.?\d*`` could split a run of digits n ways and
# backtracked through all of them (5,000 digits and a letter took 4 s).
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:[,_ \u202f\u00a0]\d{3})++(?:\.\d*+)?$")
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d++(?:\.\d*+)?|\.\d++)(?:[eE][+-]?\d++)?$")
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
    ``"1,5"`` (ambiguous decimal comma), ``"12 km"`` and text longer than
    :data:`MAX_ANSWER_CHARS` do not.
    """
    numeral = _numeral(text) if len(text) <= MAX_ANSWER_CHARS else None
    if numeral is None:
        return None
    value = float(numeral)
    return value if math.isfinite(value) else None


def _numeral(text: str) -> str | None:
    """The plain numeral an answer writes (wrappers and thousands separators dropped), if it is one."""
    text = _unwrap(text).lstrip("$").strip()
    if _THOUSANDS.match(text):
        text = re.sub(r"[,_ \u202f\u00a0]", "", text)
    return text if _PLAIN_NUMBER.match(text) else None


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

            An answer longer than :data:`MAX_ANSWER_CHARS` and than four times the
            target never matches.

            Surrounding ``**``, backticks, ``$``, quotes and ``\\boxed{}`` are ignored
            for every type; list and set items compare numerically when both parse.

    Returns:
        ``True`` on a match.

    Raises:
        ValueError: ``answer_type`` is not one of :data:`ANSWER_TYPES`.
    """
    if answer_type not in ANSWER_TYPES:
        raise ValueError(f"unknown answer_type {answer_type!r}; expected one of {ANSWER_TYPES}")
    if answer_type == "free" or len(extracted) > max(MAX_ANSWER_CHARS, 4 * len(target)):
        return False
    if answer_type in ("integer", "number"):
        got, want = parse_number(extracted), parse_number(target)
        if got is None or want is None:
            return False
        if answer_type == "integer":
            # Floats stop telling integers apart above 2**53: compare the numerals exactly.
            exact = Decimal(_numeral(extracted)) == Decimal(_numeral(target))
            return got.is_integer() and want.is_integer() and exact
        tolerance = max(NUMBER_ABS_TOL, min(NUMBER_REL_TOL * abs(want), _half_ulp(target)))
        return abs(got - want) <= tolerance * (1 + 1e-9)  # binary floats: 7762.955 - 7762.96 > 0.005
    if answer_type == "string":
        return _normal_string(extracted) == _normal_string(target)
    got_items = [_item_key(i) for i in _items(extracted)]
    want_items = [_item_key(i) for i in _items(target)]
    if answer_type == "list":
        return got_items == want_items
    return set(got_items) == set(want_items) and len(got_items) == len(set(got_items))
