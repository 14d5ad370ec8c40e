"""The molecule scenario molecule/proxmox (converge, idempotence, verify, cleanup) against the lab emulator."""

from __future__ import annotations

import os
import secrets
import ssl
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.integration.proxmox.conftest import PveEndpoint

pytestmark = pytest.mark.integration
PROJECT_ROOT = Path(__file__).resolve().parents[3]
VENV_BIN = Path(sys.executable).parent


def test_molecule_proxmox_scenario(pve: PveEndpoint) -> None:
    prefix = f"mol-{secrets.token_hex(3)}"
    env = {
        **os.environ,
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",  # molecule runs ansible-* from PATH
        "PROXMOX_URL": pve.url, "PROXMOX_TOKEN_ID": pve.token_id, "PROXMOX_TOKEN_SECRET": pve.secret,
        "PROXMOX_CA_CERT": pve.ca_cert, "PROXMOX_NODE": "pve",
        "MOLECULE_PROXMOX_PREFIX": prefix, "NO_COLOR": "1", "ANSIBLE_NOCOLOR": "1",
    }
    done = subprocess.run([str(VENV_BIN / "molecule"), "test", "-s", "proxmox"], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    for action in ("converge", "idempotence", "verify", "cleanup"):
        assert f"{action}: Executed: Successful" in output, output
    # The final cleanup removed every guest the scenario made.
    with httpx.Client(verify=ssl.create_default_context(cafile=pve.ca_cert),
                      headers={"Authorization": pve.header}) as client:
        guests = client.get(pve.url + "/api2/json/cluster/resources", params={"type": "vm"}).json()["data"]
    assert [g for g in guests if str(g.get("name", "")).startswith(prefix)] == []
