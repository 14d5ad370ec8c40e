# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""Read-only facts about a Proxmox VE cluster: version, nodes, guests, storage."""

from __future__ import annotations

from typing import Any, NoReturn

from ansible_collections.homelab.iac.plugins.module_utils._proxmox_common import ProxmoxError, ProxmoxModuleClient

SECTIONS = ["version", "nodes", "guests", "storage"]
INFO_ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    "gather": {"type": "list", "elements": "str", "choices": SECTIONS, "default": SECTIONS},
}


def gather_guests(client: ProxmoxModuleClient) -> list[dict[str, Any]]:
    """Every guest of the node with its name from the node listing (the cluster view lags, §3.7)."""
    guests = []
    for kind in ("qemu", "lxc"):
        for guest in client.api.get(f"nodes/{client.node}/{kind}"):
            tags = str(guest.get("tags") or "")
            guests.append({"vmid": int(guest["vmid"]), "type": kind, "node": client.node, "name": guest.get("name"),
                           "status": guest.get("status"), "template": bool(guest.get("template")),
                           "maxmem": guest.get("maxmem"), "maxdisk": guest.get("maxdisk"), "cpus": guest.get("cpus"),
                           "tags": sorted(t for t in tags.replace(",", ";").split(";") if t)})
    return sorted(guests, key=lambda g: g["vmid"])


def run_info_module() -> NoReturn:
    """Everything homelab.iac.proxmox_info does: read, never write."""
    client = ProxmoxModuleClient(INFO_ARGUMENT_SPEC)
    gather = client.params["gather"]
    result: dict[str, Any] = {"changed": False}
    try:
        if "version" in gather:
            result["version"] = client.api.get("version")
        if "nodes" in gather:
            result["nodes"] = sorted(client.api.get("nodes"), key=lambda n: n["node"])
        if "guests" in gather:
            result["guests"] = gather_guests(client)
        if "storage" in gather:
            result["storage"] = client.api.get(f"nodes/{client.node}/storage")
    except ProxmoxError as exc:
        client.fail(str(exc))
    client.exit_json(**result)
