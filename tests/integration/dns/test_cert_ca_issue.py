"""homelab.iac.cert_ca, cert_issue and cert_deploy through ansible-playbook: an internal root +
intermediate CA and a leaf with DNS and IP SANs, verified with ``cryptography``, then deployed.

One play follows the community.docker rhythm: check mode first (nothing written), create, same
task again (not changed), then a SAN change that reissues with the same key. These modules need no
lab service, only the local filesystem.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from tests.integration.dns.playbook import run_tasks

pytestmark = pytest.mark.integration


def _ca_task(tmp_path: Path) -> dict:
    return {
        "common_name": "Lab Root CA",
        "organization": "homelab-iac tests",
        "cert_path": str(tmp_path / "ca/root.pem"),
        "key_path": str(tmp_path / "ca/root.key"),
        "intermediate": {
            "common_name": "Lab Issuing CA",
            "cert_path": str(tmp_path / "ca/issuing.pem"),
            "key_path": str(tmp_path / "ca/issuing.key"),
            "chain_path": str(tmp_path / "ca/chain.pem"),
        },
    }


def _leaf_task(tmp_path: Path, names: list[str]) -> dict:
    return {
        "ca_cert_path": str(tmp_path / "ca/issuing.pem"),
        "ca_key_path": str(tmp_path / "ca/issuing.key"),
        "names": names,
        "key_path": str(tmp_path / "www/www.key"),
        "cert_path": str(tmp_path / "www/www.pem"),
        "fullchain_path": str(tmp_path / "www/fullchain.pem"),
    }


def _deploy_task(tmp_path: Path) -> dict:
    return {
        "cert_path": str(tmp_path / "www/fullchain.pem"),
        "key_path": str(tmp_path / "www/www.key"),
        "fullchain_dest": str(tmp_path / "srv/tls/www.pem"),
        "key_dest": str(tmp_path / "srv/tls/www.key"),
        "bundle_dest": str(tmp_path / "srv/haproxy/www.pem"),
        "mode": "0640",
    }


def test_ca_and_leaf_lifecycle(tmp_path: Path) -> None:
    ca, leaf, dep = "homelab.iac.cert_ca", "homelab.iac.cert_issue", "homelab.iac.cert_deploy"
    names = ["www.lab.home.arpa", "127.0.0.1"]
    tasks = [
        {"name": "CA in check mode", ca: _ca_task(tmp_path), "check_mode": True, "register": "ca_check"},
        {"ansible.builtin.stat": {"path": str(tmp_path / "ca/root.key")}, "register": "ca_check_file"},
        {"name": "CA", ca: _ca_task(tmp_path), "register": "ca_first", "diff": True},
        {"name": "CA again", ca: _ca_task(tmp_path), "register": "ca_again"},
        {"name": "leaf in check mode", leaf: _leaf_task(tmp_path, names), "check_mode": True, "register": "leaf_check"},
        {"ansible.builtin.stat": {"path": str(tmp_path / "www/www.pem")}, "register": "leaf_check_file"},
        {"name": "leaf", leaf: _leaf_task(tmp_path, names), "register": "leaf_first", "diff": True},
        {"name": "leaf again", leaf: _leaf_task(tmp_path, names), "register": "leaf_again"},
        {"name": "add a SAN", leaf: _leaf_task(tmp_path, [*names, "web.lab.home.arpa"]), "register": "leaf_san"},
        {"name": "deploy check", dep: _deploy_task(tmp_path), "check_mode": True, "register": "dep_check"},
        {"name": "deploy", dep: _deploy_task(tmp_path), "register": "dep_first"},
        {"name": "deploy again", dep: _deploy_task(tmp_path), "register": "dep_again"},
        {"name": "mismatched pair", dep: {**_deploy_task(tmp_path), "key_path": str(tmp_path / "ca/root.key")},
         "register": "dep_bad", "ignore_errors": True},
        {"ansible.builtin.assert": {"that": [
            "ca_check is changed", "not ca_check_file.stat.exists", "ca_check.files | length == 5",
            "ca_first is changed", "ca_first.reasons.intermediate == 'the CA key does not exist'",
            "ca_first.signing_cert_path.endswith('issuing.pem')",
            "ca_first.diff.after.root.subject == 'CN=Lab Root CA,O=homelab-iac tests'",
            "ca_again is not changed", "ca_again.files == []",
            "ca_again.root.serial == ca_first.root.serial",
            "ca_again.intermediate.serial == ca_first.intermediate.serial",
            "leaf_check is changed", "not leaf_check_file.stat.exists",
            "leaf_first is changed", "leaf_first.key_created",
            "leaf_first.certificate.names == ['127.0.0.1', 'www.lab.home.arpa']",
            "leaf_first.diff.before == {}", "'PRIVATE' not in (leaf_first | to_json)",
            "leaf_again is not changed", "leaf_again.files == []",
            "leaf_again.certificate.serial == leaf_first.certificate.serial",
            "leaf_san is changed", "not leaf_san.key_created", "'names' in leaf_san.reason",
            "leaf_san.certificate.public_key == leaf_first.certificate.public_key",
            "dep_check is changed", "dep_check.files | length == 3",
            "dep_first is changed", "dep_first.files == dep_check.files", "dep_first.chain_length == 1",
            "dep_again is not changed", "dep_again.files == []",
            "dep_bad is failed", "'is not the key of the certificate' in dep_bad.msg",
        ]}},
    ]  # fmt: skip
    run_tasks(tmp_path, tasks)

    root = x509.load_pem_x509_certificate((tmp_path / "ca/root.pem").read_bytes())
    leaf_cert, issuing = x509.load_pem_x509_certificates((tmp_path / "www/fullchain.pem").read_bytes())
    leaf_cert.verify_directly_issued_by(issuing)
    issuing.verify_directly_issued_by(root)
    root.verify_directly_issued_by(root)
    assert x509.load_pem_x509_certificates((tmp_path / "ca/chain.pem").read_bytes())[1] == root
    san = leaf_cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sorted(san.get_values_for_type(x509.DNSName)) == ["web.lab.home.arpa", "www.lab.home.arpa"]
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    assert isinstance(leaf_cert.public_key(), ec.EllipticCurvePublicKey)
    for key in ("ca/root.key", "ca/issuing.key", "www/www.key"):
        assert (tmp_path / key).stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "www/www.pem").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "srv/tls/www.pem").read_bytes() == (tmp_path / "www/fullchain.pem").read_bytes()
    assert (tmp_path / "srv/tls/www.pem").stat().st_mode & 0o777 == 0o640
    bundle = tmp_path / "srv/haproxy/www.pem"
    assert bundle.read_bytes().endswith((tmp_path / "www/www.key").read_bytes())
    assert bundle.stat().st_mode & 0o777 == (tmp_path / "srv/tls/www.key").stat().st_mode & 0o777 == 0o600


def test_bad_input_names_the_problem_and_writes_nothing(tmp_path: Path) -> None:
    leaf = "homelab.iac.cert_issue"
    tasks = [
        {leaf: _leaf_task(tmp_path, ["a.lab.home.arpa"]), "register": "no_ca", "ignore_errors": True},
        {leaf: {**_leaf_task(tmp_path, ["bad name"]), "valid_days": 10}, "register": "bad", "ignore_errors": True},
        {"ansible.builtin.assert": {"that": [
            "no_ca is failed", "'does not exist (create it with homelab.iac.cert_ca)' in no_ca.msg",
            "bad is failed", "'valid_days (10) must be longer than remaining_days (30)' in bad.msg",
        ]}},
    ]  # fmt: skip
    run_tasks(tmp_path, tasks)
    assert not (tmp_path / "www").exists()
