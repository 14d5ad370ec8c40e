"""Reading YAML and JSON within limits: a runaway nesting or a 5,000-digit number is an error naming the line
and column, never a RecursionError or ValueError from inside the parser."""

from __future__ import annotations

import pytest

from planner.documents import MAX_NESTING, LimitExceeded, load_json, load_yaml, load_yaml_all


def test_ordinary_documents_read_as_before() -> None:
    assert load_yaml_all("---\na: [1, {b: 2}]\n---\n---\nc: 3\n") == [{"a": [1, {"b": 2}]}, {"c": 3}]
    assert load_yaml("") is None and load_yaml("a: 1") == {"a": 1}
    assert load_json('{"a": [1.5, -2, 1e5], "b": "[[[[{{"}') == {"a": [1.5, -2, 100000.0], "b": "[[[[{{"}


@pytest.mark.parametrize("text", ["a: " + "[" * 5000 + "]" * 5000, "a:\n" + "".join("  " * i + "k:\n" for i in
                                                                                    range(1, 200))])
def test_yaml_nested_too_deep_names_where(text: str) -> None:
    with pytest.raises(LimitExceeded, match=f"nested more than {MAX_NESTING} levels deep") as raised:
        load_yaml_all(text)
    assert raised.value.line >= 1 and raised.value.column >= 1
    assert str(raised.value).startswith(f"line {raised.value.line}, column {raised.value.column}: ")


def test_yaml_at_the_nesting_limit_is_fine() -> None:
    text = "[" * (MAX_NESTING - 1) + "1" + "]" * (MAX_NESTING - 1)  # MAX_NESTING levels with the scalar
    assert load_yaml(text) is not None


def test_json_nested_too_deep_names_where_and_ignores_brackets_in_strings() -> None:
    with pytest.raises(LimitExceeded, match=r"line 2, column 56: nested more than") as raised:
        load_json('\n{"a": ' + "[" * 5000 + "]" * 5000 + "}")
    assert raised.value.line == 2
    assert load_json('{"a": "' + "[" * 5000 + '"}') == {"a": "[" * 5000}


def test_a_number_too_long_to_read_says_how_to_write_it() -> None:
    with pytest.raises(LimitExceeded, match=r'line 2, column 4: a number of 5000 digits, .*quote it \("\.\.\."\)'):
        load_yaml_all("a: 1\nb: " + "9" * 5000 + "\n")
    with pytest.raises(LimitExceeded, match=r"line 1, column 7: a number of 5000 digits"):
        load_json('{"a": -' + "9" * 5000 + "}")
    assert load_yaml("a: '" + "9" * 5000 + "'") == {"a": "9" * 5000}
