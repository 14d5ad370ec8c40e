"""The NAT rule kinds (port forward, outbound, one-to-one) against an in-memory firewall.

``NatApi`` keeps what the client posts as the firewall would store it (nested DNat fields, the
Filter model's ``snatrules``/``onetoone`` beside the filter rules) and renders it back the way
``get`` does, so a rerun is a real read-compare of what the first run wrote.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_client import OpnsenseError
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_discovery import discover
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_module import BatchError, run_items
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_nat import (
    NatOneToOne,
    NatOutbound,
    NatPortForward,
)
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_resource import Session
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_resources import (
    KINDS,
    FirewallRule,
    InterfaceAssignment,
    rule_uuid,
)
from ansible_collections.homelab.iac.tests.unit.plugins.module_utils.test_opnsense_resources import FakeApi

HANDMADE = "4f1c2b3a-9d8e-4f70-a1b2-c3d4e5f6a7b8"


def _options(*keys: str, selected: str) -> dict[str, Any]:
    """An option map as ``get`` renders it (``""`` is the blank entry of a non-required field)."""
    return {key: {"value": key or "none", "selected": int(key == selected)} for key in keys}


class NatApi(FakeApi):
    """FakeApi plus the DNat model and the Filter model's NAT lists; ``version`` as firmware/status says."""

    def __init__(self, version: str = "26.7.1") -> None:
        super().__init__()
        self.version = version
        self.forwards: dict[str, dict[str, Any]] = {}
        self.snat: dict[str, dict[str, Any]] = {}
        self.onetoone: dict[str, dict[str, Any]] = {}
        self.snat_mode: str | None = "hybrid"

    def get(self, path: str) -> Any:
        if path == "firewall/d_nat/get":
            self.reads += 1
            self.calls.append(("GET", path, None))
            if self.version.startswith("25."):
                raise OpnsenseError("OPNsense refused firewall/d_nat/get (HTTP 404): Endpoint not found", 404)
            return {"DNat": {"rule": copy.deepcopy(self.forwards)}}
        if path == "firewall/filter/get":
            self.reads += 1
            self.calls.append(("GET", path, None))
            model: dict[str, Any] = {}
            if self.snat_mode is not None:
                modes = ("automatic", "hybrid", "advanced", "disabled")
                model["general"] = {"snat_mode": _options(*modes, selected=self.snat_mode)}
            model.update(rules={"rule": self.rules}, snatrules={"rule": copy.deepcopy(self.snat)},
                         onetoone={"rule": copy.deepcopy(self.onetoone)})  # fmt: skip
            return {"filter": model}
        if path == "core/firmware/status":
            self.reads += 1
            return {"product": {"product_name": "OPNsense", "product_version": self.version}}
        return super().get(path)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        answer = super().post(path, body)
        lists = {"d_nat": self.forwards, "source_nat": self.snat, "one_to_one": self.onetoone, "filter": self.rules}
        _module, controller, command, *params = path.split("/")
        if controller in lists and self.reject is None:
            if command == "setRule":
                lists[controller].setdefault(params[0], {}).update(copy.deepcopy(body["rule"]))  # type: ignore[index]
            elif command == "delRule":
                lists[controller].pop(params[0], None)
        return answer


def params(cls: type, **overrides: Any) -> dict[str, Any]:
    """A task of ``cls``'s module, validated by its argument spec as Ansible would."""
    validated = ArgumentSpecValidator(cls.argument_spec, **cls.argument_rules).validate(overrides)
    assert not validated.error_messages, validated.error_messages
    return validated.validated_parameters


def forward(**overrides: Any) -> dict[str, Any]:
    base = {"name": "web", "interface": ["wan"], "protocol": "TCP", "destination_net": "wanip",
            "destination_port": "443", "target": "10.0.20.15", "local_port": "8443", "filter_rule": "register"}
    return params(NatPortForward, **{**base, **overrides})


def test_each_kind_derives_its_uuid_in_a_namespace_of_its_own() -> None:
    api = NatApi()
    session = Session(api, check_mode=True)  # type: ignore[arg-type]
    uuids = {cls(session, {"name": "web"}).uuid for cls in (NatPortForward, NatOutbound, NatOneToOne)}
    assert len(uuids | {rule_uuid("web")}) == 4  # one name, four different objects
    again = NatPortForward(session, {"name": "web"}).uuid
    assert again in uuids and uuid.UUID(again).version == 4
    assert FirewallRule(session, {"name": "web"}).uuid == rule_uuid("web")  # the filter rule's uuids are as before


def test_port_forward_is_written_under_its_uuid_nested_lower_cased_then_applied() -> None:
    api = NatApi()
    run = run_items(Session(api, check_mode=False), [(NatPortForward, forward())], apply=True)  # type: ignore[arg-type]
    pf_uuid = NatPortForward(Session(api, True), {"name": "web"}).uuid  # type: ignore[arg-type]
    assert api.writes_to() == [f"firewall/d_nat/setRule/{pf_uuid}", "firewall/d_nat/apply"]
    assert api.calls[-2][2] == {"rule": {
        "descr": "web", "sequence": "101", "disabled": "0", "interface": "wan", "ipprotocol": "", "protocol": "tcp",
        "source": {"network": "", "port": "", "not": "0"},
        "destination": {"network": "wanip", "port": "443", "not": "0"},
        "target": "10.0.20.15", "local-port": "8443", "natreflection": "", "pass": "rule", "nordr": "0",
        "poolopts": "", "log": "0",
    }}  # fmt: skip
    facts = run.results[0]["facts"]
    assert run.applied == ["d_nat"] and facts["uuid"] == pf_uuid and facts["protocol"] == "tcp"
    assert facts["filter_rule"] == "register" and facts["source_net"] == "any" and facts["ipprotocol"] == "any"


def test_rerun_reads_once_and_writes_nothing_whatever_the_letter_case() -> None:
    api = NatApi()
    run_items(Session(api, check_mode=False), [(NatPortForward, forward())], apply=True)  # type: ignore[arg-type]
    api.calls.clear()
    api.reads = api.writes = 0
    run = run_items(Session(api, check_mode=False), [(NatPortForward, forward(protocol="tcp"))], apply=True)  # type: ignore[arg-type]
    assert run.results[0]["action"] == "noop" and (api.reads, api.writes) == (1, 0) and run.applied == []


def test_a_port_forward_as_get_renders_it_compares_equal() -> None:
    """Option maps, the blank "any", ``disabled`` behind ``enabled``: the 26.7 get rendering of a GUI-made rule."""
    api = NatApi()
    api.forwards[HANDMADE] = {
        "sequence": "250", "disabled": "1", "nordr": "0",
        "interface": _options("lan", "wan", selected="wan"),
        "ipprotocol": _options("", "inet", "inet6", "inet46", selected=""),
        "protocol": _options("", "tcp", "udp", "tcp/udp", selected="tcp/udp"),
        "source": {"network": "", "address": "", "port": "", "not": "0"},
        "destination": {"network": "wanip", "address": "wanip", "port": "8000-8010", "not": "0"},
        "target": "10.0.20.16", "local-port": "8000", "poolopts": _options("", "round-robin", selected=""),
        "log": "0", "category": {}, "categories": "", "descr": "Game range (by hand)", "tag": "", "tagged": "",
        "nosync": "0", "natreflection": _options("", "purenat", "disable", selected="disable"),
        "pass": _options("", "pass", "rule", selected=""), "associated-rule-id": "",
        "created": {"username": "root@127.0.0.1", "time": "1795462186.17", "description": "made by hand"},
    }  # fmt: skip
    [item] = discover(Session(api, check_mode=True), "nat")  # type: ignore[arg-type]
    assert (item["kind"], item["id"], item["name"]) == ("nat_port_forward", HANDMADE, "game-range-by-hand")
    assert item["spec"] == {
        "description": "Game range (by hand)", "sequence": 250, "enabled": False, "interface": ["wan"],
        "ipprotocol": "any", "protocol": "tcp/udp", "source_net": "any", "source_port": "", "source_not": False,
        "destination_net": "wanip", "destination_port": "8000-8010", "destination_not": False,
        "target": "10.0.20.16", "local_port": "8000", "natreflection": "disable", "filter_rule": "manual",
        "nordr": False, "poolopts": "default", "log": False,
    }  # fmt: skip
    same = params(NatPortForward, uuid=HANDMADE, **{k: v for k, v in item["spec"].items() if k != "description"})
    check = run_items(Session(api, check_mode=True), [(NatPortForward, same)], apply=True)  # type: ignore[arg-type]
    assert check.results[0]["action"] == "noop" and check.results[0]["diff"]["before"] == item["spec"]

    enable = run_items(Session(api, check_mode=False), [(NatPortForward, {**same, "enabled": True})], apply=True)  # type: ignore[arg-type]
    assert enable.results[0]["updated"] == ["enabled"]
    assert api.calls[-2][2]["rule"]["disabled"] == "0"  # type: ignore[index]


def test_on_a_release_without_d_nat_the_port_forward_names_the_version_and_writes_nothing() -> None:
    api = NatApi(version="25.7.5")
    with pytest.raises(BatchError) as caught:
        run_items(Session(api, check_mode=True), [(NatPortForward, forward())], apply=True)  # type: ignore[arg-type]
    message = str(caught.value)
    assert message.startswith("items[0] (nat_port_forward name=web): port forwarding through the API needs "
                              "OPNsense 26.1 or later (/api/firewall/d_nat)")  # fmt: skip
    assert message.endswith("this firewall runs OPNsense 25.7.5") and api.writes == 0
    # The other NAT kinds and the listing still work there.
    outbound = params(NatOutbound, name="out", interface="wan", source_net="10.0.30.0/24", target="wanip")
    run_items(Session(api, check_mode=True), [(NatOutbound, outbound)], apply=True)  # type: ignore[arg-type]
    assert discover(Session(api, check_mode=True), "nat") == []  # type: ignore[arg-type]


def test_batch_of_all_three_kinds_reads_two_models_and_applies_each_area_once() -> None:
    api = NatApi()
    entries = [
        (NatOneToOne, params(NatOneToOne, name="mail", source_net="10.0.20.25", external="203.0.113.25")),
        (NatOutbound, params(NatOutbound, name="out", interface="wan", source_net="10.0.30.0/24", target="wanip")),
        (NatPortForward, forward()),
        (NatPortForward, forward(name="ssh", destination_port="2222", local_port="22")),
        (FirewallRule, params(FirewallRule, name="web-in", interface=["wan"], protocol="tcp")),
    ]
    run = run_items(Session(api, check_mode=False), entries, apply=True)  # type: ignore[arg-type]
    assert [path for method, path, _body in api.calls if method == "GET"] == ["firewall/filter/get", "firewall/d_nat/get"]
    assert run.applied == ["filter", "d_nat", "source_nat", "one_to_one"]
    applies = [path for path in api.writes_to() if path.endswith("/apply")]
    assert applies == [f"firewall/{area}/apply" for area in run.applied]
    assert [r["facts"]["sequence"] for r in run.results[2:4]] == [101, 201]  # max + 100 within the kind
    assert [r["kind"] for r in run.results] == ["nat_one_to_one", "nat_outbound", "nat_port_forward",
                                                "nat_port_forward", "firewall_rule"]  # fmt: skip
    # Removal runs in reverse kind order and applies each area once more.
    gone = [(cls, {**item, "state": "absent"}) for cls, item in entries]
    api.calls.clear()
    removed = run_items(Session(api, check_mode=False), gone, apply=True)  # type: ignore[arg-type]
    deletes = [path.split("/")[1] for path in api.writes_to() if "/delRule/" in path]
    assert deletes == ["one_to_one", "source_nat", "d_nat", "d_nat", "filter"]
    assert removed.applied == ["one_to_one", "source_nat", "d_nat", "filter"]


def test_outbound_rule_without_a_target_gets_the_firewalls_default_read_back_once() -> None:
    class DefaultTarget(NatApi):
        def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
            answer = super().post(path, body)
            if path.startswith("firewall/source_nat/setRule/"):
                self.snat[path.rsplit("/", 1)[1]].setdefault("target", "")  # 26.7: the interface address
            return answer

    api = DefaultTarget()
    run = run_items(Session(api, check_mode=False), [(NatOutbound, params(NatOutbound, name="out"))], apply=True)  # type: ignore[arg-type]
    assert "target" not in api.calls[1][2]["rule"]  # type: ignore[index]
    assert [path for method, path, _body in api.calls if method == "GET"] == ["firewall/filter/get"] * 2
    assert run.results[0]["facts"]["target"] == "" and run.results[0]["facts"]["protocol"] == "any"


@pytest.mark.parametrize(("mode", "warned"), [("automatic", True), ("disabled", True), ("hybrid", False),
                                              ("advanced", False), (None, False)])  # fmt: skip
def test_outbound_rule_warns_when_the_mode_ignores_manual_rules(mode: str | None, warned: bool) -> None:
    api = NatApi()
    api.snat_mode = mode
    session = Session(api, check_mode=True)  # type: ignore[arg-type]
    run_items(session, [(NatOutbound, params(NatOutbound, name="a")), (NatOutbound, params(NatOutbound, name="b"))],
              apply=True)  # fmt: skip
    assert len(session.warnings) == int(warned)
    if warned:
        assert session.warnings[0].startswith(f"outbound NAT mode is {mode}: OPNsense applies manual outbound rules")


def test_validation_failure_names_the_nested_field() -> None:
    api = NatApi()
    message = "Please specify a valid port number, well-known name, alias or range."
    api.reject = {"result": "failed", "validations": {"rule.destination.port": message}}
    with pytest.raises(BatchError) as caught:
        run_items(Session(api, check_mode=False), [(NatPortForward, forward(destination_port="3000-2000"))], True)  # type: ignore[arg-type]
    assert caught.value.validations == {"rule.destination.port": [message]}
    assert f"rule.destination.port: {message}" in str(caught.value)
    assert api.writes_to() == [f"firewall/d_nat/setRule/{NatPortForward(Session(api, True), {'name': 'web'}).uuid}"]  # type: ignore[arg-type]


def test_one_to_one_blank_reflection_and_discovery_of_the_filter_model_lists() -> None:
    api = NatApi()
    api.onetoone[HANDMADE] = {
        "enabled": "1", "log": "0", "sequence": "10", "interface": _options("lan", "wan", selected="wan"),
        "type": _options("binat", "nat", selected="binat"), "source_net": "10.0.20.25", "source_not": "0",
        "destination_net": "any", "destination_not": "0", "external": "203.0.113.25",
        "natreflection": _options("", "enable", "disable", selected=""), "categories": {}, "description": "",
    }  # fmt: skip
    outbound = {"enabled": "1", "sequence": "5", "interface": "wan", "description": "lab out", "protocol": "any"}
    api.snat["9c1f5f0e-2b7d-4c9a-8e61-3f0a5d2c7b14"] = outbound
    found = discover(Session(api, check_mode=True), "nat")  # type: ignore[arg-type]
    assert [(item["kind"], item["name"]) for item in found] == [
        ("nat_outbound", "lab-out"), ("nat_one_to_one", f"nat-one-to-one-{HANDMADE[:8]}")]
    one = found[1]["spec"]
    assert one["natreflection"] == "default" and one["type"] == "binat" and one["interface"] == "wan"
    read = run_items(Session(api, check_mode=True), [(NatOneToOne, params(NatOneToOne, uuid=HANDMADE))], True)  # type: ignore[arg-type]
    assert read.results[0]["diff"]["before"] == one and api.writes == 0


def test_the_batch_kinds_are_the_modules_kinds() -> None:
    assert {name: KINDS[name] for name in ("nat_port_forward", "nat_outbound", "nat_one_to_one")} == {
        "nat_port_forward": NatPortForward, "nat_outbound": NatOutbound, "nat_one_to_one": NatOneToOne}
    for cls in (NatPortForward, NatOutbound, NatOneToOne):
        assert "one of the following is required: name, uuid" in " ".join(
            ArgumentSpecValidator(cls.argument_spec, **cls.argument_rules).validate({}).error_messages)


def test_interface_assignment_on_a_release_without_its_api_names_the_version_too() -> None:
    class Old(NatApi):
        def get(self, path: str) -> Any:
            if path.startswith("interfaces/assignment/"):
                raise OpnsenseError(f"OPNsense refused {path} (HTTP 404): Endpoint not found", 404)
            return super().get(path)

    task = params(InterfaceAssignment, device="vlan01", description="GUEST")
    with pytest.raises(BatchError, match=r"interface assignment through the API needs OPNsense 26\.7 or later "
                                         r"\(/api/interfaces/assignment\); this firewall runs OPNsense 26\.1\.5$"):
        run_items(Session(Old(version="26.1.5"), check_mode=True), [(InterfaceAssignment, task)], apply=True)  # type: ignore[arg-type]
