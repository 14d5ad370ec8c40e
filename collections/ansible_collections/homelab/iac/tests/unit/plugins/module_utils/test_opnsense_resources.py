"""The OPNsense resource classes and batch runner without a network: normalisation, diff, write calls.

``FakeApi`` answers the model-level ``get``/``search`` calls from in-memory items in the shapes of
reference §1.5-§1.6 (option maps, AsList maps, JSON-list option quirk) and records every call, so
each test can count reads and writes the way the lab's request log does.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from ansible_collections.homelab.iac.plugins.module_utils._diff import SECRET_CHANGED_MASK, SECRET_MASK
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_client import (
    OpnsenseError,
    OpnsenseValidationError,
    check_saved,
)
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_module import BatchError, run_items
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_proxy_vpn import HaproxyBackend, WireguardServer
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_resource import (
    Attr,
    Session,
    collapse,
    flatten_item,
)
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_resources import (
    Alias,
    DhcpReservation,
    DhcpSubnet,
    FirewallRule,
    Vlan,
    rule_uuid,
)
from ansible_collections.homelab.iac.plugins.module_utils._reconcile import Action, Reconciler


def _pcp(selected: str) -> list[dict[str, Any]]:
    return [{"value": str(n), "selected": int(str(n) == selected)} for n in range(8)]


class FakeApi:
    """Model-level answers from dicts; posts are recorded and answered like OPNsense."""

    def __init__(self) -> None:
        self.vlans: dict[str, dict[str, Any]] = {}
        self.rules: dict[str, dict[str, Any]] = {}
        self.aliases: dict[str, dict[str, Any]] = {}
        self.subnets: list[dict[str, Any]] = []
        self.reservations: list[dict[str, Any]] = []
        self.calls: list[tuple[str, str, Any]] = []
        self.reads = 0
        self.writes = 0
        self.reject: dict[str, Any] | None = None
        #: POST path -> the error the client raises for it (OPNsense refusing that call)
        self.refused: dict[str, OpnsenseError] = {}
        self.backups: list[str] = ["config-1795462186.1760.xml"]

    def get(self, path: str) -> Any:
        self.reads += 1
        self.calls.append(("GET", path, None))
        if path == "interfaces/vlan_settings/get":
            return {"vlan": {"vlan": self.vlans}}
        if path == "firewall/filter/get":
            return {"filter": {"rules": {"rule": self.rules}}}
        if path == "firewall/alias/get":
            return {"alias": {"aliases": {"alias": self.aliases}}}
        if path.startswith("kea/dhcpv4/searchSubnet"):
            return {"rows": self.subnets, "total": len(self.subnets)}
        if path.startswith("kea/dhcpv4/searchReservation"):
            return {"rows": self.reservations, "total": len(self.reservations)}
        if path == "core/backup/backups/this":
            return {"items": [{"id": backup} for backup in reversed(self.backups)]}
        raise AssertionError(f"unexpected GET {path}")

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        if path in self.refused:
            raise self.refused[path]
        self.writes += 1
        self.calls.append(("POST", path, body))
        if self.reject is not None:
            return self.reject
        if "/add" in path:
            return {"result": "saved", "uuid": str(uuid.uuid4())}
        if "/set" in path:
            return {"result": "saved"}
        if "/del" in path:
            return {"result": "deleted"}
        return {"status": "ok"}

    def writes_to(self) -> list[str]:
        return [path for method, path, _body in self.calls if method == "POST"]


@pytest.fixture
def api() -> FakeApi:
    fake = FakeApi()
    fake.vlans["9b2d4a61-0f3c-4e8a-b7a1-2c3d4e5f6a7b"] = {
        "if": {"vtnet1": {"value": "vtnet1", "selected": 1}, "vtnet2": {"value": "vtnet2", "selected": 0}},
        "tag": "30",
        "pcp": _pcp("0"),
        "proto": {"": {"value": "Auto", "selected": 1}, "802.1q": {"value": "802.1Q", "selected": 0}},
        "descr": "guest",
        "vlanif": "vlan01",
    }
    return fake


def vlan_params(**overrides: Any) -> dict[str, Any]:
    params = {
        "parent": "vtnet1",
        "tag": 30,
        "pcp": 0,
        "proto": "",
        "description": "guest",
        "device": None,
        "state": "present",
    }
    params.update(overrides)
    return params


def rule_params(**overrides: Any) -> dict[str, Any]:
    """A firewall rule task with every option at its default, then ``overrides``."""
    return {**{name: spec.get("default") for name, spec in FirewallRule.argument_spec.items()}, **overrides}


def web_alias() -> dict[str, Any]:
    """The host alias ``web`` (10.0.0.1) that the rule tests point at."""
    return {"name": "web", "type": "host", "content": ["10.0.0.1"], "description": "", "enabled": True,
            "state": "present"}


def test_option_maps_collapse_to_selected_keys_including_the_json_list_quirk() -> None:
    assert collapse({"": {"value": "None", "selected": 1}, "lan": {"value": "LAN", "selected": 0}}) == []
    assert collapse({"lan": {"value": "LAN", "selected": 1}, "opt1": {"value": "G", "selected": 1}}) == ["lan", "opt1"]
    assert collapse(_pcp("3")) == ["3"]
    assert flatten_item({"option_data": {"routers": {"10.0.0.1": {"value": "10.0.0.1", "selected": 1}}}}) == {
        "option_data.routers": ["10.0.0.1"]
    }


def test_attr_types_turn_api_strings_into_comparable_values() -> None:
    assert Attr("enabled", "enabled", "bool").from_api("1") is True
    assert Attr("tag", "tag", "int").from_api("30") == 30
    assert Attr("content", "content", "lines").from_api("b\na") == ["a", "b"]
    assert Attr("interface", "interface", "set").from_api("opt1,lan") == ["lan", "opt1"]
    assert Attr("content", "content", "lines").to_api(["a", "b"]) == "a\nb"
    assert Attr("enabled", "enabled", "bool").to_api(False) == "0"


def test_rule_uuid_is_a_stable_well_formed_v4_uuid() -> None:
    first = rule_uuid("lan-to-web")
    assert first == rule_uuid("lan-to-web") != rule_uuid("lan-to-dns")
    parsed = uuid.UUID(first)
    assert parsed.version == 4 and first[19] in "89ab"


def test_unchanged_vlan_is_a_noop_with_one_read_and_no_write(api: FakeApi) -> None:
    session = Session(api, check_mode=False)
    run = run_items(session, [(Vlan, vlan_params())], apply=True)
    assert run.results[0]["action"] == "noop" and not run.changed
    assert api.reads == 1 and api.writes == 0
    assert run.results[0]["facts"]["device"] == "vlan01"


def test_changed_description_updates_in_place_then_applies_once(api: FakeApi) -> None:
    session = Session(api, check_mode=False)
    run = run_items(session, [(Vlan, vlan_params(description="visitors"))], apply=True)
    assert run.results[0]["action"] == "update" and run.results[0]["updated"] == ["description"]
    assert api.writes_to() == [
        "interfaces/vlan_settings/setItem/9b2d4a61-0f3c-4e8a-b7a1-2c3d4e5f6a7b",
        "interfaces/vlan_settings/reconfigure",
    ]
    body = api.calls[1][2]
    assert body == {"vlan": {"if": "vtnet1", "tag": "30", "pcp": "0", "proto": "", "descr": "visitors"}}
    assert run.results[0]["diff"]["before"]["description"] == "guest"


def test_check_mode_plans_a_create_without_writing(api: FakeApi) -> None:
    session = Session(api, check_mode=True)
    run = run_items(session, [(Vlan, vlan_params(tag=40))], apply=True)
    assert run.results[0]["action"] == "create" and run.changed
    assert api.writes == 0 and run.applied == []


def test_rule_is_found_by_its_derived_uuid_not_its_description(api: FakeApi) -> None:
    params = rule_params(name="web", description="edited in the GUI", interface=["lan"])
    api.rules[rule_uuid("web")] = {
        "description": "something else",
        "interface": {"lan": {"value": "LAN", "selected": 1}},
    }
    resource = FirewallRule(Session(api, check_mode=True), params)
    plan = Reconciler(resource, check_mode=True).plan("present")
    assert plan.action is Action.UPDATE and "description" in plan.updated


def test_rule_create_upserts_under_the_derived_uuid(api: FakeApi) -> None:
    params = rule_params(name="web")
    run_items(Session(api, check_mode=False), [(FirewallRule, params)], apply=True)
    assert api.writes_to() == [f"firewall/filter/setRule/{rule_uuid('web')}", "firewall/filter/apply"]


def test_batch_orders_aliases_before_rules_and_applies_each_area_once(api: FakeApi) -> None:
    entries = [(FirewallRule, rule_params(name=f"r{index}", destination_net=["web"])) for index in range(3)]
    entries.append((Alias, web_alias()))
    run = run_items(Session(api, check_mode=False), entries, apply=True)
    writes = api.writes_to()
    assert writes[0] == "firewall/alias/addItem"
    assert writes[-2:] == ["firewall/alias/reconfigure", "firewall/filter/apply"]
    assert len(writes) == 6 and run.applied == ["aliases", "filter"]
    assert [result["kind"] for result in run.results] == ["firewall_rule"] * 3 + ["alias"]


def test_reservation_compares_the_subnet_by_cidr_and_sends_its_uuid(api: FakeApi) -> None:
    api.subnets.append({"uuid": "5d1f0e2d-3b4a-4c5d-8e6f-7a8b9c0d1e2f", "subnet": "10.0.30.0/24"})
    params = {
        "subnet": "10.0.30.0/24",
        "hw_address": "52:54:00:AA:BB:CC",
        "ip_address": "10.0.30.10",
        "hostname": "",
        "description": "",
        "state": "present",
    }
    run_items(Session(api, check_mode=False), [(DhcpReservation, params)], apply=False)
    [(_method, path, body)] = [call for call in api.calls if call[0] == "POST"]
    assert path == "kea/dhcpv4/addReservation"
    assert body["reservation"]["subnet"] == "5d1f0e2d-3b4a-4c5d-8e6f-7a8b9c0d1e2f"
    assert body["reservation"]["hw_address"] == "52:54:00:aa:bb:cc"


def test_subnet_with_autocollect_does_not_manage_the_collected_options(api: FakeApi) -> None:
    params = {name: spec.get("default") for name, spec in DhcpSubnet.argument_spec.items()}
    params.update(subnet="10.0.30.0/24", autocollect=True, routers=["10.0.30.254"])
    view = DhcpSubnet(Session(api, check_mode=True), params).desired()
    assert view["routers"] is None and view["autocollect"] is True


def test_validation_failure_names_the_field_and_message(api: FakeApi) -> None:
    api.reject = {"result": "failed", "validations": {"vlan.tag": "Tag for this device must be unique."}}
    with pytest.raises(BatchError) as caught:
        run_items(Session(api, check_mode=False), [(Vlan, vlan_params(tag=41))], apply=True)
    assert "vlan.tag: Tag for this device must be unique." in str(caught.value)
    assert caught.value.validations == {"vlan.tag": ["Tag for this device must be unique."]}


def test_check_saved_raises_on_a_bare_failed_result() -> None:
    with pytest.raises(OpnsenseValidationError):
        check_saved("x", {"result": "failed", "validations": {"a.b": ["m1", "m2"]}})
    assert check_saved("x", {"result": "saved"}) == {"result": "saved"}


class ProxyApi(FakeApi):
    """FakeApi plus HAProxy servers and WireGuard instances."""

    def __init__(self) -> None:
        super().__init__()
        self.servers: dict[str, dict[str, Any]] = {"0a0b0c0d-0000-4000-8000-000000000001": {"name": "web1"}}
        self.wg: dict[str, dict[str, Any]] = {}

    def get(self, path: str) -> Any:
        if path == "haproxy/settings/get":
            self.reads += 1
            backend = {
                "name": "pool", "mode": "http", "algorithm": "source", "healthCheckEnabled": "1", "description": "",
                "enabled": "1", "linkedServers": {"0a0b0c0d-0000-4000-8000-000000000001": {"value": "web1", "selected": 1}},
            }  # fmt: skip
            return {"haproxy": {"servers": {"server": self.servers}, "backends": {"backend": {"be-uuid": backend}}}}
        if path == "wireguard/server/get":
            self.reads += 1
            return {"server": {"servers": {"server": self.wg}}}
        if path == "wireguard/server/keyPair":
            self.reads += 1
            return {"status": "ok", "privkey": "P" * 43 + "=", "pubkey": "Q" * 43 + "="}
        return super().get(path)


def backend_params(**overrides: Any) -> dict[str, Any]:
    params = {name: spec.get("default") for name, spec in HaproxyBackend.argument_spec.items()}
    params.update(name="pool", servers=["web1"])
    params.update(overrides)
    return params


def test_backend_compares_server_names_and_sends_uuids() -> None:
    api = ProxyApi()
    run = run_items(Session(api, check_mode=False), [(HaproxyBackend, backend_params())], apply=True)
    assert run.results[0]["action"] == "noop" and api.writes == 0
    api.servers["0a0b0c0d-0000-4000-8000-000000000002"] = {"name": "web2"}
    run_items(Session(api, check_mode=False), [(HaproxyBackend, backend_params(servers=["web1", "web2"]))], apply=True)
    body = next(body for method, path, body in api.calls if path == "haproxy/settings/setBackend/be-uuid")
    assert (
        body["backend"]["linkedServers"] == "0a0b0c0d-0000-4000-8000-000000000001,0a0b0c0d-0000-4000-8000-000000000002"
    )


def test_unknown_server_name_fails_before_any_write() -> None:
    api = ProxyApi()
    with pytest.raises(BatchError, match="no haproxy_server named nope"):
        run_items(
            Session(api, check_mode=False), [(HaproxyBackend, backend_params(name="new", servers=["nope"]))], apply=True
        )
    assert api.writes == 0


def test_wireguard_private_key_is_masked_in_the_diff_and_never_returned() -> None:
    api = ProxyApi()
    api.wg["wg-uuid"] = {
        "name": "wg0",
        "privkey": "old" + "A" * 41,
        "pubkey": "B" * 44,
        "instance": "0",
        "enabled": "1",
    }
    params = {name: spec.get("default") for name, spec in WireguardServer.argument_spec.items()}
    params.update(name="wg0", private_key="new" + "A" * 41)
    run = run_items(Session(api, check_mode=True), [(WireguardServer, params)], apply=True)
    diff = run.results[0]["diff"]
    assert diff["before"]["private_key"] == SECRET_MASK and diff["after"]["private_key"] == SECRET_CHANGED_MASK
    assert "private_key" not in run.results[0]["facts"] and run.results[0]["facts"]["device"] == "wg0"


def test_wireguard_instance_without_a_key_asks_the_firewall_for_a_pair() -> None:
    api = ProxyApi()
    params = {name: spec.get("default") for name, spec in WireguardServer.argument_spec.items()}
    params.update(name="wg1")
    run_items(Session(api, check_mode=False), [(WireguardServer, params)], apply=True)
    body = next(body for method, path, body in api.calls if path == "wireguard/server/addServer")
    assert body["server"]["privkey"] == "P" * 43 + "=" and body["server"]["pubkey"] == "Q" * 43 + "="
    assert api.writes_to()[-1] == "wireguard/service/reconfigure"


def test_a_failing_item_still_applies_what_was_saved_before_it(api: FakeApi) -> None:
    alias = web_alias()

    class RejectRules(FakeApi):
        def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
            if path.startswith("firewall/filter/setRule"):
                self.writes += 1
                return {"result": "failed", "validations": {"rule.interface": "Option not in list."}}
            return super().post(path, body)

    rejecting = RejectRules()
    with pytest.raises(BatchError) as caught:
        run_items(
            Session(rejecting, check_mode=False), [(FirewallRule, rule_params(name="r")), (Alias, alias)], apply=True
        )
    assert "items[0] (firewall_rule name=r): " in str(caught.value)
    assert rejecting.writes_to() == ["firewall/alias/addItem", "firewall/alias/reconfigure"]
    assert [result["kind"] for result in caught.value.done] == ["alias"]
    assert caught.value.failed_index == 0 and caught.value.done[0]["index"] == 1


def test_created_vlan_and_rule_facts_need_no_second_read(api: FakeApi) -> None:
    api.vlans["0c1d2e3f-0000-4000-8000-000000000003"] = {"if": "vtnet1", "tag": "31", "vlanif": "vlan03"}
    api.rules["0c1d2e3f-0000-4000-8000-000000000004"] = {"sequence": "250"}
    entries = [
        (Vlan, vlan_params(tag=40)),
        (Vlan, vlan_params(tag=41)),
        (Vlan, vlan_params(parent="vlan01", tag=42)),
        (FirewallRule, rule_params(name="a")),
        (FirewallRule, rule_params(name="b", sequence=10)),
        (FirewallRule, rule_params(name="c")),
    ]
    run = run_items(Session(api, check_mode=False), entries, apply=True)
    assert api.reads == 2  # one per area, none after the writes
    # The next free names (the gap first), qinq0<n> on a VLAN parent, sent so the facts are exact.
    assert [result["facts"]["device"] for result in run.results[:3]] == ["vlan02", "vlan04", "qinq01"]
    sent = [body["vlan"]["vlanif"] for method, path, body in api.calls if path.endswith("addItem")]
    assert sent == ["vlan02", "vlan04", "qinq01"]
    assert all(result["facts"]["uuid"] for result in run.results)
    assert [result["facts"]["sequence"] for result in run.results[3:]] == [350, 10, 450]


def test_a_kind_with_values_the_client_cannot_know_is_read_again(api: FakeApi) -> None:
    params = {name: spec.get("default") for name, spec in DhcpSubnet.argument_spec.items()}
    params.update(subnet="10.0.40.0/24", autocollect=True)
    run_items(Session(api, check_mode=False), [(DhcpSubnet, params)], apply=True)
    assert [path for method, path, _body in api.calls if method == "GET"] == [
        "kea/dhcpv4/searchSubnet?rowCount=-1",
        "kea/dhcpv4/searchSubnet?rowCount=-1",
    ]


def test_backup_is_recorded_before_the_first_write_and_only_then(api: FakeApi) -> None:
    session = Session(api, check_mode=False, backup_before_change=True)
    run_items(session, [(Vlan, vlan_params())], apply=True)  # unchanged: no write, no backup
    assert session.backup is None and api.writes == 0
    assert ("GET", "core/backup/backups/this", None) not in api.calls

    session = Session(api, check_mode=False, backup_before_change=True)
    run_items(session, [(Vlan, vlan_params(description="changed"))], apply=True)
    assert session.backup == "config-1795462186.1760.xml" and session.warnings == []
    first_write = next(i for i, call in enumerate(api.calls) if call[0] == "POST")
    assert ("GET", "core/backup/backups/this", None) in api.calls[:first_write]


def test_check_mode_records_no_backup(api: FakeApi) -> None:
    session = Session(api, check_mode=True, backup_before_change=True)
    run_items(session, [(Vlan, vlan_params(description="changed"))], apply=True)
    assert session.backup is None and api.writes == 0


def test_empty_history_without_savepoint_warns_and_still_writes(api: FakeApi) -> None:
    bare = FakeApi()
    bare.refused["firewall/filter/savepoint"] = OpnsenseError(
        "OPNsense refused firewall/filter/savepoint (HTTP 404): Endpoint not found"
    )
    bare.vlans = api.vlans
    bare.backups = []
    session = Session(bare, check_mode=False, backup_before_change=True)
    run_items(session, [(Vlan, vlan_params(description="changed"))], apply=True)
    assert session.backup is None and "History is empty" in session.warnings[0]
    assert "interfaces/vlan_settings/setItem/9b2d4a61-0f3c-4e8a-b7a1-2c3d4e5f6a7b" in bare.writes_to()


def test_a_failed_apply_still_applies_the_other_areas_and_reports_every_item(api: FakeApi) -> None:
    failing = FakeApi()
    failing.refused["interfaces/vlan_settings/reconfigure"] = OpnsenseError(
        "OPNsense refused interfaces/vlan_settings/reconfigure (HTTP 500)"
    )
    failing.vlans = api.vlans
    alias = web_alias()
    with pytest.raises(BatchError) as caught:
        run_items(Session(failing, check_mode=False), [(Alias, alias), (Vlan, vlan_params(description="x"))], True)
    assert caught.value.failed_index is None and "apply vlans" in str(caught.value)
    assert [result["index"] for result in caught.value.done] == [0, 1]
    assert caught.value.applied == ["aliases"]
