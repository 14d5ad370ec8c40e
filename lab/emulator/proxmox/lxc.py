"""``/nodes/{node}/lxc``: containers (§4). Unlike QEMU, power preconditions fail synchronously."""

from __future__ import annotations

import time
from typing import Any

from lab.emulator.proxmox.guests import NODE, GuestStore, param_error
from lab.emulator.proxmox.http import ApiError, validate
from lab.emulator.proxmox.values import ParamError, check_memory, normalize_tags, rewrite_lxc_nic

__all__ = ["LxcApi"]

CONFIG_SCHEMA: dict[str, str] = {
    "node": "string", "vmid": "vmid", "hostname": "string", "rootfs": "string", "^mp\\d+$": "string",
    "memory": "integer", "swap": "integer", "cores": "integer", "cpulimit": "number", "cpuunits": "integer",
    "^net\\d+$": "string", "features": "string", "onboot": "boolean", "tags": "string", "description": "string",
    "nameserver": "string", "searchdomain": "string", "ostype": "string", "arch": "string",
    "protection": "boolean", "timezone": "string", "console": "boolean", "tty": "integer",
    "cmode": "enum:shell|console|tty", "startup": "string", "unprivileged": "boolean",
}
CREATE_SCHEMA = {**CONFIG_SCHEMA, "ostemplate": "string", "password": "string", "ssh-public-keys": "string",
                 "storage": "string", "start": "boolean", "pool": "string", "force": "boolean",
                 "restore": "boolean", "unique": "boolean", "ignore-unpack-errors": "boolean"}
UPDATE_SCHEMA = {**CONFIG_SCHEMA, "delete": "string", "revert": "string", "digest": "string"}
INTEGER_KEYS = {"memory", "swap", "cores", "cpuunits", "onboot", "protection", "console", "tty", "unprivileged",
                "template"}
OSTYPES = ("debian", "ubuntu", "alpine", "centos", "fedora", "archlinux", "rockylinux", "almalinux", "opensuse")


class LxcApi:
    """Handlers for the lxc endpoints."""

    def __init__(self, store: GuestStore) -> None:
        self.store = store

    def routes(self) -> list[tuple[str, str, Any]]:
        base = r"/nodes/(?P<node>[^/]+)/lxc"
        one = base + r"/(?P<vmid>[^/]+)"
        return [
            ("GET", base, self.index),
            ("POST", base, self.create),
            ("DELETE", one, self.destroy),
            ("GET", one + "/config", self.get_config),
            ("PUT", one + "/config", self.put_config),
            ("GET", one + "/status/current", self.status_current),
            ("POST", one + r"/status/(?P<action>start|stop|shutdown|reboot)", self.power),
            ("POST", one + "/clone", self.clone),
            ("POST", one + "/template", self.template),
        ]

    def _ct(self, params: dict[str, Any]) -> dict[str, Any]:
        vmid = validate({"vmid": params["vmid"]}, {"vmid": "vmid"})["vmid"]
        return self.store.get("lxc", params["node"], vmid)

    def index(self, params: dict[str, Any], user: str) -> Any:
        return self.store.listing("lxc", params["node"])

    def _rewrite(self, vmid: int, keys: dict[str, Any], privileged: bool, default_storage: str) -> dict[str, Any]:
        reserved: set[str] = set()
        result: dict[str, Any] = {}
        try:
            for key, value in keys.items():
                if key == "features":
                    names = {item.split("=")[0] for item in str(value).split(",") if item}
                    # API tokens are never root@pam (§1.3): only nesting, and only on unprivileged CTs.
                    if privileged or names - {"nesting"}:
                        raise ApiError(403, "changing feature flags (except nesting) is only allowed for root@pam")
                    result[key] = str(value)
                elif key in INTEGER_KEYS:
                    result[key] = int(value)
                elif key.startswith("net"):
                    result[key] = rewrite_lxc_nic(key, str(value))
                elif key == "rootfs" or key.startswith("mp"):
                    result[key] = self.store.rewrite_disk(key, str(value), vmid, "rootdir", reserved,
                                                          default_storage=default_storage)
                elif key == "tags":
                    result[key] = normalize_tags(str(value))
                else:
                    result[key] = value if key == "cpulimit" else str(value)
            if "memory" in keys:
                check_memory(keys["memory"])
        except ParamError as exc:
            raise param_error(exc) from None
        return result

    def create(self, params: dict[str, Any], user: str) -> Any:
        checked = validate(params, CREATE_SCHEMA, required=("vmid", "ostemplate"))
        self.store.check_node(params["node"])
        vmid = checked["vmid"]
        if self.store.vmid_taken(vmid):
            raise ApiError(500, f"unable to create CT {vmid} - VM {vmid} already exists on node '{NODE}'")
        template = checked["ostemplate"]
        storage_name = template.split(":", 1)[0]
        if storage_name not in self.store.state["storages"]:
            raise ApiError(500, f"storage '{storage_name}' does not exist")
        if not any(v["volid"] == template for v in self.store.state["volumes"].get(storage_name, [])):
            raise ApiError(500, f"volume '{template}' does not exist")
        control = ("node", "vmid", "ostemplate", "password", "ssh-public-keys", "storage", "start", "pool",
                   "force", "restore", "unique", "ignore-unpack-errors")
        keys = {k: v for k, v in checked.items() if k not in control}
        storage = checked.get("storage", "local")
        keys.setdefault("rootfs", f"{storage}:4")
        privileged = not checked.get("unprivileged")
        config = self._rewrite(vmid, keys, privileged, storage)
        config.setdefault("arch", "amd64")
        name = template.rsplit("/", 1)[-1]
        config.setdefault("ostype", next((os for os in OSTYPES if name.startswith(os)), "unmanaged"))
        config.setdefault("memory", 512)
        config.setdefault("swap", 512)
        config.setdefault("hostname", f"CT{vmid}")
        config["lock"] = "create"
        self.store.guests[str(vmid)] = {"vmid": vmid, "type": "lxc", "node": NODE, "running": False,
                                        "started_at": 0, "created_at": time.time(), "config": config, "snapshots": {}}
        log = [f"extracting archive '{template}'", "Total bytes read: 134217728 (128MiB, 512MiB/s)"]
        return self.store.start_task(vmid, "vzcreate", user, "unlock",
                                     {"vmid": vmid, "start": checked.get("start"), "label": "CT"}, log=log)

    def get_config(self, params: dict[str, Any], user: str) -> Any:
        return self.store.config_view(self._ct(params))

    def put_config(self, params: dict[str, Any], user: str) -> Any:
        checked = validate(params, UPDATE_SCHEMA)
        guest = self._ct(params)
        self.store.check_unlocked(guest)
        self.store.check_digest(guest, params.get("digest"))
        if "unprivileged" in checked:
            raise ApiError.params({"unprivileged": "unable to modify read-only option: 'unprivileged'"})
        keys = {k: v for k, v in checked.items() if k not in ("node", "vmid", "delete", "revert", "digest")}
        deletes = [k for k in str(params.get("delete", "")).split(",") if k]
        if not keys and not deletes:
            raise ApiError(500, "no options specified")
        config = guest["config"]
        privileged = not config.get("unprivileged")
        config.update(self._rewrite(guest["vmid"], keys, privileged, "local"))
        for key in deletes:
            config.pop(key, None)
        return None

    def status_current(self, params: dict[str, Any], user: str) -> Any:
        fields = self.store.status_fields(self._ct(params))
        fields["ha"] = {"managed": 0}
        return fields

    def power(self, params: dict[str, Any], user: str) -> Any:
        action = params.pop("action")
        validate(params, {"node": "string", "vmid": "vmid", "timeout": "integer", "forceStop": "boolean",
                          "skiplock": "boolean", "overrule-shutdown": "boolean", "debug": "boolean"})
        guest = self._ct(params)
        self.store.check_unlocked(guest)
        vmid = guest["vmid"]
        if action == "start" and guest["running"]:
            raise ApiError(500, f"CT {vmid} already running")
        if action != "start" and not guest["running"]:
            raise ApiError(500, f"CT {vmid} not running")
        if action == "start" and guest["config"].get("template"):
            raise ApiError(500, "cannot start a template")
        task_type = {"start": "vzstart", "stop": "vzstop", "shutdown": "vzshutdown", "reboot": "vzreboot"}[action]
        return self.store.start_task(guest, task_type, user, "power", {"vmid": vmid, "kind": "lxc", "action": action})

    def clone(self, params: dict[str, Any], user: str) -> Any:
        checked = validate(params, {"node": "string", "vmid": "vmid", "newid": "vmid", "hostname": "string",
                                    "description": "string", "pool": "string", "snapname": "string",
                                    "storage": "string", "full": "boolean", "target": "string",
                                    "bwlimit": "number"}, required=("newid",))
        source = self._ct(params)
        newid = checked["newid"]
        if self.store.vmid_taken(newid):
            raise ApiError(500, f"unable to create CT {newid}: config file already exists")
        is_template = bool(source["config"].get("template"))
        if not checked.get("full", 0 if is_template else 1) and not is_template:
            raise ApiError(500, "linked clone is only possible from a template")
        reserved: set[str] = set()
        config = {k: v for k, v in source["config"].items() if k not in ("template", "lock", "parent")}
        config["hostname"] = checked.get("hostname") or f"Copy-of-CT-{source['config'].get('hostname', source['vmid'])}"
        for key in [k for k in config if k == "rootfs" or k.startswith("mp")]:
            volume, _, options = str(config[key]).partition(",")
            storage_name = checked.get("storage") or volume.split(":", 1)[0]
            new_volume = self.store.next_disk_name(storage_name, newid, reserved)
            reserved.add(new_volume)
            config[key] = new_volume + ("," + options if options else "")
        config["lock"] = "create"
        self.store.guests[str(newid)] = {"vmid": newid, "type": "lxc", "node": NODE, "running": False,
                                         "started_at": 0, "created_at": time.time(), "config": config, "snapshots": {}}
        return self.store.start_task(source, "vzclone", user, "unlock", {"vmid": newid, "label": "CT"})

    def template(self, params: dict[str, Any], user: str) -> Any:
        guest = self._ct(params)
        self.store.check_unlocked(guest)
        if guest["running"]:
            raise ApiError(500, "you can't convert a CT to template if the CT is running")
        if guest["snapshots"]:
            raise ApiError(500, "you can't convert a CT to template if the CT has snapshots")
        guest["config"]["lock"] = "template"
        return self.store.start_task(guest, "vztemplate", user, "template", {"vmid": guest["vmid"]})

    def destroy(self, params: dict[str, Any], user: str) -> Any:
        checked = validate(params, {"node": "string", "vmid": "vmid", "force": "boolean", "purge": "boolean",
                                    "destroy-unreferenced-disks": "boolean"})
        guest = self._ct(params)
        self.store.check_unlocked(guest)
        if guest["config"].get("protection"):
            raise ApiError(500, f"can't remove CT {guest['vmid']} - protection mode enabled")
        if guest["running"] and not checked.get("force"):
            raise ApiError(500, f"unable to destroy CT {guest['vmid']} - container is running")
        guest["running"] = False
        guest["config"]["lock"] = "destroyed"
        return self.store.start_task(guest, "vzdestroy", user, "destroy", {"vmid": guest["vmid"]})
