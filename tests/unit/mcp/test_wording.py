"""The MCP server words an error's remedy and arguments as its own tools and arguments, never as CLI flags."""

from __future__ import annotations

import pytest

from mcp_server.wording import MODEL_WORDING
from planner.errors import Argument, Fix, IacError, Remedy
from tests.unit.planner.errors_cases import CASES, raised


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("policy violation", "remove the rule or make it block, or if the user accepts it, plan again with allow: "
                             "['no-guest-to-management'] (recorded in the plan as a waiver)"),
        ("unknown allow", "allow: no-such-rule: unknown policy rule; known rules: no-guest-to-management"),
        ("unknown field", "t.yaml: intent.imgae: unknown field; check the spelling (describe_intent_kind with kind "
                          "'container' lists the fields)"),
        ("empty file", "the file holds no intents; list_intent_kinds lists the kinds and describe_intent_kind gives "
                       "an example"),
        ("sentence", "Nothing was planned; rephrase, or pass an intent document as `intent` (describe_intent_kind "
                     "shows one)"),
        ("sentence of a kind", "rephrase, or pass an intent document as `intent` (describe_intent_kind with kind "
                               "'web_app' shows one)"),
        ("data loss", "and their data with them; call it again with allow_data_loss: true, only if the user "
                      "asked for it"),
        ("lock conflict", "apply again once it has finished or, if it crashed, call rollback with deployment_id"),
    ],
)
def test_an_error_names_the_tools_and_arguments_a_model_calls(case: str, words: str) -> None:
    assert words in raised(case).text(MODEL_WORDING)


@pytest.mark.parametrize("case", list(CASES))
def test_no_error_tells_a_model_about_cli_flags_or_commands(case: str) -> None:
    text = raised(case).text(MODEL_WORDING)
    assert "--" not in text and "`iac " not in text, text


def test_arguments_are_the_tools_arguments() -> None:
    assert IacError("x", field=Argument("deployment_id", "beef")).text(MODEL_WORDING) == "deployment_id: beef: x"
    assert IacError("x", field=Argument("at")).text(MODEL_WORDING) == "at: x"


@pytest.mark.parametrize("fix", list(Fix))
def test_every_remedy_has_words_for_a_model(fix: Fix) -> None:
    words = MODEL_WORDING.remedy(Remedy(fix, "abcd1234"))
    assert words and "--" not in words and "`iac " not in words
