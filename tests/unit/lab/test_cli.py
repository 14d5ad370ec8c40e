"""``iac lab``'s adapter: a lab that cannot start is one line on stderr, never a traceback."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

import lab.cli
import lab.supervisor
from lab.errors import LabError


def test_the_cli_prints_one_line_and_no_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing_up() -> None:
        raise LabError("dockerd exited during start (log /x/dockerd.log): boom")

    monkeypatch.setattr(lab.supervisor, "up", failing_up)
    result = CliRunner().invoke(lab.cli.app, ["up"])
    assert result.exit_code == 1
    assert "error: dockerd exited during start" in result.output
    assert "Traceback" not in result.output
