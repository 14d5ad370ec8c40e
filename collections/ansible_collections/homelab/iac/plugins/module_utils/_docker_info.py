# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""The docker_info module's logic: engine version, containers and their resource usage, and discovery
items of networks, volumes and containers (``_docker_discovery``). Read only."""

from __future__ import annotations

from typing import Any, NoReturn

from ansible_collections.homelab.iac.plugins.module_utils._docker_common import (
    MANAGED_LABEL,
    MANAGED_VALUE,
    DockerModuleClient,
    is_managed,
)
from ansible_collections.homelab.iac.plugins.module_utils._docker_discovery import DockerDiscovery
from ansible_collections.homelab.iac.plugins.module_utils._docker_engine import DockerEngine, DockerEngineError
from ansible_collections.homelab.iac.plugins.module_utils._docker_values import InvalidValue

STACK_LABEL = "io.homelab-iac.stack"

INFO_ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    "containers": {"type": "bool", "default": True},
    "stats": {"type": "bool", "default": True},
    "managed_only": {"type": "bool", "default": False},
    "networks": {"type": "bool", "default": False},
    "volumes": {"type": "bool", "default": False},
    "container_specs": {"type": "bool", "default": False},
}


def engine_facts(engine: DockerEngine) -> dict[str, Any]:
    """Version and size of the engine."""
    version = engine.engine_version()
    info = engine.engine_info()
    return {
        "version": version.get("Version"),
        "api_version": version.get("ApiVersion"),
        "os": info.get("OperatingSystem"),
        "kernel": info.get("KernelVersion"),
        "cpus": info.get("NCPU"),
        "memory": info.get("MemTotal"),
        "containers": info.get("Containers"),
        "containers_running": info.get("ContainersRunning"),
        "images": info.get("Images"),
        "storage_driver": info.get("Driver"),
    }


def usage(stats: dict[str, Any]) -> dict[str, Any]:
    """Resource usage from one stats sample: memory, CPU time, network and block I/O, processes."""
    memory = stats.get("memory_stats") or {}
    # Page cache counts towards "usage" but the kernel reclaims it first; docker stats subtracts it too.
    cache = (memory.get("stats") or {}).get("inactive_file") or (memory.get("stats") or {}).get("cache") or 0
    used = max(int(memory.get("usage") or 0) - int(cache), 0)
    limit = int(memory.get("limit") or 0)
    networks = stats.get("networks") or {}
    block = ((stats.get("blkio_stats") or {}).get("io_service_bytes_recursive")) or []
    return {
        "memory_bytes": used,
        "memory_limit_bytes": limit,
        "memory_percent": round(100.0 * used / limit, 2) if limit else None,
        "cpu_seconds": round(
            int(((stats.get("cpu_stats") or {}).get("cpu_usage") or {}).get("total_usage") or 0) / 1e9, 3
        ),
        "network_rx_bytes": sum(int(n.get("rx_bytes") or 0) for n in networks.values()),
        "network_tx_bytes": sum(int(n.get("tx_bytes") or 0) for n in networks.values()),
        "block_read_bytes": sum(int(e.get("value") or 0) for e in block if str(e.get("op")).lower() == "read"),
        "block_write_bytes": sum(int(e.get("value") or 0) for e in block if str(e.get("op")).lower() == "write"),
        "pids": (stats.get("pids_stats") or {}).get("current"),
    }


def container_summaries(engine: DockerEngine, stats: bool, managed_only: bool) -> list[dict[str, Any]]:
    """Every container (or only homelab.iac's), with usage for the running ones when ``stats``."""
    result = []
    for summary in engine.list_containers({MANAGED_LABEL: MANAGED_VALUE} if managed_only else None):
        labels = summary.get("Labels") or {}
        entry: dict[str, Any] = {
            "id": summary.get("Id"),
            "name": str((summary.get("Names") or ["/"])[0]).lstrip("/"),
            "image": summary.get("Image"),
            "state": summary.get("State"),
            "status": summary.get("Status"),
            "managed": is_managed(labels),
            "stack": labels.get(STACK_LABEL),
            "usage": None,
        }
        if stats and summary.get("State") == "running":
            try:
                entry["usage"] = usage(engine.container_stats(str(summary["Id"])))
            except DockerEngineError:
                # The container stopped between listing and sampling: it simply has no usage.
                entry["usage"] = None
        result.append(entry)
    return sorted(result, key=lambda entry: entry["name"])


def run_info_module() -> NoReturn:
    """Everything homelab.iac.docker_info does, so the module file stays documentation + main()."""
    client = DockerModuleClient(INFO_ARGUMENT_SPEC)
    params = client.params
    try:
        result: dict[str, Any] = {"engine": engine_facts(client.engine)}
        if params["containers"]:
            result["containers"] = container_summaries(client.engine, params["stats"], params["managed_only"])
        discovery = DockerDiscovery(client.engine, params["managed_only"])
        for section, listed in (("networks", discovery.networks), ("volumes", discovery.volumes),
                                ("container_specs", discovery.containers)):  # fmt: skip
            if params[section]:
                result[section] = listed()
    except (DockerEngineError, InvalidValue) as exc:
        client.fail(str(exc))
    client.module.exit_json(changed=False, **result)
    raise AssertionError("exit_json returned")
