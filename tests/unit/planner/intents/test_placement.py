"""Where a game server sits on its segment: macvlan on the NIC the inventory declares, else a bridge."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from planner.adapters.inventory import EndpointInventory, Host, load_inventory
from planner.adapters.render import render_project
from planner.core.builder import build_plan
from planner.core.plan import Plan
from planner.errors import IntentError
from planner.intents import parse_intents

SEGMENT = {"kind": "network_segment", "name": "gaming", "vlan": 20, "subnet": "10.0.20.0/24", "role": "guest",
           "isolated": True, "parent": "vtnet2"}
SERVER = {"kind": "game_server", "name": "minecraft", "game": "minecraft", "players": 10, "segment": "gaming"}


def _inventory(networks: Any = None) -> EndpointInventory:
    docker: dict[str, Any] = {"docker_host": "unix:///tmp/d.sock"}
    if networks is not None:
        docker["networks"] = networks
    return EndpointInventory(path=Path("hosts.yml"), hosts={
        "lab-docker": Host("lab-docker", "docker", docker),
        "lab-opnsense": Host("lab-opnsense", "opnsense", {"api_url": "https://127.0.0.1:1"}),
    })


def _plan(networks: Any = None, **server: Any) -> Plan:
    intents = parse_intents([SEGMENT, {**SERVER, **server}])
    return build_plan(intents, _inventory(networks).endpoints(), {}, source="minecraft.yaml")


def _after(plan: Plan, address: str) -> dict[str, Any]:
    return next(change.after or {} for change in plan.changes if change.address == address)


def test_an_access_port_puts_the_server_on_the_vlan_itself_with_nothing_published() -> None:
    plan = _plan({"access": {"gaming": "enp4s0"}})
    network = _after(plan, "docker.network.gaming")
    assert network == {"name": "gaming", "driver": "macvlan", "subnet": "10.0.20.0/24",
                       "driver_options": {"parent": "enp4s0"}, "gateway": "10.0.20.1", "state": "present"}
    container = _after(plan, "docker.container.minecraft")
    assert container["ports"] == []
    assert container["networks"] == [{"name": "gaming", "ipv4_address": "10.0.20.10"}]
    placement = plan.placements["docker.container.minecraft"]
    assert (placement["driver"], placement["parent"], placement["address"]) == ("macvlan", "enp4s0", "10.0.20.10")
    assert "lab-docker declares networks.access.gaming" in placement["summary"]
    assert "no host ports published" in placement["summary"]


def test_a_trunk_renders_the_vlan_sub_interface_as_the_parent_the_engine_is_asked_for(tmp_path: Path) -> None:
    inventory = _inventory({"trunk": "eth0"})
    plan = build_plan(parse_intents([SEGMENT, SERVER]), inventory.endpoints(), {}, source="minecraft.yaml")
    project = render_project(plan, inventory, tmp_path / "project", deployment_id="d1")
    site = (project / "site.yml").read_text()
    items = [item for play in yaml.safe_load(site) for task in play.get("tasks", [])
             for item in (task.get("homelab.iac.docker_batch") or {}).get("items", [])]
    network = next(item for item in items if item.get("kind") == "network")
    assert network["driver"] == "macvlan"
    assert network["driver_options"] == {"parent": "eth0.20"}
    assert network["gateway"] == "10.0.20.1"
    assert "networks.trunk eth0" in plan.placements["docker.container.minecraft"]["summary"]


def test_an_access_port_by_vlan_tag_beats_the_trunk() -> None:
    plan = _plan({"trunk": "eth0", "access": {"20": "enp5s0"}})
    assert _after(plan, "docker.network.gaming")["driver_options"] == {"parent": "enp5s0"}


def test_without_a_declared_nic_the_bridge_stays_and_the_plan_says_why() -> None:
    plan = _plan()
    assert _after(plan, "docker.network.gaming") == {"name": "gaming", "driver": "bridge",
                                                     "subnet": "10.0.20.0/24", "state": "present"}
    assert _after(plan, "docker.container.minecraft")["ports"] == ["127.0.0.1:25565:25565/tcp"]
    summary = plan.placements["docker.container.minecraft"]["summary"]
    assert "published on 127.0.0.1:25565/tcp" in summary
    assert "lab-docker declares no NIC on segment gaming" in summary


def test_network_driver_bridge_keeps_the_bridge_though_a_nic_is_declared() -> None:
    plan = _plan({"access": {"gaming": "enp4s0"}}, network_driver="bridge")
    assert _after(plan, "docker.network.gaming")["driver"] == "bridge"
    assert "network_driver: bridge" in plan.placements["docker.container.minecraft"]["summary"]


def test_macvlan_asked_for_without_a_declared_nic_is_refused_naming_the_inventory_entry() -> None:
    with pytest.raises(IntentError) as caught:
        _plan(network_driver="macvlan")
    message = str(caught.value)
    assert "network_driver: macvlan needs the NIC" in message
    assert "lab-docker: networks: {access: {gaming: NIC}}" in message


@pytest.mark.parametrize(("networks", "expected"), [
    ("eth0", "expected a mapping with trunk and/or access"),
    ({"trunk": "eth0.20"}, "networks.trunk: 'eth0.20' is not a NIC name"),
    ({"uplink": "eth0"}, "uplink is not a setting (trunk, access)"),
    ({"access": {"gaming": "has space"}}, "networks.access.gaming: 'has space' is not a NIC name"),
])
def test_a_bad_networks_entry_is_refused_naming_the_host_and_field(networks: Any, expected: str) -> None:
    with pytest.raises(IntentError) as caught:
        _plan(networks)
    assert "hosts.yml: lab-docker.networks" in str(caught.value)
    assert expected in str(caught.value)


def test_the_inventory_file_declares_networks_per_docker_host(tmp_path: Path) -> None:
    hosts = tmp_path / "hosts.yml"
    hosts.write_text(yaml.safe_dump({"all": {"children": {"docker": {"hosts": {
        "nas": {"docker_host": "tcp://127.0.0.1:2375", "networks": {"trunk": "eno1"}}}}}}}))
    uplinks = load_inventory(hosts).endpoints().uplinks("nas")
    assert uplinks.parent_for("iot", 40) == ("eno1.40", "networks.trunk eno1")
