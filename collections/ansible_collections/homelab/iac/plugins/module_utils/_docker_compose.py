# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""Translation of a compose-style stack definition into the arguments of the resource modules.

A stack named ``S`` with service ``web``, network ``front`` and volume ``data`` becomes container
``S-web``, network ``S-front`` and volume ``S-data``, each labelled ``io.homelab-iac.stack=S`` so
removal finds exactly what the stack owns. Inside the definition, services refer to networks and
volumes by their short names, as in compose; each service is reachable on its stack networks under
its service name. Unsupported keys are errors naming the key, never silently ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ansible_collections.homelab.iac.plugins.module_utils._docker_values import InvalidValue, parse_duration

STACK_LABEL = "io.homelab-iac.stack"

_SERVICE_KEYS = {
    "image",
    "command",
    "environment",
    "ports",
    "networks",
    "volumes",
    "mem_limit",
    "memory",
    "cpus",
    "restart",
    "healthcheck",
    "labels",
    "init",
    "stop_signal",
    "stop_grace_period",
    "depends_on",
}
_NETWORK_KEYS = {"driver", "subnet", "gateway", "internal", "labels", "ipam", "external"}
_VOLUME_KEYS = {"driver", "driver_opts", "labels", "external"}


@dataclass
class StackPlan:
    """Module arguments per member, in the order they are converged (volumes, networks, services)."""

    volumes: dict[str, dict[str, Any]] = field(default_factory=dict)
    networks: dict[str, dict[str, Any]] = field(default_factory=dict)
    services: dict[str, dict[str, Any]] = field(default_factory=dict)


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidValue(f"{where}: must be a mapping")
    return value


def _pairs(value: Any, where: str) -> dict[str, Any]:
    """Compose allows ``KEY: value`` mappings and ``KEY=value`` lists for environment and labels."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return dict([*str(item).split("=", 1), ""][:2] for item in value)
    raise InvalidValue(f"{where}: must be a mapping or a list of KEY=value")


def _unknown(entry: dict[str, Any], allowed: set[str], where: str) -> None:
    extra = sorted(set(entry) - allowed)
    if extra:
        supported = ", ".join(sorted(allowed))
        raise InvalidValue(f"{where}.{extra[0]}: not supported by docker_stack (supported: {supported})")


def service_order(services: dict[str, dict[str, Any]]) -> list[str]:
    """Services with every ``depends_on`` before its dependant; definition order otherwise."""
    order: list[str] = []
    visiting: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in order:
            return
        if name in visiting:
            raise InvalidValue(f"services: depends_on cycle {' -> '.join([*path, name])}")
        visiting.add(name)
        depends = services[name].get("depends_on") or []
        for dependency in depends if isinstance(depends, list) else list(depends):
            if dependency not in services:
                raise InvalidValue(f"services.{name}.depends_on: unknown service {dependency}")
            visit(dependency, [*path, name])
        visiting.discard(name)
        order.append(name)

    for name in services:
        visit(name, [])
    return order


def translate(stack: str, definition: dict[str, Any]) -> StackPlan:
    """The compose-style ``definition`` of stack ``stack`` as module arguments per member."""
    _unknown(definition, {"services", "networks", "volumes", "version", "name"}, "definition")
    plan = StackPlan()
    labels = {STACK_LABEL: stack}
    network_names: dict[str, str] = {}
    for short, entry in _mapping(definition.get("networks"), "networks").items():
        entry = _mapping(entry, f"networks.{short}")
        _unknown(entry, _NETWORK_KEYS, f"networks.{short}")
        if entry.get("external"):
            network_names[short] = str(short)
            continue
        network_names[short] = f"{stack}-{short}"
        ipam = ((entry.get("ipam") or {}).get("config") or [{}])[0]
        plan.networks[short] = {
            "name": network_names[short],
            "driver": entry.get("driver") or "bridge",
            "subnet": entry.get("subnet") or ipam.get("subnet"),
            "gateway": entry.get("gateway") or ipam.get("gateway"),
            "internal": bool(entry.get("internal")),
            "labels": {**_pairs(entry.get("labels"), f"networks.{short}.labels"), **labels},
        }
    volume_names: dict[str, str] = {}
    for short, entry in _mapping(definition.get("volumes"), "volumes").items():
        entry = _mapping(entry, f"volumes.{short}")
        _unknown(entry, _VOLUME_KEYS, f"volumes.{short}")
        volume_names[short] = str(short) if entry.get("external") else f"{stack}-{short}"
        if not entry.get("external"):
            plan.volumes[short] = {
                "name": volume_names[short],
                "driver": entry.get("driver") or "local",
                "driver_options": entry.get("driver_opts"),
                "labels": {**_pairs(entry.get("labels"), f"volumes.{short}.labels"), **labels},
            }
    services = {
        name: _mapping(entry, f"services.{name}")
        for name, entry in _mapping(definition.get("services"), "services").items()
    }
    if not services:
        raise InvalidValue("definition.services: a stack needs at least one service")
    for name in service_order(services):
        plan.services[name] = _service(stack, name, services[name], network_names, volume_names, labels)
    return plan


def _service(
    stack: str,
    name: str,
    entry: dict[str, Any],
    network_names: dict[str, str],
    volume_names: dict[str, str],
    labels: dict[str, str],
) -> dict[str, Any]:
    where = f"services.{name}"
    _unknown(entry, _SERVICE_KEYS, where)
    if not entry.get("image"):
        raise InvalidValue(f"{where}.image: required")
    networks = entry.get("networks") or []
    attachments = []
    for short, options in networks.items() if isinstance(networks, dict) else ((n, None) for n in networks):
        if short not in network_names:
            raise InvalidValue(f"{where}.networks: {short} is not defined in networks")
        options = _mapping(options, f"{where}.networks.{short}")
        aliases = sorted({name, *(options.get("aliases") or [])})
        attachments.append(
            {"name": network_names[short], "ipv4_address": options.get("ipv4_address"), "aliases": aliases}
        )
    volumes, mounts = [], []
    for index, mount in enumerate(entry.get("volumes") or []):
        if isinstance(mount, dict):
            source = str(mount.get("source") or "")
            if (mount.get("type") or "volume") == "volume":
                source = _volume(source, volume_names, f"{where}.volumes[{index}]")
            mounts.append({**mount, "source": source or None})
            continue
        source, _sep, rest = str(mount).partition(":")
        if not source.startswith("/"):
            source = _volume(source, volume_names, f"{where}.volumes[{index}]")
        volumes.append(f"{source}:{rest}")
    grace = parse_duration(entry.get("stop_grace_period"), f"{where}.stop_grace_period")
    return {
        "name": f"{stack}-{name}",
        "state": "started",
        "image": entry["image"],
        "command": entry.get("command"),
        # A stack's environment stays hidden in all output, as secret_env is.
        "secret_env": _pairs(entry.get("environment"), f"{where}.environment") or None,
        "ports": [str(port) for port in entry.get("ports") or []] or None,
        # No networks in the definition means no networking, not the engine's default bridge: a
        # stack states everything it needs.
        "networks": attachments,
        "volumes": volumes,
        "mounts": mounts,
        "memory": entry.get("mem_limit") or entry.get("memory"),
        "cpus": entry.get("cpus"),
        "restart_policy": entry.get("restart") or "unless-stopped",
        "healthcheck": entry.get("healthcheck"),
        "labels": {**_pairs(entry.get("labels"), f"{where}.labels"), **labels},
        "init": entry.get("init"),
        "stop_signal": entry.get("stop_signal"),
        "stop_timeout": None if grace is None else round(grace / 1e9),
    }


def _volume(short: str, volume_names: dict[str, str], where: str) -> str:
    if short not in volume_names:
        raise InvalidValue(f"{where}: volume {short} is not defined in volumes")
    return volume_names[short]
