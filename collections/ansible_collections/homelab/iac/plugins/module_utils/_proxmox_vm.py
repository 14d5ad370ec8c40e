# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""The QEMU VM resource for the reconcile engine, and the proxmox_vm module's logic.

Updates compare the parsed config with the arguments key by key, so MACs the server generated and
disk specs it rewrote never count as changes. Disks are never shrunk (PVE cannot) and disks the task
does not list are only detached with ``remove_unlisted_disks``; a changed NIC keeps its MAC.
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
    agent_enabled,
    decode_sshkeys,
    disk_options_to_api,
    encode_sshkeys,
    nic_to_api,
    normalize_ipconfig,
    normalize_tags,
    parse_disk,
    parse_qemu_nic,
    size_gib,
)
from ansible_collections.homelab.iac.plugins.module_utils._reconcile import Field, ReconcileError, Resource

VM_ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    "name": {"type": "str"},
    "vmid": {"type": "int"},
    "state": {"type": "str", "default": "present", "choices": ["present", "absent", "started", "stopped"]},
    "clone": {"type": "str"},
    "full": {"type": "bool"},
    "storage": {"type": "str"},
    "memory": {"type": "int"},
    "cores": {"type": "int"},
    "sockets": {"type": "int"},
    "cpu": {"type": "str"},
    "ostype": {"type": "str"},
    "scsihw": {"type": "str"},
    "agent": {"type": "bool"},
    "onboot": {"type": "bool"},
    "description": {"type": "str"},
    "tags": {"type": "list", "elements": "str"},
    "disks": {"type": "list", "elements": "dict", "options": {
        "slot": {"type": "str", "required": True},
        "size": {"type": "str", "required": True},
        "storage": {"type": "str"},
        "options": {"type": "dict"},
    }},
    "remove_unlisted_disks": {"type": "bool", "default": False},
    "nics": {"type": "list", "elements": "dict", "options": {
        "model": {"type": "str", "default": "virtio"},
        "bridge": {"type": "str", "default": "vmbr0"},
        "tag": {"type": "int"},
        "firewall": {"type": "bool"},
        "mac": {"type": "str"},
        "mtu": {"type": "int"},
        "rate": {"type": "str"},
        "link_down": {"type": "bool"},
    }},
    "cloudinit": {"type": "dict", "options": {
        "user": {"type": "str"},
        "password": {"type": "str", "no_log": True},
        "ssh_keys": {"type": "list", "elements": "str", "no_log": False},
        "ipconfig": {"type": "list", "elements": "str"},
        "nameserver": {"type": "str"},
        "searchdomain": {"type": "str"},
        "storage": {"type": "str"},
    }},
    "force": {"type": "bool", "default": False},
}

VmConfig = dict[str, Any]
_SIMPLE = ("name", "memory", "cores", "sockets", "cpu", "ostype", "scsihw", "description")


def _nics_equal(current: Any, desired: Any) -> bool:
    """Every NIC the task lists matches on the keys it sets (the server adds mac and may add more)."""
    current = current or {}
    return all(key in current and all(current[key].get(k) == v for k, v in nic.items())
               for key, nic in desired.items())


def _disks_equal(current: Any, desired: Any) -> bool:
    current = current or {}
    for slot, disk in desired.items():
        have = current.get(slot)
        if have is None or have["size_gb"] != disk["size_gb"]:
            return False
        if any(have["options"].get(k) != v for k, v in disk["options"].items()):
            return False
    return True


def _subset_equal(current: Any, desired: Any) -> bool:
    return all((current or {}).get(k) == v for k, v in desired.items())


class ProxmoxVm(Resource[VmConfig]):
    """A QEMU VM identified by ``vmid`` or, without one, by its unique ``name`` on the node."""

    kind = "proxmox VM"
    fields = (
        Field("name"), Field("memory"), Field("cores"), Field("sockets"), Field("cpu"), Field("ostype"),
        Field("scsihw"), Field("description"), Field("agent"), Field("onboot"), Field("tags"),
        Field("nics", equal=_nics_equal), Field("disks", equal=_disks_equal),
        Field("cloudinit", equal=_subset_equal),
    )

    def __init__(self, api: PveApi, tasks: TaskWaiter, node: str, params: dict[str, Any]) -> None:
        self.api = api
        self.tasks = tasks
        self.node = node
        self.params = params
        self.vmid: int | None = params.get("vmid")
        self._cloned = False  # set while configuring a fresh clone (the password is set then too)
        if self.vmid is None and not params.get("name"):
            raise InvalidValue("name or vmid is required")

    # Reading ------------------------------------------------------------------------------------
    def path(self, suffix: str = "") -> str:
        return f"nodes/{self.node}/qemu/{self.vmid}{suffix}"

    def read(self) -> VmConfig | None:
        if self.vmid is None:
            found = find_guest(self.api, self.node, "qemu", self.params["name"])
            if found is None:
                return None
            self.vmid = found
        listing = {int(vm["vmid"]): vm for vm in self.api.get(f"nodes/{self.node}/qemu")}
        if self.vmid not in listing:
            return None
        return self.observe(listing[self.vmid])

    def observe(self, entry: dict[str, Any]) -> VmConfig:
        """The config of the VM whose node listing entry is ``entry``, with its power status."""
        config = dict(self.api.get(self.path("/config")))
        config["__status"] = entry.get("status")
        return config

    def current(self, observed: VmConfig) -> dict[str, Any]:
        view: dict[str, Any] = {key: observed.get(key) for key in _SIMPLE}
        view["memory"] = int(str(observed.get("memory", 2048)).removeprefix("current="))
        view["cores"] = int(observed.get("cores", 1))
        view["sockets"] = int(observed.get("sockets", 1))
        view["agent"] = agent_enabled(observed.get("agent"))
        view["onboot"] = bool(int(observed.get("onboot", 0)))
        view["tags"] = normalize_tags(observed.get("tags") or "")
        view["nics"] = {k: parse_qemu_nic(v) for k, v in observed.items() if k[:3] == "net" and k[3:].isdigit()}
        view["disks"] = {k: parse_disk(v) for k, v in observed.items() if _is_disk(k, v)}
        view["cloudinit"] = {
            "user": observed.get("ciuser"),
            "ssh_keys": decode_sshkeys(observed.get("sshkeys")),
            "ipconfig": [normalize_ipconfig(observed[f"ipconfig{i}"]) if f"ipconfig{i}" in observed else None
                         for i in range(len((self.params.get("cloudinit") or {}).get("ipconfig") or []))],
            "nameserver": observed.get("nameserver"),
            "searchdomain": observed.get("searchdomain"),
        }
        return view

    def desired(self) -> dict[str, Any]:
        p = self.params
        view: dict[str, Any] = {key: p.get(key) for key in _SIMPLE}
        view.update(agent=p.get("agent"), onboot=p.get("onboot"), tags=normalize_tags(p.get("tags")))
        view["nics"] = None if p.get("nics") is None else {
            f"net{i}": {k: (v.upper() if k == "mac" else v) for k, v in nic.items() if v is not None}
            for i, nic in enumerate(p["nics"])}
        view["disks"] = None if p.get("disks") is None else {
            d["slot"]: {"size_gb": _size(d), "storage": d.get("storage") or p.get("storage"),
                        "options": disk_options_to_api(d.get("options") or {})} for d in p["disks"]}
        ci = p.get("cloudinit")
        view["cloudinit"] = None if ci is None else {k: v for k, v in {
            "user": ci.get("user"),
            "ssh_keys": [k.strip() for k in ci["ssh_keys"]] if ci.get("ssh_keys") is not None else None,
            "ipconfig": [normalize_ipconfig(v) for v in ci["ipconfig"]] if ci.get("ipconfig") else None,
            "nameserver": ci.get("nameserver"), "searchdomain": ci.get("searchdomain"),
        }.items() if v is not None}
        return view

    # Writing ------------------------------------------------------------------------------------
    def check_create(self) -> None:
        if not self.params.get("name"):
            raise InvalidValue("name is required to create a VM")
        for slot, disk in (self.desired()["disks"] or {}).items():
            if not disk["storage"]:
                raise InvalidValue(f"disks[{slot}]: storage is required for a new disk (or set storage)")

    def create(self) -> None:
        if self.params.get("clone"):
            self._clone()
            return
        body = self._config_params(self.desired(), None, list(f.name for f in self.fields))

        def post(vmid: int) -> Any:
            return self.api.post(f"nodes/{self.node}/qemu", vmid=vmid, **body)

        if self.vmid is None:
            self.vmid, upid = allocate_vmid(self.api, post)
        else:
            upid = post(self.vmid)
        self.tasks.wait(upid, f"creating VM {self.vmid}")

    def _clone(self) -> None:
        source = str(self.params["clone"])
        source_id = int(source) if source.isdigit() else find_guest(self.api, self.node, "qemu", source)
        if source_id is None:
            raise ReconcileError(f"clone: no VM or template named {source!r} on node {self.node}")
        full = self.params.get("full")

        def clone(vmid: int) -> Any:
            return self.api.post(f"nodes/{self.node}/qemu/{source_id}/clone", newid=vmid, name=self.params["name"],
                                 full=full, storage=self.params.get("storage") if full else None)

        if self.vmid is None:
            self.vmid, upid = allocate_vmid(self.api, clone)
        else:
            upid = clone(self.vmid)
        self.tasks.wait(upid, f"cloning {source} to VM {self.vmid}")
        observed = self.read()
        if observed is None:
            raise ReconcileError(f"VM {self.vmid} is missing after the clone finished")
        current, desired = self.current(observed), self.desired()
        changed = [f.name for f in self.fields if desired.get(f.name) is not None
                   and not (f.equal(current.get(f.name), desired[f.name]) if f.equal else
                            current.get(f.name) == desired[f.name])]
        password = (self.params.get("cloudinit") or {}).get("password")
        if password and "cloudinit" not in changed:
            changed.append("cloudinit")
        self._cloned = True
        if changed:
            self.update(observed, changed)

    def update(self, observed: VmConfig, changed: list[str]) -> None:
        current = self.current(observed)
        body = self._config_params(self.desired(), current, changed)
        resizes = body.pop("__resize", {})
        if body:
            self.tasks.wait(self.api.post(self.path("/config"), digest=observed.get("digest"), **body),
                            f"updating VM {self.vmid}")
        for slot, size in resizes.items():
            self.tasks.wait(self.api.put(self.path("/resize"), disk=slot, size=size), f"resizing {slot}")

    def _config_params(self, desired: dict[str, Any], current: dict[str, Any] | None,
                       names: list[str]) -> dict[str, Any]:
        """API parameters for the ``names`` fields; ``current`` None means a create."""
        body: dict[str, Any] = {}
        for key in _SIMPLE:
            if key in names and desired.get(key) is not None:
                body[key] = desired[key]
        for key in ("agent", "onboot"):
            if key in names and desired.get(key) is not None:
                body[key] = int(desired[key])
        if "tags" in names and desired.get("tags") is not None:
            body["tags"] = ";".join(desired["tags"])
        if "nics" in names and desired.get("nics") is not None:
            have = (current or {}).get("nics") or {}
            for key, nic in desired["nics"].items():
                merged = {**have.get(key, {}), **nic}
                if current is None or not _nics_equal(have, {key: nic}):
                    body[key] = nic_to_api({k: v for k, v in merged.items() if k != "mac"}, merged.get("mac"))
        if "disks" in names and desired.get("disks") is not None:
            self._disk_params(body, desired["disks"], current)
        if "cloudinit" in names and desired.get("cloudinit") is not None:
            self._cloudinit_params(body, desired["cloudinit"], current)
        return body

    def _disk_params(self, body: dict[str, Any], disks: dict[str, Any], current: dict[str, Any] | None) -> None:
        have = (current or {}).get("disks") or {}
        resizes: dict[str, str] = {}
        for slot, disk in disks.items():
            old = have.get(slot)
            options = ",".join(f"{k}={v}" for k, v in sorted(disk["options"].items()))
            if old is None:
                body[slot] = f"{disk['storage']}:{_gib_text(disk['size_gb'])}" + (f",{options}" if options else "")
                continue
            if old["size_gb"] is not None and disk["size_gb"] < old["size_gb"]:
                raise ReconcileError(f"disks[{slot}]: is {_gib_text(old['size_gb'])}G, asked for "
                                     f"{_gib_text(disk['size_gb'])}G; Proxmox cannot shrink disks")
            if old["size_gb"] != disk["size_gb"]:
                resizes[slot] = f"{_gib_text(disk['size_gb'])}G"
            if any(old["options"].get(k) != v for k, v in disk["options"].items()):
                merged = {**old["options"], **disk["options"]}
                body[slot] = ",".join([old["volume"], *(f"{k}={v}" for k, v in sorted(merged.items()))])
        if current is not None and self.params.get("remove_unlisted_disks"):
            extra = sorted(slot for slot in have if slot not in disks)
            if extra:
                body["delete"] = ",".join(extra)
        if resizes:
            body["__resize"] = resizes

    def _cloudinit_params(self, body: dict[str, Any], ci: dict[str, Any], current: dict[str, Any] | None) -> None:
        have = (current or {}).get("cloudinit") or {}
        for key, api_key in (("user", "ciuser"), ("nameserver", "nameserver"), ("searchdomain", "searchdomain")):
            if key in ci and have.get(key) != ci[key]:
                body[api_key] = ci[key]
        if "ssh_keys" in ci and have.get("ssh_keys") != ci["ssh_keys"]:
            body["sshkeys"] = encode_sshkeys(ci["ssh_keys"])
        for index, value in enumerate(ci.get("ipconfig") or []):
            if (have.get("ipconfig") or [None] * (index + 1))[index] != value:
                body[f"ipconfig{index}"] = value
        raw = self.params.get("cloudinit") or {}
        # The password cannot be read back (PVE masks it), so it is only set on create or clone.
        if (current is None or self._cloned) and raw.get("password"):
            body["cipassword"] = raw["password"]
        if current is None and raw.get("storage"):
            body["ide2"] = f"{raw['storage']}:cloudinit"

    def check_delete(self, observed: VmConfig) -> None:
        if observed.get("__status") == "running" and not self.params.get("force"):
            raise ReconcileError(f"VM {self.vmid} is running: refusing to remove it; set force: true to stop it first")
        if observed.get("protection"):
            raise ReconcileError(f"VM {self.vmid} has protection set: refusing to remove it")

    def delete(self, observed: VmConfig) -> None:
        if observed.get("__status") == "running":
            self.tasks.wait(self.api.post(self.path("/status/stop")), f"stopping VM {self.vmid}")
        self.tasks.wait(self.api.delete(self.path(), purge=1, **{"destroy-unreferenced-disks": 1}),
                        f"removing VM {self.vmid}")

    def facts(self, observed: VmConfig | None) -> dict[str, Any]:
        if observed is None:
            return {}
        view = self.current(observed)
        return {
            "vmid": self.vmid, "node": self.node, "name": observed.get("name"), "status": observed.get("__status"),
            "template": bool(observed.get("template")), "memory": view["memory"], "cores": view["cores"],
            "sockets": view["sockets"], "tags": view["tags"],
            "macs": {key: nic.get("mac") for key, nic in view["nics"].items()},
            "nics": view["nics"], "disks": {k: {**v, "options": v["options"]} for k, v in view["disks"].items()},
            "upids": list(self.tasks.upids),
        }


def _is_disk(key: str, value: Any) -> bool:
    prefix = key.rstrip("0123456789")
    return prefix in ("scsi", "virtio", "sata", "ide") and key != prefix and "media=cdrom" not in str(value)


def _size(disk: dict[str, Any]) -> float:
    return size_gib(disk["size"])


def _gib_text(size: float) -> str:
    return str(int(size)) if float(size).is_integer() else str(size)


def run_vm_module() -> NoReturn:
    """Everything homelab.iac.proxmox_vm does, so the module file stays documentation + main()."""
    run_guest_module(VM_ARGUMENT_SPEC, "qemu", lambda client: ProxmoxVm(
        client.api, client.tasks, client.node, client.params), facts_key="vm")
