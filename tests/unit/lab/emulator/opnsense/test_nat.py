"""The OPNsense emulator's NAT areas, in process: port forwards (26.1+), outbound NAT and one-to-one NAT.

Shapes and messages are those of opnsense/core at 26.7.1, 26.1.5 and 25.7.5 (docs/reference/opnsense-nat.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from lab.emulator.opnsense import OpnsenseEmulator

AUTH = ("key", "secret")
D_NAT = "/api/firewall/d_nat"
MAPPED_PORT = "Please specify a valid port number, well-known name, alias or range."
LOCAL_PORT = "Please specify a valid port number or alias."


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    emulator = OpnsenseEmulator("opnsense", tmp_path, {"key": "key", "secret": "secret"}, "admin-token")
    return TestClient(emulator)


def _version(client: TestClient, version: str) -> None:
    assert client.post("/__lab/version", auth=AUTH, json={"version": version}).status_code == 200


def _forward(**overrides: Any) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "interface": "wan",
        "protocol": "TCP",
        "destination": {"network": "wanip", "port": "8443"},
        "target": "192.168.1.20",
        "local-port": "443",
        "descr": "web",
    }
    rule.update(overrides)
    return {"rule": rule}


def _add(client: TestClient, area: str, body: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = client.post(f"/api/firewall/{area}/addRule", auth=AUTH, json=body).json()
    return answer


def _validations(client: TestClient, area: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = _add(client, area, body)
    assert answer["result"] == "failed", answer
    validations: dict[str, Any] = answer["validations"]
    return validations


def test_port_forward_add_get_set_and_delete(client: TestClient) -> None:
    added = _add(client, "d_nat", _forward())
    assert added["result"] == "saved"
    uuid = added["uuid"]
    rule = client.get(f"{D_NAT}/getRule/{uuid}", auth=AUTH).json()["rule"]
    assert rule["protocol"]["tcp"] == {"value": "TCP", "selected": 1}  # stored lower-case
    assert rule["destination"] == {"network": "wanip", "port": "8443", "not": "0", "address": "wanip"}
    assert rule["target"] == "192.168.1.20" and rule["local-port"] == "443" and rule["disabled"] == "0"
    assert rule["pass"][""] == {"value": "Manual", "selected": 1} and rule["pass"]["rule"]["value"] == "Register rule"
    assert rule["sequence"] == "101" and rule["created"]["username"] == "root"
    assert rule["updated"]["description"] == "/api/api.php made changes"
    assert "enabled" not in rule

    changed = client.post(f"{D_NAT}/setRule/{uuid}", auth=AUTH, json=_forward(target="192.168.1.21")).json()
    assert changed == {"result": "saved"}
    model = client.get(f"{D_NAT}/get", auth=AUTH).json()
    assert model["DNat"]["rule"][uuid]["target"] == "192.168.1.21"

    assert client.post(f"{D_NAT}/delRule/{uuid}", auth=AUTH).json() == {"result": "deleted"}
    assert client.post(f"{D_NAT}/delRule/{uuid}", auth=AUTH).json() == {"result": "not found"}
    assert client.get(f"{D_NAT}/getRule/{uuid}", auth=AUTH).json() == []
    assert client.get(f"{D_NAT}/addRule", auth=AUTH).json() == {"result": "failed"}


def test_port_forward_search_puts_uncounted_anti_lockout_rows_first(client: TestClient) -> None:
    uuid = _add(client, "d_nat", _forward())["uuid"]
    found = client.post(f"{D_NAT}/searchRule", auth=AUTH, json={"rowCount": -1}).json()
    assert found["total"] == 1 and [row["uuid"] for row in found["rows"]] == ["lockout_1", "lockout_0", uuid]
    lockout = found["rows"][0]
    assert lockout["destination.port"] == "443" and lockout["interface"] == "lan" and lockout["is_automatic"]
    row = found["rows"][2]
    assert row["protocol"] == "tcp" and row["%protocol"] == "TCP" and row["%interface"] == "WAN"
    assert row["destination.port"] == "8443" and row["sort_order"] == "400000.0000101"
    assert row["alias_meta_destination.network"][0]["%value"] == "WAN address"


def test_port_forward_toggle_flips_disabled_and_answers_without_changed(client: TestClient) -> None:
    uuid = _add(client, "d_nat", _forward())["uuid"]
    assert client.post(f"{D_NAT}/toggleRule/{uuid}", auth=AUTH).json() == {"result": "Disabled"}
    assert client.post(f"{D_NAT}/toggleRule/{uuid}/0", auth=AUTH).json() == {"result": "Enabled"}
    assert client.post(f"{D_NAT}/toggleRule/{uuid}/1", auth=AUTH).json() == {"result": "Disabled"}  # 1 = disabled
    assert client.get(f"{D_NAT}/getRule/{uuid}", auth=AUTH).json()["rule"]["disabled"] == "1"
    assert client.post(f"{D_NAT}/toggleRule/00000000-0000-4000-8000-000000000000", auth=AUTH).json() == {
        "result": "failed"
    }


@pytest.mark.parametrize("port", ["3000-2000", "80-80", "70000", "0", "80,443", "nosuchservice"])
def test_bad_mapped_ports_give_the_real_message(client: TestClient, port: str) -> None:
    validations = _validations(client, "d_nat", _forward(destination={"network": "wanip", "port": port}))
    assert validations == {"rule.destination.port": MAPPED_PORT}


def test_local_port_takes_no_range_and_its_own_message(client: TestClient) -> None:
    assert _validations(client, "d_nat", _forward(**{"local-port": "8000-8010"})) == {"rule.local-port": LOCAL_PORT}
    assert _validations(client, "d_nat", _forward(**{"local-port": "70000"})) == {"rule.local-port": LOCAL_PORT}
    ranged = _add(client, "d_nat", _forward(destination={"network": "wanip", "port": "8000-8010"}))
    assert ranged["result"] == "saved"
    named = _add(client, "d_nat", _forward(**{"local-port": "HTTPS"}))
    assert client.get(f"{D_NAT}/getRule/{named['uuid']}", auth=AUTH).json()["rule"]["local-port"] == "https"


def test_ports_need_tcp_or_udp_and_any_is_not_a_protocol(client: TestClient) -> None:
    assert _validations(client, "d_nat", _forward(protocol="")) == {
        "rule.destination.port": "Ports are only valid for TCP or UDP type rules.",
        "rule.local-port": "Ports are only valid for TCP or UDP type rules.",
    }
    assert _validations(client, "d_nat", _forward(protocol="any"))["rule.protocol"] == "Option [] not in list."
    assert _add(client, "d_nat", _forward(protocol="tcp/udp"))["result"] == "saved"


def test_addresses_must_match_the_ip_protocol(client: TestClient) -> None:
    validations = _validations(client, "d_nat", _forward(ipprotocol="inet6"))
    assert validations == {"rule.target": "Address type should match selected TCP/IP protocol version."}
    assert _add(client, "d_nat", _forward(ipprotocol="inet46"))["result"] == "saved"
    bad = _validations(client, "d_nat", _forward(target="nonsense", interface="wan,nowhere"))
    assert bad == {"rule.target": "nonsense is not a valid source IP address or alias.",
                   "rule.interface": "Option [nowhere] not in list."}  # fmt: skip


def test_a_target_outside_every_interface_network_is_accepted_as_the_real_api_does(client: TestClient) -> None:
    # DNat's target is a plain NetworkAliasField; nothing checks it against the interface networks.
    assert _add(client, "d_nat", _forward(target="203.0.113.77"))["result"] == "saved"


def test_no_rdr_refuses_target_and_port_from_26_7_only(client: TestClient) -> None:
    body = _forward(nordr="1")
    assert _validations(client, "d_nat", body) == {
        "rule.target": "Target must be empty when No RDR is set.",
        "rule.local-port": "Port must be empty when No RDR is set.",
    }
    _version(client, "26.1.5")
    assert _add(client, "d_nat", body)["result"] == "saved"


def test_strict_tags_from_26_7(client: TestClient) -> None:
    assert _validations(client, "d_nat", _forward(tag="a b")) == {"rule.tag": "Text may not contain spaces or tabs."}
    _version(client, "26.1.5")
    assert _add(client, "d_nat", _forward(tag="a b"))["result"] == "saved"


def test_port_forwards_do_not_exist_on_25_7(client: TestClient) -> None:
    _version(client, "25.7.5")
    for command in ("searchRule", "getRule", "addRule", "apply", "get", "savepoint"):
        answer = client.post(f"{D_NAT}/{command}", auth=AUTH, json={})
        assert answer.status_code == 404 and answer.json() == {"errorMessage": "Endpoint not found"}
    assert client.get("/api/firewall/source_nat/searchRule", auth=AUTH).status_code == 200


def test_savepoint_family_on_d_nat_is_26_1_only_and_its_revert_is_a_fatal(client: TestClient) -> None:
    assert client.post(f"{D_NAT}/savepoint", auth=AUTH).status_code == 404
    _version(client, "26.1.5")
    revision = client.post(f"{D_NAT}/savepoint", auth=AUTH).json()["revision"]
    assert client.post(f"{D_NAT}/revert/1.0", auth=AUTH).json() == {"status": "unknown (or removed) savepoint"}
    backup = client.get("/__lab/state", auth=AUTH).json()["revisions"][-1]["id"][len("config-") : -len(".xml")]
    fatal = client.post(f"{D_NAT}/revert/{backup}", auth=AUTH)
    assert fatal.status_code == 500 and fatal.json() == {"errorMessage": "Unexpected error, check log for details"}
    assert revision


def test_filter_revert_covers_outbound_and_one_to_one_but_not_port_forwards(client: TestClient) -> None:
    _version(client, "26.1.5")
    client.post("/api/firewall/filter/savepoint", auth=AUTH)
    backup = client.get("/__lab/state", auth=AUTH).json()["revisions"][-1]["id"][len("config-") : -len(".xml")]
    _add(client, "source_nat", {"rule": {"source_net": "lan", "description": "out"}})
    _add(client, "one_to_one", {"rule": {"source_net": "192.168.1.10", "external": "203.0.113.10"}})
    forward = _add(client, "d_nat", _forward())["uuid"]
    assert client.post(f"/api/firewall/source_nat/revert/{backup}", auth=AUTH).json() == {"status": "ok"}
    model = client.get("/api/firewall/filter/get", auth=AUTH).json()["filter"]
    assert model["snatrules"]["rule"] == {} and model["onetoone"]["rule"] == {}
    assert forward in client.get(f"{D_NAT}/get", auth=AUTH).json()["DNat"]["rule"]


def test_apply_puts_port_forwards_into_service_as_every_filter_apply_does(client: TestClient) -> None:
    uuid = _add(client, "d_nat", _forward())["uuid"]
    assert client.get(f"{D_NAT}/apply", auth=AUTH).json() == {"status": "error"}
    assert uuid not in client.get("/__lab/state", auth=AUTH).json()["running"]["nat"]["rules"]
    assert client.post(f"{D_NAT}/apply", auth=AUTH).json() == {"status": "OK\n\n"}
    assert uuid in client.get("/__lab/state", auth=AUTH).json()["running"]["nat"]["rules"]
    second = _add(client, "d_nat", _forward(descr="second"))["uuid"]
    client.post("/api/firewall/filter/apply", auth=AUTH)  # filter reload loads the NAT rules too
    assert second in client.get("/__lab/state", auth=AUTH).json()["running"]["nat"]["rules"]


def test_register_rule_lists_a_generated_pass_rule_in_filter_search_only(client: TestClient) -> None:
    registered = _add(client, "d_nat", _forward(**{"pass": "rule", "destination": {"network": "wanip", "port": "8000-8010"},
                                                   "local-port": "9000"}))  # fmt: skip
    _add(client, "d_nat", _forward(**{"pass": "pass", "descr": "passes by itself"}))
    rows = client.get("/api/firewall/filter/searchRule", auth=AUTH).json()["rows"]
    assert len(rows) == 1
    row = rows[0]
    assert row["action"] == "pass" and row["legacy"] and row["is_automatic"] and row["uuid"] != registered["uuid"]
    assert row["destination_net"] == "192.168.1.20" and row["destination_port"] == "9000-9010"
    assert row["interface"] == "WAN" and row["description"] == "web" and row["sort_order"].startswith("500000.1")
    assert row["%action"] == "Pass" and row["protocol"] == "tcp"
    on = {name: client.get("/api/firewall/filter/searchRule", auth=AUTH, params={"interface": name}).json()["rows"]
          for name in ("wan", "lan")}  # fmt: skip
    assert len(on["wan"]) == 1 and on["lan"] == []
    assert client.get("/api/firewall/filter/get", auth=AUTH).json()["filter"]["rules"]["rule"] == {}
    client.post(f"{D_NAT}/toggleRule/{registered['uuid']}/1", auth=AUTH)
    assert client.get("/api/firewall/filter/searchRule", auth=AUTH).json()["rows"] == []

    _version(client, "26.1.5")  # 26.1 lists internal rules only with show_all
    client.post(f"{D_NAT}/toggleRule/{registered['uuid']}/0", auth=AUTH)
    assert client.get("/api/firewall/filter/searchRule", auth=AUTH).json()["rows"] == []
    shown = client.get("/api/firewall/filter/searchRule", auth=AUTH, params={"show_all": "1"}).json()["rows"]
    assert [row["description"] for row in shown] == ["web"]


def test_filter_get_shows_outbound_and_one_to_one_rules(client: TestClient) -> None:
    outbound = _add(client, "source_nat", {"rule": {"interface": "wan", "source_net": "lan", "description": "out"}})
    one = _add(client, "one_to_one", {"rule": {"source_net": "192.168.1.10", "external": "203.0.113.10"}})
    model = client.get("/api/firewall/filter/get", auth=AUTH).json()["filter"]
    snat = model["snatrules"]["rule"][outbound["uuid"]]
    assert snat["source_net"] == "lan" and snat["target"] == "" and snat["interface"]["wan"]["selected"] == 1
    assert snat["protocol"]["any"]["selected"] == 1 and snat["sequence"] == "101" and snat["nosync"] == "0"
    o2o = model["onetoone"]["rule"][one["uuid"]]
    assert o2o["type"]["binat"]["selected"] == 1 and o2o["interface"]["wan"]["selected"] == 1
    assert o2o["external"] == "203.0.113.10" and model["general"]["snat_mode"]["automatic"]["selected"] == 1
    assert client.get("/api/firewall/one_to_one/get", auth=AUTH).json()["filter"]["onetoone"] == model["onetoone"]
    assert client.get("/api/firewall/source_nat/get", auth=AUTH).json() == {"filter": {"general": model["general"]}}
    _version(client, "26.1.5")
    older = client.get("/api/firewall/source_nat/get", auth=AUTH).json()["filter"]
    assert "general" not in older and outbound["uuid"] in older["snatrules"]["rule"]


def test_outbound_search_follows_the_nat_mode_on_26_7(client: TestClient) -> None:
    uuid = _add(client, "source_nat", {"rule": {"interface": "wan", "source_net": "lan"}})["uuid"]
    automatic = client.get("/api/firewall/source_nat/searchRule", auth=AUTH).json()["rows"]
    assert [row["uuid"] for row in automatic] == ["automatic_isakmp_wan", "automatic_wan"]
    assert automatic[1]["source_net"] == "lan" and automatic[1]["target"] == "wanip"
    saved = client.post("/api/firewall/source_nat/set", auth=AUTH, json={"filter": {"general": {"snat_mode": "hybrid"}}})
    assert saved.json() == {"result": "saved"}
    assert [row["uuid"] for row in client.get("/api/firewall/source_nat/searchRule", auth=AUTH).json()["rows"]] == [
        uuid, "automatic_isakmp_wan", "automatic_wan"]  # fmt: skip
    client.post("/api/firewall/source_nat/set", auth=AUTH, json={"filter": {"general": {"snat_mode": "advanced"}}})
    assert [row["uuid"] for row in client.get("/api/firewall/source_nat/searchRule", auth=AUTH).json()["rows"]] == [uuid]
    refused = client.post("/api/firewall/source_nat/set", auth=AUTH, json={"filter": {"general": {"snat_mode": "x"}}})
    assert refused.json() == {"result": "failed", "validations": {"filter.general.snat_mode": "Option [] not in list."}}


def test_outbound_validation_and_toggle(client: TestClient) -> None:
    validations = _validations(
        client, "source_nat", {"rule": {"target": "any", "source_port": "3000-2000", "target_port": "x"}}
    )
    assert validations["rule.target"] == "Target address cannot be any."
    assert validations["rule.source_port"] == [
        "Please specify a valid portnumber, name, alias or range.",
        "Source ports are only valid for tcp or udp type rules.",
    ]
    assert validations["rule.target_port"][0].startswith("Please specify a valid port number (1-65535).")
    uuid = _add(client, "source_nat", {"rule": {"protocol": "tcp", "destination_port": "443"}})["uuid"]
    assert client.get(f"/api/firewall/source_nat/getRule/{uuid}", auth=AUTH).json()["rule"]["protocol"]["TCP"] == {
        "value": "TCP", "selected": 1}  # fmt: skip
    toggled = client.post(f"/api/firewall/source_nat/toggleRule/{uuid}", auth=AUTH).json()
    assert toggled == {"result": "Disabled", "changed": True}
    _version(client, "26.1.5")
    rule = client.get("/api/firewall/source_nat/getRule", auth=AUTH).json()["rule"]
    assert rule["target"] == "wanip" and "nosync" not in rule and "staticnatport" in rule
    _version(client, "25.7.5")
    assert _validations(client, "source_nat", {"rule": {"sequence": "100000"}}) == {
        "rule.sequence": "Provide a valid sequence for sorting."
    }
    assert _validations(client, "source_nat", {"rule": {"interface": "nowhere"}}) == {
        "rule.interface": "Option not in list."
    }


def test_one_to_one_validation(client: TestClient) -> None:
    assert _validations(client, "one_to_one", {"rule": {"source_net": "192.168.1.0/24", "external": "203.0.113.8/29"}}) == {
        "rule.external": "External subnet should match internal subnet."}  # fmt: skip
    assert _validations(client, "one_to_one", {"rule": {"source_net": "lan", "external": "203.0.113.8"}}) == {
        "rule.source_net": "For BINAT rules only addresses or subnets are allowed."}  # fmt: skip
    families = _validations(client, "one_to_one", {"rule": {"source_net": "2001:db8::1", "external": "203.0.113.8"}})
    assert families == {"rule.source_net": "IP protocol families should match.",  # and /128 is not /32:
                        "rule.external": ["IP protocol families should match.",
                                          "External subnet should match internal subnet."]}  # fmt: skip
    assert _validations(client, "one_to_one", {"rule": {"source_net": "192.168.1.10", "external": "any"}}) == {
        "rule.external": ["Please specify a valid network segment or IP address.",
                          "External subnet should match internal subnet."]}  # fmt: skip
    assert _add(client, "one_to_one", {"rule": {"type": "nat", "source_net": "lan", "external": "203.0.113.8"}})[
        "result"] == "saved"  # fmt: skip


def test_state_snapshot_and_faults_cover_port_forwards(client: TestClient) -> None:
    fault = {"match": {"method": "POST", "path_prefix": "/api/firewall/d_nat/"}, "status": 500, "body": {"x": 1}}
    assert client.post("/__lab/faults", auth=AUTH, json=fault).status_code == 201
    failed = client.post(f"{D_NAT}/addRule", auth=AUTH, json=_forward())
    assert failed.status_code == 500 and failed.json() == {"x": 1}
    state = client.get("/__lab/state", auth=AUTH).json()
    assert state["config"]["nat"]["rules"] == {} and state["running"]["nat"] == {"rules": {}, "outbound_mode": ""}
    uuid = _add(client, "d_nat", _forward())["uuid"]
    assert uuid in client.get("/__lab/state", auth=AUTH).json()["config"]["nat"]["rules"]
