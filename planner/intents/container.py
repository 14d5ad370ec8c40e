"""``container``: one Docker container, optionally with the network it lives on."""

from __future__ import annotations

import functools
import ipaddress
import re
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from planner.core.resources import Resource
from planner.errors import shorten, shown
from planner.intents.base import Endpoints, ExpansionContext, Facts, Intent, IpAddressText
from planner.redact import is_secret_key
from planner.secrets import SecretRef

__all__ = ["ContainerIntent", "NetworkRef", "check_size", "parse_port"]

_PORT = re.compile(r"^(?P<ip>\[[0-9a-fA-F:]+\]|[0-9.]+):(?P<host>\d+):(?P<container>\d+)(?:/(?P<proto>tcp|udp))?$")
_SIZE = re.compile(r"^\d+(\.\d+)?[bkmgBKMG]?$")


# Thousands of intents publish on the same few host addresses and share subnets, and ipaddress takes
# microseconds to parse one: each distinct text is parsed once (a failure is not cached; it raises again).
@functools.lru_cache(maxsize=1024)
def _ip_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.ip_address(text)


@functools.lru_cache(maxsize=1024)
def _ip_network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(text, strict=True)


def check_size(value: str | None) -> str | None:
    """``value`` when it is a Docker size (512m, 4g, bytes) or None; ValueError saying how to write one."""
    if value is not None and not _SIZE.match(value):
        raise ValueError(f"{shown(value)} is not a size; write it like 512m or 4g")
    return value


def parse_port(value: str) -> tuple[str, int, int, str]:
    """``"127.0.0.1:18080:8080/tcp"`` → ``("127.0.0.1", 18080, 8080, "tcp")``, or ValueError saying how to write it."""
    match = _PORT.match(value.strip())
    if not match:
        raise ValueError(
            f"{shown(value)} is not HOST_IP:HOST_PORT:CONTAINER_PORT[/tcp|udp]; write it like 127.0.0.1:18080:8080 "
            "(the host address is required so nothing is published on every interface by accident)"
        )
    ip = match["ip"].strip("[]")
    try:
        _ip_address(ip)
    except ValueError:
        raise ValueError(f"{shown(value)}: {shown(ip)} is not an IP address") from None
    for digits in (match["host"], match["container"]):
        significant = digits.lstrip("0") or "0"
        if len(significant) > 5 or not 1 <= int(significant) <= 65535:  # int() cannot read 5,000 digits
            raise ValueError(f"{shown(value)}: port {shorten(significant)} is outside 1-65535")
    return ip, int(match["host"]), int(match["container"]), match["proto"] or "tcp"


class NetworkRef(BaseModel):
    """The network a container joins; ``create: true`` (the default) makes homelab-iac manage it too."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")
    subnet: str | None = None
    gateway: IpAddressText | None = None
    ipv4_address: IpAddressText | None = None
    create: bool = True

    @field_validator("subnet")
    @classmethod
    def _subnet(cls, value: str | None) -> str | None:
        if value is not None:
            _ip_network(value)
        return value


class ContainerIntent(Intent):
    """A container from a local image, with published loopback ports and an optional network."""

    summary: ClassVar[str] = "One Docker container (and the network it joins) with ports published on a host address."
    example: ClassVar[str] = """\
kind: container
name: hello
image: homelab/busybox:latest
command: [httpd, -f, -p, "8080", -h, /www]
network: {name: hello-net, subnet: 172.30.10.0/24}
ports: ["127.0.0.1:18080:8080"]
"""

    kind: Literal["container"]
    image: str = Field(min_length=1, description="Image on the Docker host, e.g. homelab/busybox:latest.")
    command: list[str] | str | None = Field(default=None, description="Command to run instead of the image's.")
    env: dict[str, str | SecretRef] = Field(
        default_factory=dict,
        description="Environment variables; a secret is written {secret: ENV_VAR_NAME}, never as its value.",
    )
    ports: list[str] = Field(
        default_factory=list, description="Published ports as HOST_IP:HOST_PORT:CONTAINER_PORT[/tcp|udp]."
    )
    network: NetworkRef | None = Field(
        default=None, description="Network to join: {name, subnet?, gateway?, ipv4_address?, create?}."
    )
    memory: str | None = Field(default=None, description="Memory limit such as 512m or 4g.")
    cpus: float | None = Field(default=None, gt=0, description="CPU limit in cores, e.g. 1.5.")
    restart_policy: Literal["no", "always", "unless-stopped", "on-failure"] = Field(
        default="unless-stopped", description="When Docker restarts the container."
    )
    labels: dict[str, str] = Field(default_factory=dict, description="Extra container labels.")
    endpoint: str | None = Field(
        default=None, description="Docker endpoint (inventory host); defaults to the only one there is."
    )
    endpoints: list[str] | None = Field(
        default=None, min_length=1,
        description="Run a copy on each of these Docker endpoints (hosts, or the group `docker` for every one); "
                    "each copy's address ends in @ENDPOINT, e.g. docker.container.node-exporter@nas-docker.",
    )

    @model_validator(mode="after")
    def _one_way_to_place(self) -> ContainerIntent:
        if self.endpoint is not None and self.endpoints is not None:
            raise ValueError("give endpoint (one Docker host) or endpoints (a copy on each), not both")
        return self

    def fanned_out(self, endpoints: Endpoints, where: str) -> list[tuple[str, Intent]]:
        if self.endpoints is None:
            return []
        hosts = list(endpoints.by_backend.get("docker", ()))
        chosen: list[str] = []
        for name in self.endpoints:
            found = hosts if name == "docker" else [endpoints.resolve("docker", name, where)]
            chosen += [host for host in found if host not in chosen]
        return [(host, self.model_copy(update={"endpoint": host, "endpoints": None})) for host in chosen]

    @field_validator("ports")
    @classmethod
    def _ports(cls, value: list[str]) -> list[str]:
        seen: set[tuple[str, int, str]] = set()
        for item in value:
            ip, host, _, proto = parse_port(item)
            if (ip, host, proto) in seen:
                raise ValueError(f"{shown(item)}: host port {ip}:{host}/{proto} is published twice")
            seen.add((ip, host, proto))
        return value

    @field_validator("env")
    @classmethod
    def _env(cls, value: dict[str, str | SecretRef]) -> dict[str, str | SecretRef]:
        for key, item in value.items():
            if isinstance(item, str) and item and is_secret_key(key):
                raise ValueError(
                    f"{key} looks like a secret: write {{secret: {key}}} and export {key} where iac runs, "
                    "so its value is never stored in plans, playbooks or the database"
                )
        return value

    @field_validator("memory")
    @classmethod
    def _memory(cls, value: str | None) -> str | None:
        return check_size(value)

    def outputs(self, context: ExpansionContext, facts: Facts) -> dict[str, Any]:
        """Its published ports, the network it joined and its address there (the one asked for, else the one
        Docker gave it)."""
        found: dict[str, Any] = {"image": self.image, "ports": list(self.ports)}
        if self.network is not None:
            joined = facts.get(f"docker.container.{self.name}", "networks")
            assigned = joined.get(self.network.name, {}).get("ip") if isinstance(joined, dict) else None
            found.update(network=self.network.name, address=self.network.ipv4_address or assigned)
        return found

    def expand(self, context: ExpansionContext) -> list[Resource]:
        endpoint = context.endpoints.resolve("docker", self.endpoint, context.where)
        resources: list[Resource] = []
        container: dict[str, Any] = {"name": self.name, "image": self.image, "state": "started"}
        depends_on: list[str] = []
        if self.network is not None:
            if self.network.create:
                network_spec: dict[str, Any] = {"name": self.network.name, "driver": "bridge", "state": "present"}
                if self.network.subnet:
                    network_spec["subnet"] = self.network.subnet
                if self.network.gateway:
                    network_spec["gateway"] = self.network.gateway
                network = Resource(
                    kind="docker.network", name=self.network.name, endpoint=endpoint,
                    spec=network_spec, origin=self.name,
                )
                resources.append(network)
                depends_on.append(network.address)
            attachment: dict[str, Any] = {"name": self.network.name}
            if self.network.ipv4_address:
                attachment["ipv4_address"] = self.network.ipv4_address
            container["networks"] = [attachment]
        if self.command is not None:
            container["command"] = self.command
        if self.env:
            container["env"] = {
                key: item.model_dump() if isinstance(item, SecretRef) else item for key, item in self.env.items()
            }
        if self.ports:
            container["ports"] = list(self.ports)
        if self.memory:
            container["memory"] = self.memory
        if self.cpus:
            container["cpus"] = self.cpus
        container["restart_policy"] = self.restart_policy
        if self.labels:
            container["labels"] = dict(self.labels)
        resources.append(
            Resource(
                kind="docker.container", name=self.name, endpoint=endpoint,
                spec=container, depends_on=tuple(depends_on), origin=self.name,
            )
        )
        return resources
