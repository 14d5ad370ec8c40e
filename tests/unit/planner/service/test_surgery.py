"""`iac state rm`: forgetting a resource changes what homelab-iac remembers, never a device."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.adapters.execute import ScriptedExecutor
from planner.errors import Fix, IacError
from planner.paths import project_root
from planner.service import Service
from planner.state.records import DeploymentStatus, ResourceState
from planner.state.sql import SqlStateStore
from tests.unit.offline_service import offline_service, runner_event, state_store

HELLO = project_root() / "examples" / "hello.yaml"
CONTAINER, NETWORK = "docker.container.hello", "docker.network.hello-net"


def _applied_hello(tmp_path: Path, store: SqlStateStore | None = None) -> tuple[Service, ScriptedExecutor]:
    """examples/hello.yaml applied (by a fake run): its network and container are recorded."""
    executor = ScriptedExecutor([runner_event("runner_on_ok", NETWORK, changed=True),
                                 runner_event("runner_on_ok", CONTAINER, changed=True)])
    service = offline_service(tmp_path, executor, store)
    service.apply(service.plan(HELLO).deployment.id)
    return service, executor


def test_a_forgotten_resource_is_no_longer_managed_and_the_record_says_who_forgot_it(tmp_path: Path) -> None:
    store = state_store(tmp_path)
    service, executor = _applied_hello(tmp_path, store)
    runs = len(executor.runs)

    forgotten = service.forget(CONTAINER)
    assert (forgotten.state, forgotten.version) == (ResourceState.FORGOTTEN, 2)
    assert len(executor.runs) == runs  # nothing ran: no device was asked anything
    assert [r.address for r in service.resources()] == [NETWORK]
    deployment = service.get_deployment(forgotten.deployment_id)
    assert (deployment.status, deployment.intent["source"]) == (DeploymentStatus.SUCCEEDED, f"state rm {CONTAINER}")
    assert [v.state for v in service.history(CONTAINER)] == [ResourceState.FORGOTTEN, ResourceState.PRESENT]
    assert [r.address for r in store.resources_after(deployment.id)] == [NETWORK]  # a restore leaves it alone
    assert store.list_locks() == []

    with pytest.raises(IacError) as again:
        service.forget(CONTAINER)
    assert str(again.value).startswith(f"{CONTAINER!r} is forgotten already")
    assert again.value.remedy is not None and again.value.remedy.fix is Fix.LIST_RESOURCES


def test_forgetting_what_is_not_recorded_changes_nothing(tmp_path: Path) -> None:
    service = offline_service(tmp_path)
    with pytest.raises(IacError, match="'docker.container.nope' is not recorded"):
        service.forget("docker.container.nope")
    assert service.deployments() == []


def test_a_moved_resource_keeps_its_history_and_no_device_is_asked(tmp_path: Path) -> None:
    service, executor = _applied_hello(tmp_path)
    runs = len(executor.runs)

    moved = service.move(CONTAINER, "docker.container.greeting")
    assert (moved.address, moved.version) == ("docker.container.greeting", 2)
    assert len(executor.runs) == runs
    assert [r.address for r in service.resources()] == ["docker.container.greeting", NETWORK]
    assert service.get_deployment(moved.deployment_id).intent["source"] == f"state mv {CONTAINER} docker.container.greeting"
    [stack] = service.stacks()
    assert sorted(stack.stack.addresses) == ["docker.container.greeting", NETWORK]


@pytest.mark.parametrize(("source", "target", "message"), [
    ("docker.container.nope", "docker.container.x", "'docker.container.nope' is not recorded"),
    (CONTAINER, NETWORK, "is not a docker.container address"),
    (CONTAINER, "docker.container.hello", "'docker.container.hello' is managed already"),
])
def test_a_move_that_cannot_be_made_changes_nothing(tmp_path: Path, source: str, target: str, message: str) -> None:
    service, _ = _applied_hello(tmp_path)
    before = service.deployments()
    with pytest.raises(IacError, match=message):
        service.move(source, target)
    assert service.deployments() == before

