"""docker_container's mounts, healthcheck, init, stop options and env handling against the fake engine."""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.homelab.iac.plugins.module_utils._docker_container import DockerContainer
from ansible_collections.homelab.iac.plugins.module_utils._reconcile import (
    Action,
    Outcome,
    ReconcileError,
    Reconciler,
)
from ansible_collections.homelab.iac.tests.unit.plugins.module_utils.docker_fakes import FullFakeDockerEngine

FULL = {
    "command": "httpd -f -p 80", "env": {"B": 2, "A": True}, "ports": ["127.0.0.1:18080:80"],
    "volumes": ["data:/data"], "mounts": [{"type": "tmpfs", "target": "/tmp"}],
    "healthcheck": {"test": "wget -q -O- http://127.0.0.1/", "interval": "5s", "retries": 3},
    "init": True, "stop_signal": "term", "stop_timeout": 2, "memory": "64m", "labels": {"role": "web"},
}


@pytest.fixture
def engine() -> FullFakeDockerEngine:
    return FullFakeDockerEngine()


def container(engine: Any, check_mode: bool = False, **params: Any) -> Outcome:
    args: dict[str, Any] = {"name": "web", "state": "started", "image": "homelab/busybox",
                            "restart_policy": "unless-stopped", **params}
    state = "absent" if args["state"] == "absent" else "present"
    return Reconciler(DockerContainer(engine, args), check_mode).run(state)


def test_every_option_round_trips_so_a_rerun_writes_nothing(engine: FullFakeDockerEngine) -> None:
    created = container(engine, **FULL)
    assert created.action is Action.CREATE
    assert created.facts["mounts"] == ["tmpfs::/tmp:rw", "volume:data:/data:rw"]
    # Only the task's labels: the image's own labels are not the container's to report.
    assert created.facts["labels"] == {"role": "web", "io.homelab-iac.managed": "true"}
    writes = list(engine.writes)
    reordered = {**FULL, "env": {"A": "true", "B": "2"}, "stop_signal": "SIGTERM"}
    rerun = container(engine, **reordered)
    assert (rerun.action, engine.writes) == (Action.NOOP, writes)


@pytest.mark.parametrize(
    ("change", "reason"),
    [({"volumes": ["data:/data:ro"]}, "mounts"), ({"mounts": []}, "mounts"),
     ({"healthcheck": {"test": "true", "interval": "5s", "retries": 3}}, "healthcheck"),
     ({"init": False}, "init"), ({"stop_signal": "INT"}, "stop_signal"), ({"stop_timeout": 5}, "stop_timeout"),
     ({"env": {"A": True, "B": 3}}, "env")],
)
def test_changes_that_need_a_new_container_say_which_property(
    engine: FullFakeDockerEngine, change: dict[str, Any], reason: str
) -> None:
    container(engine, **FULL)
    planned = container(engine, check_mode=True, **{**FULL, **change})
    assert (planned.action, planned.replaced_because) == (Action.REPLACE, [reason])


def test_in_place_changes_keep_the_container(engine: FullFakeDockerEngine) -> None:
    created = container(engine, **FULL)
    updated = container(engine, **{**FULL, "memory": "4g", "restart_policy": "always"})
    assert (updated.action, updated.updated) == (Action.UPDATE, ["memory", "restart_policy"])
    assert updated.facts["id"] == created.facts["id"]


def test_unset_options_are_not_compared(engine: FullFakeDockerEngine) -> None:
    container(engine, **FULL)
    assert container(engine, check_mode=True, memory="64m").action is Action.NOOP


def test_unmanaged_container_is_not_even_started(engine: FullFakeDockerEngine) -> None:
    container(engine, state="stopped")
    engine.containers["web"]["Config"]["Labels"] = {}
    writes = list(engine.writes)
    with pytest.raises(ReconcileError, match="container web was not created by homelab.iac"):
        container(engine, check_mode=True)
    assert engine.writes == writes


def test_env_values_never_reach_the_diff(engine: FullFakeDockerEngine) -> None:
    created = container(engine, env={"TOKEN": "s3cret-value"})
    changed = container(engine, check_mode=True, env={"TOKEN": "other-secret"})
    assert created.diff["after"]["env"] == {"TOKEN": "********"}
    assert changed.diff["after"]["env"] == {"TOKEN": "******** (changed)"}
    assert "s3cret" not in repr(changed.diff) and "other-secret" not in repr(changed.diff)
