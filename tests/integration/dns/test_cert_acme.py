"""homelab.iac.cert_acme against the lab's real Pebble, DNS-01 validated through the lab BIND.

A wildcard + apex certificate is ordered with challenges published on the Cloudflare emulator
(BIND forwards the public zone to it), verified with ``cryptography`` against Pebble's root, and a
second run does not re-order. A challenge Pebble cannot see (published in BIND's internal view)
is rejected with Pebble's message, and no challenge record is left behind.
"""

from __future__ import annotations

import ssl
from pathlib import Path

import dns.message
import dns.query
import dns.tsigkeyring
import httpx
import pytest
from cryptography import x509

from tests.integration.dns.conftest import DnsLabInfo
from tests.integration.dns.playbook import play_defaults, run_playbook

pytestmark = pytest.mark.integration
M = "homelab.iac.cert_acme"


def _acme_task(lab: DnsLabInfo, tmp_path: Path, names: list[str], stem: str) -> dict:
    return {
        "acme_directory": lab.acme_directory,
        "acme_ca_cert": lab.ca_cert,
        "account_key_path": str(tmp_path / "account.key"),
        "names": names,
        "private_key_path": str(tmp_path / f"{stem}.key"),
        "fullchain_path": str(tmp_path / f"{stem}.pem"),
    }


def _verify_chain(fullchain: bytes, root_pem: bytes) -> x509.Certificate:
    leaf, *chain = x509.load_pem_x509_certificates(fullchain)
    root = x509.load_pem_x509_certificate(root_pem)
    for cert, issuer in zip([leaf, *chain], [*chain, root], strict=True):
        cert.verify_directly_issued_by(issuer)
    return leaf


def test_wildcard_certificate_via_cloudflare_then_no_reorder(dns_lab: DnsLabInfo, tmp_path: Path) -> None:
    task = _acme_task(dns_lab, tmp_path, ["example.com", "*.example.com"], "wild")
    tasks = [
        {"name": "check mode", M: task, "check_mode": True, "register": "check"},
        {"name": "order", M: task, "register": "first"},
        {"name": "again", M: task, "register": "second"},
        {"ansible.builtin.assert": {"that": [
            "check is changed", "first is changed", "second is not changed",
            "first.cleaned_records | length == first.challenge_records | length",
            "second.certificate.serial == first.certificate.serial",
        ]}},
    ]  # fmt: skip
    run_playbook(dns_lab, tmp_path, tasks, play_defaults(dns_lab, "cloudflare"))
    root = httpx.get(dns_lab.acme_roots_url, verify=ssl.create_default_context(cafile=dns_lab.ca_cert)).content
    leaf = _verify_chain((tmp_path / "wild.pem").read_bytes(), root)
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    assert sorted(names) == ["*.example.com", "example.com"]
    assert (tmp_path / "wild.key").stat().st_mode & 0o777 == 0o600
    query = dns.message.make_query("_acme-challenge.example.com", "TXT")
    assert not dns.query.tcp(query, "127.0.0.1", port=dns_lab.public_dns_port, timeout=3).answer


def test_rejected_challenge_gives_pebbles_message_and_leaves_no_record(dns_lab: DnsLabInfo, tmp_path: Path) -> None:
    # Published with the internal key, the TXT lands in BIND's internal view, which Pebble never sees.
    task = _acme_task(dns_lab, tmp_path, [f"hidden.{dns_lab.zone}"], "hidden")
    tasks = [
        {M: task, "register": "r", "ignore_errors": True},
        {"ansible.builtin.assert": {"that": ["r is failed", "'rejected the challenge' in r.msg"]}},
    ]
    run_playbook(dns_lab, tmp_path, tasks, play_defaults(dns_lab, "rfc2136", "internal-key"), key="internal-key")
    key = dns_lab.key("internal-key")
    query = dns.message.make_query(f"_acme-challenge.hidden.{dns_lab.zone}", "TXT")
    query.use_tsig(dns.tsigkeyring.from_text({key["name"]: (key["algorithm"], key["secret"])}), keyname=key["name"])
    assert not dns.query.tcp(query, "127.0.0.1", port=dns_lab.bind_port, timeout=3).answer
    assert not (tmp_path / "hidden.pem").exists()
