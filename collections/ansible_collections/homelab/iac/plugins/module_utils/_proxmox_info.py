# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""Read-only facts about a Proxmox VE cluster: version, nodes, guests, storage; guests as discovery items.

``guest_specs`` lists the node's VMs and containers as discovery items (``_discovery``): one listing
per guest type, then each guest's config, read and viewed by the very resource classes of
proxmox_vm and proxmox_lxc, so a check-mode run of those modules with ``vmid`` and ``name``
(``hostname``) returns the listed spec as ``diff.before``. Templates are left out: they are
proxmox_template's, whose only property is being one.
"""

from __future__ import annotations

from typing import Any, NoReturn

from ansible_collections.homelab.iac.plugins.module_utils._discovery import discovered, resource_name, unique_names
from ansible_collections.homelab.iac.plugins.module_utils._proxmox_common import ProxmoxError, ProxmoxModuleClient
from ansible_collections.homelab.iac.plugins.module_utils._proxmox_lxc import ProxmoxContainer
from ansible_collections.homelab.iac.plugins.module_utils._proxmox_vm import ProxmoxVm

SECTIONS = ["version", "nodes", "guests", "storage"]
DISCOVERY_SECTIONS = ["guest_specs"]
INFO_ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    "gather": {"type": "list", "elements": "str", "choices": SECTIONS + DISCOVERY_SECTIONS, "default": SECTIONS},
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


def guest_specs(client: ProxmoxModuleClient) -> list[dict[str, Any]]:
    """The node's VMs (kind ``vm``) and containers (kind ``lxc``) as discovery items, by vmid; no templates."""
    items = []
    for kind, path in (("vm", "qemu"), ("lxc", "lxc")):
        for entry in client.api.get(f"nodes/{client.node}/{path}"):
            if entry.get("template"):
                continue
            vmid = int(entry["vmid"])
            resource: ProxmoxVm | ProxmoxContainer
            if kind == "vm":
                resource = ProxmoxVm(client.api, client.tasks, client.node, {"vmid": vmid, "name": entry.get("name")})
            else:
                resource = ProxmoxContainer(client.api, client.tasks, client.node,
                                            {"vmid": vmid, "hostname": entry.get("name")})  # fmt: skip
            observed = resource.observe(entry)
            name = resource_name(entry.get("name"), f"{kind}-{vmid}")
            items.append(discovered(kind, str(vmid), name, False, resource.view(observed), resource.facts(observed)))
    return unique_names(sorted(items, key=lambda item: int(item["id"])))


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
        if "guest_specs" in gather:
            result["guest_specs"] = guest_specs(client)
    except ProxmoxError as exc:
        client.fail(str(exc))
    client.exit_json(**result)
