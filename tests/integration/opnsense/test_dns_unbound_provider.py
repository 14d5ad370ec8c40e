"""homelab.iac.dns_record with provider opnsense_unbound against the lab's OPNsense emulator.

A record is an Unbound host override: create, the same task again (no write call), a new value
(an update of the same override), removal. What the firewall holds is read back through the
host override search API, and the emulator's state shows Unbound running the saved config.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import httpx
import pytest

from tests.integration.dns.playbook import run_tasks
from tests.integration.opnsense.conftest import Opnsense

pytestmark = pytest.mark.integration


def _overrides(api: httpx.Client, host: str) -> list[tuple[str, str, str, str]]:
    rows = api.get("unbound/settings/searchHostOverride", params={"searchPhrase": host}).json()["rows"]
    return [(row["hostname"], row["domain"], row["rr"], row["server"]) for row in rows if row["hostname"] == host]


def test_record_lifecycle_as_host_override(
    opnsense: Opnsense, api: httpx.Client, lab_api: httpx.Client, tmp_path: Path
) -> None:
    host = f"nas-{secrets.token_hex(3)}"
    defaults = {"group/homelab.iac.dns": {"provider": "opnsense_unbound", "zone": "home.arpa",
                                          "opnsense_api_url": opnsense.url, "opnsense_ca_cert": opnsense.ca_cert}}  # fmt: skip
    env = {"OPNSENSE_API_KEY": opnsense.key, "OPNSENSE_API_SECRET": opnsense.secret}
    record = {"name": host, "type": "A", "value": "10.0.10.5", "comment": "lab NAS"}

    output = run_tasks(tmp_path, [
        {"name": "create", "homelab.iac.dns_record": record, "register": "r1", "diff": True},
        {"ansible.builtin.assert": {"that": [
            "r1 is changed", "r1.action == 'create'", "r1.applied == ['unbound']",
            f"r1.record.name == '{host}.home.arpa'", "r1.record.value == '10.0.10.5'",
        ]}},
    ], defaults, env)  # fmt: skip
    assert opnsense.secret not in output
    assert _overrides(api, host) == [(host, "home.arpa", "A", "10.0.10.5")]
    state = lab_api.get("/__lab/state").json()
    assert any(h["hostname"] == host for h in state["running"]["unbound"]["hosts"].values())

    lab_api.delete("/__lab/requests")
    run_tasks(tmp_path, [
        {"name": "again", "homelab.iac.dns_record": record, "register": "r2"},
        {"ansible.builtin.assert": {"that": ["r2 is not changed", "r2.action == 'noop'", "r2.applied == []"]}},
    ], defaults, env)  # fmt: skip
    assert [r for r in lab_api.get("/__lab/requests").json()["requests"] if r["method"] != "GET"] == []

    run_tasks(tmp_path, [
        {"name": "update", "homelab.iac.dns_record": {**record, "value": "10.0.10.6"}, "register": "r3"},
        {"ansible.builtin.assert": {"that": ["r3 is changed", "r3.action == 'update'"]}},
    ], defaults, env)  # fmt: skip
    assert _overrides(api, host) == [(host, "home.arpa", "A", "10.0.10.6")]

    run_tasks(tmp_path, [
        {"name": "delete", "homelab.iac.dns_record": {"name": host, "state": "absent"}, "register": "r4"},
        {"name": "delete again", "homelab.iac.dns_record": {"name": host, "state": "absent"}, "register": "r5"},
        {"ansible.builtin.assert": {"that": ["r4 is changed", "r4.action == 'delete'", "r5 is not changed"]}},
    ], defaults, env)  # fmt: skip
    assert _overrides(api, host) == []
    state = lab_api.get("/__lab/state").json()
    assert not any(h["hostname"] == host for h in state["running"]["unbound"]["hosts"].values())
