"""playbooks/lab_certificate.yml, run the way the README shows it, against the test lab.

First run orders from Pebble and deploys; the second run re-orders nothing and writes nothing.
The deployed chain verifies against Pebble's root, and no TSIG secret appears in the output.
"""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from cryptography import x509

from tests.integration.dns.conftest import DnsLabInfo

pytestmark = pytest.mark.integration
PROJECT_ROOT = Path(__file__).resolve().parents[3]


def _run(name: str, cert_dir: Path) -> str:
    env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": "collections", "ANSIBLE_NOCOLOR": "1"}
    done = subprocess.run(
        [str(Path(sys.executable).with_name("ansible-playbook")), "-i", os.environ["IAC_INVENTORY"],
         "playbooks/lab_certificate.yml", "-e", f"cert_name={name}", "-e", f"cert_dir={cert_dir}",
         "-e", f"ansible_python_interpreter={sys.executable}"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
    return output


def test_lab_certificate_playbook(dns_lab: DnsLabInfo, tmp_path: Path) -> None:
    name = f"www-{uuid.uuid4().hex[:6]}"
    first = _run(name, tmp_path)
    assert "changed=2" in first
    second = _run(name, tmp_path)
    assert "changed=0" in second
    secret = dns_lab.key("ddns-key")["secret"]
    assert secret not in first and secret not in second
    leaf, *chain = x509.load_pem_x509_certificates((tmp_path / "deployed" / f"{name}.crt").read_bytes())
    root = x509.load_pem_x509_certificate(
        httpx.get(dns_lab.acme_roots_url, verify=ssl.create_default_context(cafile=dns_lab.ca_cert)).content
    )
    for cert, issuer in zip([leaf, *chain], [*chain, root], strict=True):
        cert.verify_directly_issued_by(issuer)
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    assert names == [f"{name}.{dns_lab.zone}"]
    assert (tmp_path / "deployed" / f"{name}.key").stat().st_mode & 0o777 == 0o600
