"""homelab.iac.opnsense_* through real ansible-playbook against the lab's OPNsense emulator.

community.docker's rhythm: change -> same task again -> ``is changed`` / ``is not changed``, check
mode, diff mode, bad input, removal. Assertions live in the playbooks (few runs keep the suite
fast); the emulator's request log then proves what a playbook cannot see: a rerun makes no write
call, and a check-mode run writes nothing.
"""

from __future__ import annotations

import json
import re
import secrets
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.opnsense.conftest import PROJECT_ROOT, writes_since_clear

pytestmark = pytest.mark.integration


def _create_tasks(s: str, tag: int, octet: int) -> list[dict[str, Any]]:
    mod = "homelab.iac."
    return [
        {"name": "vlan", mod + "opnsense_vlan": {"parent": "vtnet2", "tag": tag, "description": f"guest {s}"}, "register": "vlan"},
        {"name": "interface", mod + "opnsense_interface": {"device": "{{ vlan.vlan.device }}", "description": f"G{s}"}, "register": "iface"},
        {"name": "alias", mod + "opnsense_alias": {"name": f"web_{s}", "content": ["10.0.0.11", "10.0.0.10"]}, "register": "alias"},
        {
            "name": "rule",
            mod + "opnsense_firewall_rule": {
                "name": f"web-{s}", "sequence": 150, "interface": ["{{ iface.interface.identifier }}"], "protocol": "tcp",
                "destination_net": [f"web_{s}"], "destination_port": "443",
            },
            "register": "rule",
        },
        {"name": "subnet", mod + "opnsense_dhcp_subnet": {"subnet": f"10.{octet}.30.0/24", "pools": [f"10.{octet}.30.100-10.{octet}.30.199"],
                                                          "routers": [f"10.{octet}.30.1"]}, "register": "subnet"},
        {"name": "reservation", mod + "opnsense_dhcp_reservation": {"subnet": f"10.{octet}.30.0/24", "mac": "52:54:00:AB:CD:EF",
                                                                    "ip_address": f"10.{octet}.30.10", "hostname": "mc"}, "register": "reservation"},
        {"name": "host override", mod + "opnsense_host_override": {"hostname": f"mc{s}", "domain": "home.arpa", "server": f"10.{octet}.30.10"},
         "register": "host"},
    ]  # fmt: skip


def test_single_modules_create_rerun_check_diff_update_delete(run_play: Any, lab_api: httpx.Client) -> None:
    s, tag, octet = secrets.token_hex(2), 2000 + secrets.randbelow(2000), 100 + secrets.randbelow(100)
    registered = ["vlan", "iface", "alias", "rule", "subnet", "reservation", "host"]
    created = _create_tasks(s, tag, octet)
    run_play(
        [
            *created,
            {"ansible.builtin.assert": {"that": [f"{name} is changed" for name in registered] + [
                "vlan.vlan.device is match('vlan0')", "iface.interface.identifier is match('opt')",
                "rule.rule.uuid | length == 36", "rule.applied == ['filter']", "alias.alias.content == ['10.0.0.10', '10.0.0.11']",
                "reservation.reservation.hw_address == '52:54:00:ab:cd:ef'", "subnet.subnet.routers == ['10." + str(octet) + ".30.1']",
            ]}},
        ],
        "create",
    )  # fmt: skip

    mod = "homelab.iac."
    config = lab_api.get("/__lab/state").json()["config"]
    device = next(
        item["vlanif"] for item in config["vlans"].values() if item["tag"] == str(tag) and item["if"] == "vtnet2"
    )
    identifier = next(name for name, entry in config["interfaces"].items() if entry.get("if") == device)
    rule_uuid = next(uuid for uuid, rule in config["filter"]["rules"].items() if rule["description"] == f"web-{s}")
    lab_api.delete("/__lab/requests")
    run_play(
        [
            *created,
            {"name": "check-mode update", mod + "opnsense_alias": {"name": f"web_{s}", "content": ["10.0.0.12"]},
             "check_mode": True, "register": "check"},
            {"ansible.builtin.assert": {"that": [f"{name} is not changed" for name in registered] + [
                "check is changed", "check.action == 'update'", "check.applied == []"]}},
        ],
        "rerun-and-check",
    )  # fmt: skip
    # Idempotent and check mode: the rerun and the check-mode task made no write call at all.
    assert writes_since_clear(lab_api) == []

    run_play(
        [
            {"name": "diff update", mod + "opnsense_alias": {"name": f"web_{s}", "content": ["10.0.0.12"]}, "diff": True, "register": "upd"},
            {"ansible.builtin.assert": {"that": [
                "upd is changed", "upd.updated == ['content']", "upd.diff.before.content == ['10.0.0.10', '10.0.0.11']",
                "upd.diff.after.content == ['10.0.0.12']", "upd.applied == ['aliases']",
            ]}},
            {"name": "rule update keeps the uuid", mod + "opnsense_firewall_rule": {
                "name": f"web-{s}", "sequence": 150, "interface": [identifier], "protocol": "tcp", "destination_net": [f"web_{s}"],
                "destination_port": "8443"}, "register": "rule2"},
            {"name": "bad port", mod + "opnsense_firewall_rule": {"name": f"bad-{s}", "protocol": "ICMP", "destination_port": "99999"},
             "register": "bad", "ignore_errors": True},
            {"name": "bad tag", mod + "opnsense_vlan": {"parent": "vtnet2", "tag": 5000}, "register": "badtag", "ignore_errors": True},
            {"name": "reservation outside its subnet", mod + "opnsense_dhcp_reservation": {
                "subnet": f"10.{octet}.30.0/24", "mac": "52:54:00:00:00:99", "ip_address": "192.0.2.1"}, "register": "badres", "ignore_errors": True},
            {"name": "alias in use", mod + "opnsense_alias": {"name": f"web_{s}", "state": "absent"}, "register": "inuse", "ignore_errors": True},
            {"ansible.builtin.assert": {"that": [
                "bad is failed", "'rule.destination_port' in bad.validations",
                "'Please specify a valid portnumber, name, alias or range' in bad.msg",
                "badtag is failed", "badtag.validations['vlan.tag'] == ['Invalid integer value.']",
                "badres is failed", "'Address not in specified subnet' in badres.msg",
                "inuse is failed", "'Alias in use' in inuse.msg",
                "rule2 is changed", "rule2.updated == ['destination_port']", f"rule2.rule.uuid == '{rule_uuid}'",
            ]}},
            {mod + "opnsense_host_override": {"hostname": f"mc{s}", "domain": "home.arpa", "state": "absent"}, "register": "d1"},
            {mod + "opnsense_dhcp_reservation": {"subnet": f"10.{octet}.30.0/24", "mac": "52:54:00:ab:cd:ef", "ip_address": "x",
                                                 "state": "absent"}, "register": "d2"},
            {mod + "opnsense_dhcp_subnet": {"subnet": f"10.{octet}.30.0/24", "state": "absent"}, "register": "d3"},
            {mod + "opnsense_firewall_rule": {"name": f"web-{s}", "state": "absent"}, "register": "d4"},
            {mod + "opnsense_alias": {"name": f"web_{s}", "state": "absent"}, "register": "d5"},
            {mod + "opnsense_interface": {"device": device, "description": "x", "state": "absent"}, "register": "d6"},
            {mod + "opnsense_vlan": {"parent": "vtnet2", "tag": tag, "state": "absent"}, "register": "d7"},
            {mod + "opnsense_alias": {"name": f"web_{s}", "state": "absent"}, "register": "again"},
            {"ansible.builtin.assert": {"that": ["d1 is changed", "d2 is changed", "d3 is changed", "d4 is changed", "d5 is changed",
                                                 "d6 is changed", "d7 is changed", "again is not changed", "d4.rule == {}"]}},
        ],
        "update-and-delete",
    )  # fmt: skip
    state = lab_api.get("/__lab/state").json()
    assert not any(item["name"] == f"web_{s}" for item in state["config"]["aliases"].values())
    assert not any(item["name"] == f"web_{s}" for item in state["running"]["aliases"].values())  # applied too


def test_batch_is_one_read_per_area_and_one_apply_per_area(run_play: Any, lab_api: httpx.Client) -> None:
    s = secrets.token_hex(2)
    base = 1000 + secrets.randbelow(900)
    items: list[dict[str, Any]] = [
        {"kind": "firewall_rule", "name": f"b{s}-{n}", "interface": ["lan"], "protocol": "TCP", "destination_net": [f"b{s}_{n % 4}"],
         "destination_port": str(1000 + n), "sequence": 1000 + n}
        for n in range(20)
    ]  # fmt: skip
    items += [{"kind": "alias", "name": f"b{s}_{n}", "type": "host", "content": [f"10.77.{n}.1"]} for n in range(4)]
    items += [{"kind": "vlan", "parent": "vtnet2", "tag": base + n, "description": f"b{s}"} for n in range(3)]
    batch = {"homelab.iac.opnsense_batch": {"items": items}}
    lab_api.delete("/__lab/requests")
    run_play(
        [
            {**batch, "check_mode": True, "register": "planned"},
            {**batch, "register": "first"},
            {**batch, "register": "second"},
            {"ansible.builtin.assert": {"that": [
                "planned is changed", "planned.requests.writes == 0",
                "first is changed", "first.applied == ['vlans', 'aliases', 'filter']",
                "first.requests.writes == 27 + 3", "first.requests.reads == 3",
                "first.results[24].facts.device is match('vlan0')", "first.results[0].facts.sequence == 1000",
                "second is not changed", "second.requests == {'reads': 3, 'writes': 0}",
            ]}},
        ],
        "batch",
    )  # fmt: skip
    writes = writes_since_clear(lab_api)
    assert len(writes) == 30
    assert sum(path.endswith("/firewall/filter/apply") for path in writes) == 1
    assert writes[-3:] == [
        "POST /api/interfaces/vlan_settings/reconfigure",
        "POST /api/firewall/alias/reconfigure",
        "POST /api/firewall/filter/apply",
    ]


# Request log path prefix -> area (what one apply/reconfigure covers).
_AREAS = {
    "/api/interfaces/vlan_settings/": "vlans",
    "/api/firewall/alias/": "aliases",
    "/api/firewall/filter/": "filter",
}


def _requests_by_area(lab_api: httpx.Client) -> dict[str, dict[str, int]]:
    """The emulator's request log since the last clear: reads, writes and applies per area."""
    counts: dict[str, dict[str, int]] = {}
    for entry in lab_api.get("/__lab/requests").json()["requests"]:
        path = entry["path"]
        if not path.startswith("/api/"):
            continue
        area = next((name for prefix, name in _AREAS.items() if path.startswith(prefix)), path)
        if entry["method"] == "GET":
            what = "reads"
        elif path.endswith(("/reconfigure", "/apply")):
            what = "applies"
        else:
            what = "writes"
        slot = counts.setdefault(area, {"reads": 0, "writes": 0, "applies": 0})
        slot[what] += 1
    return counts


def test_batch_create_reads_each_area_once_and_returns_generated_facts(
    run_play: Any, lab_api: httpx.Client, tmp_path: Path
) -> None:
    """5 rules + 2 aliases + 2 VLANs: create = 1 read per area + 1 write per item + 1 apply per area.

    The facts come without a second read, so they are checked against the emulator's stored config
    and against the facts a no-op rerun returns from a fresh read: uuids, the VLAN device names
    (none given, so OPNsense's naming rule applies) and the rule sequences (two left to the default).
    """
    s = secrets.token_hex(2)
    base = 2000 + secrets.randbelow(1000)
    items: list[dict[str, Any]] = [
        {"kind": "firewall_rule", "name": f"c{s}-{n}", "interface": ["lan"], "protocol": "TCP",
         "destination_net": [f"c{s}_{n % 2}"], "destination_port": str(2000 + n), **({"sequence": 500 + n} if n < 3 else {})}
        for n in range(5)
    ]  # fmt: skip
    items += [
        {"kind": "alias", "name": f"c{s}_{n}", "type": "host", "content": [f"10.78.{n}.2", f"10.78.{n}.1"]}
        for n in range(2)
    ]
    items += [{"kind": "vlan", "parent": "vtnet2", "tag": base + n, "description": f"c{s} {n}"} for n in range(2)]
    batch = {"homelab.iac.opnsense_batch": {"items": items}}

    def phase(name: str) -> tuple[dict[str, Any], dict[str, dict[str, int]]]:
        lab_api.delete("/__lab/requests")
        out = tmp_path / f"{name}.json"
        run_play(
            [
                {**batch, "register": "run"},
                {"ansible.builtin.copy": {"content": "{{ run | to_json }}", "dest": str(out)}},
            ],
            name,
        )
        return json.loads(out.read_text()), _requests_by_area(lab_api)

    created, create_counts = phase("create")
    assert created["changed"] and created["applied"] == ["vlans", "aliases", "filter"]
    assert create_counts == {
        "vlans": {"reads": 1, "writes": 2, "applies": 1},
        "aliases": {"reads": 1, "writes": 2, "applies": 1},
        "filter": {"reads": 1, "writes": 5, "applies": 1},
    }
    assert created["requests"] == {"reads": 3, "writes": 9 + 3}

    rerun, rerun_counts = phase("rerun")
    assert not rerun["changed"] and rerun["applied"] == []
    assert rerun_counts == {area: {"reads": 1, "writes": 0, "applies": 0} for area in ("vlans", "aliases", "filter")}

    # Facts without a read after the write equal what a fresh read shows.
    assert [r["facts"] for r in created["results"]] == [r["facts"] for r in rerun["results"]]
    config = lab_api.get("/__lab/state").json()["config"]
    rules, aliases, vlans = created["results"][:5], created["results"][5:7], created["results"][7:]
    for result in rules:
        stored = config["filter"]["rules"][result["facts"]["uuid"]]
        assert int(stored["sequence"]) == result["facts"]["sequence"]
    assert [r["facts"]["sequence"] for r in rules[:3]] == [500, 501, 502]
    assert rules[4]["facts"]["sequence"] == rules[3]["facts"]["sequence"] + 100  # max + 100, as OPNsense defaults
    for result in aliases:
        assert config["aliases"][result["facts"]["uuid"]]["name"] == result["facts"]["name"]
    devices = [config["vlans"][r["facts"]["uuid"]]["vlanif"] for r in vlans]
    assert [r["facts"]["device"] for r in vlans] == devices
    assert all(re.fullmatch(r"vlan0[0-9]+", device) for device in devices) and len(set(devices)) == 2


def test_backup_playbook_downloads_and_reverts(run_play: Any, api: httpx.Client, tmp_path: Path) -> None:
    """The hand-written playbooks/opnsense_backup.yml under plain ansible-playbook."""
    playbook = PROJECT_ROOT / "playbooks" / "opnsense_backup.yml"
    for _attempt in range(2):  # at least two backups, so there is an older one to revert to
        api.post(
            "firewall/alias/addItem",
            json={"alias": {"name": f"bk_{secrets.token_hex(3)}", "type": "host", "content": "10.5.5.5"}},
        )
    output = run_play(playbook, "backup", "-e", f"backup_dir={tmp_path / 'bk'}")
    [written] = list((tmp_path / "bk" / "lab-opnsense").glob("config-26.7.1-*.xml"))
    assert "<opnsense>" in written.read_text() and oct(written.stat().st_mode & 0o777) == "0o600"
    assert "changed=2" in output  # the directory and the download
    previous = api.get("core/backup/backups/this").json()["items"][1]["id"]
    assert "changed=1" in run_play(playbook, "revert", "-e", f"revert_to={previous}")
    assert "changed=0" in run_play(playbook, "revert-again", "-e", f"revert_to={previous}")  # already there


def test_reverse_proxy_and_vpn_modules(run_play: Any, lab_api: httpx.Client) -> None:
    """HAProxy server → backend → frontend by name, WireGuard instance and peer linking, in-use refusals."""
    s = secrets.token_hex(2)
    mod = "homelab.iac."
    server = {"name": f"web-{s}", "address": "10.0.20.15", "port": 8080}
    backend = {"name": f"pool-{s}", "servers": [f"web-{s}"], "algorithm": "roundrobin"}
    frontend = {"name": f"fe-{s}", "bind": ["0.0.0.0:8443"], "default_backend": f"pool-{s}"}
    instance = {"name": f"wg-{s}", "port": 51820, "tunnel_address": ["10.99.0.1/24"]}
    peer_key = "0FTGvehkaaHlr0nZNTp8XEPM2oEIjeFBGOO7m3EYCTk="
    peer = {"name": f"laptop-{s}", "public_key": peer_key, "tunnel_address": ["10.99.0.2/32"], "servers": [f"wg-{s}"]}
    create = [
        {mod + "opnsense_haproxy_server": server, "register": "srv"},
        {mod + "opnsense_haproxy_backend": backend, "register": "be"},
        {mod + "opnsense_haproxy_frontend": frontend, "register": "fe"},
        {mod + "opnsense_wireguard_server": instance, "register": "wg"},
        {mod + "opnsense_wireguard_peer": peer, "register": "peer"},
    ]
    run_play(
        [
            *create,
            {"ansible.builtin.assert": {"that": [
                "srv is changed", "be is changed", "fe is changed", "wg is changed", "peer is changed",
                f"be.backend.servers == ['web-{s}']", f"fe.frontend.default_backend == 'pool-{s}'",
                "wg.server.public_key | length == 44", "wg.server.device is match('wg[0-9]+')", "'private_key' not in wg.server",
                f"peer.peer.servers == ['wg-{s}']", "srv.applied == ['haproxy']", "wg.applied == ['wireguard']",
            ]}},
        ],
        "proxy-create",
    )  # fmt: skip
    lab_api.delete("/__lab/requests")
    run_play(
        [
            *[{**task, "register": f"again{n}"} for n, task in enumerate(create)],
            {mod + "opnsense_haproxy_backend": {**backend, "algorithm": "leastconn"}, "check_mode": True, "diff": True, "register": "chk"},
            {"ansible.builtin.assert": {"that": [f"again{n} is not changed" for n in range(5)] + [
                "chk is changed", "chk.diff.before.algorithm == 'roundrobin'", "chk.diff.after.algorithm == 'leastconn'",
            ]}},
        ],
        "proxy-rerun",
    )  # fmt: skip
    assert writes_since_clear(lab_api) == []
    config = lab_api.get("/__lab/state").json()["config"]
    instance_uuid = next(u for u, item in config["wireguard"]["servers"].items() if item["name"] == f"wg-{s}")
    peer_uuid = next(u for u, item in config["wireguard"]["clients"].items() if item["name"] == f"laptop-{s}")
    assert config["wireguard"]["servers"][instance_uuid]["peers"] == peer_uuid  # linked both ways
    run_play(
        [
            {mod + "opnsense_haproxy_server": {"name": f"web-{s}", "address": "x", "port": 1, "state": "absent"},
             "register": "inuse", "ignore_errors": True},
            {mod + "opnsense_haproxy_backend": {**backend, "servers": ["nope"]}, "register": "dangling", "ignore_errors": True},
            {mod + "opnsense_wireguard_peer": {**peer, "name": f"dup-{s}"}, "register": "dupkey", "ignore_errors": True},
            {mod + "opnsense_batch": {"items": [
                {"kind": "haproxy_server", **server, "state": "absent"},
                {"kind": "haproxy_frontend", **frontend, "state": "absent"},
                {"kind": "haproxy_backend", **backend, "state": "absent"},
                {"kind": "wireguard_peer", **peer, "state": "absent"},
                {"kind": "wireguard_server", **instance, "state": "absent"},
            ]}, "register": "gone"},
            {"ansible.builtin.assert": {"that": [
                "inuse is failed", "'Item in use by' in inuse.msg", "dangling is failed", "'no haproxy_server named nope' in dangling.msg",
                "dupkey is failed", "'Public keys should be unique.' in dupkey.msg",
                "gone is changed", "gone.applied == ['wireguard', 'haproxy']", "gone.results | map(attribute='action') | unique == ['delete']",
            ]}},
        ],
        "proxy-delete",
    )  # fmt: skip


def test_backup_before_change_records_the_pre_change_backup_only_when_writing(
    run_play: Any, api: httpx.Client, lab_api: httpx.Client
) -> None:
    """Issue #8: the config backup holding the state before the run is recorded exactly when it writes."""
    s = secrets.token_hex(2)
    api.post("firewall/alias/addItem", json={"alias": {"name": f"pre_{s}", "type": "host", "content": "10.9.9.9"}})
    newest_before = api.get("core/backup/backups/this").json()["items"][0]["id"]
    items = [
        {"kind": "alias", "name": f"bk_{s}", "type": "host", "content": ["10.8.8.8"]},
        {"kind": "firewall_rule", "name": f"bk-{s}", "interface": ["lan"], "protocol": "TCP",
         "destination_net": [f"bk_{s}"], "destination_port": "8443"},
    ]  # fmt: skip
    batch = {"homelab.iac.opnsense_batch": {"items": items, "backup_before_change": True}}
    single = {"homelab.iac.opnsense_alias": {"name": f"bk_{s}", "type": "host", "content": ["10.8.8.9"],
                                             "backup_before_change": True}}  # fmt: skip
    run_play(
        [
            {**batch, "check_mode": True, "register": "planned"},
            {**batch, "register": "first"},
            {**batch, "register": "again"},
            {**single, "register": "changed_alias"},
            {"ansible.builtin.assert": {"that": [
                "planned is changed and planned.backup is not defined",
                f"first is changed and first.backup == '{newest_before}'",
                "again is not changed and again.backup is not defined and again.requests.writes == 0",
                "changed_alias is changed and changed_alias.backup is match('config-[0-9.]+[.]xml$')",
                "changed_alias.backup != first.backup",
            ]}},
            {"homelab.iac.opnsense_backup": {"revert_to": "{{ first.backup }}"}, "register": "reverted"},
            {"ansible.builtin.assert": {"that": ["reverted is changed"]}},
        ],
        "backup-before-change",
    )  # fmt: skip
    listed = [item["id"] for item in api.get("core/backup/backups/this").json()["items"]]
    assert newest_before in listed
    saved_before = api.get(f"core/backup/download/this/{newest_before}").text
    assert f"pre_{s}" in saved_before and f"bk_{s}" not in saved_before  # the state before the batch
    config = lab_api.get("/__lab/state").json()["config"]
    assert f"bk_{s}" not in json.dumps(config["aliases"]) and f"pre_{s}" in json.dumps(config["aliases"])


def test_batch_failure_applies_what_was_saved_and_names_the_item(
    run_play: Any, api: httpx.Client, lab_api: httpx.Client
) -> None:
    """A write that fails mid-batch (injected 500): the items saved before it are applied and reported."""
    s = secrets.token_hex(2)
    tag = 1000 + secrets.randbelow(900)
    api.post("firewall/alias/addItem", json={"alias": {"name": f"seed_{s}", "type": "host", "content": "10.9.9.8"}})
    items = [
        {"kind": "firewall_rule", "name": f"flt-{s}", "interface": ["lan"], "protocol": "TCP",
         "destination_net": [f"flt_{s}"], "destination_port": "8080"},
        {"kind": "alias", "name": f"flt_{s}", "type": "host", "content": ["10.7.7.7"]},
        {"kind": "vlan", "parent": "vtnet2", "tag": tag, "description": f"flt {s}"},
    ]  # fmt: skip
    fault = {"match": {"method": "POST", "path_prefix": "/api/firewall/filter/setRule"}, "count": 1,
             "status": 500, "body": {"errorMessage": "Unexpected error, check log for details"}}  # fmt: skip
    assert lab_api.post("/__lab/faults", json=fault).status_code in (200, 201)
    try:
        run_play(
            [
                {"homelab.iac.opnsense_batch": {"items": items, "backup_before_change": True},
                 "register": "broken", "ignore_errors": True},
                {"ansible.builtin.assert": {"that": [
                    "broken is failed and broken.failed_index == 0",
                    f"broken.msg is search('^items.0. .firewall_rule name=flt-{s}.: OPNsense refused')",
                    "broken.results | map(attribute='index') | list == [1, 2]",
                    "broken.results | map(attribute='action') | list == ['create', 'create']",
                    "broken.applied == ['vlans', 'aliases']",
                    "broken.backup is match('config-')",
                ]}},
            ],
            "fault",
        )  # fmt: skip
    finally:
        lab_api.delete("/__lab/faults")
    state = lab_api.get("/__lab/state").json()
    # Saved and running agree: the alias and VLAN written before the failure are in service, the rule is nowhere.
    assert f"flt_{s}" in json.dumps(state["running"]["aliases"])
    assert any(vlan.get("tag") == str(tag) for vlan in state["running"]["vlans"].values())
    assert state["running"]["aliases"] == state["config"]["aliases"]
    assert state["running"]["vlans"] == state["config"]["vlans"]
    assert f"flt-{s}" not in json.dumps(state["config"]["filter"])
