"""The molecule scenario molecule/dns_certs (cleanup, converge, idempotence, verify, cleanup) against
the lab's BIND and Pebble."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.dns.conftest import DnsLabInfo
from tests.integration.dns.lookup import resolve

pytestmark = pytest.mark.integration
PROJECT_ROOT = Path(__file__).resolve().parents[3]
VENV_BIN = Path(sys.executable).parent


def test_molecule_dns_certs_scenario(dns_lab: DnsLabInfo, tmp_path: Path) -> None:
    prefix = f"mol{secrets.token_hex(3)}"
    key = dns_lab.key("ddns-key")
    env = {
        **os.environ,
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",  # molecule runs ansible-* from PATH
        "DNS_SERVER": "127.0.0.1",
        "DNS_PORT": str(dns_lab.bind_port),
        "DNS_ZONE": dns_lab.zone,
        "DNS_TSIG_KEY_NAME": "ddns-key",
        "DNS_TSIG_KEY_SECRET": key["secret"],
        "ACME_DIRECTORY": dns_lab.acme_directory,
        "ACME_CA_CERT": dns_lab.ca_cert,
        "MOLECULE_DNS_PREFIX": prefix,
        "MOLECULE_DNS_CERTS_DIR": str(tmp_path / "scenario"),
        "NO_COLOR": "1",
        "ANSIBLE_NOCOLOR": "1",
    }
    done = subprocess.run(
        [str(VENV_BIN / "molecule"), "test", "-s", "dns_certs"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-8000:]
    for action in ("converge", "idempotence", "verify", "cleanup"):
        assert f"{action}: Executed: Successful" in output, output[-8000:]
    assert key["secret"] not in output
    # The final cleanup removed the records and the files.
    assert resolve(dns_lab.bind_port, f"{prefix}-www.{dns_lab.zone}") == []
    assert not (tmp_path / "scenario").exists()
