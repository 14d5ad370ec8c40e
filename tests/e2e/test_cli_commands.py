"""``iac``'s commands: its own, and ``lab``/``mcp`` mounted through the ``homelab_iac.commands`` entry points.

No lab is needed: these read help screens and errors only.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from planner.paths import project_root
from tests.e2e.cli import IAC

pytestmark = pytest.mark.e2e



def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "IAC_DATABASE_URL"}
    environment.update(IAC_HOME=str(tmp_path / "home"), IAC_INVENTORY=str(tmp_path / "hosts.yml"), COLUMNS="120")
    return subprocess.run([IAC, *args], env=environment, capture_output=True, text=True, timeout=120,
                          cwd=project_root())


def test_help_lists_the_mounted_commands_after_the_own_ones(tmp_path: Path) -> None:
    done = _run(tmp_path, "--help")
    assert done.returncode == 0, done.stderr
    names = [line.split()[1] for line in done.stdout.splitlines() if line.startswith("│ ") and "  " in line[2:]]
    assert names[-5:] == ["db", "intents", "state", "lab", "mcp"]
    assert "The lab: a whole homelab on loopback (up, down, status)." in done.stdout
    assert "Serve homelab-iac to language models over MCP (stdio or --http)." in done.stdout


def test_a_mounted_command_has_its_own_help(tmp_path: Path) -> None:
    lab = _run(tmp_path, "lab", "--help")
    assert lab.returncode == 0, lab.stderr
    assert "Usage: iac lab [OPTIONS] COMMAND [ARGS]..." in lab.stdout
    for command in ("up", "down", "status", "env"):
        assert f"│ {command} " in lab.stdout
    mcp = _run(tmp_path, "mcp", "--help")
    assert mcp.returncode == 0, mcp.stderr
    assert "Usage: iac mcp [OPTIONS]" in mcp.stdout
    assert "--read-only" in mcp.stdout


def test_a_mistyped_command_is_matched_against_the_mounted_ones_too(tmp_path: Path) -> None:
    done = _run(tmp_path, "la")
    assert done.returncode == 2
    assert "No such command 'la'. Did you mean 'lab', 'plan'?" in done.stderr


def test_an_error_of_a_mounted_command_is_one_line(tmp_path: Path) -> None:
    done = _run(tmp_path, "mcp", "--tokens", str(tmp_path / "tokens"))
    assert done.returncode == 1
    assert done.stderr == "error: --tokens: only used with --http; over stdio the caller is the local user\n"


def test_the_planner_cli_does_not_import_the_packages_it_mounts() -> None:
    probe = "import sys, planner.cli; print(sorted({m.split('.')[0] for m in sys.modules} & {'lab', 'mcp_server'}))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60,
                          cwd=project_root(), check=True)
    assert done.stdout.strip() == "[]"
