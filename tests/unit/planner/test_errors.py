"""Errors are data (message, field, remedy) each adapter words its own way, and quote what the user gave without
repeating it whole: one rule, ``shown``, for every error text."""

from __future__ import annotations

import pytest

from planner.errors import ECHO_LIMIT, Argument, Fix, IacError, Remedy, Wording, shorten, shown
from tests.unit.planner.errors_cases import CASES, raised


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


def test_an_error_carries_its_message_field_and_remedy_as_data() -> None:
    error = IacError("unknown field", source="t.yaml", field="intents[0].imgae",
                     remedy=Remedy(Fix.SHOW_FIELDS, "container"))
    assert (error.message, error.source, error.field) == ("unknown field", "t.yaml", "intents[0].imgae")
    assert error.remedy == Remedy(Fix.SHOW_FIELDS, "container")
    assert str(error) == "t.yaml: intents[0].imgae: unknown field; check the spelling against the fields of container"
    assert str(IacError("plain")) == "plain"


class _Shouting(Wording):
    def argument(self, name: str, value: str | None) -> str:
        return name.upper() if value is None else f"{name.upper()}={value}"

    def remedy(self, remedy: Remedy) -> str:
        return f"DO {remedy.fix.value} {remedy.argument}".strip()


def test_each_adapter_words_the_parts_its_own_way() -> None:
    error = IacError("unknown policy rule", field=Argument("allow", "x" * 100), remedy=Remedy(Fix.LIST_KINDS))
    assert error.text(_Shouting()) == "ALLOW=" + "x" * 80 + "… (100 characters): unknown policy rule; DO list_kinds"
    assert str(error).startswith("allow " + "x" * 80 + "… (100 characters): unknown policy rule; ")


@pytest.mark.parametrize("case", list(CASES))
def test_the_core_words_no_cli_flag_or_command(case: str) -> None:
    text = str(raised(case))
    assert "--" not in text and "`iac " not in text, text


@pytest.mark.parametrize("fix", list(Fix))
def test_every_remedy_has_plain_words(fix: Fix) -> None:
    assert Wording().remedy(Remedy(fix, "abcd1234"))
