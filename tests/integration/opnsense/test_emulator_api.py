"""The OPNsense emulator against the reference's documented shapes, with plain httpx requests.

Bodies are copied from shared/reference/opnsense-api.md (section numbers in the test names'
docstrings), so the emulator cannot drift toward what the collection happens to send.
"""

from __future__ import annotations

import secrets
import ssl
import uuid

import httpx
import pytest

from tests.integration.opnsense.conftest import Opnsense

pytestmark = pytest.mark.integration


def _tag() -> int:
    return 1000 + secrets.randbelow(3000)


def test_auth_statuses_and_bodies(opnsense: Opnsense) -> None:
    """§1.2: 401 empty without a header, 401 JSON for bad credentials, 403 without the privilege."""
    context = ssl.create_default_context(cafile=opnsense.ca_cert)
    with httpx.Client(base_url=opnsense.url + "/api/", verify=context) as client:
        bare = client.get("core/firmware/status")
        assert bare.status_code == 401 and bare.content == b""
        bad = client.get("core/firmware/status", auth=("nobody", "wrong"))
        assert bad.status_code == 401 and bad.json() == {"status": 401, "message": "Authentication Failed"}
        limited = (opnsense.limited_key, opnsense.limited_secret)
        forbidden = client.get("interfaces/vlan_settings/searchItem", auth=limited)
        assert forbidden.status_code == 403 and forbidden.json() == {"status": 403, "message": "Forbidden"}
        assert client.get("core/firmware/status", auth=limited).status_code == 200


def test_routing_is_case_insensitive_and_never_enforces_methods(api: httpx.Client) -> None:
    """§1.1: snake_case and camelCase reach the same action; wrong methods get 200 failure bodies."""
    assert api.get("nothing/here/atall").json() == {"errorMessage": "Endpoint not found"}
    missing = api.post("interfaces/vlan_settings/setItem")
    assert missing.status_code == 404 and missing.json() == {"errorMessage": "Endpoint not found"}
    assert api.get("interfaces/vlan_settings/search_item").json().keys() == {"total", "rowCount", "current", "rows"}
    assert api.get("interfaces/vlan_settings/SEARCHITEM").status_code == 200
    assert api.get("interfaces/vlan_settings/addItem").json() == {"result": "failed"}
    assert api.get("firewall/filter/apply").json() == {"status": "error"}
    assert api.get("interfaces/vlan_settings/reconfigure").json() == {"status": "failed"}
    assert api.post("firewall/filter/get").json() == []


def test_json_content_type_with_empty_body_is_a_400(api: httpx.Client) -> None:
    """§1.3: the gotcha of action-only POSTs sent with a JSON content type."""
    answer = api.post("firewall/filter/apply", headers={"Content-Type": "application/json"})
    assert answer.status_code == 400 and answer.json() == {"status": 400, "message": "Invalid JSON syntax"}
    assert api.post("firewall/filter/apply", json={}).json() == {"status": "OK\n\n"}


def test_vlan_crud_shapes(api: httpx.Client, lab_api: httpx.Client) -> None:
    """§2 and §1.5-§1.9: add/get/set/upsert/del, option rendering, generated device, validations."""
    tag = _tag()
    added = api.post(
        "interfaces/vlan_settings/addItem",
        json={"vlan": {"if": "vtnet1", "tag": str(tag), "pcp": "0", "proto": "", "descr": "guest", "vlanif": ""}},
    ).json()
    assert added["result"] == "saved" and uuid.UUID(added["uuid"]).version == 4
    item = api.get(f"interfaces/vlan_settings/getItem/{added['uuid']}").json()["vlan"]
    assert item["tag"] == str(tag) and item["vlanif"].startswith("vlan0")
    assert item["if"]["vtnet1"] == {"value": "vtnet1", "selected": 1}
    assert isinstance(item["pcp"], list) and item["pcp"][0] == {"value": "0", "selected": 1}  # 0..7 keys → JSON list
    assert item["proto"][""] == {"value": "Auto", "selected": 1}
    assert api.get(f"interfaces/vlan_settings/getItem/{uuid.uuid4()}").json() == []

    duplicate = api.post("interfaces/vlan_settings/addItem", json={"vlan": {"if": "vtnet1", "tag": str(tag)}}).json()
    assert duplicate == {"result": "failed", "validations": {"vlan.tag": "Tag for this device must be unique."}}
    out_of_range = api.post("interfaces/vlan_settings/addItem", json={"vlan": {"if": "vtnet1", "tag": "5000"}}).json()
    assert out_of_range["validations"]["vlan.tag"] == "Invalid integer value."
    assert api.post("interfaces/vlan_settings/addItem", json={"tag": "5"}).json() == {"result": "failed"}

    chosen = str(uuid.uuid4())
    upsert = api.post(f"interfaces/vlan_settings/setItem/{chosen}", json={"vlan": {"if": "vtnet2", "tag": str(tag)}})
    assert upsert.json() == {"result": "saved"}
    assert api.get(f"interfaces/vlan_settings/getItem/{chosen}").json()["vlan"]["tag"] == str(tag)
    assert api.post("interfaces/vlan_settings/setItem/not-a-uuid", json={"vlan": {"tag": "7"}}).json() == {
        "result": "failed"
    }

    state = lab_api.get("/__lab/state").json()
    assert added["uuid"] in state["config"]["vlans"] and added["uuid"] not in state["running"]["vlans"]
    assert api.post("interfaces/vlan_settings/reconfigure").json() == {"status": "ok"}
    assert added["uuid"] in lab_api.get("/__lab/state").json()["running"]["vlans"]

    for item_uuid in (added["uuid"], chosen):
        assert api.post(f"interfaces/vlan_settings/delItem/{item_uuid}").json() == {"result": "deleted"}
    assert api.post(f"interfaces/vlan_settings/delItem/{chosen}").json() == {"result": "not found"}


def test_every_write_creates_a_backup_revision(api: httpx.Client) -> None:
    """§1.13 and §9: a save writes a backup; backups list newest first with config-<time>.xml ids."""
    before = api.get("core/backup/backups/this").json()["items"]
    api.post(
        "firewall/alias/addItem",
        json={"alias": {"name": f"rev_{secrets.token_hex(3)}", "type": "host", "content": "10.9.9.9"}},
    )
    after = api.get("core/backup/backups/this").json()["items"]
    assert len(after) == min(len(before) + 1, 60)
    newest = after[0]
    assert newest["id"].startswith("config-") and newest["id"].endswith(".xml")
    assert set(newest) == {"time", "time_iso", "description", "username", "filesize", "id"}
    xml = api.get(f"core/backup/download/this/{newest['id']}")
    assert xml.headers["content-type"] == "application/octet-stream" and "<opnsense>" in xml.text
    assert api.get("core/backup/download").status_code == 404  # the host segment is mandatory since 24.7
    assert api.post("core/backup/revertBackup/config-1.0000.xml").json() == {"status": "not_found"}


def test_filter_rule_example_apply_and_interface_search(api: httpx.Client) -> None:
    """§3: the reference's create-and-apply example and 25.1.5+ search filtering."""
    rule = {
        "enabled": "1", "action": "pass", "quick": "1", "interface": "lan", "direction": "in", "ipprotocol": "inet",
        "protocol": "TCP", "source_net": "any", "destination_net": "10.0.10.5", "destination_port": "443", "log": "0",
        "sequence": "100", "description": "web to dmz",
    }  # fmt: skip
    added = api.post("firewall/filter/addRule", json={"rule": rule}).json()
    assert added["result"] == "saved"
    assert api.post("firewall/filter/apply").json() == {"status": "OK\n\n"}
    floating = {row["uuid"] for row in api.get("firewall/filter/searchRule").json()["rows"]}
    on_lan = api.get("firewall/filter/searchRule", params={"interface": "lan"}).json()["rows"]
    assert added["uuid"] not in floating
    row = next(row for row in on_lan if row["uuid"] == added["uuid"])
    assert row["interface"] == "lan" and row["%interface"] == "LAN"  # 25.7+: raw plus display
    assert api.get(f"firewall/filter/getRule/{added['uuid']}").json()["rule"]["destination_port"] == "443"
    bad = api.post(
        "firewall/filter/addRule",
        json={"rule": {"protocol": "ICMP", "destination_port": "80", "source_net": "any,10.0.0.1"}},
    ).json()
    assert bad["result"] == "failed"
    assert bad["validations"]["rule.destination_port"] == "Destination ports are only valid for tcp or udp type rules."
    assert bad["validations"]["rule.source_net"] == "Any can not be combined with other aliases"
    toggled = api.post(f"firewall/filter/toggleRule/{added['uuid']}/0").json()
    assert toggled == {"result": "Disabled", "changed": True}
    assert api.post(f"firewall/filter/toggleRule/{added['uuid']}/0").json() == {"result": "Disabled", "changed": False}
    assert api.post(f"firewall/filter/delRule/{added['uuid']}").json() == {"result": "deleted"}


def test_alias_in_use_is_refused_with_http_500(api: httpx.Client) -> None:
    """§4 and §1.9: alias example, getAliasUUID, and the in-use refusal."""
    name = f"web_{secrets.token_hex(3)}"
    alias = {"enabled": "1", "name": name, "type": "host", "content": "10.0.0.10\n10.0.0.11", "description": "web"}
    added = api.post("firewall/alias/addItem", json={"alias": alias}).json()
    assert api.get(f"firewall/alias/getAliasUUID/{name}").json() == {"uuid": added["uuid"]}
    assert api.get("firewall/alias/getAliasUUID/no_such_alias").json() == []
    content = api.get(f"firewall/alias/getItem/{added['uuid']}").json()["alias"]["content"]
    assert {key for key, entry in content.items() if entry["selected"] == 1} == {"10.0.0.10", "10.0.0.11"}
    rule = api.post(
        "firewall/filter/addRule", json={"rule": {"destination_net": name, "description": "uses alias"}}
    ).json()
    refused = api.post(f"firewall/alias/delItem/{added['uuid']}")
    assert refused.status_code == 500
    assert refused.json()["errorTitle"] == "Alias in use"
    assert refused.json()["errorMessage"].startswith("Cannot delete alias. Currently in use by")
    assert api.post(f"firewall/filter/delRule/{rule['uuid']}").json() == {"result": "deleted"}
    assert api.post(f"firewall/alias/delItem/{added['uuid']}").json() == {"result": "deleted"}
    assert api.post("firewall/alias/reconfigure").json() == {"status": "ok"}
    dup = api.post("firewall/alias/addItem", json={"alias": {"name": "pass", "type": "host"}}).json()
    assert "alias.name" in dup["validations"]


def test_kea_get_leaves_out_subnets_and_checks_reservations(api: httpx.Client) -> None:
    """§5.1: model get is general + ha only; reservations must lie in their subnet."""
    assert set(api.get("kea/dhcpv4/get").json()["dhcpv4"]) == {"general", "ha"}
    octet = 100 + secrets.randbelow(100)
    subnet = api.post(
        "kea/dhcpv4/addSubnet",
        json={
            "subnet4": {
                "subnet": f"10.{octet}.0.0/24",
                "pools": f"10.{octet}.0.100-10.{octet}.0.199",
                "option_data_autocollect": "0",
            }
        },
    ).json()
    assert subnet["result"] == "saved"
    outside = api.post(
        "kea/dhcpv4/addReservation",
        json={"reservation": {"subnet": subnet["uuid"], "ip_address": "10.250.0.5", "hw_address": "52:54:00:00:00:01"}},
    ).json()
    assert outside["validations"] == {"reservation.ip_address": "Address not in specified subnet"}
    bad_pool = api.post(
        "kea/dhcpv4/addSubnet", json={"subnet4": {"subnet": "10.251.0.0/24", "pools": "nonsense"}}
    ).json()
    assert bad_pool["validations"]["subnet4.pools"] == 'Entry "nonsense" is not a valid range or subnet.'
    rows = api.get("kea/dhcpv4/searchSubnet").json()["rows"]
    assert any(row["uuid"] == subnet["uuid"] and "option_data.routers" in row for row in rows)
    assert api.post("kea/service/reconfigure").json() == {"status": "ok"}
    assert api.post(f"kea/dhcpv4/delSubnet/{subnet['uuid']}").json() == {"result": "deleted"}


def test_unbound_host_override_get_matches_the_reference_example(api: httpx.Client) -> None:
    """§6: the documented getHostOverride body."""
    host = {
        "enabled": "1",
        "hostname": "www",
        "domain": "example.lan",
        "rr": "A",
        "server": "10.0.0.10",
        "description": "web",
    }
    added = api.post("unbound/settings/addHostOverride", json={"host": host}).json()
    got = api.get(f"unbound/settings/getHostOverride/{added['uuid']}").json()["host"]
    assert got["rr"] == {
        "A": {"value": "A (IPv4 address)", "selected": 1},
        "AAAA": {"value": "AAAA (IPv6 address)", "selected": 0},
        "MX": {"value": "MX (Mail server)", "selected": 0},
    }
    assert {key: got[key] for key in ("enabled", "hostname", "domain", "mxprio", "mx", "server", "description")} == {
        "enabled": "1", "hostname": "www", "domain": "example.lan", "mxprio": "", "mx": "", "server": "10.0.0.10",
        "description": "web",
    }  # fmt: skip
    missing_ip = api.post(
        "unbound/settings/addHostOverride", json={"host": {"hostname": "x", "domain": "example.lan"}}
    ).json()
    assert missing_ip["validations"] == {"host.server": "The field IP address is required."}
    assert api.post("unbound/service/reconfigure").json() == {"status": "ok"}
    assert api.post(f"unbound/settings/delHostOverride/{added['uuid']}").json() == {"result": "deleted"}


def test_status_endpoints(api: httpx.Client) -> None:
    """§10: firmware status by GET, system information, service search."""
    product = api.get("core/firmware/status").json()["product"]
    assert product["product_name"] == "OPNsense" and product["product_series"] == "26.7"
    assert api.get("diagnostics/system/systemInformation").json()["versions"][0].startswith("OPNsense 26.7")
    assert {"id", "name", "description", "running", "locked"} <= set(api.get("core/service/search").json()["rows"][0])
    assert api.get("interfaces/overview/list").status_code == 404  # does not exist (§10)


def test_release_differences_25_7(api: httpx.Client, lab_api: httpx.Client) -> None:
    """§0/§3.7: 25.7 has savepoint (with the backup-name defect) and no assignment API; 26.7 the reverse."""
    assert api.post("firewall/filter/savepoint").status_code == 404
    assert api.get("interfaces/assignment/searchItem").status_code == 200
    assert lab_api.post("/__lab/version", json={"version": "25.7.5"}).status_code == 200
    try:
        saved = api.post("firewall/filter/savepoint").json()
        assert saved["status"] == "ok" and len(saved["revision"].split(".")[1]) == 2
        assert api.post(f"firewall/filter/apply/{saved['revision']}").json() == {"status": "OK\n\n"}
        assert api.post(f"firewall/filter/cancelRollback/{saved['revision']}").json() == {"status": "\n\n"}
        assert api.post(f"firewall/filter/cancelRollback/{saved['revision']}").json() == {"status": None}
        assert api.post(f"firewall/filter/revert/{saved['revision']}").json() == {
            "status": "unknown (or removed) savepoint"
        }
        assert api.get("interfaces/assignment/searchItem").json() == {"errorMessage": "Endpoint not found"}
    finally:
        lab_api.post("/__lab/version", json={"version": "26.7.1"})


def test_haproxy_plural_search_and_safe_delete(api: httpx.Client) -> None:
    """§7: searchServers (plural), get/add singular, safe delete refuses referenced items."""
    name = f"srv{secrets.token_hex(3)}"
    server = api.post(
        "haproxy/settings/addServer", json={"server": {"name": name, "address": "10.0.20.15", "port": "8080"}}
    ).json()
    backend = api.post(
        "haproxy/settings/addBackend", json={"backend": {"name": f"be{name}", "linkedServers": server["uuid"]}}
    ).json()
    assert any(row["uuid"] == server["uuid"] for row in api.get("haproxy/settings/searchServers").json()["rows"])
    assert api.get("haproxy/settings/searchServer").status_code == 404
    linked = api.get(f"haproxy/settings/getBackend/{backend['uuid']}").json()["backend"]["linkedServers"]
    assert linked[server["uuid"]] == {"value": name, "selected": 1}
    refused = api.post(f"haproxy/settings/delServer/{server['uuid']}")
    assert refused.status_code == 500 and refused.json()["errorTitle"] == "Item in use by"
    assert server["uuid"] in api.get("haproxy/settings/get").json()["haproxy"]["servers"]["server"]
    assert api.post("haproxy/service/reconfigure").json() == {"status": "ok"}
    assert api.post(f"haproxy/settings/delBackend/{backend['uuid']}").json() == {"result": "deleted"}
    assert api.post(f"haproxy/settings/delServer/{server['uuid']}").json() == {"result": "deleted"}


def test_wireguard_keypair_linking_and_result_keyed_reconfigure(api: httpx.Client) -> None:
    """§8: keyPair, peers linked to instances both ways, unique public keys, reconfigure answers result."""
    pair = api.get("wireguard/server/keyPair").json()
    assert pair["status"] == "ok" and len(pair["privkey"]) == 44 and len(pair["pubkey"]) == 44
    name = f"wg{secrets.token_hex(3)}"
    server = api.post(
        "wireguard/server/addServer",
        json={"server": {"name": name, "privkey": pair["privkey"], "tunneladdress": "10.98.0.1/24"}},
    ).json()
    client = {
        "name": f"peer{name}",
        "pubkey": pair["pubkey"],
        "tunneladdress": "10.98.0.2/32",
        "servers": server["uuid"],
    }
    peer = api.post("wireguard/client/addClient", json={"client": client}).json()
    assert peer["result"] == "saved" and "uuid" in peer
    peers = api.get(f"wireguard/server/getServer/{server['uuid']}").json()["server"]["peers"]
    assert peers[peer["uuid"]]["selected"] == 1
    duplicate = api.post("wireguard/client/addClient", json={"client": {**client, "name": "other"}}).json()
    assert duplicate["validations"] == {"client.pubkey": "Public keys should be unique."}
    assert api.post("wireguard/service/reconfigure").json() == {"result": "ok"}
    assert api.get("wireguard/service/reconfigure").json() == {"result": "failed"}
    assert api.post(f"wireguard/client/delClient/{peer['uuid']}").json() == {"result": "deleted"}
    # An option map with no options is an empty PHP array, which json_encode writes as [].
    assert api.get(f"wireguard/server/getServer/{server['uuid']}").json()["server"]["peers"] == []
    assert api.post(f"wireguard/server/delServer/{server['uuid']}").json() == {"result": "deleted"}
