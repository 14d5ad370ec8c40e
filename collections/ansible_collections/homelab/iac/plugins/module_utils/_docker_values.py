# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""Typed Docker values and the parsers that turn module arguments into them.

Pure functions, no I/O: ports, memory sizes, CPU counts, commands and network attachments are
parsed and validated here, so bad input fails before anything touches the engine and the rules
are unit-tested without one.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Any

_MEMORY_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
_MEMORY_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([bkmgt]?)b?\s*$", re.IGNORECASE)
# HOST_IP:HOST_PORT:CONTAINER_PORT[/proto]; an IPv6 host IP is written in brackets.
_PORT_RE = re.compile(
    r"^(?:\[(?P<ip6>[0-9a-fA-F:.]+)\]|(?P<ip4>\d{1,3}(?:\.\d{1,3}){3})):"
    r"(?P<host_port>\d+):(?P<container_port>\d+)(?:/(?P<proto>tcp|udp))?$"
)
# How dockerd words a taken host port: its own allocator ("port is already allocated") or the
# kernel via docker-proxy ("bind: address already in use").
_PORT_TAKEN_RE = re.compile(
    r"(?:Bind for|listen (?:tcp|udp)[46]?) \[?(?P<ip>[0-9a-fA-F.:]+?)\]?:(?P<port>\d+)"
)
_PORT_TAKEN_WORDS = ("port is already allocated", "address already in use")


class InvalidValue(ValueError):
    """A module argument cannot be parsed; the message names the option (and entry) at fault."""


@dataclass(frozen=True, order=True)
class PortBinding:
    """One published port. ``host_ip`` is always explicit."""

    host_ip: str
    host_port: int
    container_port: int
    protocol: str = "tcp"

    def __str__(self) -> str:
        host_ip = f"[{self.host_ip}]" if ":" in self.host_ip else self.host_ip
        return f"{host_ip}:{self.host_port}:{self.container_port}/{self.protocol}"

    @property
    def container_key(self) -> str:
        """Docker's key for the container side, e.g. ``80/tcp``."""
        return f"{self.container_port}/{self.protocol}"


@dataclass(frozen=True)
class NetworkAttachment:
    """A container's membership in one network."""

    name: str
    ipv4_address: str | None = None
    aliases: tuple[str, ...] = ()

    def view(self) -> dict[str, Any]:
        """Comparable form used in diffs."""
        return {"ipv4_address": self.ipv4_address, "aliases": sorted(self.aliases)}


@dataclass(frozen=True)
class NetworkSpec:
    """Everything needed to create a network."""

    name: str
    driver: str
    subnet: str | None
    gateway: str | None
    internal: bool
    labels: dict[str, str]


@dataclass
class ContainerSpec:
    """Everything needed to create a container."""

    name: str
    image: str
    command: list[str] | None = None
    env: dict[str, str] = field(default_factory=dict)
    ports: list[PortBinding] = field(default_factory=list)
    networks: list[NetworkAttachment] | None = None
    memory: int | None = None
    nano_cpus: int | None = None
    restart_policy: str = "unless-stopped"
    labels: dict[str, str] = field(default_factory=dict)


def parse_port(text: str, index: int) -> PortBinding:
    """Parse ``ports[index]``; the error names the entry and says why the host IP is required."""
    match = _PORT_RE.match(str(text).strip())
    if match is None:
        raise InvalidValue(
            f"ports[{index}]: {text!r} is not HOST_IP:HOST_PORT:CONTAINER_PORT[/tcp|udp]; "
            "the host IP is required (e.g. 127.0.0.1:8080:80) so nothing binds 0.0.0.0 silently"
        )
    host_port = int(match.group("host_port"))
    container_port = int(match.group("container_port"))
    for port in (host_port, container_port):
        if not 1 <= port <= 65535:
            raise InvalidValue(f"ports[{index}]: {text!r}: port {port} is outside 1-65535")
    host_ip = match.group("ip6") or match.group("ip4")
    return PortBinding(host_ip, host_port, container_port, match.group("proto") or "tcp")


def parse_ports(values: list[str] | None) -> list[PortBinding] | None:
    """Parse the ``ports`` option in the given order (indexes name entries in errors); None = unmanaged."""
    if values is None:
        return None
    bindings = [parse_port(value, index) for index, value in enumerate(values)]
    seen: dict[tuple[str, int, str], int] = {}
    for index, binding in enumerate(bindings):
        key = (binding.host_ip, binding.host_port, binding.protocol)
        if key in seen:
            raise InvalidValue(f"ports[{index}]: host port {binding} is also used by ports[{seen[key]}]")
        seen[key] = index
    return bindings


def parse_memory(text: str | int | None) -> int | None:
    """``512m`` / ``4g`` / ``1073741824`` -> bytes (binary units, as docker reads them)."""
    if text is None:
        return None
    match = _MEMORY_RE.match(str(text))
    if match is None:
        raise InvalidValue(f"memory: {text!r} is not a size such as 512m or 4g")
    return int(float(match.group(1)) * _MEMORY_UNITS[match.group(2).lower()])


def parse_cpus(value: float | None) -> int | None:
    """CPU count -> Docker's NanoCpus."""
    if value is None:
        return None
    if value < 0:
        raise InvalidValue(f"cpus: {value} must not be negative")
    return round(value * 1e9)


def parse_command(value: str | list[Any] | None) -> list[str] | None:
    """A command given as a list is taken as is; a string is split like a shell would."""
    if value is None:
        return None
    if isinstance(value, str):
        return shlex.split(value)
    return [str(item) for item in value]


def parse_networks(values: list[dict[str, Any]] | None) -> list[NetworkAttachment] | None:
    """Parse the ``networks`` option; names must be unique."""
    if values is None:
        return None
    attachments: list[NetworkAttachment] = []
    for index, value in enumerate(values):
        name = value.get("name")
        if not name:
            raise InvalidValue(f"networks[{index}]: name is required")
        if any(existing.name == name for existing in attachments):
            raise InvalidValue(f"networks[{index}]: network {name} is listed twice")
        aliases = tuple(sorted(value.get("aliases") or ()))
        attachments.append(NetworkAttachment(name, value.get("ipv4_address") or None, aliases))
    return attachments


def port_in_use_message(engine_message: str, ports: list[PortBinding]) -> str | None:
    """Turn dockerd's "port taken" error into one actionable line, or None if it is not one."""
    if not any(words in engine_message for words in _PORT_TAKEN_WORDS):
        return None
    match = _PORT_TAKEN_RE.search(engine_message)
    if match is None:
        return f"a host port in ports is already in use on the Docker host: {engine_message}"
    host_ip, host_port = match.group("ip"), int(match.group("port"))
    for index, binding in enumerate(ports):
        if binding.host_port == host_port and binding.host_ip in (host_ip, "0.0.0.0", "::"):
            return (
                f"port {host_ip}:{host_port} is already in use on the Docker host: "
                f"choose another host port in ports[{index}]"
            )
    return f"port {host_ip}:{host_port} is already in use on the Docker host"
