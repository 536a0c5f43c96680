"""ANSWER-line extraction.

Every scan here is linear in the output length and runs at C speed: plain string search,
and patterns that are anchored (or guarded by a look-behind) with no nested repetition.
Only the lines that mention "answer" are visited one by one, so a 1 MB output of blank
lines, braces or repeated keywords is read in well under a second (tests/reliability).
"""

from __future__ import annotations

import re

THINK_OPEN, THINK_CLOSE = "<think>", "</think>"

# One line that *starts* with ANSWER:, allowing markdown decoration around the keyword:
# "ANSWER: 4", "**ANSWER:** 4", "ANSWER**: 4", "## Answer: 4", "- ANSWER: 4", "> ANSWER: 4".
# Possessive runs (``*+``): what follows each run can never start inside it, so backtracking into
# it could not help -- and costs a pass per character on a megabyte of spaces or asterisks.
_ANSWER_LINE = re.compile(r"[\s#>*_`-]*+answer[*_`]*+\s*+:(.*)", re.IGNORECASE)
_FINAL_ANSWER = re.compile(
    r"(?:final answer|the answer)\s*+(?:is|=|:)\s*(.+)",
    re.IGNORECASE,
)
_ANYWHERE_ANSWER = re.compile(r"\banswer[*_`]*+\s*+:(.+)", re.IGNORECASE)
_DECORATION = " \t*_`"

_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
"""The characters :meth:`str.splitlines` splits on (all are whitespace to :meth:`str.strip`)."""
_NOT_BREAK = r"[^\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]"
# Whole lines containing "answer" (the only lines the line rules can match). The look-behind
# lets a match start only at a line start, so each line is scanned once: no quadratic retries.
_LINES_MENTIONING_ANSWER = re.compile(rf"(?<!{_NOT_BREAK}){_NOT_BREAK}*answer{_NOT_BREAK}*", re.IGNORECASE)

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
    begin = pos = start + len("\\boxed{")
    depth = 1
    # Depth only falls at a "}", so jump from one "}" to the next, counting the "{" in between.
    while (close := text.find("}", pos)) != -1:
        depth += text.count("{", pos, close) - 1
        if depth == 0:
            return _clean(text[begin:close])
        pos = close + 1
    return None


def _last_visible_line(text: str) -> str:
    """The last line (as :meth:`str.splitlines` splits) with non-whitespace content, or ``""``."""
    text = text.rstrip()
    start = max(text.rfind(line_break) for line_break in _LINE_BREAKS) + 1
    return text[start:]


def extract_answer_with_rule(text: str, lenient: bool = False) -> tuple[str | None, str | None]:
    """Extract the answer and name the rule that found it.

    Args:
        text: The model's completion.
        lenient: Also try the :data:`LENIENT_RULES` fallbacks when there is no ANSWER line.

    Returns:
        ``(answer, rule)``; ``(None, None)`` when nothing was found.
    """
    visible = strip_thinking(text)
    candidates = _LINES_MENTIONING_ANSWER.findall(visible)[::-1]  # last line first
    for line in candidates:
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
        for line in candidates:
            match = pattern.search(line)
            if match and (value := _clean(match.group(1))):
                return value, rule
    last_line = _last_visible_line(visible)
    if last_line:
        value = _clean(last_line)
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
