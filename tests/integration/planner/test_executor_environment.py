"""The executor gives a run its whole environment, and ansible-runner's artifacts never hold a credential.

No lab: a one-task project on localhost checks, by digest, that the credentials reached the task; the run's
private data dir is then read byte by byte for their values. One credential is 20 kB, longer than a
terminal's line (the relay reads the environment raw, so no line limit applies).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from planner.adapters.execute import AnsibleRunnerExecutor

pytestmark = [pytest.mark.integration]

EXPORTED = "exported-" + "s3cr3t" * 4
GIVEN = "given-" + "x" * 20_000  # as from iac_env_file


def _project(root: Path) -> Path:
    (root / "inventory").mkdir(parents=True)
    (root / "inventory" / "hosts.yml").write_text("all:\n  hosts:\n    localhost:\n      ansible_connection: local\n")
    (root / "ansible.cfg").write_text("[defaults]\ninterpreter_python = auto_silent\n")
    checks = [
        f"lookup('ansible.builtin.env', 'IAC_TEST_API_SECRET') | hash('sha256') == '{hashlib.sha256(EXPORTED.encode()).hexdigest()}'",
        f"lookup('ansible.builtin.env', 'IAC_TEST_LONG') | hash('sha256') == '{hashlib.sha256(GIVEN.encode()).hexdigest()}'",
        "lookup('ansible.builtin.env', 'ANSIBLE_CONFIG') is search('ansible.cfg')",
    ]
    site = [{"name": "Check the environment", "hosts": "localhost", "gather_facts": False,
             "tasks": [{"name": "The credentials arrived", "ansible.builtin.assert": {"that": checks, "quiet": True}}]}]
    (root / "site.yml").write_text(json.dumps(site))
    return root


def test_credentials_reach_the_run_but_not_its_artifacts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IAC_TEST_API_SECRET", EXPORTED)
    events: list[dict[str, Any]] = []
    runs = tmp_path / "runs"
    result = AnsibleRunnerExecutor(runs).run(_project(tmp_path / "project"), on_event=events.append,
                                             env={"IAC_TEST_LONG": GIVEN})
    assert result.ok, [e.get("stdout") for e in events]
    assert [e["event"] for e in events if e.get("event") == "runner_on_ok"] == ["runner_on_ok"]
    [command] = runs.glob("*/artifacts/*/command")
    recorded = json.loads(command.read_text())["env"]
    assert "IAC_TEST_API_SECRET" not in recorded and "IAC_TEST_LONG" not in recorded
    assert recorded["ANSIBLE_CONFIG"].endswith("ansible.cfg")  # what is safe to record still is
    for path in runs.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert EXPORTED.encode() not in data and GIVEN[:64].encode() not in data, path
    assert os.environ["IAC_TEST_API_SECRET"] == EXPORTED  # this process's own environment is untouched
