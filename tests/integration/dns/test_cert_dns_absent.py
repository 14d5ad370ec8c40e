"""``state: absent`` of the cert modules and dns_ddns: what a rollback runs to undo a deployment.

Each case follows one rhythm: make the thing, remove it in check mode (reported, nothing removed), remove it
(files or record gone), remove it again (not changed). The absent tasks carry only what a rollback's spec
holds: the paths (cert modules) or the name (dns_ddns), none of the options a create needs.
"""

from __future__ import annotations

import ssl
import uuid
from pathlib import Path

import httpx
import pytest

from tests.integration.dns.conftest import DnsLabInfo
from tests.integration.dns.lookup import resolve
from tests.integration.dns.playbook import play_defaults, run_playbook, run_tasks

pytestmark = pytest.mark.integration

CA, ISSUE, DEPLOY, ACME = ("homelab.iac.cert_ca", "homelab.iac.cert_issue", "homelab.iac.cert_deploy",
                           "homelab.iac.cert_acme")  # fmt: skip


def _remove_steps(module: str, absent: dict, tag: str) -> list[dict]:
    """Check mode, remove (diff mode), remove again; registered as <tag>_check, <tag>_gone, <tag>_again."""
    return [
        {"name": f"{tag} absent, check mode", module: absent, "check_mode": True, "register": f"{tag}_check"},
        {"name": f"{tag} absent", module: absent, "diff": True, "register": f"{tag}_gone"},
        {"name": f"{tag} absent again", module: absent, "register": f"{tag}_again"},
    ]


def _removed(tag: str, count: int) -> list[str]:
    return [
        f"{tag}_check is changed", f"{tag}_check.files | length == {count}",
        f"{tag}_gone is changed", f"{tag}_gone.files | length == {count}",
        f"{tag}_gone.diff.before.files | length == {count}", f"{tag}_gone.diff.after.files == []",
        f"{tag}_again is not changed", f"{tag}_again.files == []",
    ]  # fmt: skip


def test_internal_ca_leaf_and_deployed_files_are_removed(tmp_path: Path) -> None:
    ca = {"common_name": "Undo CA", "cert_path": str(tmp_path / "ca/ca.crt"), "key_path": str(tmp_path / "ca/ca.key")}
    leaf_files = {"key_path": str(tmp_path / "www/privkey.pem"), "cert_path": str(tmp_path / "www/cert.pem"),
                  "fullchain_path": str(tmp_path / "www/fullchain.pem")}  # fmt: skip
    leaf = {"ca_cert_path": ca["cert_path"], "ca_key_path": ca["key_path"], "names": ["www.home.arpa"], **leaf_files}
    dests = {"fullchain_dest": str(tmp_path / "srv/www.pem"), "key_dest": str(tmp_path / "srv/www.key")}
    deploy = {"cert_path": leaf_files["fullchain_path"], "key_path": leaf_files["key_path"], **dests}
    ca_absent = {"state": "absent", "cert_path": ca["cert_path"], "key_path": ca["key_path"]}
    tasks = [
        {CA: ca}, {ISSUE: leaf}, {DEPLOY: deploy},
        {"name": "a volume cannot be undone this way", DEPLOY: {"state": "absent", **dests,
         "docker_volume": {"name": "x", "cert": "c.pem"}}, "register": "refused", "ignore_errors": True},
        {"name": "absent needs no source pair", DEPLOY: {"state": "absent", **dests}, "check_mode": True,
         "register": "deploy_check"},
        {"ansible.builtin.stat": {"path": dests["key_dest"]}, "register": "kept"},
        {"name": "deploy absent", DEPLOY: {"state": "absent", **dests}, "register": "deploy_gone"},
        {"name": "deploy absent again", DEPLOY: {"state": "absent", **dests}, "register": "deploy_again"},
        *_remove_steps(ISSUE, {"state": "absent", **leaf_files}, "leaf"),
        *_remove_steps(CA, ca_absent, "ca"),
        {"ansible.builtin.assert": {"that": [
            "refused is failed", "'file destinations only' in refused.msg",
            "deploy_check is changed", "kept.stat.exists", "deploy_gone.files | length == 2",
            "deploy_again is not changed",
            *_removed("leaf", 3), "leaf_gone.diff.before.names == ['www.home.arpa']",
            *_removed("ca", 2), "ca_gone.diff.before.root.subject == 'CN=Undo CA'",
        ]}},
    ]  # fmt: skip
    run_tasks(tmp_path, tasks)
    assert sorted(path.name for path in tmp_path.rglob("*") if path.is_file()) == ["play.yml"]


def test_present_still_needs_its_options(tmp_path: Path) -> None:
    tasks = [
        {ISSUE: {"key_path": str(tmp_path / "k.pem"), "cert_path": str(tmp_path / "c.pem")}, "register": "issue",
         "ignore_errors": True},
        {ACME: {"private_key_path": str(tmp_path / "k.pem"), "fullchain_path": str(tmp_path / "f.pem")},
         "register": "acme", "ignore_errors": True},
        {ACME: {"state": "absent", "revoke": True, "private_key_path": str(tmp_path / "k.pem"),
                "fullchain_path": str(tmp_path / "f.pem")}, "register": "revoke", "ignore_errors": True},
        {"ansible.builtin.assert": {"that": [
            "issue is failed", "'state is present but all of the following are missing' in issue.msg",
            "'ca_cert_path' in issue.msg",
            "acme is failed", "'acme_directory' in acme.msg",
            "revoke is failed", "'revoke is True but all of the following are missing' in revoke.msg",
        ]}},
    ]  # fmt: skip
    run_tasks(tmp_path, tasks)


def test_acme_certificate_removed_and_revoked_only_when_asked(dns_lab: DnsLabInfo, tmp_path: Path) -> None:
    account = {"acme_directory": dns_lab.acme_directory, "acme_ca_cert": dns_lab.ca_cert,
               "account_key_path": str(tmp_path / "account.key")}  # fmt: skip
    kept = {"private_key_path": str(tmp_path / "kept.key"), "fullchain_path": str(tmp_path / "kept.pem")}
    revoked = {"private_key_path": str(tmp_path / "rev.key"), "fullchain_path": str(tmp_path / "rev.pem"),
               "cert_path": str(tmp_path / "rev-cert.pem")}  # fmt: skip
    tasks = [
        {ACME: {**account, "names": ["kept.example.com"], **kept}, "register": "k"},
        {ACME: {**account, "names": ["gone.example.com"], **revoked}, "register": "r"},
        *_remove_steps(ACME, {"state": "absent", **kept}, "plain"),
        *_remove_steps(ACME, {"state": "absent", "revoke": True, **account, **revoked}, "rev"),
        {"ansible.builtin.assert": {"that": [
            *_removed("plain", 2), "plain_gone.revoked == false", "plain_gone.diff.before.names == ['kept.example.com']",
            *_removed("rev", 3), "rev_gone.revoked", "rev_again.revoked == false",
        ]}},
        {"ansible.builtin.copy": {"content": "{{ k.certificate.serial }} {{ r.certificate.serial }}",
                                  "dest": str(tmp_path / "serials.txt")}},
    ]  # fmt: skip
    run_playbook(dns_lab, tmp_path, tasks, play_defaults(dns_lab, "cloudflare"))
    assert not any(path.suffix in (".pem", ".key") and path.name != "account.key" for path in tmp_path.iterdir())
    assert (tmp_path / "account.key").exists()  # shared by the account's other certificates
    kept_serial, revoked_serial = (tmp_path / "serials.txt").read_text().split()
    management = httpx.Client(base_url=dns_lab.acme_roots_url.rsplit("/roots/", 1)[0],
                              verify=ssl.create_default_context(cafile=dns_lab.ca_cert))  # fmt: skip
    with management:
        status = {serial: management.get(f"/cert-status-by-serial/{serial}").json()["Status"]
                  for serial in (kept_serial, revoked_serial)}  # fmt: skip
    assert status == {kept_serial: "Valid", revoked_serial: "Revoked"}


def test_ddns_record_removed(dns_lab: DnsLabInfo, tmp_path: Path) -> None:
    name = f"ddns-undo-{uuid.uuid4().hex[:6]}"
    other = f"ddns-other-{uuid.uuid4().hex[:6]}"
    absent = {"name": name, "state": "absent"}
    tasks = [
        {"homelab.iac.dns_ddns": {"name": name, "value": "192.0.2.70", "ttl": 60}},
        {"homelab.iac.dns_ddns": {"name": other, "interface": "lo"}},
        {"name": "another address only", "homelab.iac.dns_ddns": {**absent, "value": "192.0.2.71"}, "register": "miss"},
        {"homelab.iac.dns_ddns": absent, "check_mode": True, "register": "check"},
        {"homelab.iac.dns_ddns": absent, "diff": True, "register": "gone"},
        {"homelab.iac.dns_ddns": absent, "register": "again"},
        {"homelab.iac.dns_ddns": {"name": other, "interface": "lo", "state": "absent"}, "register": "lo_gone"},
        {"ansible.builtin.assert": {"that": [
            "miss is not changed", "check is changed", "check.previous == ['192.0.2.70']",
            "gone is changed", "gone.action == 'delete'", "gone.diff.before['values'] == ['192.0.2.70']",
            "gone.diff.after['values'] == []", "again is not changed", "again.action == 'noop'",
            "lo_gone is changed", "lo_gone.source == 'every address'",
        ]}},
    ]  # fmt: skip
    run_playbook(dns_lab, tmp_path, tasks, play_defaults(dns_lab, "rfc2136"))
    assert resolve(dns_lab.bind_port, f"{name}.{dns_lab.zone}") == []
    assert resolve(dns_lab.bind_port, f"{other}.{dns_lab.zone}") == []
