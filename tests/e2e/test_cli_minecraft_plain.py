"""The rendered minecraft project under plain ansible-playbook, as AWX or Semaphore would run it.

`iac plan --out DIR` writes the project; `eval "$(iac lab env)"` gives the shell the lab's credentials
(the modules' environment fallbacks); `ansible-playbook site.yml` then deploys all 13 resources across the
OPNsense emulator and the lab's dockerd, the collection's state_recorder callback records the run, and
`iac apply` of the same intents finds nothing left to do. The test restores the lab afterwards.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from lab.ports import free_port
from tests.e2e.cli import iac, minecraft_variant

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

BIN = Path(sys.executable).parent


def _lab_env(env: dict[str, str]) -> dict[str, str]:
    """What `eval "$(iac lab env)"` puts into a shell."""
    exports = iac(env, "lab", "env").stdout.splitlines()
    assert exports and all(line.startswith("export ") for line in exports)
    parsed = {}
    for line in exports:
        name, _, value = line.removeprefix("export ").partition("=")
        parsed[name] = shlex.split(value)[0]
    return parsed


def test_rendered_minecraft_runs_under_plain_ansible_playbook(lab: Any, pg_empty_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "IAC_DATABASE_URL": pg_empty_url}
    env.pop("IAC_DEBUG", None)
    port = free_port()
    intent_file = minecraft_variant(tmp_path, "plain", 120, port)
    before = datetime.now(UTC)
    project = tmp_path / "project"
    iac(env, "plan", str(intent_file), "--out", str(project))
    site = (project / "site.yml").read_text()
    credentials = _lab_env(env)
    assert {"OPNSENSE_API_KEY", "OPNSENSE_API_SECRET"} <= set(credentials)
    for secret in credentials.values():
        assert secret not in site and secret not in (project / "inventory" / "hosts.yml").read_text()
    try:
        run = subprocess.run([str(BIN / "ansible-playbook"), "-i", "inventory/hosts.yml", "site.yml"],
                             cwd=project, env={**env, **credentials, "PATH": f"{BIN}:{env['PATH']}"},
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
        assert "failed=0" in run.stdout and "lab-opnsense" in run.stdout
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            assert response.status == 200
        # The state_recorder callback recorded the plain run: 13 resources, in the same database iac uses.
        recorded = json.loads(iac(env, "status", "--json").stdout)[0]
        assert (recorded["status"], recorded["summary"]["changed"]) == ("succeeded", 13)
        again = json.loads(iac(env, "apply", str(intent_file), "--yes", "--json").stdout)
        assert (again["changed"], again["failed"]) == (0, 0)
    finally:
        iac(env, "restore", "--at", before.astimezone().strftime("%Y-%m-%d %H:%M:%S"), "--allow-data-loss", "--yes")
