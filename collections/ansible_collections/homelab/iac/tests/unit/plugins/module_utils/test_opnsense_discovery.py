"""opnsense_info's discovery sections and the firewall rule's ``uuid`` option, against the in-memory API.

What an import needs: every hand-made VLAN, alias and rule is listed with its import id and a spec that
equals the ``diff.before`` of a check-mode batch item with only the identity options; reading it that
way writes nothing; a rule adopted by uuid is compared, updated and removed under that uuid.
"""

from __future__ import annotations

from typing import Any

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible_collections.homelab.iac.plugins.module_utils._discovery import resource_name, unique_names
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_discovery import builtin_alias, discover
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_module import BatchError, run_items
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_resource import OpnsenseItem, Session
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_resources import KINDS, FirewallRule
from ansible_collections.homelab.iac.tests.unit.plugins.module_utils.test_opnsense_resources import FakeApi, _pcp

VLAN_UUID = "0f9c6a1e-4a8e-4b1d-9a37-2c55f0d8e6b1"
ALIAS_UUID = "7d1e2f30-1111-4c2d-8e9f-0a1b2c3d4e5f"
RULE_UUID = "9c1f5f0e-2b7d-4c9a-8e61-3f0a5d2c7b14"


def _selected(*keys: str, offered: tuple[str, ...] = ()) -> dict[str, Any]:
    return {key: {"value": key, "selected": int(key in keys)} for key in (*offered, *keys)}


@pytest.fixture
def api() -> FakeApi:
    """A firewall with one VLAN, one alias and one rule made by hand, plus OPNsense's own aliases."""
    fake = FakeApi()
    fake.vlans[VLAN_UUID] = {
        "if": _selected("vtnet2", offered=("vtnet1",)), "tag": "77", "pcp": _pcp("0"),
        "proto": {"": {"value": "Auto", "selected": 1}, "802.1q": {"value": "802.1Q", "selected": 0}},
        "descr": "Lab Guests", "vlanif": "vlan01",
    }  # fmt: skip
    alias = {"enabled": "1", "name": "legacy_hosts", "type": _selected("host", offered=("network",)),
             "content": _selected("10.0.0.7", "10.0.0.8"), "description": "made by hand"}  # fmt: skip
    fake.aliases[ALIAS_UUID] = alias
    # Static and dynamic children of the alias model are keyed by name (AliasField::getStaticChildren).
    for name in ("bogons", "sshlockout", "__lan_network"):
        fake.aliases[name] = {"enabled": "1", "name": name, "type": _selected("external"), "content": {},
                              "description": f"{name} (internal)"}  # fmt: skip
    fake.rules[RULE_UUID] = {
        "enabled": "1", "sequence": "250", "action": _selected("block", offered=("pass",)), "quick": "1",
        "interface": _selected("lan", offered=("wan",)), "direction": _selected("in"),
        "ipprotocol": _selected("inet"), "protocol": _selected("TCP", offered=("any",)),
        "source_net": "any", "source_not": "0", "source_port": "", "destination_net": "legacy_hosts",
        "destination_not": "0", "destination_port": "8080", "log": "0", "description": "Legacy app (by hand)",
    }  # fmt: skip
    return fake


def _validated(kind: str, raw: dict[str, Any]) -> dict[str, Any]:
    cls = KINDS[kind]
    result = ArgumentSpecValidator(cls.argument_spec, **cls.argument_rules).validate(raw)
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


def _check_read(api: FakeApi, kind: str, identity: dict[str, Any]) -> dict[str, Any]:
    """The result of a check-mode batch item with only ``identity``, as opnsense_batch computes it."""
    session = Session(api, check_mode=True)  # type: ignore[arg-type]
    return run_items(session, [(KINDS[kind], _validated(kind, identity))], apply=True).results[0]


def test_vlans_are_listed_by_parent_and_tag_with_the_spec_a_check_mode_read_returns(api: FakeApi) -> None:
    [vlan] = discover(Session(api, check_mode=True), "vlans")  # type: ignore[arg-type]
    assert vlan == {
        "kind": "vlan", "id": "vtnet2/77", "name": "lab-guests", "managed": False,
        "spec": {"parent": "vtnet2", "tag": 77, "pcp": 0, "proto": "", "description": "Lab Guests",
                 "device": "vlan01"},
        "facts": {"uuid": VLAN_UUID, "parent": "vtnet2", "tag": 77, "pcp": 0, "proto": "",
                  "description": "Lab Guests", "device": "vlan01"},
    }  # fmt: skip
    writes = api.writes
    read = _check_read(api, "vlan", {"parent": "vtnet2", "tag": 77})
    assert read["diff"]["before"] == vlan["spec"] and read["facts"] == vlan["facts"]
    assert api.writes == writes  # reading it that way writes nothing (here: an update, planned only)


def test_aliases_leave_out_opnsenses_own(api: FakeApi) -> None:
    aliases = discover(Session(api, check_mode=True), "aliases")  # type: ignore[arg-type]
    assert [(a["kind"], a["id"], a["name"], a["managed"]) for a in aliases] == [
        ("alias", "legacy_hosts", "legacy-hosts", False)]
    assert aliases[0]["spec"] == {"name": "legacy_hosts", "type": "host", "content": ["10.0.0.7", "10.0.0.8"],
                                  "description": "made by hand", "enabled": True}
    read = _check_read(api, "alias", {"name": "legacy_hosts"})
    assert read["diff"]["before"] == aliases[0]["spec"] and api.writes == 0
    assert builtin_alias("virusprot", {"name": "virusprot"}) and builtin_alias(ALIAS_UUID, {"name": "__opt1_network"})


def test_rules_are_listed_by_uuid_and_read_back_by_uuid_alone(api: FakeApi) -> None:
    [rule] = discover(Session(api, check_mode=True), "rules")  # type: ignore[arg-type]
    assert (rule["kind"], rule["id"], rule["name"]) == ("firewall_rule", RULE_UUID, "legacy-app-by-hand")
    assert rule["spec"]["description"] == "Legacy app (by hand)" and rule["spec"]["interface"] == ["lan"]
    assert rule["spec"]["destination_net"] == ["legacy_hosts"] and rule["facts"]["uuid"] == RULE_UUID
    read = _check_read(api, "firewall_rule", {"uuid": RULE_UUID})
    # The defaults of the options left out (action pass...) differ, so a real run would update: planned only.
    assert read["action"] == "update" and read["diff"]["before"] == rule["spec"] and api.writes == 0
    same = _check_read(api, "firewall_rule", {"uuid": RULE_UUID.upper(), **{
        key: value for key, value in rule["spec"].items() if key != "description"}})
    assert same["action"] == "noop"


def test_each_section_is_one_read(api: FakeApi) -> None:
    session = Session(api, check_mode=True)  # type: ignore[arg-type]
    for section in ("vlans", "aliases", "rules"):
        discover(session, section)
    assert [path for method, path, _body in api.calls if method == "GET"] == [
        "interfaces/vlan_settings/get", "firewall/alias/get", "firewall/filter/get"]


def test_a_rule_adopted_by_uuid_is_updated_and_removed_under_it(api: FakeApi) -> None:
    spec = discover(Session(api, check_mode=True), "rules")[0]["spec"]  # type: ignore[arg-type]
    wanted = _validated("firewall_rule", {"uuid": RULE_UUID, **spec, "destination_port": "8443"})
    run = run_items(Session(api, check_mode=False), [(FirewallRule, wanted)], apply=True)  # type: ignore[arg-type]
    assert run.results[0]["action"] == "update" and run.results[0]["updated"] == ["destination_port"]
    assert api.writes_to() == [f"firewall/filter/setRule/{RULE_UUID}", "firewall/filter/apply"]
    posted = api.calls[-2][2]["rule"]
    assert posted["description"] == "Legacy app (by hand)" and posted["destination_port"] == "8443"

    gone = run_items(Session(api, check_mode=False), [(FirewallRule, _validated(  # type: ignore[arg-type]
        "firewall_rule", {"uuid": RULE_UUID, "state": "absent"}))], apply=True)  # fmt: skip
    assert gone.results[0]["action"] == "delete" and f"firewall/filter/delRule/{RULE_UUID}" in api.writes_to()


def test_a_uuid_no_rule_has_creates_one_under_it_only_when_it_is_a_v4_uuid(api: FakeApi) -> None:
    new = "3f8a2c1e-5b6d-4e7f-8a9b-0c1d2e3f4a5b"
    run = run_items(Session(api, check_mode=False), [(FirewallRule, _validated(  # type: ignore[arg-type]
        "firewall_rule", {"uuid": new, "description": "new"}))], apply=True)  # fmt: skip
    assert run.results[0]["action"] == "create" and f"firewall/filter/setRule/{new}" in api.writes_to()
    with pytest.raises(BatchError, match="only under a v4 uuid"):
        run_items(Session(api, check_mode=True), [(FirewallRule, _validated(  # type: ignore[arg-type]
            "firewall_rule", {"uuid": "3f8a2c1e-5b6d-1e7f-8a9b-0c1d2e3f4a5b"}))], apply=True)  # fmt: skip
    with pytest.raises(BatchError, match="is not a uuid"):
        run_items(Session(api, check_mode=True), [(FirewallRule, _validated(  # type: ignore[arg-type]
            "firewall_rule", {"uuid": "web"}))], apply=True)  # fmt: skip


def test_a_rule_needs_a_name_or_a_uuid() -> None:
    result = ArgumentSpecValidator(FirewallRule.argument_spec, **FirewallRule.argument_rules).validate({})
    assert "one of the following is required: name, uuid" in " ".join(result.error_messages)
    by_name = FirewallRule(Session(FakeApi(), True), {"name": "web"})  # type: ignore[arg-type]
    assert by_name.label() == "name=web" and isinstance(by_name, OpnsenseItem)


def test_suggested_names_are_resource_names_and_unique() -> None:
    assert resource_name("Lab Guests (2nd floor)!", "vlan-77") == "lab-guests-2nd-floor"
    assert resource_name("  --  ", "Rule 9c1f") == "rule-9c1f"
    named = unique_names([{"name": "web"}, {"name": "web"}, {"name": "web-2"}, {"name": "db"}])
    assert [item["name"] for item in named] == ["web", "web-2", "web-2-2", "db"]
