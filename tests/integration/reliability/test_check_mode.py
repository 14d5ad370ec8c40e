"""``ansible-playbook site.yml --check --diff`` of the rendered minecraft project, as its README says.

On the lab with nothing deployed, the check plans through all three waves: what later waves take from
resources an earlier wave would create (the VLAN's device, the interface's identifier) reads "(known after
apply)", so every one of the 13 resources reports the change it would make, with its diff. The
``state_recorder`` callback records the run as a dry run (``checked``, 13 would change) and no resource:
a plan made afterwards still adds all 13.

The game's host port is a free one (``game_port``, as in test_minecraft_faults.py); the state database is
this test's own SQLite file, shared by the in-process service and the callback through ``IAC_DATABASE_URL``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from lab.supervisor import LabStatus
from planner.adapters.execute import AnsibleRunnerExecutor
from planner.core.refs import KNOWN_AFTER_APPLY
from planner.paths import project_root
from planner.service import Service, summary_line
from planner.state.records import DeploymentStatus
from planner.state.sql import SqlStateStore
from tests.integration.reliability.labview import game_port

__all__ = ["game_port"]  # the fixture this module uses

pytestmark = [pytest.mark.integration]

BIN = Path(sys.executable).parent
MINECRAFT = project_root() / "examples" / "minecraft.yaml"


def test_a_check_run_plans_every_wave_shows_every_change_and_records_a_dry_run(
    lab: LabStatus, game_port: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    monkeypatch.setenv("IAC_DATABASE_URL", url)
    store = SqlStateStore(url)
    service = Service(store, AnsibleRunnerExecutor(tmp_path / "runs"), workdir=tmp_path / "deployments")
    planned = service.plan(MINECRAFT, out=tmp_path / "project")
    assert summary_line(planned.plan) == "13 to add, 0 to change, 0 to destroy, 0 unchanged"

    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("IAC_STATE_RECORDER", None)
    run = subprocess.run(["bash", "-c", 'eval "$(iac lab env)" && ansible-playbook site.yml --check --diff'],
                         cwd=tmp_path / "project", env=env, capture_output=True, text=True, timeout=600, check=False)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert re.search(r"lab-docker\s+: ok=\d+\s+changed=2\s+unreachable=0\s+failed=0", output), output
    assert re.search(r"lab-opnsense\s+: ok=\d+\s+changed=3\s+unreachable=0\s+failed=0", output), output
    # Every resource's change is printed: one before/after per resource, the unknown values shown as such.
    assert len(re.findall(r"^\+\+\+ after: ", output, re.MULTILINE)) == 13, output
    assert re.search(r'^\+\s+"device": "\(known after apply\)"', output, re.MULTILINE), output
    assert KNOWN_AFTER_APPLY in output

    check = next(d for d in service.deployments() if d.id != planned.deployment.id)
    assert check.status is DeploymentStatus.CHECKED, check.error
    assert check.intent.get("check") is True
    assert check.summary["would_change"] == 13 and check.summary["changed"] == 0
    assert {r["status"] for r in check.summary["results"].values()} == {"would_change"}
    assert service.resources() == []  # nothing the check reported is recorded as existing
    assert summary_line(service.plan(MINECRAFT).plan) == "13 to add, 0 to change, 0 to destroy, 0 unchanged"
