# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""How an inspected container reads as the comparable view and the facts docker_container returns.

Pure functions over ``docker inspect`` dicts, shared by the container resource, stacks and batches,
so "what the engine says" is normalised the same way wherever a container is compared.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.homelab.iac.plugins.module_utils._docker_values import (
    Healthcheck,
    Mount,
    NetworkAttachment,
    PortBinding,
)

ContainerInspect = dict[str, Any]

# Network modes that are not memberships: moving into or out of them needs a new container.
SPECIAL_NETWORKS = ("none", "host")
# What docker does when no stop signal / timeout is configured.
DEFAULT_STOP_SIGNAL = "SIGTERM"
DEFAULT_STOP_TIMEOUT = 10


def normalise_image_name(name: str) -> str:
    """``busybox`` -> ``busybox:latest`` so equivalent spellings compare equal."""
    if "@" in name:
        return name
    last = name.rsplit("/", 1)[-1]
    return name if ":" in last else f"{name}:latest"


def normalise_signal(name: str | None) -> str | None:
    """``term`` / ``TERM`` / ``SIGTERM`` -> ``SIGTERM``; numbers stay numbers."""
    if name is None:
        return None
    text = str(name).strip().upper()
    return text if text.isdigit() or text.startswith("SIG") else f"SIG{text}"


def env_dict(entries: list[str] | None) -> dict[str, str]:
    """Docker's ``KEY=value`` list as a dict."""
    pairs = (entry.split("=", 1) for entry in entries or [])
    return {pair[0]: pair[1] if len(pair) > 1 else "" for pair in pairs}


def without_inherited(values: dict[str, str], inherited: dict[str, str]) -> dict[str, str]:
    """Drop entries the image itself defines (same key and value): they are not the task's to manage."""
    return {key: value for key, value in values.items() if inherited.get(key) != value}


def env_view(observed: ContainerInspect, image_config: dict[str, Any]) -> dict[str, str]:
    """The container's own environment: what its image defines (same name and value) is left out."""
    own = env_dict((observed.get("Config") or {}).get("Env"))
    return without_inherited(own, env_dict(image_config.get("Env")))


def network_mode(observed: ContainerInspect) -> str:
    """``none``/``host``/``container:...`` as is; any user network membership reads as ``networks``."""
    mode = str((observed.get("HostConfig") or {}).get("NetworkMode") or "default")
    return mode if mode in SPECIAL_NETWORKS or mode.startswith("container:") else "networks"


def ports_view(observed: ContainerInspect) -> list[str]:
    """Published ports as sorted ``HOST_IP:HOST_PORT:CONTAINER_PORT/PROTO`` strings."""
    bindings = (observed.get("HostConfig") or {}).get("PortBindings") or {}
    result = []
    for container_key, hosts in bindings.items():
        port, _sep, protocol = container_key.partition("/")
        for host in hosts or []:
            binding = PortBinding(host.get("HostIp") or "0.0.0.0", int(host["HostPort"]), int(port), protocol or "tcp")
            result.append(str(binding))
    return sorted(result)


def networks_view(observed: ContainerInspect) -> dict[str, dict[str, Any]]:
    """User network memberships with their static address and aliases."""
    # Docker adds the container's short id as an alias on every user network; it is not ours.
    short_id = str(observed.get("Id", ""))[:12]
    networks = (observed.get("NetworkSettings") or {}).get("Networks") or {}
    view = {}
    for name, endpoint in networks.items():
        if name in SPECIAL_NETWORKS:
            continue
        ipam = endpoint.get("IPAMConfig") or {}
        aliases = [alias for alias in endpoint.get("Aliases") or [] if alias != short_id]
        view[name] = NetworkAttachment(name, ipam.get("IPv4Address") or None, tuple(sorted(aliases))).view()
    return view


def mounts_view(observed: ContainerInspect) -> list[str]:
    """Mounts as sorted ``TYPE:SOURCE:TARGET:ro|rw`` strings (HostConfig.Mounts and -v style Binds)."""
    host_config = observed.get("HostConfig") or {}
    mounts = [
        Mount(str(m.get("Type") or "volume"), str(m.get("Source") or ""), str(m.get("Target")), bool(m.get("ReadOnly")))
        for m in host_config.get("Mounts") or []
    ]
    for bind in host_config.get("Binds") or []:
        parts = str(bind).split(":")
        source, target = parts[0], parts[1] if len(parts) > 1 else parts[0]
        read_only = len(parts) > 2 and "ro" in parts[2].split(",")
        mounts.append(Mount("bind" if source.startswith("/") else "volume", source, target, read_only))
    return [str(mount) for mount in sorted(mounts)]


def healthcheck_view(config: dict[str, Any]) -> dict[str, Any] | None:
    """The configured healthcheck in the same form as ``Healthcheck.view()``; None when there is none."""
    check = config.get("Healthcheck")
    if not check or not check.get("Test"):
        return None
    return Healthcheck(
        test=tuple(check["Test"]),
        interval=int(check.get("Interval") or 0),
        timeout=int(check.get("Timeout") or 0),
        retries=int(check.get("Retries") or 0),
        start_period=int(check.get("StartPeriod") or 0),
    ).view()


def cpus(host_config: dict[str, Any]) -> float:
    """CPU limit as a count of CPUs (NanoCpus, or a CFS quota set by other tools); 0 = unlimited."""
    if host_config.get("NanoCpus"):
        return round(host_config["NanoCpus"] / 1e9, 9)
    if host_config.get("CpuQuota") and host_config.get("CpuPeriod"):
        return round(host_config["CpuQuota"] / host_config["CpuPeriod"], 9)
    return 0.0


def container_view(observed: ContainerInspect, image_config: dict[str, Any]) -> dict[str, Any]:
    """The comparable view of an inspected container; ``image_config`` is its image's Config."""
    config = observed.get("Config") or {}
    host_config = observed.get("HostConfig") or {}
    stop_timeout = config.get("StopTimeout")
    return {
        "image": normalise_image_name(str(config.get("Image", ""))),
        "image_id": observed.get("Image"),
        "command": list(config.get("Cmd") or []),
        "env": env_view(observed, image_config),
        "ports": ports_view(observed),
        "network_mode": network_mode(observed),
        "labels": without_inherited(dict(config.get("Labels") or {}), image_config.get("Labels") or {}),
        "mounts": mounts_view(observed),
        "healthcheck": healthcheck_view(config),
        "init": bool(host_config.get("Init")),
        "stop_signal": normalise_signal(config.get("StopSignal")) or DEFAULT_STOP_SIGNAL,
        "stop_timeout": DEFAULT_STOP_TIMEOUT if stop_timeout is None else int(stop_timeout),
        "networks": networks_view(observed),
        "memory": int(host_config.get("Memory") or 0),
        "cpus": cpus(host_config),
        "restart_policy": (host_config.get("RestartPolicy") or {}).get("Name") or "no",
        "running": bool((observed.get("State") or {}).get("Running")),
    }


def container_facts(observed: ContainerInspect, image_config: dict[str, Any]) -> dict[str, Any]:
    """What docker_container returns about a container, without its environment (see DockerContainer.facts)."""
    networks = (observed.get("NetworkSettings") or {}).get("Networks") or {}
    config = observed.get("Config") or {}
    state = observed.get("State") or {}
    memberships = networks_view(observed)
    return {
        "id": observed.get("Id"),
        "name": str(observed.get("Name", "")).lstrip("/"),
        "image": config.get("Image"),
        "image_id": observed.get("Image"),
        "status": state.get("Status"),
        "health": (state.get("Health") or {}).get("Status"),
        "ports": ports_view(observed),
        "networks": {
            name: {"ip": endpoint.get("IPAddress") or None, "aliases": memberships.get(name, {}).get("aliases", [])}
            for name, endpoint in networks.items()
        },
        "mounts": mounts_view(observed),
        # The container's own labels; those its image brings are not the task's and are left out.
        "labels": without_inherited(dict(config.get("Labels") or {}), image_config.get("Labels") or {}),
    }
