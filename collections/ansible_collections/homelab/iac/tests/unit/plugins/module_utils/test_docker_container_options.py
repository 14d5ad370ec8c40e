"""docker_container's mounts, healthcheck, init, stop options and env handling against the fake engine."""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.homelab.iac.plugins.module_utils._docker_container import DockerContainer
from ansible_collections.homelab.iac.plugins.module_utils._docker_values import InvalidValue
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


DATABASE = {"env": {"POSTGRES_DB": "dev"}, "secret_env": {"POSTGRES_PASSWORD": "s3cret"}}


def test_env_values_are_readable_and_secret_env_values_never_shown(engine: FullFakeDockerEngine) -> None:
    created = container(engine, **DATABASE)
    assert created.diff["after"]["env"] == {"POSTGRES_DB": "dev"}
    assert created.diff["after"]["secret_env"] == {"POSTGRES_PASSWORD": "********"}
    assert created.facts["env"] == {"POSTGRES_DB": "dev", "POSTGRES_PASSWORD": "********"}
    assert "s3cret" not in repr(created)
    # The container gets both, merged.
    assert engine.containers["web"]["Config"]["Env"] == ["PATH=/bin", "POSTGRES_DB=dev", "POSTGRES_PASSWORD=s3cret"]
    writes = list(engine.writes)
    rerun = container(engine, **DATABASE)
    assert (rerun.action, engine.writes) == (Action.NOOP, writes)


def test_a_changed_secret_reads_changed_without_either_value(engine: FullFakeDockerEngine) -> None:
    container(engine, **DATABASE)
    changed = container(engine, check_mode=True, env={"POSTGRES_DB": "app"},
                        secret_env={"POSTGRES_PASSWORD": "other-secret"})
    assert (changed.action, changed.replaced_because) == (Action.REPLACE, ["env", "secret_env"])
    assert changed.diff["before"]["env"] == {"POSTGRES_DB": "dev"}
    assert changed.diff["after"]["env"] == {"POSTGRES_DB": "app"}
    assert changed.diff["after"]["secret_env"] == {"POSTGRES_PASSWORD": "******** (changed)"}
    assert "s3cret" not in repr(changed) and "other-secret" not in repr(changed)


def test_the_merged_environment_is_compared(engine: FullFakeDockerEngine) -> None:
    container(engine, **DATABASE)
    writes = list(engine.writes)
    # The same variables, split differently between the two options: the container is as wanted.
    assert container(engine, secret_env={"POSTGRES_DB": "dev", "POSTGRES_PASSWORD": "s3cret"}).action is Action.NOOP
    assert engine.writes == writes
    # A variable dropped from the task makes a new container; its old value stays masked.
    dropped = container(engine, check_mode=True, secret_env={"POSTGRES_PASSWORD": "s3cret"})
    assert (dropped.action, dropped.replaced_because) == (Action.REPLACE, ["secret_env"])
    assert dropped.diff["before"]["secret_env"] == {"POSTGRES_DB": "********", "POSTGRES_PASSWORD": "********"}


def test_env_names_that_look_secret_are_masked_and_warned_about(engine: FullFakeDockerEngine) -> None:
    resource = DockerContainer(engine, {"name": "web", "image": "homelab/busybox",
                                        "env": {"API_TOKEN": "tok-1", "db_password": "pw-1", "MODE": "dev"}})
    assert [warning.split(";")[0] for warning in resource.warnings] == [
        "env: API_TOKEN looks like a secret", "env: db_password looks like a secret"]
    assert all("move" in warning and "secret_env" in warning for warning in resource.warnings)
    created = Reconciler(resource, check_mode=False).run("present")
    assert created.diff["after"]["env"] == {"MODE": "dev"}
    assert created.diff["after"]["secret_env"] == {"API_TOKEN": "********", "db_password": "********"}
    assert created.facts["env"] == {"API_TOKEN": "********", "MODE": "dev", "db_password": "********"}
    assert "tok-1" not in repr(created) and "pw-1" not in repr(created)


def test_a_variable_in_env_and_secret_env_is_refused_by_name(engine: FullFakeDockerEngine) -> None:
    with pytest.raises(InvalidValue, match="env and secret_env both set POSTGRES_PASSWORD: keep each"):
        container(engine, env={"POSTGRES_PASSWORD": "a"}, secret_env={"POSTGRES_PASSWORD": "b"})
    with pytest.raises(InvalidValue, match="^secret_env: 'A B' is not a variable name"):
        container(engine, secret_env={"A B": "x"})
    assert engine.writes == []


def test_removal_masks_the_whole_environment(engine: FullFakeDockerEngine) -> None:
    container(engine, **DATABASE)
    removed = container(engine, state="absent")
    assert removed.diff["before"]["secret_env"] == {"POSTGRES_DB": "********", "POSTGRES_PASSWORD": "********"}
    assert "s3cret" not in repr(removed)
