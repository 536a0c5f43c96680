"""extract_answer on realistic model outputs."""

import pytest

from procskill.scorers import extract_answer, extract_answer_with_rule, strip_thinking


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Step 1: 3+4=7\nStep 2: doubled 14\nANSWER: 14", "14"),
        ("Work...\n**ANSWER:** 2024-03-05", "2024-03-05"),
        ("Work...\nANSWER**: 42**", "42"),
        ("**ANSWER: 42**", "42"),
        ("## Answer: blue", "blue"),
        ("- ANSWER: a, b, c", "a, b, c"),
        ("> answer: 7", "7"),
        ("ANSWER: `x1`", "x1"),
        # prose after the ANSWER line is allowed (unlike Inspect's end-anchored pattern)
        ("ANSWER: 12\n\nI double-checked this using the verification step.", "12"),
        # restated answers: the last ANSWER line wins
        ("ANSWER: 10\nWait, I made an error in step 3.\nANSWER: 11", "11"),
    ],
)
def test_strict_answer_line(text, expected):
    assert extract_answer(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "The check digit is 7.",
        "The final answer is 7",
        "My answer is in the ANSWER field below",  # does not start a line with ANSWER:
        "ANSWER:",  # empty
        "ANSWER:   **  ",
        "",
    ],
)
def test_no_strict_answer(text):
    assert extract_answer(text) is None


def test_thinking_is_never_the_answer():
    text = "<think>\nANSWER: 3 maybe?\n</think>\nAfter checking, ANSWER: 4 is wrong.\nANSWER: 5"
    assert extract_answer(text) == "5"
    assert extract_answer("<think>long reasoning... ANSWER: 9\nANSWER: 9") is None  # unterminated
    # the prompt opened the block (Qwen-style template): everything before </think> is reasoning
    assert extract_answer("reasoning\nANSWER: 1\n</think>\nANSWER: 2") == "2"
    assert extract_answer("reasoning\nANSWER: 1\n</think>\nno answer here") is None


def test_strip_thinking_keeps_visible_text():
    assert strip_thinking("a<think>x</think>b<think>y</think>c") == "abc"
    assert strip_thinking("visible<think>never closed") == "visible"


@pytest.mark.parametrize(
    ("text", "value", "rule"),
    [
        ("so the result is \\boxed{\\frac{1}{2}}.", "\\frac{1}{2}", "boxed"),
        ("Therefore the final answer is 42.", "42.", "final_answer_phrase"),
        ("I think my answer: 17", "17", "answer_colon_inline"),
        ("Lots of work here\n\n17", "17", "last_line"),
        ("ANSWER: 3\n\\boxed{4}", "3", "answer_line"),
    ],
)
def test_lenient_fallbacks(text, value, rule):
    assert extract_answer_with_rule(text, lenient=True) == (value, rule)


def test_lenient_ignores_long_trailing_prose():
    assert (
        extract_answer("I could not finish the computation in the time I had, sorry.", lenient=True) is None
    )
