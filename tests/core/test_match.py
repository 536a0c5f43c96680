"""answers_match per answer type."""

import pytest

from procskill.scorers import answers_match


@pytest.mark.parametrize(
    ("got", "target", "answer_type", "ok"),
    [
        ("42", "42", "integer", True),
        ("**42**", "42", "integer", True),
        ("42.", "42", "integer", True),
        ("1,024", "1024", "integer", True),
        ("$1,024", "1024", "integer", True),
        ("\\boxed{42}", "42", "integer", True),
        ("42.0", "42", "integer", True),
        ("42.5", "42", "integer", False),
        ("-7", "-7", "integer", True),
        ("forty-two", "42", "integer", False),
        ("3.14159", "3.1416", "number", True),  # within half a unit of the last place
        ("7762.955", "7762.96", "number", True),
        ("7762.95", "7762.96", "number", False),  # a cent off is wrong, though within 1e-4 relative
        ("12.4", "12", "number", False),
        ("3.15", "3.1416", "number", False),
        ("1,234.50", "1234.5", "number", True),
        ("`0.5`", "0.5", "number", True),
        ("1,5", "1.5", "number", False),  # decimal comma is ambiguous: refused
        ("12 km", "12", "number", False),
        ("Hello  World.", "hello world", "string", True),
        ("`Tuesday`", "Tuesday", "string", True),
        ("Tues", "Tuesday", "string", False),
        ("a, b, c", "a, b, c", "list", True),
        ("[A,B,C]", "a, b, c", "list", True),
        ("a, c, b", "a, b, c", "list", False),
        ("1, 2.0, 3", "1, 2, 3", "list", True),
        ("c, a, b", "a, b, c", "set", True),
        ("a, b", "a, b, c", "set", False),
        ("a, a, b, c", "a, b, c", "set", False),
        ("anything", "the gold conclusion", "free", False),
    ],
)
def test_answers_match(got, target, answer_type, ok):
    assert answers_match(got, target, answer_type) is ok


def test_unknown_answer_type_is_an_error():
    with pytest.raises(ValueError, match="unknown answer_type 'date'"):
        answers_match("1", "1", "date")
