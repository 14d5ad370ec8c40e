"""homelab.iac.dns_record through ansible-playbook: Cloudflare (SDK) and RFC 2136 (BIND).

The rhythm of community.docker: create, same task again (not changed), check mode, diff mode,
then bad input; what was published is checked with real DNS queries, and the emulator's request
log proves a rerun makes no write call.
"""

from __future__ import annotations

import ssl
import uuid
from pathlib import Path

import httpx
import pytest
import yaml

from tests.integration.dns.conftest import DnsLabInfo
from tests.integration.dns.lookup import resolve
from tests.integration.dns.playbook import play_defaults, run_playbook

pytestmark = pytest.mark.integration
M = "homelab.iac.dns_record"


def _writes(lab: DnsLabInfo) -> list[str]:
    admin = yaml.safe_load((lab.home / "credentials.yml").read_text())["lab"]["admin_token"]
    base = lab.cloudflare_url.removesuffix("/client/v4")
    answer = httpx.get(base + "/__lab/requests", headers={"X-Lab-Token": admin},
                       verify=ssl.create_default_context(cafile=lab.ca_cert))  # fmt: skip
    return [f"{r['method']} {r['path']}" for r in answer.json()["requests"] if r["method"] != "GET"]


def test_cloudflare_record_lifecycle(dns_lab: DnsLabInfo, tmp_path: Path) -> None:
    name = f"mc-{uuid.uuid4().hex[:6]}.example.com"
    task = {"name": name, "value": "203.0.113.7", "ttl": 300, "comment": "game server"}
    tasks = [
        {"name": "check mode create", M: task, "check_mode": True, "register": "check"},
        {"name": "create", M: task, "register": "created", "diff": True},
        {"name": "again", M: task, "register": "again"},
        {"name": "proxied without the others", M: {"name": name, "value": "203.0.113.7", "proxied": True}, "register": "proxy", "diff": True},
        {"name": "second A value", M: {"name": name, "value": "203.0.113.8"}, "register": "second"},
        {"ansible.builtin.assert": {"that": [
            "check is changed", "check.action == 'create'",
            "created is changed", "created.record.id | length == 32", "created.diff.after.value == '203.0.113.7'",
            "again is not changed",
            "proxy is changed and proxy.diff.before.proxied == false and proxy.record.ttl == 300",
            "proxy.record.comment == 'game server'",
            "second is changed",
        ]}},
    ]  # fmt: skip
    run_playbook(dns_lab, tmp_path, tasks, play_defaults(dns_lab, "cloudflare"))
    assert resolve(dns_lab.public_dns_port, name) == ["203.0.113.7", "203.0.113.8"]

    before = len(_writes(dns_lab))
    run_playbook(dns_lab, tmp_path, [{M: task, "register": "r"}, {"ansible.builtin.assert": {"that": "r is not changed"}}],
                 play_defaults(dns_lab, "cloudflare"))  # fmt: skip
    assert len(_writes(dns_lab)) == before, "a rerun made a write call"

    exclusive = [{M: {**task, "exclusive": True}, "register": "ex"}, {M: {"name": name, "state": "absent"}, "register": "gone"},
                 {"ansible.builtin.assert": {"that": ["ex is changed", "ex.removed | length == 1", "gone is changed"]}}]  # fmt: skip
    run_playbook(dns_lab, tmp_path, exclusive, play_defaults(dns_lab, "cloudflare"))
    assert resolve(dns_lab.public_dns_port, name) == []


BAD_INPUT = [
    ({"name": "bad name!.example.com", "value": "192.0.2.1"}, "is not a valid DNS name"),
    ({"name": "ttl.example.com", "value": "192.0.2.1", "ttl": 5}, "9021: Invalid TTL"),
    ({"name": "host.unknown.test", "value": "192.0.2.1"}, "no Cloudflare zone holds"),
    ({"name": "a.example.com", "value": "300.1.1.1"}, "is not an IPv4 address"),
]


def test_cloudflare_bad_input_gives_the_provider_message(dns_lab: DnsLabInfo, tmp_path: Path) -> None:
    tasks: list[dict] = []
    for index, (task, message) in enumerate(BAD_INPUT):
        tasks.append({M: task, "register": f"r{index}", "ignore_errors": True})
        tasks.append({"ansible.builtin.assert": {"that": [f"r{index} is failed", f"{message!r} in r{index}.msg"]}})
    run_playbook(dns_lab, tmp_path, tasks, play_defaults(dns_lab, "cloudflare"))


def test_rfc2136_updates_are_visible_in_bind_and_split_by_view(dns_lab: DnsLabInfo, tmp_path: Path) -> None:
    label = f"nas-{uuid.uuid4().hex[:6]}"
    fqdn = f"{label}.{dns_lab.zone}"
    tasks = [
        {"name": "external", M: {"name": label, "value": "203.0.113.20", "ttl": 120}, "register": "ext"},
        {"name": "again", M: {"name": label, "value": "203.0.113.20", "ttl": 120}, "register": "again"},
        {"name": "ttl", M: {"name": label, "value": "203.0.113.20", "ttl": 600}, "register": "ttl", "diff": True},
        {"name": "txt", M: {"name": label, "type": "TXT", "value": 'v=1 "quoted"'}, "register": "txt"},
        {"name": "txt again", M: {"name": label, "type": "TXT", "value": 'v=1 "quoted"'}, "register": "txt2"},
        {"ansible.builtin.assert": {"that": [
            "ext is changed", "again is not changed", "ttl is changed", "ttl.diff.before.ttl == 120",
            "txt is changed", "txt2 is not changed",
        ]}},
    ]  # fmt: skip
    run_playbook(dns_lab, tmp_path, tasks, play_defaults(dns_lab, "rfc2136"))
    internal = [
        {M: {"name": label, "value": "192.168.1.20"}, "register": "i"},
        {"ansible.builtin.assert": {"that": "i is changed"}},
    ]
    run_playbook(dns_lab, tmp_path, internal, play_defaults(dns_lab, "rfc2136", "internal-key"), key="internal-key")
    assert resolve(dns_lab.bind_port, fqdn) == ["203.0.113.20"]
    assert resolve(dns_lab.bind_port, fqdn, key=dns_lab.key("internal-key")) == ["192.168.1.20"]
    assert resolve(dns_lab.bind_port, fqdn, "TXT") == ['"v=1 \\"quoted\\""']


def test_rfc2136_bad_key_and_foreign_zone(dns_lab: DnsLabInfo, tmp_path: Path) -> None:
    defaults = play_defaults(dns_lab, "rfc2136")
    tasks = [
        {M: {"name": "x", "value": "192.0.2.9", "key_secret": "d3Jvbmcgc2VjcmV0IHdyb25nIHNlY3JldA=="}, "register": "bad", "ignore_errors": True},
        {M: {"name": "x.example.org.", "value": "192.0.2.9"}, "register": "foreign", "ignore_errors": True},
        {"ansible.builtin.assert": {"that": [
            "bad is failed", "'PeerBadSignature' in bad.msg or 'BADSIG' in bad.msg",
            "foreign is failed", "'is not inside zone' in foreign.msg",
        ]}},
    ]  # fmt: skip
    run_playbook(dns_lab, tmp_path, tasks, defaults)
    assert resolve(dns_lab.bind_port, f"x.{dns_lab.zone}") == []
