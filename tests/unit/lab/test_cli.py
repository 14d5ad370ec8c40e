"""``iac lab``'s adapter: a lab that cannot start is one line on stderr, never a traceback."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

import lab.cli
import lab.supervisor
from lab.errors import LabError


def test_the_cli_prints_one_line_and_no_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing_up(**asked: object) -> None:
        raise LabError("dockerd exited during start (log /x/dockerd.log): boom")

    monkeypatch.setattr(lab.supervisor, "up", failing_up)
    result = CliRunner().invoke(lab.cli.app, ["up"])
    assert result.exit_code == 1
    assert "error: dockerd exited during start" in result.output
    assert "Traceback" not in result.output


def test_a_bad_uplink_is_refused_before_the_lab_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[object] = []
    monkeypatch.setattr(lab.supervisor, "up", lambda **asked: started.append(asked))
    result = CliRunner().invoke(lab.cli.app, ["up", "--uplink", "gaming=10.0.20.1"])
    assert result.exit_code == 1
    assert "--uplink 'gaming=10.0.20.1': '10.0.20.1' is not an IPv4 address with its prefix" in result.output
    assert started == []
    result = CliRunner().invoke(lab.cli.app, ["up", "--uplink", "gaming=10.0.20.1/24", "--uplink", "gaming"])
    assert "--uplink names gaming more than once" in result.output
    assert started == []


def test_uplinks_are_passed_as_segment_and_gateway(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[dict[str, object]] = []

    def up(**given: object) -> object:
        asked.append(given)
        raise LabError("stop here")

    monkeypatch.setattr(lab.supervisor, "up", up)
    CliRunner().invoke(lab.cli.app, ["up", "--uplink", "gaming=10.0.20.1/24"])
    CliRunner().invoke(lab.cli.app, ["up", "--no-uplinks"])
    CliRunner().invoke(lab.cli.app, ["up"])
    assert [call["uplinks"] for call in asked] == [[("gaming", "10.0.20.1/24")], [], None]
