"""Unit-test setup for homelab.iac: importable collection and an in-memory Docker engine.

Plain pytest from the project root does not know about Ansible's collection layout, so the
``collections/`` directory goes on sys.path (ansible-test units does the same on its own).
``FakeDockerEngine`` stands in for ``DockerEngine``: it keeps inspect-shaped dicts and records
every write call, so tests can prove that a rerun or check mode writes nothing.
"""

from __future__ import annotations

import copy
import hashlib
import sys
from pathlib import Path
from typing import Any

import pytest

_COLLECTIONS_ROOT = Path(__file__).resolve().parents[5]
if (_COLLECTIONS_ROOT / "ansible_collections").is_dir() and str(_COLLECTIONS_ROOT) not in sys.path:
    sys.path.insert(0, str(_COLLECTIONS_ROOT))

from ansible_collections.homelab.iac.plugins.module_utils._docker_engine import (  # noqa: E402
    DockerEngineError,
)
from ansible_collections.homelab.iac.plugins.module_utils._docker_values import (  # noqa: E402
    ContainerSpec,
    NetworkSpec,
)


def _id(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


class FakeDockerEngine:
    """In-memory engine with the DockerEngine interface. ``writes`` lists every write call."""

    def __init__(self) -> None:
        self.networks: dict[str, dict[str, Any]] = {}
        self.containers: dict[str, dict[str, Any]] = {}
        self.images: dict[str, dict[str, Any]] = {
            "homelab/busybox:latest": {"Id": "sha256:" + _id("busybox"), "Config": {"Env": ["PATH=/bin"]}},
        }
        self.writes: list[tuple[str, str]] = []
        self.taken_ports: set[tuple[str, int]] = set()

    # reads
    def inspect_network(self, name: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.networks.get(name))

    def inspect_container(self, name: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.containers.get(name))

    def inspect_image(self, name: str) -> dict[str, Any] | None:
        if name.startswith("sha256:"):
            return next((copy.deepcopy(i) for i in self.images.values() if i["Id"] == name), None)
        return copy.deepcopy(self.images.get(name))

    # writes
    def pull_image(self, name: str) -> None:
        self.writes.append(("pull_image", name))
        raise DockerEngineError(f"pull access denied for {name.split(':')[0]}, repository does not exist")

    def create_network(self, spec: NetworkSpec) -> str:
        self.writes.append(("create_network", spec.name))
        config = [{"Subnet": spec.subnet, "Gateway": spec.gateway or ""}] if spec.subnet else []
        self.networks[spec.name] = {
            "Id": _id("net" + spec.name), "Name": spec.name, "Driver": spec.driver,
            "Internal": spec.internal, "Labels": dict(spec.labels), "IPAM": {"Config": config},
            "Containers": {},
        }
        return self.networks[spec.name]["Id"]

    def remove_network(self, network_id: str) -> None:
        self.writes.append(("remove_network", network_id))
        name = next(n for n, net in self.networks.items() if net["Id"] == network_id)
        del self.networks[name]

    def connect(self, network: str, container: str, ipv4_address: str | None, aliases: list[str]) -> None:
        self.writes.append(("connect", f"{network}/{container}"))
        self._attach(self._container(container), network, ipv4_address, aliases)

    def disconnect(self, network: str, container: str) -> None:
        self.writes.append(("disconnect", f"{network}/{container}"))
        net = next(n for n in self.networks.values() if network in (n["Id"], n["Name"]))
        found = next((c for c in self.containers.values() if container in (c["Id"], c["Name"][1:])), None)
        net["Containers"].pop(found["Id"] if found else container, None)
        if found:
            found["NetworkSettings"]["Networks"].pop(net["Name"], None)

    def create_container(self, spec: ContainerSpec) -> str:
        self.writes.append(("create_container", spec.name))
        container_id = _id("c" + spec.name + str(len(self.writes)))
        bindings: dict[str, list[dict[str, str]]] = {}
        for port in spec.ports:
            bindings.setdefault(port.container_key, []).append(
                {"HostIp": port.host_ip, "HostPort": str(port.host_port)})
        self.containers[spec.name] = {
            "Id": container_id, "Name": "/" + spec.name, "Image": self.images[spec.image]["Id"],
            "Config": {"Image": spec.image, "Cmd": spec.command, "Labels": dict(spec.labels),
                       "Env": ["PATH=/bin"] + [f"{k}={v}" for k, v in spec.env.items()]},
            "HostConfig": {"PortBindings": bindings, "Memory": spec.memory or 0, "NanoCpus": spec.nano_cpus or 0,
                           "RestartPolicy": {"Name": spec.restart_policy}, "NetworkMode": "default"},
            "State": {"Running": False, "Status": "created"},
            "NetworkSettings": {"Networks": {}},
        }
        if spec.networks:
            first = spec.networks[0]
            self.containers[spec.name]["HostConfig"]["NetworkMode"] = first.name
            self._attach(self.containers[spec.name], first.name, first.ipv4_address, list(first.aliases))
        return container_id

    def start_container(self, container: str) -> None:
        self.writes.append(("start_container", container))
        found = self._container(container)
        for hosts in found["HostConfig"]["PortBindings"].values():
            for host in hosts:
                if (host["HostIp"], int(host["HostPort"])) in self.taken_ports:
                    raise DockerEngineError(
                        f"driver failed programming external connectivity on endpoint x: Bind for "
                        f"{host['HostIp']}:{host['HostPort']} failed: port is already allocated")
        found["State"] = {"Running": True, "Status": "running"}

    def stop_container(self, container: str) -> None:
        self.writes.append(("stop_container", container))
        self._container(container)["State"] = {"Running": False, "Status": "exited"}

    def remove_container(self, container: str) -> None:
        self.writes.append(("remove_container", container))
        found = self._container(container)
        del self.containers[found["Name"][1:]]

    def rename_container(self, container: str, name: str) -> None:
        self.writes.append(("rename_container", f"{container}->{name}"))
        found = self._container(container)
        del self.containers[found["Name"][1:]]
        found["Name"] = "/" + name
        self.containers[name] = found

    def update_container(self, container: str, memory: int | None, nano_cpus: int | None,
                         restart_policy: str | None) -> None:
        self.writes.append(("update_container", container))
        host_config = self._container(container)["HostConfig"]
        if memory is not None:
            host_config["Memory"] = memory
        if nano_cpus is not None:
            host_config["NanoCpus"] = nano_cpus
        if restart_policy is not None:
            host_config["RestartPolicy"] = {"Name": restart_policy}

    def _attach(self, found: dict[str, Any], network: str, ipv4_address: str | None, aliases: list[str]) -> None:
        # Like dockerd: the container's short id becomes an alias on user networks.
        found["NetworkSettings"]["Networks"][network] = {
            "IPAMConfig": {"IPv4Address": ipv4_address} if ipv4_address else None,
            "Aliases": [*aliases, found["Id"][:12]], "IPAddress": ipv4_address or "172.30.0.9",
        }
        self.networks[network]["Containers"][found["Id"]] = {"Name": found["Name"].lstrip("/")}

    def _container(self, key: str) -> dict[str, Any]:
        return next(c for c in self.containers.values() if key in (c["Id"], c["Name"][1:]))


@pytest.fixture
def fake_engine() -> FakeDockerEngine:
    """A fresh in-memory Docker engine holding the image homelab/busybox:latest."""
    return FakeDockerEngine()
