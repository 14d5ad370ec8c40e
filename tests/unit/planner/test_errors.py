"""Errors quote what the user gave without repeating it whole: one rule, ``shown``, for every error text."""

from __future__ import annotations

from planner.errors import ECHO_LIMIT, shorten, shown


def test_a_short_value_is_quoted_whole() -> None:
    assert shown("hello") == "'hello'"
    assert shown(4095) == "4095"
    assert shown(["a", 1]) == "['a', 1]"


def test_a_long_text_is_cut_with_its_length() -> None:
    assert shown("a" * 5000) == "'" + "a" * ECHO_LIMIT + "'… (5000 characters)"
    assert shorten("b" * 81) == "b" * ECHO_LIMIT + "… (81 characters)"
    assert shorten("b" * ECHO_LIMIT) == "b" * ECHO_LIMIT


def test_a_long_number_is_cut_with_its_digits_even_past_what_python_prints() -> None:
    assert shown(10**100) == "1" + "0" * (ECHO_LIMIT - 1) + "… (101 digits)"
    assert shown(10**5000).startswith("a number of more than ")  # str() of it would be a ValueError


def test_a_long_list_is_cut_like_text() -> None:
    assert shown(list(range(1000))).endswith(" characters)") and len(shown(list(range(1000)))) < 110
