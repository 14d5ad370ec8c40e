# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""The LXC container resource for the reconcile engine, and the proxmox_lxc module's logic.

Like VMs, containers are compared key by key: the ``hwaddr`` and ``type=veth`` the server adds to
NICs are never changes, and a changed NIC keeps its ``hwaddr``. Creation-only settings (template,
root disk, privilege, password, SSH keys) are used when the container is created and not compared
afterwards, because PVE either cannot change them (``unprivileged``) or never returns them.
"""

from __future__ import annotations

from typing import Any, NoReturn

from ansible_collections.homelab.iac.plugins.module_utils._proxmox_common import (
    PveApi,
    TaskWaiter,
    allocate_vmid,
)
from ansible_collections.homelab.iac.plugins.module_utils._proxmox_guest import find_guest, run_guest_module
from ansible_collections.homelab.iac.plugins.module_utils._proxmox_values import (
    InvalidValue,
    normalize_tags,
    split_props,
)
from ansible_collections.homelab.iac.plugins.module_utils._reconcile import Field, ReconcileError, Resource

LXC_ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    "hostname": {"type": "str"},
    "vmid": {"type": "int"},
    "state": {"type": "str", "default": "present", "choices": ["present", "absent", "started", "stopped"]},
    "ostemplate": {"type": "str"},
    "storage": {"type": "str", "default": "local-lvm"},
    "disk_size": {"type": "int", "default": 8},
    "unprivileged": {"type": "bool", "default": True},
    "password": {"type": "str", "no_log": True},
    "ssh_public_keys": {"type": "list", "elements": "str", "no_log": False},
    "memory": {"type": "int"},
    "swap": {"type": "int"},
    "cores": {"type": "int"},
    "onboot": {"type": "bool"},
    "description": {"type": "str"},
    "tags": {"type": "list", "elements": "str"},
    "nesting": {"type": "bool"},
    "nameserver": {"type": "str"},
    "searchdomain": {"type": "str"},
    "nics": {"type": "list", "elements": "dict", "options": {
        "name": {"type": "str"},
        "bridge": {"type": "str", "default": "vmbr0"},
        "ip": {"type": "str", "default": "dhcp"},
        "gw": {"type": "str"},
        "tag": {"type": "int"},
        "firewall": {"type": "bool"},
        "hwaddr": {"type": "str"},
    }},
    "force": {"type": "bool", "default": False},
}
_SIMPLE = ("hostname", "memory", "swap", "cores", "description", "nameserver", "searchdomain")

CtConfig = dict[str, Any]


def parse_lxc_nic(value: str) -> dict[str, Any]:
    """``name=eth0,bridge=vmbr0,hwaddr=..,ip=dhcp,tag=20,type=veth`` -> dict (tag as int, firewall as bool)."""
    nic: dict[str, Any] = {}
    for key, val in split_props(value):
        if key in ("tag", "mtu"):
            nic[key] = int(val)
        elif key == "firewall":
            nic[key] = val == "1"
        elif key:
            nic[key] = val.upper() if key == "hwaddr" else val
    return nic


def lxc_nic_to_api(nic: dict[str, Any]) -> str:
    items = [f"name={nic['name']}"]
    for key in sorted(k for k in nic if k != "name" and nic[k] is not None):
        value = nic[key]
        items.append(f"{key}={int(value) if isinstance(value, bool) else value}")
    return ",".join(items)


def _nics_equal(current: Any, desired: Any) -> bool:
    current = current or {}
    return all(key in current and all(current[key].get(k) == v for k, v in nic.items())
               for key, nic in desired.items())


class ProxmoxContainer(Resource[CtConfig]):
    """An LXC container identified by ``vmid`` or, without one, by its unique hostname on the node."""

    kind = "proxmox container"
    fields = (
        Field("hostname"), Field("memory"), Field("swap"), Field("cores"), Field("description"),
        Field("nameserver"), Field("searchdomain"), Field("onboot"), Field("tags"), Field("nesting"),
        Field("nics", equal=_nics_equal),
    )

    def __init__(self, api: PveApi, tasks: TaskWaiter, node: str, params: dict[str, Any]) -> None:
        self.api, self.tasks, self.node, self.params = api, tasks, node, params
        self.vmid: int | None = params.get("vmid")
        if self.vmid is None and not params.get("hostname"):
            raise InvalidValue("hostname or vmid is required")

    def path(self, suffix: str = "") -> str:
        return f"nodes/{self.node}/lxc/{self.vmid}{suffix}"

    def read(self) -> CtConfig | None:
        if self.vmid is None:
            self.vmid = find_guest(self.api, self.node, "lxc", self.params["hostname"])
            if self.vmid is None:
                return None
        listing = {int(ct["vmid"]): ct for ct in self.api.get(f"nodes/{self.node}/lxc")}
        if self.vmid not in listing:
            return None
        return self.observe(listing[self.vmid])

    def observe(self, entry: dict[str, Any]) -> CtConfig:
        """The config of the container whose node listing entry is ``entry``, with its power status."""
        return {**self.api.get(self.path("/config")), "__status": entry.get("status")}

    def current(self, observed: CtConfig) -> dict[str, Any]:
        view: dict[str, Any] = {key: observed.get(key) for key in _SIMPLE}
        for key in ("memory", "swap", "cores"):
            view[key] = int(observed[key]) if observed.get(key) is not None else None
        view["onboot"] = bool(int(observed.get("onboot", 0)))
        view["tags"] = normalize_tags(observed.get("tags") or "")
        features = dict(split_props(observed.get("features") or ""))
        view["nesting"] = features.get("nesting") == "1"
        view["nics"] = {k: parse_lxc_nic(v) for k, v in observed.items() if k[:3] == "net" and k[3:].isdigit()}
        return view

    def desired(self) -> dict[str, Any]:
        p = self.params
        view: dict[str, Any] = {key: p.get(key) for key in _SIMPLE}
        view.update(onboot=p.get("onboot"), tags=normalize_tags(p.get("tags")), nesting=p.get("nesting"))
        view["nics"] = None if p.get("nics") is None else {
            f"net{i}": {k: (v.upper() if k == "hwaddr" else v) for k, v in {**nic, "name": nic.get("name") or f"eth{i}"}
                        .items() if v is not None}
            for i, nic in enumerate(p["nics"])}
        return view

    def check_create(self) -> None:
        if not self.params.get("ostemplate"):
            raise InvalidValue("ostemplate is required to create a container")
        if not self.params.get("hostname"):
            raise InvalidValue("hostname is required to create a container")

    def _body(self, names: list[str], current: dict[str, Any] | None) -> dict[str, Any]:
        desired = self.desired()
        body: dict[str, Any] = {k: desired[k] for k in _SIMPLE if k in names and desired.get(k) is not None}
        if "onboot" in names and desired.get("onboot") is not None:
            body["onboot"] = int(desired["onboot"])
        if "tags" in names and desired.get("tags") is not None:
            body["tags"] = ";".join(desired["tags"])
        if "nesting" in names and desired.get("nesting") is not None:
            body["features"] = f"nesting={int(desired['nesting'])}"
        if "nics" in names and desired.get("nics") is not None:
            have = (current or {}).get("nics") or {}
            for key, nic in desired["nics"].items():
                if current is None or not _nics_equal(have, {key: nic}):
                    # Keep the server's hwaddr and type so the container's MAC does not change.
                    body[key] = lxc_nic_to_api({**have.get(key, {}), **nic})
        return body

    def create(self) -> None:
        p = self.params
        body = self._body([f.name for f in self.fields], None)
        body.update(ostemplate=p["ostemplate"], rootfs=f"{p['storage']}:{p['disk_size']}",
                    unprivileged=int(p["unprivileged"]), password=p.get("password"),
                    **{"ssh-public-keys": "\n".join(p["ssh_public_keys"]) if p.get("ssh_public_keys") else None})

        def post(vmid: int) -> Any:
            return self.api.post(f"nodes/{self.node}/lxc", vmid=vmid, **body)

        if self.vmid is None:
            self.vmid, upid = allocate_vmid(self.api, post)
        else:
            upid = post(self.vmid)
        self.tasks.wait(upid, f"creating container {self.vmid}")

    def update(self, observed: CtConfig, changed: list[str]) -> None:
        body = self._body(changed, self.current(observed))
        if body:
            self.api.put(self.path("/config"), digest=observed.get("digest"), **body)

    def check_delete(self, observed: CtConfig) -> None:
        if observed.get("__status") == "running" and not self.params.get("force"):
            raise ReconcileError(f"container {self.vmid} is running: refusing to remove it; set force: true")

    def delete(self, observed: CtConfig) -> None:
        force = 1 if observed.get("__status") == "running" else None
        self.tasks.wait(self.api.delete(self.path(), force=force, purge=1), f"removing container {self.vmid}")

    def facts(self, observed: CtConfig | None) -> dict[str, Any]:
        if observed is None:
            return {}
        view = self.current(observed)
        return {"vmid": self.vmid, "node": self.node, "hostname": observed.get("hostname"),
                "status": observed.get("__status"), "memory": view["memory"], "cores": view["cores"],
                "tags": view["tags"], "rootfs": observed.get("rootfs"),
                "unprivileged": bool(observed.get("unprivileged")),
                "macs": {key: nic.get("hwaddr") for key, nic in view["nics"].items()}, "nics": view["nics"],
                "upids": list(self.tasks.upids)}


def run_lxc_module() -> NoReturn:
    """Everything homelab.iac.proxmox_lxc does."""
    run_guest_module(LXC_ARGUMENT_SPEC, "lxc", lambda client: ProxmoxContainer(
        client.api, client.tasks, client.node, client.params), facts_key="container")
