"""The CLI words an error's remedy and arguments as its own flags and commands: the lines ``iac`` prints."""

from __future__ import annotations

import pytest

from planner.cli import CLI_WORDING
from planner.errors import Argument, Fix, IacError, Remedy
from tests.unit.planner.errors_cases import raised


@pytest.mark.parametrize(
    ("case", "line"),
    [
        ("policy violation", "the plan breaks policy (shipped defaults): no-guest-to-management: create "
                             "opnsense.firewall_rule.guest-to-mgmt: it passes traffic from a guest segment (guests) "
                             "to segment 'mgmt' (role management); remove the rule or make it block, or waive with "
                             "--allow no-guest-to-management"),
        ("unknown allow", "--allow no-such-rule: unknown policy rule; known rules: no-guest-to-management, "
                          "no-wan-exposure, host-capacity, required-tags"),
        ("unknown field", "t.yaml: intent.imgae: unknown field; check the spelling (`iac intents show container` "
                          "lists the fields)"),
        ("empty file", "t.yaml: the file holds no intents; see `iac intents` for the kinds and an example"),
        ("data loss", "restoring would remove docker.volume.data, and their data with them; rerun with "
                      "--allow-data-loss if that is what you want"),
    ],
)
def test_an_error_reads_as_the_cli_always_printed_it(case: str, line: str) -> None:
    assert raised(case).text(CLI_WORDING) == line


def test_a_refused_sentence_points_at_an_intent_file_and_the_kind_when_there_is_one() -> None:
    vague = raised("sentence").text(CLI_WORDING)
    assert vague.endswith(". Nothing was planned; rephrase, or write an intent file (`iac intents show KIND` "
                          "prints one)")
    web_app = raised("sentence of a kind").text(CLI_WORDING)
    assert "a sentence cannot describe a web_app yet. Understood: " in web_app
    assert web_app.endswith("rephrase, or write an intent file (`iac intents show web_app` prints one)")


def test_a_lock_conflict_says_wait_or_roll_back() -> None:
    conflict = raised("lock conflict")
    short = conflict.holder_deployment_id[:8]
    assert conflict.text(CLI_WORDING) == (
        f"deployment {short} (box:41) is changing docker.container.web; "
        f"wait for it (--wait) or, if it crashed, `iac rollback {short}`"
    )


def test_arguments_are_the_commands_options() -> None:
    def line(name: str, value: str | None = None) -> str:
        return IacError("x", field=Argument(name, value)).text(CLI_WORDING)

    assert line("allow", "capacity") == "--allow capacity: x"
    assert line("deployment_id", "beef") == "--deployment beef: x"
    assert line("allow_data_loss") == "--allow-data-loss: x"
    assert line("out", "/tmp/" + "d" * 100).startswith("--out /tmp/" + "d" * 75 + "… (105 characters): x")


@pytest.mark.parametrize("fix", list(Fix))
def test_every_remedy_has_cli_words(fix: Fix) -> None:
    words = CLI_WORDING.remedy(Remedy(fix, "abcd1234"))
    assert words and "allow:" not in words and "describe_intent_kind" not in words
