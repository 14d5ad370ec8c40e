"""Compose translation and stacks against the fake engine: the same resource classes, many at once (batches: test_docker_batch)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from ansible_collections.homelab.iac.plugins.module_utils._docker_compose import service_order, translate
from ansible_collections.homelab.iac.plugins.module_utils._docker_stack import Stack, StackError
from ansible_collections.homelab.iac.plugins.module_utils._docker_values import InvalidValue
from ansible_collections.homelab.iac.tests.unit.plugins.module_utils.docker_fakes import FullFakeDockerEngine

DEFINITION = {
    "networks": {"game": {"subnet": "172.30.40.0/24"}},
    "volumes": {"world": {}},
    "services": {
        "backup": {"image": "homelab/busybox", "command": "sleep 600", "networks": ["game"],
                   "volumes": ["world:/data:ro"], "depends_on": ["server"]},
        "server": {"image": "homelab/busybox", "mem_limit": "4g", "environment": ["EULA=true"],
                   "networks": {"game": {"ipv4_address": "172.30.40.10"}}, "volumes": ["world:/data"],
                   "stop_grace_period": "2s", "init": True},
    },
}


@pytest.fixture
def engine() -> FullFakeDockerEngine:
    return FullFakeDockerEngine()


def stack(engine: Any, definition: dict[str, Any] | None = None, check_mode: bool = False,
          purge_volumes: bool = False) -> Stack:
    run = Stack(engine, "mc", check_mode, purge_volumes)
    if definition is None:
        run.remove_owned(keep=set())
    else:
        members, _secrets = run.members(definition)
        run.converge(members)
    return run


def test_translation_prefixes_names_labels_members_and_orders_services() -> None:
    plan = translate("mc", DEFINITION)
    assert list(plan.services) == ["server", "backup"]
    server = plan.services["server"]
    assert server["name"] == "mc-server" and server["volumes"] == ["mc-world:/data"]
    assert server["networks"] == [{"name": "mc-game", "ipv4_address": "172.30.40.10", "aliases": ["server"]}]
    # A stack's environment is hidden in the output, as docker_container's secret_env.
    assert server["secret_env"] == {"EULA": "true"} and server["stop_timeout"] == 2
    assert server["labels"]["io.homelab-iac.stack"] == "mc"
    assert plan.networks["game"]["name"] == "mc-game" and plan.volumes["world"]["name"] == "mc-world"


@pytest.mark.parametrize(
    ("definition", "message"),
    [({"services": {"a": {"image": "x", "build": "."}}}, r"services.a.build: not supported"),
     ({"services": {"a": {"image": "x", "networks": ["nope"]}}}, "services.a.networks: nope is not defined"),
     ({"services": {"a": {"image": "x", "volumes": ["nope:/d"]}}}, r"services.a.volumes\[0\]: volume nope"),
     ({"services": {"a": {"command": "x"}}}, "services.a.image: required"),
     ({"services": {}}, "at least one service")],
)
def test_bad_definitions_name_the_key(definition: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        translate("mc", definition)


def test_depends_on_cycles_are_reported() -> None:
    with pytest.raises(InvalidValue, match="cycle a -> b -> a"):
        service_order({"a": {"depends_on": ["b"]}, "b": {"depends_on": ["a"]}})


def test_stack_converges_reruns_clean_and_reports_per_service(engine: FullFakeDockerEngine) -> None:
    first = stack(engine, DEFINITION).result
    assert first.changed and first.services["server"]["status"] == "running"
    assert first.services["server"]["action"] == "create" and first.volumes["world"]["action"] == "create"
    writes = list(engine.writes)
    again = stack(engine, DEFINITION).result
    assert not again.changed and engine.writes == writes
    assert {entry["action"] for entry in again.services.values()} == {"noop"}


def test_stack_removes_dropped_members_and_only_its_own(engine: FullFakeDockerEngine) -> None:
    stack(engine, DEFINITION)
    # Someone else's container, not labelled with the stack, must survive the stack's removal.
    other = copy.deepcopy(engine.containers["mc-backup"])
    other.update(Name="/other", Id="x" * 64)
    other["Config"]["Labels"], other["HostConfig"]["Mounts"] = {}, []
    engine.containers["other"] = other
    smaller = {**DEFINITION, "services": {"server": DEFINITION["services"]["server"]}}
    result = stack(engine, smaller).result
    assert result.removed == ["container mc-backup"]
    removed = stack(engine, None).result
    assert removed.removed == ["container mc-server", "network mc-game"]
    assert removed.kept_volumes == ["mc-world"] and "mc-world" in engine.volumes
    assert set(engine.containers) == {"other"}
    assert stack(engine, None, purge_volumes=True).result.removed == ["volume mc-world"]


def test_stack_failure_names_the_member(engine: FullFakeDockerEngine) -> None:
    broken = {"services": {"web": {"image": "homelab/missing"}}}
    with pytest.raises(StackError, match=r"services.web \(container mc-web\): image homelab/missing:latest"):
        stack(engine, broken)


def test_stack_volume_change_needs_purge_volumes(engine: FullFakeDockerEngine) -> None:
    stack(engine, DEFINITION)
    relabelled = {**DEFINITION, "volumes": {"world": {"labels": {"tier": "gold"}}}}
    with pytest.raises(StackError, match=r"volumes.world \(volume mc-world\): .*would delete its data"):
        stack(engine, relabelled)
    # Even allowed, the engine will not remove a volume the stack's own containers use; its message says so.
    with pytest.raises(StackError, match="volume is in use"):
        stack(engine, relabelled, purge_volumes=True)
    assert engine.volumes["mc-world"]["Labels"].get("tier") is None
