"""What QEMU VMs and LXC containers share: lookup, config files, disks, status, delete, templates.

Guests live in ``state["guests"]`` keyed by vmid (a string, JSON object keys are strings)::

    {"vmid": 100, "type": "qemu", "node": "pve", "running": false, "started_at": 0,
     "created_at": 1727000000, "config": {...}, "snapshots": {name: {...}}}

The config holds exactly what ``GET .../config`` returns (minus ``digest``), with integer keys as
numbers and the rest as strings, the way the server types them.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from typing import Any

from lab.emulator.proxmox.http import ApiError
from lab.emulator.proxmox.tasks import TaskBook, TaskFailed
from lab.emulator.proxmox.values import (
    DISK_KEY_RE,
    LXC_DISK_KEY_RE,
    NEW_DISK_RE,
    ParamError,
    format_size,
    parse_size,
    print_property_string,
)

__all__ = ["GuestStore"]

NODE = "pve"
GIB = 1 << 30


class GuestStore:
    """Guest bookkeeping shared by the qemu and lxc endpoint classes."""

    def __init__(self, state: dict[str, Any], tasks: TaskBook) -> None:
        self.state = state
        self.tasks = tasks
        state.setdefault("guests", {})

    # Lookup -------------------------------------------------------------------------------------
    @property
    def guests(self) -> dict[str, dict[str, Any]]:
        return self.state["guests"]  # type: ignore[no-any-return]

    def check_node(self, node: str) -> None:
        """Unknown node names fail hostname resolution on a real cluster."""
        if node not in self.state["nodes"]:
            raise ApiError(500, f"hostname lookup '{node}' failed - failed to get address info for: {node}: "
                                "Name or service not known")

    def config_path(self, kind: str, vmid: int | str, node: str = NODE) -> str:
        return f"nodes/{node}/{'qemu-server' if kind == 'qemu' else 'lxc'}/{vmid}.conf"

    def get(self, kind: str, node: str, vmid: int | str) -> dict[str, Any]:
        """The guest, or the 500 PVE gives when its config file is missing."""
        self.check_node(node)
        guest = self.guests.get(str(vmid))
        if guest is None or guest["type"] != kind or guest["node"] != node:
            raise ApiError(500, f"Configuration file '{self.config_path(kind, vmid, node)}' does not exist")
        return guest

    def vmid_taken(self, vmid: int) -> bool:
        return str(vmid) in self.guests

    def check_unlocked(self, guest: dict[str, Any]) -> None:
        lock = guest["config"].get("lock")
        if lock:
            label = "VM" if guest["type"] == "qemu" else "CT"
            raise ApiError(500, f"{label} is locked ({lock})")

    @staticmethod
    def digest(config: dict[str, Any]) -> str:
        return hashlib.sha1(json.dumps(config, sort_keys=True).encode()).hexdigest()

    def config_view(self, guest: dict[str, Any]) -> dict[str, Any]:
        """``GET .../config``: the config, ``cipassword`` masked, plus ``digest``."""
        view = dict(guest["config"])
        if "cipassword" in view:
            view["cipassword"] = "**********"
        view["digest"] = self.digest(guest["config"])
        return view

    def check_digest(self, guest: dict[str, Any], digest: str | None) -> None:
        if digest and digest != self.digest(guest["config"]):
            raise ApiError(500, "detected modified configuration - file changed by other user? Try again.")

    # Disks --------------------------------------------------------------------------------------
    def storage(self, name: str, content: str) -> dict[str, Any]:
        """A storage that must exist and hold ``content`` (images, rootdir, iso, vztmpl)."""
        storage = self.state["storages"].get(name)
        if storage is None:
            raise ApiError(500, f"storage '{name}' does not exist")
        if content not in storage["content"].split(","):
            what = {"images": "content-type 'images'", "rootdir": "container directories"}.get(content, content)
            raise ApiError(500, f"storage '{name}' does not support {what}")
        return storage

    def volumes_of(self, vmid: int | str) -> set[str]:
        """Every volume name referenced by a guest's config or snapshots."""
        guest = self.guests.get(str(vmid))
        names: set[str] = set()
        if guest is None:
            return names
        configs = [guest["config"], *(snap.get("config", {}) for snap in guest.get("snapshots", {}).values())]
        for config in configs:
            for key, value in config.items():
                if DISK_KEY_RE.match(key) or LXC_DISK_KEY_RE.match(key):
                    names.add(str(value).split(",", 1)[0])
        return names

    def next_disk_name(self, storage: str, vmid: int, reserved: set[str]) -> str:
        """``<storage>:vm-<vmid>-disk-<n>`` with the lowest free ``n``."""
        taken = self.volumes_of(vmid) | reserved
        index = 0
        while True:
            volume = f"{storage}:vm-{vmid}-disk-{index}"
            if volume not in taken and not any(name.endswith(f"/vm-{vmid}-disk-{index}") for name in taken):
                return volume
            index += 1

    def rewrite_disk(self, key: str, value: str, vmid: int, content: str, reserved: set[str],
                     default_storage: str | None = None) -> str:
        """``local-lvm:32,ssd=1`` -> ``local-lvm:vm-100-disk-0,size=32G,ssd=1``; existing volumes keep their name."""
        volume, _, rest = value.partition(",")
        options: dict[str, str] = {}
        for item in filter(None, rest.split(",")):
            name, sep, val = item.partition("=")
            if not sep:
                raise ApiError.params({key: f"invalid format - format error\n{name}: missing value"})
            options[name] = val
        new = NEW_DISK_RE.match(volume)
        if new:
            storage_name = new.group(1) or default_storage
            if storage_name is None:
                raise ApiError.params({key: "invalid format - missing storage"})
            self.storage(storage_name, content)
            size = int(float(new.group(2)) * GIB)
            volume = self.next_disk_name(storage_name, vmid, reserved)
            reserved.add(volume)
            options["size"] = format_size(size)
        elif volume.endswith(":cloudinit"):
            storage_name = volume.split(":", 1)[0]
            self.storage(storage_name, "images")
            volume = f"{storage_name}:vm-{vmid}-cloudinit"
            options["media"] = "cdrom"
        elif volume != "none" and ":" in volume:
            storage_name, _, path = volume.partition(":")
            if storage_name not in self.state["storages"]:
                raise ApiError(500, f"storage '{storage_name}' does not exist")
            files = self.state["volumes"].get(storage_name, [])
            if path.startswith("iso/") and not any(v["volid"] == volume for v in files):
                raise ApiError(500, f"volume '{volume}' does not exist")
        return print_property_string([("", volume)], options)

    def disk_size(self, value: str) -> int:
        for item in str(value).split(",")[1:]:
            if item.startswith("size="):
                try:
                    return parse_size(item[5:])
                except ValueError:
                    return 0
        return 0

    # Status -------------------------------------------------------------------------------------
    def status_fields(self, guest: dict[str, Any]) -> dict[str, Any]:
        """The vmstatus fields (§3.1, §4.2) common to listings and ``status/current``."""
        config = guest["config"]
        running = guest["running"]
        is_qemu = guest["type"] == "qemu"
        memory = int(str(config.get("memory", 2048 if is_qemu else 512)).removeprefix("current="))
        disks = [v for k, v in config.items() if (DISK_KEY_RE.match(k) and not k.startswith("unused")
                 and "media=cdrom" not in str(v)) or k == "rootfs"]
        vmid = guest["vmid"]
        fields: dict[str, Any] = {
            "vmid": vmid,
            "name": config.get("name", f"VM {vmid}") if is_qemu else config.get("hostname", f"CT{vmid}"),
            "status": "running" if running else "stopped",
            "maxmem": memory * (1 << 20),
            "maxdisk": self.disk_size(disks[0]) if disks else 0,
            "cpus": int(config.get("cores", 1)) * int(config.get("sockets", 1)),
            "uptime": int(time.time() - guest["started_at"]) if running else 0,
            "mem": memory * (1 << 19) if running else 0,
            "cpu": 0.01 if running else 0,
            "disk": 0, "netin": 0, "netout": 0, "diskread": 0, "diskwrite": 0,
        }
        if not is_qemu:
            fields["type"] = "lxc"
            fields["maxswap"] = int(config.get("swap", 512)) * (1 << 20)
        if running and is_qemu:
            fields["pid"] = 10000 + guest["vmid"]
            fields["qmpstatus"] = "running"
        for key in ("lock", "tags", "template"):
            if config.get(key):
                fields[key] = config[key]
        return fields

    def listing(self, kind: str, node: str) -> list[dict[str, Any]]:
        self.check_node(node)
        return [self.status_fields(g) for g in self.guests.values() if g["type"] == kind and g["node"] == node]

    # Shared worker operations -------------------------------------------------------------------
    def label(self, guest: dict[str, Any]) -> str:
        return "VM" if guest["type"] == "qemu" else "CT"

    def op_unlock(self, args: dict[str, Any]) -> list[str]:
        """End of create: drop the ``create`` lock; autostart when asked."""
        guest = self.guests.get(str(args["vmid"]))
        if guest is None:
            raise TaskFailed(f"unable to create {args.get('label', 'VM')} {args['vmid']} - guest vanished")
        guest["config"].pop("lock", None)
        lines = []
        if args.get("start"):
            guest["running"] = True
            guest["started_at"] = time.time()
            lines.append("Execute autostart")
        return lines

    def op_power(self, args: dict[str, Any]) -> list[str]:
        """start / stop / shutdown / reboot; QEMU start on a running VM fails inside the task."""
        guest = self.guests.get(str(args["vmid"]))
        if guest is None:
            raise TaskFailed(f"Configuration file '{self.config_path(args['kind'], args['vmid'])}' does not exist")
        action = args["action"]
        if action == "start":
            if guest["running"]:
                raise TaskFailed(f"VM {guest['vmid']} already running")
            if guest["config"].get("template"):
                raise TaskFailed("you can't start a vm if it's a template")
            guest["running"] = True
            guest["started_at"] = time.time()
        elif action in ("stop", "shutdown"):
            guest["running"] = False
        elif action == "reboot":
            guest["started_at"] = time.time()
        return []

    def op_destroy(self, args: dict[str, Any]) -> list[str]:
        guest = self.guests.pop(str(args["vmid"]), None)
        if guest is None:
            return []
        return [f"Removing image: 100% complete...done. ({volume})" for volume in sorted(self.volumes_of_guest(guest))]

    def volumes_of_guest(self, guest: dict[str, Any]) -> set[str]:
        return {str(v).split(",", 1)[0] for k, v in guest["config"].items()
                if (DISK_KEY_RE.match(k) or LXC_DISK_KEY_RE.match(k)) and "media=cdrom" not in str(v)}

    def op_template(self, args: dict[str, Any]) -> list[str]:
        """Mark as template; on thin storage disks become ``base-<vmid>-disk-N``."""
        guest = self.guests[str(args["vmid"])]
        config = guest["config"]
        for key, value in list(config.items()):
            if DISK_KEY_RE.match(key) or LXC_DISK_KEY_RE.match(key):
                vmid = guest["vmid"]
                config[key] = re.sub(rf"^([^:]+):vm-{vmid}-disk-", rf"\1:base-{vmid}-disk-", str(value))
        config["template"] = 1
        config.pop("lock", None)
        return []

    def start_task(self, guest_or_vmid: Any, task_type: str, user: str, operation: str,
                   args: dict[str, Any], log: list[str] | None = None) -> str:
        vmid = guest_or_vmid["vmid"] if isinstance(guest_or_vmid, dict) else guest_or_vmid
        return self.tasks.start(NODE, task_type, str(vmid), user, operation, args, log)


def param_error(exc: ParamError) -> ApiError:
    """A value error found while rewriting becomes the usual 400 naming the parameter."""
    return ApiError.params({exc.name: exc.message})
