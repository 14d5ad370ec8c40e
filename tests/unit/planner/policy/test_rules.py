from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from planner.core.builder import build_plan
from planner.core.plan import Plan
from planner.core.resources import Resource
from planner.core.sizes import memory_mib
from planner.errors import Argument, PolicyError
from planner.intents import Endpoints, parse_intents
from planner.paths import project_root
from planner.policy import (
    DEFAULT_POLICY,
    Capacity,
    PolicyViolations,
    capacities_from_hosts,
    evaluate,
)
from planner.policy.load import load_policy


def _rule(name: str, *, action: str = "pass", interface: str = "opt1", destination: str = "any",
          **meta: Any) -> Resource:
    return Resource(
        kind="opnsense.firewall_rule", name=name, endpoint="fw",
        spec={"name": name, "action": action, "interface": [interface], "destination_net": [destination]},
        meta=meta, origin="test",
    )


def _container(name: str, memory: str | None = None, cpus: float | None = None, **meta: Any) -> Resource:
    spec: dict[str, Any] = {"name": name, "image": "x"}
    if memory:
        spec["memory"] = memory
    if cpus:
        spec["cpus"] = cpus
    return Resource(kind="docker.container", name=name, endpoint="nas", spec=spec, meta=meta, origin=name)


GUEST_TO_MGMT = _rule("guest-to-mgmt", source_segment="guests", source_role="guest",
                      destination_segment="mgmt", destination_role="management")


# --- no-guest-to-management -------------------------------------------------------------------------------

def test_a_pass_rule_from_a_guest_segment_to_management_blocks_the_plan() -> None:
    with pytest.raises(PolicyError) as err:
        evaluate([GUEST_TO_MGMT], DEFAULT_POLICY)
    message = str(err.value)
    assert "no-guest-to-management" in message
    assert "create opnsense.firewall_rule.guest-to-mgmt" in message
    assert "or waive rule no-guest-to-management for this plan" in message  # the CLI: --allow (test_cli)


def test_a_block_rule_to_management_and_a_trusted_source_are_fine() -> None:
    blocking = _rule("b", action="block", source_role="guest", destination_role="management")
    trusted = _rule("t", source_role="trusted", destination_role="management")
    assert evaluate([blocking, trusted]).violations == []


def test_iot_to_a_management_network_named_in_the_policy_file(tmp_path: Path) -> None:
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text("version: 1\nrules:\n  no-guest-to-management:\n    management_networks: [10.0.10.0/24]\n")
    policy = load_policy(policy_file)
    to_host = _rule("cam-to-nas", destination="10.0.10.5", source_segment="cams", source_role="iot")
    with pytest.raises(PolicyError, match="cam-to-nas.*management network 10.0.10.0/24"):
        evaluate([to_host], policy)


def test_the_role_of_a_source_segment_is_found_from_the_segment_resources() -> None:
    vlan = Resource(kind="opnsense.vlan", name="cams", endpoint="fw", spec={"tag": 30},
                    meta={"segment": "cams", "segment_role": "iot"})
    rule = _rule("cams-to-lan", destination="lan", source_segment="cams")
    with pytest.raises(PolicyError, match="from a iot segment \\(cams\\) to management network lan"):
        evaluate([vlan, rule])


def test_a_waiver_is_recorded_instead_of_blocking() -> None:
    report = evaluate([GUEST_TO_MGMT], allow=["no-guest-to-management"])
    assert report.violations == []
    assert [(w.rule, w.address, w.reason) for w in report.waivers] == [
        ("no-guest-to-management", "opnsense.firewall_rule.guest-to-mgmt", "--allow no-guest-to-management")
    ]


def test_an_unknown_allow_lists_the_known_rules() -> None:
    with pytest.raises(PolicyError) as raised:
        evaluate([], allow=["no-such-rule"])
    assert raised.value.field == Argument("allow", "no-such-rule")
    assert raised.value.message == ("unknown policy rule; known rules: no-guest-to-management, no-wan-exposure, "
                                    "host-capacity, required-tags")


# --- no-wan-exposure --------------------------------------------------------------------------------------

def test_wan_exposure_without_the_request_blocks_and_with_it_passes() -> None:
    exposed = _rule("game-wan", interface="wan", wan_exposure=True)
    with pytest.raises(PolicyError, match="no-wan-exposure: create opnsense.firewall_rule.game-wan: .*expose_wan"):
        evaluate([exposed])
    requested = _rule("game-wan", interface="wan", wan_exposure=True, wan_exposure_requested=True)
    assert evaluate([requested]).violations == []


@pytest.mark.parametrize(("kind", "interface"), [("opnsense.nat_port_forward", ["wan"]),
                                               ("opnsense.nat_one_to_one", "wan")])
def test_a_hand_written_port_forward_or_one_to_one_on_wan_counts_as_exposure(kind: str, interface: Any) -> None:
    spec = {"name": "open", "interface": interface, "target": "10.0.20.10"}
    with pytest.raises(PolicyError, match=f"no-wan-exposure: create {kind}.open"):
        evaluate([Resource(kind=kind, name="open", endpoint="fw", spec=spec, origin="test")])
    inside = {**spec, "interface": ["lan"] if isinstance(interface, list) else "lan"}
    assert evaluate([Resource(kind=kind, name="open", endpoint="fw", spec=inside, origin="test")]).violations == []


def test_a_hand_written_pass_rule_on_wan_counts_as_exposure_but_a_block_rule_does_not() -> None:
    with pytest.raises(PolicyError, match="no-wan-exposure"):
        evaluate([_rule("open-ssh", interface="wan")])
    assert evaluate([_rule("drop-all", interface="wan", action="block")]).violations == []
    report = evaluate([_rule("open-ssh", interface="wan")], allow=["no-wan-exposure"])
    assert [w.rule for w in report.waivers] == ["no-wan-exposure"]


def test_game_server_exposed_only_when_asked_passes_policy_end_to_end() -> None:
    intents = parse_intents([{"version": 1, "intents": [
        {"kind": "network_segment", "name": "gaming", "vlan": 20, "subnet": "10.0.20.0/24"},
        {"kind": "game_server", "name": "mc", "game": "minecraft", "players": 4, "segment": "gaming",
         "expose_wan": True},
    ]}])
    plan = build_plan(intents, Endpoints({"docker": ["nas"], "opnsense": ["fw"]}), {}, source="t")
    assert plan.policy.waivers == []
    assert "no-wan-exposure" in plan.policy.rules


# --- host-capacity ----------------------------------------------------------------------------------------

def test_capacity_counts_what_is_deployed_on_the_endpoint() -> None:
    capacities = {"nas": Capacity(memory_mib=8192, cpus=4)}
    new = [_container("web", memory="4g", cpus=1)]
    assert evaluate(new, capacities=capacities).violations == []
    deployed = {"docker.container.db": {"name": "db", "image": "pg", "memory": "6g", "cpus": 2}}
    with pytest.raises(PolicyError) as err:
        evaluate(new, deployed=deployed, deployed_endpoints={"docker.container.db": "nas"}, capacities=capacities)
    message = str(err.value)
    assert "host-capacity: create docker.container.web" in message
    assert "endpoint nas would need memory 10 GiB of 8 GiB" in message
    assert "docker.container.db (deployed)" in message


def test_capacity_ignores_deployed_resources_elsewhere_or_replaced_by_the_plan() -> None:
    capacities = {"nas": Capacity(memory_mib=8192, cpus=4)}
    deployed = {
        "docker.container.web": {"name": "web", "image": "x", "memory": "6g"},  # replaced by the plan's spec
        "docker.container.far": {"name": "far", "image": "x", "memory": "6g"},  # another host
    }
    report = evaluate([_container("web", memory="4g")], deployed=deployed,
                      deployed_endpoints={"docker.container.far": "other"}, capacities=capacities)
    assert report.violations == []


def test_capacity_sums_vms_and_lxcs_in_mib_and_cores() -> None:
    vm = Resource(kind="proxmox.vm", name="vm1", endpoint="pve", spec={"name": "vm1", "memory": 4096, "cores": 2,
                                                                        "sockets": 2})
    lxc = Resource(kind="proxmox.lxc", name="ct1", endpoint="pve", spec={"hostname": "ct1", "memory": 1024,
                                                                          "cores": 1})
    with pytest.raises(PolicyError, match="endpoint pve would need 5 CPUs of 4"):
        evaluate([vm, lxc], capacities={"pve": Capacity(memory_mib=16384, cpus=4)})
    report = evaluate([vm, lxc], capacities={"pve": Capacity(memory_mib=16384, cpus=4)}, allow=["host-capacity"])
    assert [(w.rule, w.address) for w in report.waivers] == [("host-capacity", "proxmox.lxc.ct1")]


def test_no_capacity_known_means_the_rule_does_not_apply() -> None:
    assert evaluate([_container("huge", memory="512g", cpus=64)]).violations == []


def test_capacities_come_from_inventory_host_vars() -> None:
    capacities = capacities_from_hosts({"nas": {"capacity": {"memory": "16g", "cpus": 8}}, "fw": {}})
    assert capacities == {"nas": Capacity(memory_mib=16384, cpus=8)}
    with pytest.raises(PolicyError, match="inventory host 'nas': capacity.memory: 'lots' is not a size"):
        capacities_from_hosts({"nas": {"capacity": {"memory": "lots"}}})
    assert memory_mib("4GiB") == memory_mib("4g") == 4096
    assert memory_mib("512m") == 512


# --- required-tags and the policy file ------------------------------------------------------------------

def test_required_tags_is_a_user_rule_from_the_policy_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    untagged = _container("web")
    assert "required-tags" not in evaluate([untagged]).rules
    policy_file = tmp_path / "p.yaml"
    policy_file.write_text("version: 1\nrules:\n  required-tags: {tags: [team], owner: true}\n")
    monkeypatch.setenv("IAC_POLICY", str(policy_file))
    policy = load_policy(None)
    with pytest.raises(PolicyError, match="required-tags: create docker.container.web: it lacks tags team and an "
                                          "owner .*add `tags:`/`owner:` to intent 'web'"):
        evaluate([untagged], policy)
    tagged = _container("web", tags=["team"], owner="alice")
    assert evaluate([tagged], policy).rules == [
        "no-guest-to-management", "no-wan-exposure", "host-capacity", "required-tags"
    ]


def test_a_policy_file_can_turn_a_default_rule_off(tmp_path: Path) -> None:
    policy_file = tmp_path / "p.yaml"
    policy_file.write_text("rules:\n  no-wan-exposure: {enabled: false}\n")
    report = evaluate([_rule("open", interface="wan")], load_policy(policy_file))
    assert "no-wan-exposure" not in report.rules


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules:\n  no-such: {}\n", "rules.no-such: unknown rule; known rules: no-guest-to-management"),
        ("rules:\n  required-tags: {colour: red}\n", "rules.required-tags.colour: unknown setting"),
        ("rules:\n  required-tags: {}\n", "give `tags: [...]` and/or `owner: true`"),
        ("version: 2\n", "version: 2 is not supported"),
        ("rules: [a]\n", "rules: expected a mapping"),
        ("rules:\n  no-guest-to-management: {management_networks: [10.0.300.0/24]}\n", "is not a network"),
        ("rules: " + "[" * 5000 + "]" * 5000 + "\n", "p.yaml: line 1, column 57: nested more than 50 levels deep"),
        ("version: " + "9" * 5000 + "\n", "p.yaml: line 1, column 10: a number of 5000 digits"),
    ],
)
def test_bad_policy_files_name_the_field(tmp_path: Path, text: str, message: str) -> None:
    policy_file = tmp_path / "p.yaml"
    policy_file.write_text(text)
    with pytest.raises(PolicyError, match=message.replace("[", "\\[").replace("(", "\\(")):
        load_policy(policy_file)


def test_a_missing_policy_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="no such policy file"):
        load_policy(tmp_path / "nope.yaml")


def test_the_shipped_default_file_equals_the_defaults_in_code() -> None:
    policy = load_policy(project_root() / "policies" / "default.yaml")
    assert policy.enabled == DEFAULT_POLICY.enabled
    assert policy.management_networks == DEFAULT_POLICY.management_networks
    assert (policy.required_tags, policy.require_owner) == ((), False)


# --- in the plan ----------------------------------------------------------------------------------------

def test_build_plan_records_waivers_in_the_stored_plan() -> None:
    intents = parse_intents([{"kind": "container", "name": "web", "image": "x", "memory": "4g"}])
    endpoints = Endpoints({"docker": ["nas"]})
    capacities = {"nas": Capacity(memory_mib=2048)}
    with pytest.raises(PolicyViolations) as err:
        build_plan(intents, endpoints, {}, source="t", capacities=capacities)
    assert [v.address for v in err.value.report.violations] == ["docker.container.web"]
    plan = build_plan(intents, endpoints, {}, source="t", capacities=capacities, allow=["host-capacity"])
    stored = Plan.model_validate(plan.model_dump(mode="json"))
    assert [(w.rule, w.address) for w in stored.policy.waivers] == [("host-capacity", "docker.container.web")]
    assert stored.policy.rules == ["no-guest-to-management", "no-wan-exposure", "host-capacity"]


def test_plans_stored_before_policy_existed_still_load() -> None:
    intents = parse_intents([{"kind": "container", "name": "web", "image": "x"}])
    data = build_plan(intents, Endpoints({"docker": ["nas"]}), {}, source="t").model_dump(mode="json")
    del data["policy"]
    assert Plan.model_validate(data).policy.waivers == []
