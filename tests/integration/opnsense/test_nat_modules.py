"""homelab.iac's NAT modules (port forward, outbound, one-to-one) through real ansible-playbook against the emulator.

The rhythm of test_modules.py: create -> the same tasks again (no write call at all, by the emulator's
request log) -> check mode and diff mode -> update -> refusal naming the field -> removal; then the
batch doing all three kinds with one apply per area, an older release without the port-forward API,
and a port forward made by hand found by opnsense_info and read back by its uuid.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.opnsense.conftest import writes_since_clear

pytestmark = pytest.mark.integration
MOD = "homelab.iac."


def _forward(s: str, port: int, **overrides: Any) -> dict[str, Any]:
    return {"name": f"pf-{s}", "interface": ["wan"], "protocol": "TCP", "destination_net": "wanip",
            "destination_port": str(port), "target": "10.0.20.15", "local_port": "8443", "filter_rule": "register",
            **overrides}  # fmt: skip


def _outbound(s: str, **overrides: Any) -> dict[str, Any]:
    return {"name": f"out-{s}", "interface": "wan", "source_net": "lan", "target": "wanip", **overrides}


def _one_to_one(s: str, octet: int, **overrides: Any) -> dict[str, Any]:
    return {"name": f"bin-{s}", "source_net": f"10.0.20.{octet}", "external": f"203.0.113.{octet}", **overrides}


def _read_json(run_play: Any, tasks: list[dict[str, Any]], out: Path, name: str) -> dict[str, Any]:
    """Run ``tasks`` (the last registers ``result``) and return that result."""
    run_play([*tasks, {"ansible.builtin.copy": {"content": "{{ result | to_json }}", "dest": str(out)}}], name)
    return json.loads(out.read_text())


def test_nat_modules_create_rerun_check_diff_update_delete(run_play: Any, lab_api: httpx.Client) -> None:
    s, port, octet = secrets.token_hex(2), 20000 + secrets.randbelow(20000), 2 + secrets.randbelow(200)
    created = [
        {"name": "port forward", MOD + "opnsense_nat_port_forward": _forward(s, port), "register": "pf"},
        {"name": "outbound", MOD + "opnsense_nat_outbound": _outbound(s), "register": "out"},
        {"name": "one-to-one", MOD + "opnsense_nat_one_to_one": _one_to_one(s, octet), "register": "bin"},
    ]
    run_play(
        [
            *created,
            {"ansible.builtin.assert": {"that": [
                "pf is changed", "out is changed", "bin is changed",
                "pf.rule.uuid | length == 36", "pf.applied == ['d_nat']", "out.applied == ['source_nat']",
                "bin.applied == ['one_to_one']", "pf.rule.protocol == 'tcp'", "pf.rule.filter_rule == 'register'",
                "out.rule.protocol == 'any'", "bin.rule.type == 'binat'", "pf.rule.uuid != out.rule.uuid",
            ]}},
        ],
        "nat-create",
    )  # fmt: skip
    state = lab_api.get("/__lab/state").json()
    [(pf_uuid, stored)] = [(u, r) for u, r in state["config"]["nat"]["rules"].items() if r["descr"] == f"pf-{s}"]
    assert stored["protocol"] == "tcp" and stored["pass"] == "rule" and stored["destination.port"] == str(port)
    assert state["running"]["nat"]["rules"][pf_uuid] == stored  # applied
    assert any(r["description"] == f"out-{s}" for r in state["config"]["filter"]["snatrules"].values())
    assert any(r["description"] == f"bin-{s}" for r in state["config"]["filter"]["onetoone"].values())

    lab_api.delete("/__lab/requests")
    run_play(
        [
            *[{**task, "register": f"again{n}"} for n, task in enumerate(created)],
            {"name": "lower-case protocol is the same", MOD + "opnsense_nat_port_forward": _forward(s, port, protocol="tcp"),
             "register": "lower"},
            {"name": "check-mode update", MOD + "opnsense_nat_port_forward": _forward(s, port, local_port="9443"),
             "check_mode": True, "diff": True, "register": "check"},
            {"ansible.builtin.assert": {"that": [f"again{n} is not changed" for n in range(3)] + [
                "lower is not changed", "check is changed", "check.action == 'update'", "check.applied == []",
                "check.diff.before.local_port == '8443'", "check.diff.after.local_port == '9443'",
            ]}},
        ],
        "nat-rerun-and-check",
    )  # fmt: skip
    # Idempotent and check mode: the rerun and the check-mode task made no write call at all.
    assert writes_since_clear(lab_api) == []

    run_play(
        [
            {"name": "diff update", MOD + "opnsense_nat_port_forward": _forward(s, port, local_port="9443"), "diff": True,
             "register": "upd"},
            {"name": "outbound update", MOD + "opnsense_nat_outbound": _outbound(s, staticnatport=True), "register": "upd2"},
            {"name": "reversed range", MOD + "opnsense_nat_port_forward": _forward(f"bad{s}", port, destination_port="3000-2000"),
             "register": "badrange", "ignore_errors": True},
            {"name": "range as local port", MOD + "opnsense_nat_port_forward": _forward(f"bad{s}", port, local_port="8000-8010"),
             "register": "badlocal", "ignore_errors": True},
            {"name": "prefix mismatch", MOD + "opnsense_nat_one_to_one": _one_to_one(f"bad{s}", octet, external="203.0.113.0/29"),
             "register": "badext", "ignore_errors": True},
            {"ansible.builtin.assert": {"that": [
                "upd is changed", "upd.updated == ['local_port']", "upd.diff.before.local_port == '8443'",
                "upd.diff.after.local_port == '9443'", f"upd.rule.uuid == '{pf_uuid}'", "upd.applied == ['d_nat']",
                "upd2 is changed", "upd2.updated == ['staticnatport']",
                "badrange is failed", "'rule.destination.port' in badrange.validations",
                "'Please specify a valid port number, well-known name, alias or range.' in badrange.msg",
                "badlocal is failed", "'rule.local-port' in badlocal.validations",
                "badext is failed", "'External subnet should match internal subnet.' in badext.msg",
                "badrange.applied == [] and badlocal.applied == []",
            ]}},
            {MOD + "opnsense_nat_port_forward": {"name": f"pf-{s}", "state": "absent"}, "register": "d1"},
            {MOD + "opnsense_nat_outbound": {"name": f"out-{s}", "state": "absent"}, "register": "d2"},
            {MOD + "opnsense_nat_one_to_one": {"name": f"bin-{s}", "state": "absent"}, "register": "d3"},
            {MOD + "opnsense_nat_port_forward": {"name": f"pf-{s}", "state": "absent"}, "register": "again"},
            {"ansible.builtin.assert": {"that": [
                "d1 is changed", "d2 is changed", "d3 is changed", "again is not changed", "d1.rule == {}",
            ]}},
        ],
        "nat-update-and-delete",
    )  # fmt: skip
    state = lab_api.get("/__lab/state").json()
    for side in ("config", "running"):
        assert pf_uuid not in state[side]["nat"]["rules"]
        assert not [r for r in state[side]["filter"]["snatrules"].values() if s in r["description"]]
        assert not [r for r in state[side]["filter"]["onetoone"].values() if s in r["description"]]


def test_batch_of_the_three_nat_kinds_applies_each_area_once(run_play: Any, lab_api: httpx.Client) -> None:
    s, port = secrets.token_hex(2), 20000 + secrets.randbelow(20000)
    items: list[dict[str, Any]] = [
        {"kind": "nat_port_forward", **_forward(f"{s}-{n}", port + n)} for n in range(3)
    ]
    items += [{"kind": "nat_outbound", **_outbound(f"{s}-{n}", source_net=f"10.{60 + n}.0.0/24")} for n in range(2)]
    items += [{"kind": "nat_one_to_one", **_one_to_one(f"{s}-{n}", 210 + n)} for n in range(2)]
    items.append({"kind": "firewall_rule", "name": f"nat-in-{s}", "interface": ["wan"], "protocol": "TCP",
                  "destination_net": ["10.0.20.15"], "destination_port": "8443"})  # fmt: skip
    batch = {MOD + "opnsense_batch": {"items": items}}
    lab_api.delete("/__lab/requests")
    run_play(
        [
            {**batch, "check_mode": True, "register": "planned"},
            {**batch, "register": "first"},
            {**batch, "register": "second"},
            {"ansible.builtin.assert": {"that": [
                "planned is changed", "planned.requests.writes == 0", "planned.applied == []",
                "first is changed", "first.applied == ['filter', 'd_nat', 'source_nat', 'one_to_one']",
                "first.requests.reads == 2", "first.requests.writes == 8 + 4",
                "first.results | map(attribute='action') | unique == ['create']",
                "first.results[0].facts.protocol == 'tcp'",
                "second is not changed", "second.requests == {'reads': 2, 'writes': 0}",
            ]}},
        ],
        "nat-batch",
    )  # fmt: skip
    writes = writes_since_clear(lab_api)
    for area in ("filter", "d_nat", "source_nat", "one_to_one"):
        assert writes.count(f"POST /api/firewall/{area}/apply") == 1, writes
    assert writes[-4:] == [f"POST /api/firewall/{area}/apply" for area in ("filter", "d_nat", "source_nat", "one_to_one")]

    lab_api.delete("/__lab/requests")
    removal = {MOD + "opnsense_batch": {"items": [{**item, "state": "absent"} for item in items]}}
    run_play(
        [
            {**removal, "register": "gone"},
            {"ansible.builtin.assert": {"that": [
                "gone is changed", "gone.applied == ['one_to_one', 'source_nat', 'd_nat', 'filter']",
                "gone.results | map(attribute='action') | unique == ['delete']",
            ]}},
        ],
        "nat-batch-remove",
    )  # fmt: skip
    assert len([w for w in writes_since_clear(lab_api) if w.endswith("/apply")]) == 4


def test_port_forward_on_a_release_without_d_nat_names_the_version(run_play: Any, lab_api: httpx.Client) -> None:
    s = secrets.token_hex(2)
    assert lab_api.post("/__lab/version", json={"version": "25.7.5"}).status_code == 200
    try:
        lab_api.delete("/__lab/requests")
        run_play(
            [
                {MOD + "opnsense_nat_port_forward": _forward(s, 20443), "register": "old", "ignore_errors": True},
                {MOD + "opnsense_batch": {"items": [{"kind": "nat_port_forward", **_forward(s, 20443)}]},
                 "register": "oldbatch", "ignore_errors": True},
                {MOD + "opnsense_info": {"gather": ["nat"]}, "register": "listed"},
                {"ansible.builtin.assert": {"that": [
                    "old is failed",
                    "'port forwarding through the API needs OPNsense 26.1 or later' in old.msg",
                    "old.msg is search('this firewall runs OPNsense 25.7.5$')",
                    "oldbatch is failed and oldbatch.failed_index == 0",
                    f"oldbatch.msg is search('^items.0. .nat_port_forward name=pf-{s}.: port forwarding through the API needs')",
                    "listed.opnsense.nat | selectattr('kind', 'equalto', 'nat_port_forward') | list == []",
                ]}},
            ],
            "nat-25-7",
        )  # fmt: skip
        assert writes_since_clear(lab_api) == []
    finally:
        lab_api.post("/__lab/version", json={"version": "26.7.1"})


def test_a_port_forward_made_by_hand_is_listed_and_read_back_by_its_uuid(
    run_play: Any, api: httpx.Client, lab_api: httpx.Client, tmp_path: Path
) -> None:
    s = secrets.token_hex(2)
    made = api.post("firewall/d_nat/addRule", json={"rule": {
        "interface": "wan", "protocol": "udp", "destination": {"network": "wanip", "port": "27015"},
        "target": "10.0.20.30", "local-port": "27015", "descr": f"Game server {s} (by hand)",
    }}).json()  # fmt: skip
    assert made["result"] == "saved"
    found = _read_json(run_play, [{MOD + "opnsense_info": {"gather": ["nat"]}, "register": "result"}],
                       tmp_path / "found.json", "nat-info")  # fmt: skip
    [entry] = [item for item in found["opnsense"]["nat"] if item["id"] == made["uuid"]]
    assert entry["kind"] == "nat_port_forward" and entry["name"] == f"game-server-{s}-by-hand"
    assert entry["spec"]["protocol"] == "udp" and entry["spec"]["filter_rule"] == "manual"
    assert entry["spec"]["source_net"] == "any" and entry["facts"]["uuid"] == made["uuid"]

    lab_api.delete("/__lab/requests")
    read = _read_json(run_play, [{MOD + "opnsense_nat_port_forward": {"uuid": made["uuid"]}, "check_mode": True,
                                  "diff": True, "register": "result"}], tmp_path / "read.json", "nat-read")  # fmt: skip
    assert read["diff"]["before"] == entry["spec"] and writes_since_clear(lab_api) == []
    adopted = {"uuid": made["uuid"], **{key: value for key, value in entry["spec"].items() if key != "description"}}
    run_play(
        [
            {MOD + "opnsense_nat_port_forward": adopted, "register": "same"},
            {MOD + "opnsense_nat_port_forward": {**adopted, "local_port": "27016"}, "register": "moved"},
            {MOD + "opnsense_nat_port_forward": {"uuid": made["uuid"], "state": "absent"}, "register": "gone"},
            {"ansible.builtin.assert": {"that": [
                "same is not changed", "moved is changed", "moved.updated == ['local_port']", "gone is changed",
                f"moved.rule.description == 'Game server {s} (by hand)'",
            ]}},
        ],
        "nat-adopt",
    )  # fmt: skip
