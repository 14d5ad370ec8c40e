"""homelab.iac.dns_batch, dns_split_horizon and dns_ddns through ansible-playbook against the lab BIND.

One play: a batch of records (check mode, create, rerun unchanged, update + remove), a split-horizon
name whose answers land in BIND's two views (selected by TSIG key), and a DDNS name fed from the
loopback interface and then from a value. What was published is checked with real DNS queries.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.integration.dns.conftest import DnsLabInfo
from tests.integration.dns.lookup import resolve
from tests.integration.dns.playbook import play_defaults, run_playbook

pytestmark = pytest.mark.integration


def test_batch_split_horizon_and_ddns(dns_lab: DnsLabInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tag = uuid.uuid4().hex[:6]
    internal = dns_lab.key("internal-key")
    monkeypatch.setenv("LAB_INTERNAL_SECRET", internal["secret"])
    batch = {"items": [
        {"kind": "record", "name": f"b1-{tag}", "value": "192.0.2.1", "ttl": 300},
        {"name": f"b2-{tag}", "value": "192.0.2.2"},
        {"name": f"txt-{tag}", "type": "TXT", "value": "hello world"},
    ]}  # fmt: skip
    batch_change = {"records": [
        {"name": f"b1-{tag}", "value": "192.0.2.11", "exclusive": True},
        {"name": f"b2-{tag}", "state": "absent"},
    ]}  # fmt: skip
    # The second item is outside the zone: the first stays applied, the third never runs.
    partial = {"items": [
        {"name": f"p1-{tag}", "value": "192.0.2.21"},
        {"name": "stray.example.org.", "value": "192.0.2.22"},
        {"name": f"p3-{tag}", "value": "192.0.2.23"},
    ]}  # fmt: skip
    split = {
        "name": f"www-{tag}",
        "ttl": 60,
        "internal": {"key_name": "internal-key", "key_secret": "{{ lookup('env', 'LAB_INTERNAL_SECRET') }}",
                     "value": "192.168.1.50"},
        "public": {"value": "203.0.113.50"},
    }  # fmt: skip
    same_place = {**split, "internal": {"value": "192.168.1.50"}}
    ddns = {"name": f"home-{tag}", "interface": "lo", "ttl": 60}
    tasks = [
        {"name": "batch check", "homelab.iac.dns_batch": batch, "check_mode": True, "register": "bcheck"},
        {"name": "batch", "homelab.iac.dns_batch": batch, "register": "b1", "diff": True},
        {"name": "batch again", "homelab.iac.dns_batch": batch, "register": "b2"},
        {"name": "batch change", "homelab.iac.dns_batch": batch_change, "register": "b3"},
        {"name": "batch partial", "homelab.iac.dns_batch": partial, "register": "b4", "ignore_errors": True},
        {"name": "split", "homelab.iac.dns_split_horizon": split, "register": "s1", "diff": True},
        {"name": "split again", "homelab.iac.dns_split_horizon": split, "register": "s2"},
        {"name": "split same view", "homelab.iac.dns_split_horizon": same_place, "register": "s3", "ignore_errors": True},
        {"name": "ddns from lo", "homelab.iac.dns_ddns": ddns, "register": "d1"},
        {"name": "ddns again", "homelab.iac.dns_ddns": ddns, "register": "d2"},
        {"name": "ddns value", "homelab.iac.dns_ddns": {"name": f"home-{tag}", "value": "192.0.2.99"}, "register": "d3"},
        {"ansible.builtin.assert": {"that": [
            "bcheck is changed", "bcheck.summary.create == 3",
            "b1 is changed", "b1.summary.create == 3", "b1.diff.after | length == 3",
            "b2 is not changed", "b2.summary.noop == 3",
            "b1.results | map(attribute='index') | list == [0, 1, 2]",
            "b1.results | map(attribute='kind') | unique | list == ['record']",
            "b1.results[0].facts.value == '192.0.2.1'", "b1.results[0].facts.ttl == 300",
            "b1.results[0].diff.after.value == '192.0.2.1'", "b2.results[0].diff is not defined",
            "b3 is changed", "b3.results[0].removed | length == 1", "b3.results[1].action == 'delete'",
            "b3.results[1].facts == {}",
            "b4 is failed", "b4 is changed", "b4.failed_index == 1",
            "b4.msg.startswith('items[1] (record A stray.example.org 192.0.2.22): ')",
            "b4.results | length == 1", "b4.results[0].index == 0", "b4.results[0].action == 'create'",
            "s1 is changed", "s1.internal.action == 'create'", "s1.public.action == 'create'",
            "s1.diff.after.internal.value == '192.168.1.50'",
            "s2 is not changed",
            "s3 is failed", "'same provider and view' in s3.msg",
            "d1 is changed", "d1.address == '127.0.0.1'", "d1.source == 'interface lo'",
            "d2 is not changed", "d2.action == 'noop'",
            "d3 is changed", "d3.previous == ['127.0.0.1']", "d3.record.value == '192.0.2.99'",
        ]}},
    ]  # fmt: skip
    output = run_playbook(dns_lab, tmp_path, tasks, play_defaults(dns_lab, "rfc2136"))
    assert internal["secret"] not in output
    zone = dns_lab.zone
    assert resolve(dns_lab.bind_port, f"b1-{tag}.{zone}") == ["192.0.2.11"]
    assert resolve(dns_lab.bind_port, f"b2-{tag}.{zone}") == []
    assert resolve(dns_lab.bind_port, f"p1-{tag}.{zone}") == ["192.0.2.21"]
    assert resolve(dns_lab.bind_port, f"p3-{tag}.{zone}") == []
    assert resolve(dns_lab.bind_port, f"txt-{tag}.{zone}", rtype="TXT") == ['"hello world"']
    assert resolve(dns_lab.bind_port, f"www-{tag}.{zone}", key=internal) == ["192.168.1.50"]
    assert resolve(dns_lab.bind_port, f"www-{tag}.{zone}") == ["203.0.113.50"]
    assert resolve(dns_lab.bind_port, f"home-{tag}.{zone}") == ["192.0.2.99"]
