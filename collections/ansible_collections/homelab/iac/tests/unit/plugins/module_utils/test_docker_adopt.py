"""Adopting Docker objects made by hand (``adopt``) and listing them (docker_info's discovery).

A hand-made network, volume and container lack homelab-iac's label. Listed, each carries the spec a
check-mode run with ``name`` and ``adopt: true`` returns as ``diff.before``; reading or adopting it
unchanged writes nothing; without ``adopt`` a change is refused naming the object; with it, a change
that recreates the object adds the label (keeping the object's own labels and, for a container, its image).
"""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.homelab.iac.plugins.module_utils._docker_common import MANAGED_LABEL
from ansible_collections.homelab.iac.plugins.module_utils._docker_discovery import DockerDiscovery
from ansible_collections.homelab.iac.plugins.module_utils._docker_kinds import KINDS
from ansible_collections.homelab.iac.plugins.module_utils._docker_values import ContainerSpec, InvalidValue
from ansible_collections.homelab.iac.plugins.module_utils._reconcile import Action, Outcome, ReconcileError, Reconciler
from ansible_collections.homelab.iac.tests.unit.plugins.module_utils.docker_fakes import BUSYBOX, FullFakeDockerEngine

MANAGED = {MANAGED_LABEL: "true"}


@pytest.fixture
def engine() -> FullFakeDockerEngine:
    """An engine with the default networks and a network, volume and container made with the docker CLI."""
    fake = FullFakeDockerEngine()
    for name in ("bridge", "host", "none"):
        fake.networks[name] = {"Id": "id-" + name, "Name": name, "Driver": "bridge", "Internal": False,
                               "Labels": {}, "IPAM": {"Config": []}, "Containers": {}}  # fmt: skip
    fake.networks["legacy-net"] = {"Id": "id-legacy", "Name": "legacy-net", "Driver": "bridge", "Internal": False,
                                   "Labels": {"owner": "me"},
                                   "IPAM": {"Config": [{"Subnet": "10.77.5.0/24", "Gateway": "10.77.5.1"}]},
                                   "Containers": {}}  # fmt: skip
    fake.volumes["legacy-data"] = {"Name": "legacy-data", "Driver": "local", "Options": None, "Labels": {"owner": "me"},
                                   "Mountpoint": "/var/lib/docker/volumes/legacy-data/_data", "Scope": "local"}
    fake.create_container(ContainerSpec(name="legacy-app", image=BUSYBOX, command=["sleep", "3600"],
                                        env={"MODE": "hand", "DB_PASSWORD": "hunter2"}, restart_policy="always",
                                        labels={"owner": "me"}))  # fmt: skip
    fake.writes.clear()
    return fake


def run(engine: Any, kind: str, check_mode: bool = False, **params: Any) -> Outcome:
    """One item as docker_batch (and the single module) runs it: validated, built, reconciled."""
    spec = KINDS[kind]
    validated, _hidden = spec.validate(params, "items[0]")
    return Reconciler(spec.resource(engine, validated), check_mode).run(spec.state(validated))


def _listed(engine: Any) -> dict[str, dict[str, Any]]:
    discovery = DockerDiscovery(engine)
    return {f"{item['kind']} {item['id']}": item
            for item in discovery.networks() + discovery.volumes() + discovery.containers()}  # fmt: skip


def test_hand_made_objects_are_listed_unmanaged_without_the_engines_networks(engine: FullFakeDockerEngine) -> None:
    listed = _listed(engine)
    assert sorted(listed) == ["container legacy-app", "network legacy-net", "volume legacy-data"]
    network = listed["network legacy-net"]
    assert (network["name"], network["managed"]) == ("legacy-net", False)
    assert network["spec"] == {"driver": "bridge", "driver_options": None, "subnet": "10.77.5.0/24",
                               "gateway": "10.77.5.1", "internal": False, "labels": {"owner": "me"}}  # fmt: skip
    assert listed["volume legacy-data"]["spec"] == {"driver": "local", "driver_options": {}, "labels": {"owner": "me"}}
    app = listed["container legacy-app"]
    assert app["spec"]["image"] == BUSYBOX and app["spec"]["restart_policy"] == "always"
    assert app["spec"]["env"] == {} and app["spec"]["secret_env"] == {"DB_PASSWORD": "********", "MODE": "********"}
    assert app["facts"]["id"] == engine.containers["legacy-app"]["Id"] and "hunter2" not in repr(listed)
    assert engine.writes == []


@pytest.mark.parametrize("kind, name", [("network", "legacy-net"), ("volume", "legacy-data"),
                                        ("container", "legacy-app")])  # fmt: skip
def test_a_check_mode_read_with_name_and_adopt_returns_the_listed_spec(
    engine: FullFakeDockerEngine, kind: str, name: str
) -> None:
    listed = _listed(engine)[f"{kind} {name}"]
    read = run(engine, kind, check_mode=True, name=name, adopt=True)
    assert read.diff["before"] == listed["spec"] and read.facts == listed["facts"]
    assert engine.writes == []


def test_adopting_what_matches_writes_nothing_and_adds_no_label(engine: FullFakeDockerEngine) -> None:
    assert run(engine, "network", name="legacy-net", adopt=True).action is Action.NOOP
    assert run(engine, "volume", name="legacy-data", adopt=True).action is Action.NOOP
    unchanged = run(engine, "container", name="legacy-app", adopt=True, restart_policy="always", state="present")
    assert unchanged.action is Action.NOOP
    assert engine.writes == [] and MANAGED_LABEL not in engine.networks["legacy-net"]["Labels"]


def test_without_adopt_a_change_is_refused_naming_the_object(engine: FullFakeDockerEngine) -> None:
    with pytest.raises(ReconcileError, match=r"network legacy-net was not created by homelab.iac.*adopt: true"):
        run(engine, "network", name="legacy-net", internal=True)
    with pytest.raises(ReconcileError, match=r"volume legacy-data was not created by homelab.iac.*adopt: true"):
        run(engine, "volume", name="legacy-data", state="absent")
    with pytest.raises(ReconcileError, match=r"container legacy-app was not created by homelab.iac.*adopt: true"):
        run(engine, "container", name="legacy-app", image=BUSYBOX, memory="64m", restart_policy="always")
    with pytest.raises(InvalidValue, match="state is started but all of the following are missing: image"):
        run(engine, "container", name="legacy-app")
    assert engine.writes == []


def test_a_replaced_network_or_volume_gets_the_label_and_keeps_its_own(engine: FullFakeDockerEngine) -> None:
    replaced = run(engine, "network", name="legacy-net", adopt=True, internal=True, subnet="10.77.5.0/24")
    assert (replaced.action, replaced.replaced_because) == (Action.REPLACE, ["internal"])
    assert engine.networks["legacy-net"]["Labels"] == {"owner": "me", **MANAGED}
    assert run(engine, "network", name="legacy-net", internal=True).action is Action.NOOP  # managed from now on

    with pytest.raises(ReconcileError, match="Set purge: true"):
        run(engine, "volume", name="legacy-data", adopt=True, driver_options={"type": "tmpfs"})
    recreated = run(engine, "volume", name="legacy-data", adopt=True, driver_options={"type": "tmpfs"}, purge=True)
    assert recreated.action is Action.REPLACE and engine.volumes["legacy-data"]["Labels"] == {"owner": "me", **MANAGED}


def test_an_adopted_container_changes_in_place_or_is_recreated_with_its_image_and_labels(
    engine: FullFakeDockerEngine,
) -> None:
    old_id = engine.containers["legacy-app"]["Id"]
    started = run(engine, "container", name="legacy-app", adopt=True, restart_policy="always", memory="64m")
    assert (started.action, started.updated) == (Action.UPDATE, ["memory", "running"])
    assert [write for write, _target in engine.writes] == ["update_container", "start_container"]
    assert engine.containers["legacy-app"]["Id"] == old_id  # Docker cannot label it in place: no label yet

    recreated = run(engine, "container", name="legacy-app", adopt=True, restart_policy="always", memory="64m",
                    command=["sleep", "7200"])  # fmt: skip
    assert (recreated.action, recreated.replaced_because) == (Action.REPLACE, ["command"])
    new = engine.containers["legacy-app"]
    assert new["Id"] != old_id and new["Config"]["Image"] == BUSYBOX
    assert new["Config"]["Labels"] == {"owner": "me", **MANAGED}


def test_adopting_a_container_that_does_not_exist_needs_an_image(engine: FullFakeDockerEngine) -> None:
    with pytest.raises(ReconcileError, match="container ghost does not exist: image is required to create it"):
        run(engine, "container", check_mode=True, name="ghost", adopt=True)


def test_managed_only_lists_only_what_homelab_iac_made(engine: FullFakeDockerEngine) -> None:
    run(engine, "network", name="made", labels={"app": "x"})
    [network] = DockerDiscovery(engine, managed_only=True).networks()
    assert (network["id"], network["managed"]) == ("made", True)
    assert DockerDiscovery(engine, managed_only=True).containers() == []
