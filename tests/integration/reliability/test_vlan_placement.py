"""The game server on its VLAN itself: a macvlan on the NIC the inventory declares for the segment.

The lab wires segment ``gaming`` into lab-docker's host as a veth pair (``--uplink gaming=10.0.78.1/24``):
one end is the Docker host's access port, the other stands for the firewall's interface on the segment.
The container must get its planned address on a macvlan over the host's end, and answer on it from the
firewall's end, with no port published on the host.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import docker
import pytest

from lab.supervisor import LabStatus
from planner.core.plan import Action
from planner.service import Service
from planner.state.records import DeploymentStatus

pytestmark = [pytest.mark.integration]

# examples/minecraft.yaml on VLAN 78 (10.0.78.0/24): no other test's segment, and not the demo's 10.0.20.0/24.
ON_THE_VLAN = """stack: minecraft-vlan
intents:
  - kind: network_segment
    name: gaming
    vlan: 78
    subnet: 10.0.78.0/24
    role: guest
    isolated: true
    parent: vtnet2
  - kind: game_server
    name: minecraft
    game: minecraft
    players: 10
    segment: gaming
"""


def _iac(*args: str) -> subprocess.CompletedProcess[str]:
    iac = Path(sys.executable).with_name("iac")
    env = {**os.environ, "COLUMNS": "200"}
    done = subprocess.run([str(iac), *args], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"iac {' '.join(args)}: {done.stdout}\n{done.stderr}"
    return done


def _link(name: str) -> str:
    return subprocess.run(["ip", "-d", "link", "show", "dev", name], capture_output=True, text=True).stdout


def _answer_from(source: str, address: str, port: int) -> str:
    """An HTTP GET to ``address:port`` sent from ``source`` (the firewall's end of the pair)."""
    with socket.create_connection((address, port), timeout=10, source_address=(source, 0)) as conn:
        conn.sendall(b"GET / HTTP/1.0\r\n\r\n")
        answer = b""
        while chunk := conn.recv(4096):  # HTTP/1.0: the server closes when the page is sent
            answer += chunk
        return answer.decode(errors="replace")


def test_the_server_sits_on_the_vlan_through_the_declared_nic_and_answers_there(
    lab_uplinked: LabStatus, tmp_path: Path
) -> None:
    [uplink] = lab_uplinked.uplinks
    intents = tmp_path / "minecraft.yaml"
    intents.write_text(ON_THE_VLAN)

    shown = _iac("plan", str(intents)).stdout
    assert (f"placement docker.container.minecraft: on VLAN 78 (gaming) itself at 10.0.78.10: macvlan on "
            f"{uplink.parent} of lab-docker") in " ".join(shown.split())
    assert "lab-docker declares networks.access.gaming" in " ".join(shown.split())

    service = Service.from_environment()  # the fixture's IAC_HOME and inventory
    planned = service.plan(intents, refresh=True)
    result = service.apply(planned.deployment.id)
    assert result.deployment.status is DeploymentStatus.SUCCEEDED, result.deployment.error
    client = docker.DockerClient(base_url=lab_uplinked.docker_host)
    try:
        network = client.api.inspect_network("gaming")
        assert (network["Driver"], network["Options"]) == ("macvlan", {"parent": uplink.parent})
        container = client.api.inspect_container("minecraft")
        assert container["NetworkSettings"]["Networks"]["gaming"]["IPAddress"] == "10.0.78.10"
        assert not container["HostConfig"]["PortBindings"]  # nothing published on the Docker host
        in_container = subprocess.run(
            ["nsenter", "-t", str(container["State"]["Pid"]), "-n", "ip", "-d", "-o", "addr", "show"],
            capture_output=True, text=True, check=True).stdout
        assert "10.0.78.10/24" in in_container
        links = subprocess.run(["nsenter", "-t", str(container["State"]["Pid"]), "-n", "ip", "-d", "link", "show"],
                               capture_output=True, text=True, check=True).stdout
        assert "macvlan mode bridge" in links
    finally:
        client.close()

    # From the firewall's end of the wire, as a player on the VLAN would reach it.
    route = subprocess.run(["ip", "route", "get", "10.0.78.10"], capture_output=True, text=True).stdout
    assert f"dev {uplink.peer}" in route
    assert "hello from homelab-iac" in _answer_from("10.0.78.1", "10.0.78.10", 25565)

    rerun = service.plan(intents, refresh=True)
    assert {change.action for change in rerun.plan.changes} == {Action.NOOP}
    again = service.apply(rerun.deployment.id)
    assert again.deployment.status is DeploymentStatus.SUCCEEDED
    assert again.changed == 0

    gone = service.plan_destroy(stack="minecraft-vlan", allow_data_loss=True)
    assert service.apply(gone.deployment.id).deployment.status is DeploymentStatus.SUCCEEDED
    assert uplink.parent in _link(uplink.parent)  # the wire stays until the lab goes down
