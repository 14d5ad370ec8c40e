"""One writer per resource, seen from the service: a live holder refuses a second apply, naming itself."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from planner.adapters.execute import ScriptedExecutor
from planner.errors import IacError, LockConflict
from planner.locks import hold_locks
from planner.paths import project_root
from planner.state.records import DeploymentStatus
from tests.unit.offline_service import offline_service, state_store

HELLO = project_root() / "examples" / "hello.yaml"


def test_a_second_apply_on_held_resources_is_refused_naming_the_holder(tmp_path: Path) -> None:
    store = state_store(tmp_path)
    service = offline_service(tmp_path, store=store)
    first, second = service.plan(HELLO), service.plan(HELLO)
    conflict = f"deployment {first.deployment.id[:8]} .* is changing docker.container.hello"
    with hold_locks(store, first.deployment.id, ["docker.container.hello"]), pytest.raises(LockConflict, match=conflict):
        service.apply(second.deployment.id)
    assert service.get_deployment(second.deployment.id).status is DeploymentStatus.PLANNED
    assert store.list_locks() == []  # released when the holder finished


def test_wait_lets_the_second_apply_run_once_the_first_lets_go(tmp_path: Path) -> None:
    store = state_store(tmp_path)
    service = offline_service(tmp_path, store=store)
    first, second = service.plan(HELLO), service.plan(HELLO)
    store.acquire_locks(first.deployment.id, ["docker.network.hello-net"], holder="elsewhere:1")
    release = threading.Timer(0.5, store.release_locks, args=[first.deployment.id])
    release.start()
    try:
        result = service.apply(second.deployment.id, wait=10)
    finally:
        release.cancel()
    assert result.deployment.status is DeploymentStatus.SUCCEEDED


def test_locks_are_held_during_the_run_and_released_after(tmp_path: Path) -> None:
    store = state_store(tmp_path)
    seen: list[list[str]] = []

    class Watching(ScriptedExecutor):
        def run(self, project: Path, **kwargs: Any) -> Any:
            seen.append([lock.address for lock in store.list_locks()])
            return super().run(project, **kwargs)

    service = offline_service(tmp_path, Watching(), store)
    service.apply(service.plan(HELLO).deployment.id)
    assert seen == [["docker.container.hello", "docker.network.hello-net"]]
    assert store.list_locks() == []


def test_only_an_interrupted_deployment_can_be_resumed(tmp_path: Path) -> None:
    service = offline_service(tmp_path)
    planned = service.plan(HELLO)
    with pytest.raises(IacError, match="only a run that crashed can be resumed"):
        service.resume(planned.deployment.id)
