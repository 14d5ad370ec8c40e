"""No credential reaches the disk under IAC_HOME, not even when `iac apply` is killed mid-wave.

ansible-runner writes the environment of every run it starts to ``runs/<id>/artifacts/<uuid>/command``
before ansible-playbook starts; anything cleaned up after the run never happens to a process that is
SIGKILLed. So the test applies a variant of examples/minecraft.yaml against the lab with the lab's
credentials given the two ways a user gives them (exported in the shell, as the example inventory
suggests, and through the inventory's ``iac_env_file`` outside IAC_HOME), kills iac, ansible-runner and
ansible-playbook once the first resource result is in, and reads every file under IAC_HOME (rendered
projects, runner artifacts, the SQLite state database) for each credential value. The killed deployment
is then rolled back, which is a complete run, and IAC_HOME is read once more.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from lab.credentials import LabCredentials
from lab.layout import LabLayout
from lab.ports import free_port
from planner.paths import project_root
from tests.e2e.cli import IAC, iac, minecraft_variant

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

NOT_SECRET = {"PROXMOX_TOKEN_ID", "DNS_TSIG_KEY_NAME"}  # names, not credentials


def _first_result(home: Path) -> bool:
    """Whether ansible-runner has streamed a task's result (ok or failed) of the run under ``home``."""
    for event in home.glob("runs/*/artifacts/*/job_events/*.json"):
        try:
            kind = json.loads(event.read_text()).get("event")
        except (OSError, ValueError):  # being written
            continue
        if kind in ("runner_on_ok", "runner_on_failed"):
            return True
    return False


def _where(home: Path, secrets: dict[str, str]) -> dict[str, list[str]]:
    """For each credential, the files under ``home`` that hold its value (regular files only: a FIFO blocks)."""
    found: dict[str, list[str]] = {name: [] for name in secrets}
    for path in sorted(home.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        data = path.read_bytes()
        for name, value in secrets.items():
            if value.encode() in data:
                found[name].append(str(path.relative_to(home)))
    return {name: files for name, files in found.items() if files}


@pytest.mark.parametrize("given", ["exported", "iac_env_file"])
def test_a_killed_apply_leaves_no_credential_under_iac_home(
    given: str, lab: Any, lab_home: Path, tmp_path: Path
) -> None:
    layout = LabLayout(lab_home)
    credentials = LabCredentials(layout.credentials_file).environment()
    secrets = {name: value for name, value in credentials.items() if name not in NOT_SECRET}
    assert {"OPNSENSE_API_SECRET", "PROXMOX_TOKEN_SECRET", "CLOUDFLARE_API_TOKEN", "DNS_TSIG_KEY_SECRET"} <= set(secrets)

    home = tmp_path / "home"
    home.mkdir()
    inventory = yaml.safe_load(Path(os.environ["IAC_INVENTORY"]).read_text())  # the lab's, written by `iac lab up`
    inventory["all"]["vars"].pop("iac_env_file", None)
    env = {k: v for k, v in os.environ.items() if k not in ("IAC_DATABASE_URL", "IAC_DEBUG")}  # SQLite in IAC_HOME
    env.update({"IAC_HOME": str(home), "IAC_INVENTORY": str(home / "hosts.yml"), "IAC_LEASE_SECONDS": "3"})
    if given == "exported":
        env.update(credentials)
    else:
        inventory["all"]["vars"]["iac_env_file"] = str(layout.env_file)  # the lab's 0600 file, outside IAC_HOME
    (home / "hosts.yml").write_text(yaml.safe_dump(inventory))
    intent = minecraft_variant(tmp_path, "kept", 130, free_port())

    apply = subprocess.Popen([IAC, "apply", str(intent), "--yes"], env=env, cwd=project_root(),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not _first_result(home):
            assert time.monotonic() < deadline, "no resource result within 120 s"
            assert apply.poll() is None, "iac apply ended before it could be killed"
            time.sleep(0.05)
        os.killpg(apply.pid, signal.SIGKILL)  # iac, ansible-runner and ansible-playbook, mid-wave
        apply.wait()
        assert list(home.glob("runs/*/artifacts/*/command")), "the killed run left no runner artifacts to read"
        assert _where(home, secrets) == {}, "credentials on disk after a killed apply"
    finally:
        if apply.poll() is None:
            os.killpg(apply.pid, signal.SIGKILL)
            apply.wait()
        time.sleep(4)  # the killed run's lease runs out
        killed = [d for d in json.loads(iac(env, "status", "--json").stdout) if d["status"] == "running"]
        for deployment in killed:
            undone = json.loads(iac(env, "rollback", deployment["id"][:8], "--json").stdout)
            assert undone["deployment"]["status"] == "rolled_back"
    assert _where(home, secrets) == {}, "credentials on disk after the rollback run"
