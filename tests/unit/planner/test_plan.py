from __future__ import annotations

import pytest

from planner.errors import ConflictError
from planner.intents import Endpoints, load_intent_file, parse_intents
from planner.paths import project_root
from planner.plan import Action, build_plan

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


def test_recorded_state_turns_creates_into_noops_and_updates() -> None:
    first = _plan([{"kind": "container", "name": "a", "image": "x:1", "network": {"name": "n"}}])
    recorded = {c.address: dict(c.after or {}) for c in first.changes}
    assert _plan([{"kind": "container", "name": "a", "image": "x:1", "network": {"name": "n"}}], recorded).counts()[
        "noop"
    ] == 2
    changed = _plan([{"kind": "container", "name": "a", "image": "x:2", "network": {"name": "n"}}], recorded)
    assert changed.change("docker.container.a").action is Action.UPDATE
    assert changed.change("docker.container.a").before == recorded["docker.container.a"]
    assert changed.change("docker.network.n").action is Action.NOOP


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
    from planner.plan import Plan

    plan = _plan([{"kind": "container", "name": "a", "image": "x", "network": {"name": "n"}}])
    again = Plan.model_validate(plan.model_dump(mode="json"))
    assert again == plan
