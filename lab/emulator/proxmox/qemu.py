"""``/nodes/{node}/qemu``: create, config, status, power, clone, template and delete of VMs (§3)."""

from __future__ import annotations

import time
import uuid
from typing import Any

from lab.emulator.proxmox.guests import NODE, GuestStore, param_error
from lab.emulator.proxmox.http import ApiError, validate
from lab.emulator.proxmox.tasks import TaskFailed
from lab.emulator.proxmox.values import (
    DISK_KEY_RE,
    ParamError,
    check_memory,
    check_sshkeys,
    format_size,
    normalize_tags,
    parse_size,
    rewrite_qemu_nic,
)

__all__ = ["QemuApi"]

_OSTYPES = "other|wxp|w2k|w2k3|w2k8|wvista|win7|win8|win10|win11|l24|l26|solaris"
CONFIG_SCHEMA: dict[str, str] = {
    "node": "string", "vmid": "vmid", "name": "string", "memory": "string", "balloon": "integer",
    "cores": "integer", "sockets": "integer", "vcpus": "integer", "cpu": "string", "cpuunits": "integer",
    "numa": "boolean", "ostype": f"enum:{_OSTYPES}", "agent": "string", "bios": "enum:seabios|ovmf",
    "machine": "string", "vga": "string", "kvm": "boolean", "acpi": "boolean", "hotplug": "string",
    "scsihw": "enum:lsi|lsi53c810|virtio-scsi-pci|virtio-scsi-single|megasas|pvscsi",
    "^net\\d+$": "string", "^(scsi|virtio|sata|ide)\\d+$": "string", "^unused\\d+$": "string",
    "efidisk0": "string", "tpmstate0": "string", "^serial\\d+$": "string", "^ipconfig\\d+$": "string",
    "tags": "string", "description": "string", "onboot": "boolean", "boot": "string", "protection": "boolean",
    "ciuser": "string", "cipassword": "string", "citype": "enum:nocloud|configdrive2|opennebula",
    "ciupgrade": "boolean", "cicustom": "string", "nameserver": "string", "searchdomain": "string",
    "sshkeys": "string",
}
CREATE_SCHEMA = {**CONFIG_SCHEMA, "pool": "string", "storage": "string", "start": "boolean", "unique": "boolean"}
UPDATE_SCHEMA = {**CONFIG_SCHEMA, "delete": "string", "revert": "string", "force": "boolean",
                 "digest": "string", "skiplock": "boolean", "background_delay": "integer"}
# Keys the server types as integers in the config; every other key comes back as a string.
INTEGER_KEYS = {"cores", "sockets", "vcpus", "cpuunits", "balloon", "onboot", "numa", "kvm", "acpi",
                "protection", "template", "ciupgrade"}
CLONE_SCHEMA = {"node": "string", "vmid": "vmid", "newid": "vmid", "name": "string", "description": "string",
                "pool": "string", "snapname": "string", "storage": "string", "format": "enum:raw|qcow2|vmdk",
                "full": "boolean", "target": "string", "bwlimit": "integer"}


class QemuApi:
    """Handlers for the qemu endpoints; each takes the merged parameters and the token user."""

    def __init__(self, store: GuestStore) -> None:
        self.store = store

    def routes(self) -> list[tuple[str, str, Any]]:
        base = r"/nodes/(?P<node>[^/]+)/qemu"
        one = base + r"/(?P<vmid>[^/]+)"
        return [
            ("GET", base, self.index),
            ("POST", base, self.create),
            ("GET", one, lambda p, u: [{"subdir": s} for s in ("config", "status", "snapshot", "clone")]),
            ("DELETE", one, self.destroy),
            ("GET", one + "/config", self.get_config),
            ("PUT", one + "/config", self.put_config),
            ("POST", one + "/config", self.post_config),
            ("GET", one + "/pending", self.pending),
            ("GET", one + "/status", lambda p, u: [{"subdir": "current"}]),
            ("GET", one + "/status/current", self.status_current),
            ("POST", one + r"/status/(?P<action>start|stop|shutdown|reboot)", self.power),
            ("POST", one + "/clone", self.clone),
            ("POST", one + "/template", self.template),
            ("PUT", one + "/resize", self.resize),
        ]

    def _vm(self, params: dict[str, Any]) -> dict[str, Any]:
        vmid = validate({"vmid": params["vmid"]}, {"vmid": "vmid"})["vmid"]
        return self.store.get("qemu", params["node"], vmid)

    def index(self, params: dict[str, Any], user: str) -> Any:
        validate(params, {"node": "string", "full": "boolean"})
        return self.store.listing("qemu", params["node"])

    # Config rewriting ---------------------------------------------------------------------------
    def _rewrite(self, vmid: int, params: dict[str, Any], existing: dict[str, Any]) -> dict[str, Any]:
        """Typed, server-rewritten config values for the given keys (MACs, disks, tags, memory)."""
        reserved: set[str] = set()
        result: dict[str, Any] = {}
        try:
            for key, value in params.items():
                if key in INTEGER_KEYS:
                    result[key] = int(value)
                elif key.startswith("net"):
                    result[key] = rewrite_qemu_nic(key, str(value))
                elif DISK_KEY_RE.match(key):
                    old = existing.get(key)
                    if old is not None and str(value).split(",", 1)[0] == str(old).split(",", 1)[0]:
                        # Same volume: the options change, the size stays what the volume really has.
                        result[key] = self._same_volume(str(old), str(value))
                    else:
                        result[key] = self.store.rewrite_disk(key, str(value), vmid, "images", reserved,
                                                              default_storage=params.get("storage"))
                elif key == "tags":
                    result[key] = normalize_tags(str(value))
                elif key == "memory":
                    result[key] = check_memory(value)
                elif key == "sshkeys":
                    result[key] = check_sshkeys(str(value))
                else:
                    result[key] = str(value)
        except ParamError as exc:
            raise param_error(exc) from None
        return result

    @staticmethod
    def _same_volume(old: str, new: str) -> str:
        volume = old.split(",", 1)[0]
        options = dict(item.split("=", 1) for item in new.split(",")[1:] if "=" in item)
        old_size = dict(item.split("=", 1) for item in old.split(",")[1:] if "=" in item).get("size")
        options.pop("size", None)
        if old_size:
            options["size"] = old_size
        return ",".join([volume, *(f"{k}={options[k]}" for k in sorted(options))])

    # Create -------------------------------------------------------------------------------------
    def create(self, params: dict[str, Any], user: str) -> Any:
        checked = validate(params, CREATE_SCHEMA, required=("vmid",))
        self.store.check_node(params["node"])
        vmid = checked["vmid"]
        if self.store.vmid_taken(vmid):
            raise ApiError(500, f"unable to create VM {vmid} - VM {vmid} already exists on node '{NODE}'")
        keys = {k: v for k, v in checked.items() if k not in ("node", "vmid", "pool", "storage", "start", "unique")}
        keys.update({k: params[k] for k in ("storage",) if k in params})
        config = self._rewrite(vmid, keys, {})
        config.pop("storage", None)
        now = int(time.time())
        config.setdefault("meta", f"creation-qemu=9.0.2,ctime={now}")
        config.setdefault("smbios1", f"uuid={uuid.uuid4()}")
        config.setdefault("vmgenid", str(uuid.uuid4()))
        disks = [k for k in sorted(config) if DISK_KEY_RE.match(k) and not k.startswith(("unused", "efidisk", "tpm"))]
        nets = [k for k in sorted(config) if k.startswith("net")]
        config.setdefault("boot", "order=" + ";".join(disks[:1] + nets[:1]))
        config["lock"] = "create"
        self.store.guests[str(vmid)] = {"vmid": vmid, "type": "qemu", "node": NODE, "running": False,
                                        "started_at": 0, "created_at": time.time(), "config": config, "snapshots": {}}
        return self.store.start_task(vmid, "qmcreate", user, "unlock", {"vmid": vmid, "start": checked.get("start")})

    # Config -------------------------------------------------------------------------------------
    def get_config(self, params: dict[str, Any], user: str) -> Any:
        validate(params, {"node": "string", "vmid": "vmid", "current": "boolean", "snapshot": "string"})
        guest = self._vm(params)
        if params.get("snapshot"):
            snap = guest["snapshots"].get(params["snapshot"])
            if snap is None:
                raise ApiError(500, f"snapshot '{params['snapshot']}' does not exist")
            return dict(snap["config"])
        return self.store.config_view(guest)

    def pending(self, params: dict[str, Any], user: str) -> Any:
        guest = self._vm(params)
        return [{"key": k, "value": v} for k, v in sorted(guest["config"].items())]

    def _update(self, params: dict[str, Any], user: str) -> dict[str, Any]:
        checked = validate(params, UPDATE_SCHEMA)
        if "skiplock" in checked:
            raise ApiError(403, "Only root may use this option.")
        guest = self._vm(params)
        self.store.check_unlocked(guest)
        self.store.check_digest(guest, params.get("digest"))
        control = {"node", "vmid", "delete", "revert", "force", "digest", "skiplock", "background_delay"}
        keys = {k: v for k, v in checked.items() if k not in control}
        deletes = [k for k in str(params.get("delete", "")).replace(";", ",").split(",") if k]
        if not keys and not deletes and not params.get("revert"):
            raise ApiError(500, "no options specified")
        config = guest["config"]
        new = self._rewrite(guest["vmid"], keys, config)
        for key, value in new.items():
            old = config.get(key)
            # Replacing a disk's volume does not destroy the old one: it is kept as unusedN.
            if DISK_KEY_RE.match(key) and old and str(old).split(",")[0] != str(value).split(",")[0] \
                    and "media=cdrom" not in str(old):
                self._keep_unused(config, str(old).split(",")[0])
            config[key] = value
        for key in deletes:
            old = config.pop(key, None)
            if old is not None and DISK_KEY_RE.match(key) and not key.startswith("unused") \
                    and "media=cdrom" not in str(old):
                self._keep_unused(config, str(old).split(",")[0])
        return guest

    @staticmethod
    def _keep_unused(config: dict[str, Any], volume: str) -> None:
        index = 0
        while f"unused{index}" in config:
            index += 1
        config[f"unused{index}"] = volume

    def put_config(self, params: dict[str, Any], user: str) -> Any:
        self._update(params, user)
        return None

    def post_config(self, params: dict[str, Any], user: str) -> Any:
        guest = self._update(params, user)
        return self.store.start_task(guest, "qmconfig", user, "noop", {}, log=[f"update VM {guest['vmid']}"])

    # Status and power ---------------------------------------------------------------------------
    def status_current(self, params: dict[str, Any], user: str) -> Any:
        guest = self._vm(params)
        fields = self.store.status_fields(guest)
        fields["ha"] = {"managed": 0}
        if str(guest["config"].get("agent", "0")).split(",")[0] in ("1", "enabled=1"):
            fields["agent"] = 1
        return fields

    def power(self, params: dict[str, Any], user: str) -> Any:
        action = params.pop("action")
        schema = {"node": "string", "vmid": "vmid", "timeout": "integer", "skiplock": "boolean",
                  "keepActive": "boolean", "forceStop": "boolean", "overrule-shutdown": "boolean"}
        validate(params, schema)
        guest = self._vm(params)
        self.store.check_unlocked(guest)
        if action == "reboot" and not guest["running"]:
            raise ApiError(500, f"VM {guest['vmid']} not running")
        task_type = {"start": "qmstart", "stop": "qmstop", "shutdown": "qmshutdown", "reboot": "qmreboot"}[action]
        return self.store.start_task(guest, task_type, user, "power",
                                     {"vmid": guest["vmid"], "kind": "qemu", "action": action})

    # Clone, template, delete --------------------------------------------------------------------
    def clone(self, params: dict[str, Any], user: str) -> Any:
        checked = validate(params, CLONE_SCHEMA, required=("newid",))
        source = self._vm(params)
        newid = checked["newid"]
        if self.store.vmid_taken(newid):
            raise ApiError(500, f"unable to create VM {newid}: config file already exists")
        is_template = bool(source["config"].get("template"))
        full = bool(checked.get("full", 0 if is_template else 1))
        if not full:
            for name in ("storage", "format"):
                if name in checked:
                    raise ApiError.params({name: f"parameter '{name}' not allowed for linked clones"})
            if not is_template:
                raise ApiError(500, "Linked clone feature is not available for non-template VMs")
        if "storage" in checked:
            self.store.storage(checked["storage"], "images")
        if checked.get("snapname") and checked["snapname"] not in source["snapshots"]:
            raise ApiError(500, f"snapshot '{checked['snapname']}' does not exist")
        self.store.guests[str(newid)] = {"vmid": newid, "type": "qemu", "node": NODE, "running": False,
                                         "started_at": 0, "created_at": time.time(),
                                         "config": {"lock": "clone"}, "snapshots": {}}
        return self.store.start_task(source, "qmclone", user, "clone", {
            "source": source["vmid"], "newid": newid, "full": full, "name": checked.get("name"),
            "description": checked.get("description"), "storage": checked.get("storage"),
            "snapname": checked.get("snapname")})

    def op_clone(self, args: dict[str, Any]) -> list[str]:
        """Copy the source config into the placeholder; new volumes for a full clone, base links otherwise."""
        target = self.store.guests.get(str(args["newid"]))
        source = self.store.guests.get(str(args["source"]))
        if source is None or target is None:
            self.store.guests.pop(str(args["newid"]), None)
            path = f"nodes/{NODE}/qemu-server/{args['source']}.conf"
            raise TaskFailed(f"clone failed: Configuration file '{path}' does not exist")
        newid = args["newid"]
        origin = source["snapshots"][args["snapname"]]["config"] if args.get("snapname") else source["config"]
        config = {k: v for k, v in origin.items() if k not in ("template", "lock", "parent", "snapstate", "snaptime")}
        config["name"] = args.get("name") or f"Copy-of-VM-{source['config'].get('name', source['vmid'])}"
        if args.get("description"):
            config["description"] = args["description"]
        if "vmgenid" in config:
            config["vmgenid"] = str(uuid.uuid4())
        config["smbios1"] = f"uuid={uuid.uuid4()}"
        lines, reserved = [], set()
        for key, value in list(config.items()):
            if not DISK_KEY_RE.match(key) or "media=cdrom" in str(value) or key.startswith("unused"):
                if key.startswith("unused"):
                    del config[key]
                continue
            volume, _, options = str(value).partition(",")
            storage_name = volume.split(":", 1)[0]
            if args["full"]:
                storage_name = args.get("storage") or storage_name
                new_volume = self.store.next_disk_name(storage_name, newid, reserved)
                lines.append(f"create full clone of drive {key} ({volume})")
            else:
                base = volume.split(":", 1)[1].split("/")[-1]
                new_volume = self.store.next_disk_name(storage_name, newid, reserved)
                new_volume = f"{storage_name}:{base}/{new_volume.split(':', 1)[1]}"
                lines.append(f"create linked clone of drive {key} ({volume})")
            reserved.add(new_volume)
            config[key] = new_volume + ("," + options if options else "")
        target["config"] = config
        return lines

    def template(self, params: dict[str, Any], user: str) -> Any:
        validate(params, {"node": "string", "vmid": "vmid", "disk": "string"})
        guest = self._vm(params)
        self.store.check_unlocked(guest)
        if guest["running"]:
            raise ApiError(500, "you can't convert a VM to template if VM is running")
        if guest["snapshots"]:
            raise ApiError(500, "unable to create template, because VM contains snapshots")
        if guest["config"].get("template"):
            raise ApiError(500, f"VM {guest['vmid']} is already a template")
        guest["config"]["lock"] = "template"
        return self.store.start_task(guest, "qmtemplate", user, "template", {"vmid": guest["vmid"]})

    def resize(self, params: dict[str, Any], user: str) -> Any:
        """``PUT .../resize`` (``disk``, ``size`` as ``+10G`` or ``40G``): grow only, as a ``resize`` task."""
        checked = validate(params, {"node": "string", "vmid": "vmid", "disk": "string", "size": "string",
                                    "digest": "string", "skiplock": "boolean"}, required=("disk", "size"))
        guest = self._vm(params)
        self.store.check_unlocked(guest)
        disk = checked["disk"]
        value = guest["config"].get(disk)
        if value is None or not DISK_KEY_RE.match(disk):
            raise ApiError(500, f"disk '{disk}' does not exist")
        current = self.store.disk_size(str(value))
        text = checked["size"]
        try:
            wanted = current + parse_size(text[1:]) if text.startswith("+") else parse_size(text)
        except ValueError:
            raise ApiError.params({"size": "value does not match the regex pattern"}) from None
        if wanted < current:
            raise ApiError(500, "shrinking disks is not supported")
        volume, _, rest = str(value).partition(",")
        options = dict(item.split("=", 1) for item in rest.split(",") if "=" in item)
        options["size"] = format_size(wanted)
        guest["config"][disk] = ",".join([volume, *(f"{k}={options[k]}" for k in sorted(options))])
        return self.store.start_task(guest, "resize", user, "noop", {},
                                     log=[f"Size of logical volume changed to {options['size']}."])

    def destroy(self, params: dict[str, Any], user: str) -> Any:
        validate(params, {"node": "string", "vmid": "vmid", "purge": "boolean", "skiplock": "boolean",
                          "destroy-unreferenced-disks": "boolean"})
        guest = self._vm(params)
        self.store.check_unlocked(guest)
        if guest["config"].get("protection"):
            raise ApiError(500, f"can't remove VM {guest['vmid']} - protection mode enabled")
        if guest["running"]:
            raise ApiError(500, f"VM {guest['vmid']} is running - destroy failed")
        guest["config"]["lock"] = "destroyed"
        return self.store.start_task(guest, "qmdestroy", user, "destroy", {"vmid": guest["vmid"]})

