"""docker_network and docker_container decisions against the in-memory FakeDockerEngine."""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.homelab.iac.plugins.module_utils._docker_container import (
    DockerContainer,
    normalise_image_name,
)
from ansible_collections.homelab.iac.plugins.module_utils._docker_network import DockerNetwork
from ansible_collections.homelab.iac.plugins.module_utils._docker_values import NetworkSpec
from ansible_collections.homelab.iac.plugins.module_utils._reconcile import (
    Action,
    Outcome,
    ReconcileError,
    Reconciler,
)

MANAGED = {"io.homelab-iac.managed": "true"}


def network(engine: Any, check_mode: bool = False, state: str = "present", **params: Any) -> Outcome:
    args = {"name": "lan", "driver": "bridge", "internal": False, "labels": {}, "force": False, **params}
    return Reconciler(DockerNetwork(engine, args), check_mode).run(state)


def container(engine: Any, check_mode: bool = False, **params: Any) -> Outcome:
    args: dict[str, Any] = {"name": "web", "state": "started", "image": "homelab/busybox",
                            "restart_policy": "unless-stopped", "labels": {}, **params}
    state = "absent" if args["state"] == "absent" else "present"
    return Reconciler(DockerContainer(engine, args), check_mode).run(state)


def test_network_create_rerun_and_label_replace(fake_engine: Any) -> None:
    created = network(fake_engine, subnet="172.30.9.0/24", labels={"role": "lan"})
    assert created.action is Action.CREATE
    assert created.facts["labels"] == {"role": "lan", **MANAGED}
    writes = len(fake_engine.writes)

    assert network(fake_engine, subnet="172.30.9.0/24", labels={"role": "lan"}).action is Action.NOOP
    assert len(fake_engine.writes) == writes

    replaced = network(fake_engine, subnet="172.30.9.0/24", labels={"role": "dmz"})
    assert (replaced.action, replaced.replaced_because) == (Action.REPLACE, ["labels"])
    assert fake_engine.networks["lan"]["Labels"]["role"] == "dmz"


def test_network_with_containers_refuses_removal_unless_forced(fake_engine: Any) -> None:
    network(fake_engine)
    container(fake_engine, networks=[{"name": "lan"}])
    with pytest.raises(ReconcileError, match=r"containers attached \(web\).*force: true"):
        network(fake_engine, state="absent")
    assert "lan" in fake_engine.networks

    removed = network(fake_engine, state="absent", force=True)
    assert removed.action is Action.DELETE and "lan" not in fake_engine.networks
    assert fake_engine.containers["web"]["NetworkSettings"]["Networks"] == {}


def test_unmanaged_network_is_never_removed(fake_engine: Any) -> None:
    fake_engine.networks["lan"] = {"Id": "n1", "Name": "lan", "Driver": "bridge", "Labels": {}, "Containers": {}}
    with pytest.raises(ReconcileError, match="not created by homelab.iac"):
        network(fake_engine, state="absent")
    assert fake_engine.writes == []


def test_container_create_start_and_idempotent_rerun(fake_engine: Any) -> None:
    args = {"command": "httpd -f", "ports": ["127.0.0.1:18080:80"], "env": {"TOKEN": "s3cret"},
            "memory": "64m", "cpus": 0.5}
    created = container(fake_engine, **args)
    assert created.action is Action.CREATE
    assert created.facts["status"] == "running" and created.facts["ports"] == ["127.0.0.1:18080:80/tcp"]
    assert "s3cret" not in repr(created)
    writes = list(fake_engine.writes)

    rerun = container(fake_engine, **args)
    assert (rerun.action, rerun.changed) == (Action.NOOP, False)
    assert fake_engine.writes == writes


def test_container_in_place_changes_do_not_recreate(fake_engine: Any) -> None:
    fake_engine.create_network(_spec("front"))
    fake_engine.create_network(_spec("back"))
    created = container(fake_engine, networks=[{"name": "front"}], memory="64m")
    updated = container(fake_engine, networks=[{"name": "back", "aliases": ["www"]}], memory="128m",
                        restart_policy="always", state="stopped")
    assert updated.action is Action.UPDATE
    assert updated.updated == ["networks", "memory", "restart_policy", "running"]
    assert updated.facts["id"] == created.facts["id"]
    assert set(updated.facts["networks"]) == {"back"} and updated.facts["status"] == "exited"


def test_container_recreate_names_the_reasons_and_keeps_nothing_old(fake_engine: Any) -> None:
    first = container(fake_engine, command=["sleep", "10"], env={"A": "1"})
    second = container(fake_engine, command=["sleep", "20"], env={"A": "2"}, labels={"x": "y"})
    assert second.action is Action.REPLACE
    assert second.replaced_because == ["command", "env", "labels"]
    assert second.facts["id"] != first.facts["id"]
    assert list(fake_engine.containers) == ["web"]


def test_port_taken_on_create_leaves_nothing_behind(fake_engine: Any) -> None:
    fake_engine.taken_ports.add(("127.0.0.1", 18080))
    with pytest.raises(ReconcileError) as error:
        container(fake_engine, ports=["127.0.0.1:9000:90", "127.0.0.1:18080:80"])
    assert str(error.value) == (
        "port 127.0.0.1:18080 is already in use on the Docker host: choose another host port in ports[1]")
    assert fake_engine.containers == {}


def test_failed_recreate_restores_the_old_container(fake_engine: Any) -> None:
    old = container(fake_engine, ports=["127.0.0.1:9000:80"])
    fake_engine.taken_ports.add(("127.0.0.1", 18080))
    with pytest.raises(ReconcileError, match="ports\\[0\\]"):
        container(fake_engine, ports=["127.0.0.1:18080:80"])
    survivor = fake_engine.containers["web"]
    assert list(fake_engine.containers) == ["web"]
    assert survivor["Id"] == old.facts["id"] and survivor["State"]["Running"]


def test_missing_image_fails_naming_it_and_check_mode_does_not_pull(fake_engine: Any) -> None:
    planned = container(fake_engine, check_mode=True, image="homelab/nope:1")
    assert planned.action is Action.CREATE and fake_engine.writes == []
    with pytest.raises(ReconcileError, match="image homelab/nope:1 is not on the Docker host"):
        container(fake_engine, image="homelab/nope:1")
    assert fake_engine.containers == {}


def test_check_mode_writes_nothing_but_reports_the_plan(fake_engine: Any) -> None:
    container(fake_engine, command="sleep 10")
    writes = list(fake_engine.writes)
    planned = container(fake_engine, check_mode=True, command="sleep 20", state="stopped")
    assert (planned.action, planned.replaced_because) == (Action.REPLACE, ["command"])
    assert planned.diff["after"]["command"] == ["sleep", "20"]
    assert fake_engine.writes == writes


def test_absent_refuses_unmanaged_and_removes_managed(fake_engine: Any) -> None:
    container(fake_engine)
    fake_engine.containers["web"]["Config"]["Labels"] = {}
    with pytest.raises(ReconcileError, match="container web was not created by homelab.iac"):
        container(fake_engine, state="absent")
    fake_engine.containers["web"]["Config"]["Labels"] = dict(MANAGED)
    assert container(fake_engine, state="absent").action is Action.DELETE
    assert fake_engine.containers == {}


def test_image_names_normalise_to_a_tag() -> None:
    assert normalise_image_name("busybox") == "busybox:latest"
    assert normalise_image_name("registry.lan:5000/tools/busybox") == "registry.lan:5000/tools/busybox:latest"
    assert normalise_image_name("busybox:1.36") == "busybox:1.36"
    assert normalise_image_name("busybox@sha256:abc") == "busybox@sha256:abc"


def _spec(name: str) -> NetworkSpec:
    return NetworkSpec(name, "bridge", None, None, False, dict(MANAGED))
