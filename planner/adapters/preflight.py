"""Checks that run before anything changes, so a plan that cannot succeed changes nothing.

Each check asks the real endpoint (this module does I/O; the planner core does not): is the Docker
engine there, is a host port that a container will publish free (or already held by that container)?
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Callable
from typing import Any

from planner.adapters.inventory import EndpointInventory
from planner.core.plan import Action, Plan
from planner.errors import EndpointError
from planner.intents.container import parse_port
from planner.secrets import missing_secrets, referenced_secrets

__all__ = ["Preflight", "docker_preflight", "run_preflight"]

Preflight = Callable[[Plan, EndpointInventory], None]


def _docker_client(endpoint: str, inventory: EndpointInventory) -> Any:
    import docker  # the SDK is a runtime dependency; imported lazily to keep the CLI fast
    from docker.errors import DockerException

    base_url = inventory.hosts[endpoint].vars.get("docker_host") or "unix:///var/run/docker.sock"
    try:
        client = docker.DockerClient(base_url=base_url, timeout=10)
        client.ping()
    except DockerException as err:
        reason = " ".join(str(err).split())[:200]
        raise EndpointError(
            f"no Docker engine answers at {base_url} (endpoint {endpoint}): {reason}; "
            "start it with `iac lab up` or fix docker_host in the inventory"
        ) from None
    return client


def _published_by(client: Any, name: str) -> set[tuple[str, int, str]]:
    """Host ports that the existing container ``name`` already publishes (it may keep them)."""
    from docker.errors import NotFound

    try:
        container = client.containers.get(name)
    except NotFound:
        return set()
    held: set[tuple[str, int, str]] = set()
    for key, bindings in (container.attrs.get("HostConfig", {}).get("PortBindings") or {}).items():
        proto = key.split("/")[1] if "/" in key else "tcp"
        for binding in bindings or []:
            held.add((binding.get("HostIp") or "0.0.0.0", int(binding.get("HostPort") or 0), proto))
    return held


def _port_free(ip: str, port: int, proto: str) -> bool:
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    kind = socket.SOCK_DGRAM if proto == "udp" else socket.SOCK_STREAM
    with socket.socket(family, kind) as probe:
        try:
            probe.bind((ip, port))
        except OSError as err:
            return err.errno not in (errno.EADDRINUSE, errno.EACCES)
    return True


def docker_preflight(plan: Plan, inventory: EndpointInventory) -> None:
    """The engine of every docker endpoint answers; every published loopback port is free or already ours."""
    clients: dict[str, Any] = {}
    for change in plan.changes:
        if not change.kind.startswith("docker.") or change.action == Action.DELETE:
            continue
        if change.endpoint not in clients:
            clients[change.endpoint] = _docker_client(change.endpoint, inventory)
        base_url = str(inventory.hosts[change.endpoint].vars.get("docker_host", ""))
        if change.kind != "docker.container" or not base_url.startswith("unix://"):
            continue  # a remote engine's ports are not ours to probe
        held = _published_by(clients[change.endpoint], change.name)
        for index, port in enumerate((change.after or {}).get("ports", [])):
            ip, host, _, proto = parse_port(port)
            if (ip, host, proto) not in held and not _port_free(ip, host, proto):
                raise EndpointError(
                    f"{change.address}: port {ip}:{host}/{proto} (ports[{index}]) is already in use on this "
                    "machine; choose another host port or stop what holds it"
                )


def run_preflight(plan: Plan, inventory: EndpointInventory) -> None:
    """Every backend's checks; nothing has changed when one fails."""
    missing_secrets({name for change in plan.changes for name in referenced_secrets(change.after)},
                    inventory.environment())
    docker_preflight(plan, inventory)
