from __future__ import annotations

import pytest

from planner.core.builder import build_plan
from planner.core.plan import Action
from planner.errors import ConflictError
from planner.intents import Endpoints, load_intent_file, parse_intents
from planner.paths import project_root

ENDPOINTS = Endpoints({"docker": ["lab-docker"]})


def _plan(intents: list[dict[str, object]], recorded: dict[str, dict[str, object]] | None = None):  # type: ignore[no-untyped-def]
    return build_plan(parse_intents(intents), ENDPOINTS, recorded or {}, source="test")


def test_hello_plans_a_network_then_a_container() -> None:
    plan = build_plan(load_intent_file(project_root() / "examples/hello.yaml"), ENDPOINTS, {}, source="hello")
    assert plan.waves == [["docker.network.hello-net"], ["docker.container.hello"]]
    container = plan.change("docker.container.hello")
    assert container.action is Action.CREATE
    assert container.module == "homelab.iac.docker_container"
    assert container.depends_on == ["docker.network.hello-net"]
    assert container.after is not None and container.after["networks"] == [{"name": "hello-net"}]
    assert container.after["ports"] == ["127.0.0.1:18080:8080"]
    assert plan.counts() == {"create": 2, "update": 0, "delete": 0, "noop": 0}


def test_recorded_state_turns_creates_into_noops_updates_and_replacements() -> None:
    first = _plan([{"kind": "container", "name": "a", "image": "x:1", "network": {"name": "n"}}])
    recorded = {c.address: dict(c.after or {}) for c in first.changes}
    assert _plan([{"kind": "container", "name": "a", "image": "x:1", "network": {"name": "n"}}], recorded).counts()[
        "noop"
    ] == 2
    changed = _plan([{"kind": "container", "name": "a", "image": "x:2", "network": {"name": "n"}}], recorded)
    # A new image is a new container: the module recreates it, and the plan says so.
    assert changed.change("docker.container.a").action is Action.REPLACE
    assert changed.change("docker.container.a").before == recorded["docker.container.a"]
    assert changed.change("docker.network.n").action is Action.NOOP
    assert changed.counts() == {"create": 0, "update": 0, "replace": 1, "delete": 0, "noop": 1}
    resized = _plan([{"kind": "container", "name": "a", "image": "x:1", "memory": "256m", "network": {"name": "n"}}],
                    recorded)
    assert resized.change("docker.container.a").action is Action.UPDATE  # docker changes memory in place


def test_why_names_the_field_that_forces_a_replacement() -> None:
    from planner.picture import why

    first = _plan([{"kind": "container", "name": "a", "image": "x:1", "env": {"MODE": "a"}}])
    recorded = {c.address: dict(c.after or {}) for c in first.changes}
    both = _plan([{"kind": "container", "name": "a", "image": "x:1", "env": {"MODE": "b"}, "memory": "256m"}],
                 recorded)
    assert why(both.change("docker.container.a")) == "replace: env changed; memory too"
    # Leaving a field out is not managing it: the module keeps what is there, nothing is recreated.
    unmanaged = _plan([{"kind": "container", "name": "a", "image": "x:1", "memory": "256m"}], recorded)
    assert unmanaged.change("docker.container.a").action is Action.UPDATE


def test_two_intents_sharing_a_network_merge_into_one_resource() -> None:
    net = {"name": "shared", "subnet": "172.30.20.0/24"}
    plan = _plan([
        {"kind": "container", "name": "a", "image": "x", "network": net},
        {"kind": "container", "name": "b", "image": "x", "network": net},
    ])
    assert plan.waves == [["docker.network.shared"], ["docker.container.a", "docker.container.b"]]


def test_conflicting_definitions_of_one_resource_are_refused() -> None:
    with pytest.raises(ConflictError, match="docker.network.shared is defined differently by intents 'a' and 'b'"):
        _plan([
            {"kind": "container", "name": "a", "image": "x", "network": {"name": "shared", "subnet": "172.30.20.0/24"}},
            {"kind": "container", "name": "b", "image": "x", "network": {"name": "shared", "subnet": "172.30.21.0/24"}},
        ])


def test_the_same_host_port_twice_is_refused() -> None:
    with pytest.raises(ConflictError, match="both publish 127.0.0.1:18080/tcp"):
        _plan([
            {"kind": "container", "name": "a", "image": "x", "ports": ["127.0.0.1:18080:80"]},
            {"kind": "container", "name": "b", "image": "x", "ports": ["127.0.0.1:18080:81"]},
        ])


def test_plan_round_trips_as_json() -> None:
    from planner.core.plan import Plan

    plan = _plan([{"kind": "container", "name": "a", "image": "x", "network": {"name": "n"}}])
    again = Plan.model_validate(plan.model_dump(mode="json"))
    assert again == plan


def test_plan_json_written_in_chunks_is_model_dump_json_byte_for_byte() -> None:
    from datetime import UTC, datetime

    from planner.core.plan import Plan

    tricky = {"kind": "container", "name": "odd", "image": "x", "cpus": 0.25, "labels": {
        "note": 'ünïcode ✓, a quote " and a newline\n  "changes": []', "empty": ""}}
    # More than a thousand changes, so the chunks of both long lists meet at least once.
    plan = _plan([tricky, *({"kind": "container", "name": f"c{i}", "image": "x"} for i in range(1200))])
    assert b"".join(plan.json_chunks()) == plan.model_dump_json(indent=2).encode()
    empty = Plan(source="nothing", created_at=datetime(2026, 1, 1, tzinfo=UTC), intents=[], changes=[], waves=[])
    assert b"".join(empty.json_chunks()) == empty.model_dump_json(indent=2).encode()


def test_a_planned_change_is_the_model_its_fields_would_validate_into() -> None:
    from planner.core.plan import Change

    fields = {"address": "docker.container.a", "kind": "docker.container", "name": "a", "endpoint": "lab-docker",
              "module": "homelab.iac.docker_container", "action": Action.UPDATE, "before": {"image": "x"},
              "after": {"image": "y"}, "depends_on": ["docker.network.n"], "wave": 2, "origin": "a"}
    planned = Change.planned(**fields)  # type: ignore[arg-type]
    validated = Change.model_validate(fields)
    assert planned == validated
    assert planned.model_fields_set == validated.model_fields_set
    assert planned.model_dump_json(indent=2) == validated.model_dump_json(indent=2)


# --- conflicts with what is already deployed ----------------------------------------------------------------

FIREWALL = Endpoints({"docker": ["lab-docker"], "opnsense": ["fw"]})


def _segment_plan(recorded: dict[str, dict[str, object]], **located: str):  # type: ignore[no-untyped-def]
    intents = parse_intents([{"kind": "network_segment", "name": "gaming", "vlan": 20, "subnet": "10.0.20.0/24"}])
    return build_plan(intents, FIREWALL, recorded, source="test", recorded_endpoints=located)


def test_a_vlan_tag_used_by_a_deployed_vlan_is_refused_naming_both() -> None:
    recorded = {"opnsense.vlan.cameras": {"parent": "vtnet2", "tag": 20, "state": "present"}}
    with pytest.raises(ConflictError, match="opnsense.vlan.gaming and deployed opnsense.vlan.cameras on fw both use "
                                            "VLAN tag 20"):
        _segment_plan(recorded)


def test_the_same_tag_on_another_firewall_is_fine() -> None:
    recorded = {"opnsense.vlan.cameras": {"parent": "vtnet2", "tag": 20, "state": "present"}}
    plan = _segment_plan(recorded, **{"opnsense.vlan.cameras": "other-fw"})
    assert plan.change("opnsense.vlan.gaming").action is Action.CREATE


def test_an_overlapping_deployed_subnet_is_refused() -> None:
    recorded = {"opnsense.dhcp_subnet.old": {"subnet": "10.0.0.0/16", "state": "present"}}
    with pytest.raises(ConflictError, match="opnsense.dhcp_subnet.gaming and deployed opnsense.dhcp_subnet.old on fw "
                                            "overlap: subnet 10.0.20.0/24 / 10.0.0.0/16"):
        _segment_plan(recorded)


def test_the_segments_own_recorded_state_is_not_a_conflict() -> None:
    first = _segment_plan({})
    recorded = {change.address: dict(change.after or {}) for change in first.changes}
    again = _segment_plan(recorded)
    assert again.counts()["noop"] == len(again.changes)


def test_a_host_port_taken_by_a_deployed_container_is_refused() -> None:
    recorded = {"docker.container.old": {"name": "old", "image": "x", "ports": ["0.0.0.0:18080:80"]}}
    with pytest.raises(ConflictError, match="docker.container.web and deployed docker.container.old on lab-docker "
                                            "both publish 127.0.0.1:18080/tcp"):
        _plan([{"kind": "container", "name": "web", "image": "x", "ports": ["127.0.0.1:18080:80"]}], recorded)


def test_a_name_taken_by_a_deployed_resource_at_another_address_is_refused() -> None:
    recorded = {"docker.container.legacy": {"name": "web", "image": "x"}}
    with pytest.raises(ConflictError, match="docker.container.web and deployed docker.container.legacy on "
                                            "lab-docker are both docker.container named 'web'"):
        _plan([{"kind": "container", "name": "web", "image": "x"}], recorded)


def test_every_conflict_is_reported_at_once() -> None:
    recorded = {
        "docker.network.old": {"name": "old", "subnet": "172.30.0.0/16"},
        "docker.container.old": {"name": "old", "image": "x", "ports": ["127.0.0.1:18080:80"]},
    }
    with pytest.raises(ConflictError) as err:
        _plan([{"kind": "container", "name": "web", "image": "x", "ports": ["127.0.0.1:18080:80"],
                "network": {"name": "web-net", "subnet": "172.30.5.0/24"}}], recorded)
    assert "docker.network.web-net and deployed docker.network.old" in str(err.value)
    assert "docker.container.web and deployed docker.container.old" in str(err.value)


def test_a_reference_in_a_spec_becomes_a_dependency() -> None:
    plan = _segment_plan({})
    assert "opnsense.vlan.gaming" in plan.change("opnsense.interface.gaming").depends_on
    assert plan.change("opnsense.vlan.gaming").wave < plan.change("opnsense.interface.gaming").wave


def test_fewer_players_replaces_the_game_server_naming_the_field_and_a_description_is_an_update() -> None:
    from planner.picture import why

    lab = Endpoints({"docker": ["lab-docker"], "opnsense": ["lab-opnsense"], "dns": ["lab-dns"]})
    example = load_intent_file(project_root() / "examples/minecraft.yaml")
    recorded = {c.address: dict(c.after or {}) for c in build_plan(example, lab, {}, source="t").changes}
    fewer = [i.model_copy(update={"players": 5}) if i.kind == "game_server" else i for i in example]
    changed = [c for c in build_plan(fewer, lab, recorded, source="t").changes if c.action is not Action.NOOP]
    assert [(c.address, c.action) for c in changed] == [("docker.container.minecraft", Action.REPLACE)]
    assert why(changed[0]).startswith("replace: env changed")  # the player count is the server's env

    vlan = {"kind": "vlan", "name": "iot", "tag": 30, "description": "IoT devices"}
    firewall = Endpoints({"opnsense": ["lab-opnsense"]})
    before = {c.address: dict(c.after or {}) for c in build_plan(parse_intents([vlan]), firewall, {}, source="t").changes}
    renamed = build_plan(parse_intents([{**vlan, "description": "Cameras"}]), firewall, before, source="t")
    assert renamed.change("opnsense.vlan.iot").action is Action.UPDATE
