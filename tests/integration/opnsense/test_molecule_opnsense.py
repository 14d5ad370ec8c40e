"""The molecule scenario molecule/opnsense (cleanup, converge, idempotence, verify, cleanup) against the lab emulator."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.integration.opnsense.conftest import Opnsense

pytestmark = pytest.mark.integration
PROJECT_ROOT = Path(__file__).resolve().parents[3]
VENV_BIN = Path(sys.executable).parent


def test_molecule_opnsense_scenario(opnsense: Opnsense, lab_api: httpx.Client) -> None:
    prefix = f"mol{secrets.token_hex(3)}"
    env = {
        **os.environ,
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",  # molecule runs ansible-* from PATH
        "OPNSENSE_URL": opnsense.url,
        "OPNSENSE_API_KEY": opnsense.key,
        "OPNSENSE_API_SECRET": opnsense.secret,
        "OPNSENSE_CA_CERT": opnsense.ca_cert,
        "MOLECULE_OPNSENSE_PREFIX": prefix,
        "MOLECULE_OPNSENSE_TAG": str(3000 + secrets.randbelow(1000)),
        "NO_COLOR": "1",
        "ANSIBLE_NOCOLOR": "1",
    }
    done = subprocess.run(
        [str(VENV_BIN / "molecule"), "test", "-s", "opnsense"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    for action in ("converge", "idempotence", "verify", "cleanup"):
        assert f"{action}: Executed: Successful" in output, output
    assert opnsense.secret not in output
    # The final cleanup removed everything the scenario made, from the saved config and from service.
    state = lab_api.get("/__lab/state").json()
    for side in ("config", "running"):
        assert not [a for a in state[side]["aliases"].values() if a["name"].startswith(prefix)]
        assert not [r for r in state[side]["filter"]["rules"].values() if r["description"].startswith(prefix)]
        assert not [f for f in (state[side]["haproxy"].get("frontends") or {}).values() if f["name"].startswith(prefix)]
        assert not [r for r in state[side]["nat"]["rules"].values() if r["descr"].startswith(prefix)]
        for section in ("snatrules", "onetoone"):
            assert not [r for r in state[side]["filter"][section].values() if r["description"].startswith(prefix)]
