"""``/nodes/{node}/{qemu|lxc}/{vmid}/snapshot``: list (ending with ``current``), create, rollback, delete (§5).

Duplicate names, templates and missing snapshots fail *inside the task*, as on PVE, so a client
that only checks the HTTP status misses them.
"""

from __future__ import annotations

import re
import time
from typing import Any

from lab.emulator.proxmox.guests import GuestStore
from lab.emulator.proxmox.http import ApiError, validate
from lab.emulator.proxmox.tasks import TaskFailed

__all__ = ["SnapshotApi"]

SNAPNAME_RE = re.compile(r"^[a-z][a-z0-9_-]+$", re.IGNORECASE)
RESERVED = {"qemu": {"current", "pending"}, "lxc": {"current", "vzdump"}}


class SnapshotApi:
    """Snapshot handlers for both guest types."""

    def __init__(self, store: GuestStore) -> None:
        self.store = store

    def routes(self) -> list[tuple[str, str, Any]]:
        base = r"/nodes/(?P<node>[^/]+)/(?P<kind>qemu|lxc)/(?P<vmid>[^/]+)/snapshot"
        one = base + r"/(?P<snapname>[^/]+)"
        return [
            ("GET", base, self.index),
            ("POST", base, self.create),
            ("GET", one, lambda p, u: [{"subdir": "config"}, {"subdir": "rollback"}]),
            ("DELETE", one, self.delete),
            ("GET", one + "/config", self.get_config),
            ("PUT", one + "/config", self.put_config),
            ("POST", one + "/rollback", self.rollback),
        ]

    def _guest(self, params: dict[str, Any]) -> dict[str, Any]:
        kind = params.pop("kind")
        vmid = validate({"vmid": params["vmid"]}, {"vmid": "vmid"})["vmid"]
        return self.store.get(kind, params["node"], vmid)

    def _prefix(self, guest: dict[str, Any]) -> str:
        return "qm" if guest["type"] == "qemu" else "vz"

    def index(self, params: dict[str, Any], user: str) -> Any:
        guest = self._guest(params)
        items = []
        for name, snap in guest["snapshots"].items():
            item = {"name": name, "snaptime": snap["snaptime"], "description": snap.get("description", "")}
            if snap.get("parent"):
                item["parent"] = snap["parent"]
            if guest["type"] == "qemu":
                item["vmstate"] = snap.get("vmstate", 0)
            items.append(item)
        current: dict[str, Any] = {"name": "current", "description": "You are here!",
                                   "digest": self.store.digest(guest["config"]), "running": int(guest["running"])}
        if guest["config"].get("parent"):
            current["parent"] = guest["config"]["parent"]
        return [*items, current]

    def create(self, params: dict[str, Any], user: str) -> Any:
        kind = params["kind"]
        schema = {"node": "string", "vmid": "vmid", "kind": "string", "snapname": "string", "description": "string"}
        if kind == "qemu":
            schema["vmstate"] = "boolean"
        checked = validate(params, schema, required=("snapname",))
        guest = self._guest(params)
        name = checked["snapname"]
        if not SNAPNAME_RE.match(name) or len(name) > 40:
            raise ApiError.params({"snapname": "invalid format - invalid configuration ID '" + name + "'"})
        if name in RESERVED[guest["type"]]:
            raise ApiError.params({"snapname": f"invalid format - snapshot name '{name}' is reserved"})
        return self.store.start_task(guest, self._prefix(guest) + "snapshot", user, "snapshot", {
            "vmid": guest["vmid"], "snapname": name, "description": checked.get("description", ""),
            "vmstate": checked.get("vmstate", 0)}, log=[f"snapshotting '{name}'"])

    def op_snapshot(self, args: dict[str, Any]) -> list[str]:
        guest = self.store.guests.get(str(args["vmid"]))
        if guest is None:
            raise TaskFailed(f"Configuration file for {args['vmid']} does not exist")
        name = args["snapname"]
        if guest["config"].get("template"):
            raise TaskFailed("you can't take a snapshot if it's a template")
        if name in guest["snapshots"]:
            raise TaskFailed(f"snapshot name '{name}' already used")
        if guest["config"].get("lock"):
            raise TaskFailed(f"{self.store.label(guest)} is locked ({guest['config']['lock']})")
        config = {k: v for k, v in guest["config"].items() if k not in ("parent",)}
        snap: dict[str, Any] = {"snaptime": int(time.time()), "description": args.get("description") or "",
                                "config": config}
        if guest["config"].get("parent"):
            snap["parent"] = guest["config"]["parent"]
        if args.get("vmstate") and guest["running"]:
            snap["vmstate"] = 1
        guest["snapshots"][name] = snap
        guest["config"]["parent"] = name
        return []

    def _snapshot(self, guest: dict[str, Any], name: str) -> dict[str, Any]:
        snap = guest["snapshots"].get(name)
        if snap is None:
            raise ApiError(500, f"snapshot '{name}' does not exist")
        return snap  # type: ignore[no-any-return]

    def get_config(self, params: dict[str, Any], user: str) -> Any:
        guest = self._guest(params)
        snap = self._snapshot(guest, params["snapname"])
        return {**snap["config"], "snaptime": snap["snaptime"], "description": snap.get("description", "")}

    def put_config(self, params: dict[str, Any], user: str) -> Any:
        guest = self._guest(params)
        self._snapshot(guest, params["snapname"])["description"] = params.get("description", "")
        return None

    def delete(self, params: dict[str, Any], user: str) -> Any:
        validate(params, {"node": "string", "vmid": "vmid", "kind": "string", "snapname": "string", "force": "boolean"})
        guest = self._guest(params)
        return self.store.start_task(guest, self._prefix(guest) + "delsnapshot", user, "delsnapshot",
                                     {"vmid": guest["vmid"], "snapname": params["snapname"]})

    def op_delsnapshot(self, args: dict[str, Any]) -> list[str]:
        guest = self.store.guests.get(str(args["vmid"]))
        name = args["snapname"]
        if guest is None or name not in guest["snapshots"]:
            raise TaskFailed(f"snapshot '{name}' does not exist")
        removed = guest["snapshots"].pop(name)
        # Children of the removed snapshot (and the live config) now descend from its parent.
        for snap in guest["snapshots"].values():
            if snap.get("parent") == name:
                if removed.get("parent"):
                    snap["parent"] = removed["parent"]
                else:
                    snap.pop("parent", None)
        if guest["config"].get("parent") == name:
            if removed.get("parent"):
                guest["config"]["parent"] = removed["parent"]
            else:
                guest["config"].pop("parent", None)
        return []

    def rollback(self, params: dict[str, Any], user: str) -> Any:
        validate(params, {"node": "string", "vmid": "vmid", "kind": "string", "snapname": "string", "start": "boolean"})
        guest = self._guest(params)
        self.store.check_unlocked(guest)
        return self.store.start_task(guest, self._prefix(guest) + "rollback", user, "rollback",
                                     {"vmid": guest["vmid"], "snapname": params["snapname"],
                                      "start": params.get("start") in ("1", 1, True)})

    def op_rollback(self, args: dict[str, Any]) -> list[str]:
        guest = self.store.guests.get(str(args["vmid"]))
        name = args["snapname"]
        if guest is None or name not in guest["snapshots"]:
            raise TaskFailed(f"snapshot '{name}' does not exist")
        snap = guest["snapshots"][name]
        guest["config"] = {**snap["config"], "parent": name}
        # A rollback stops the guest unless RAM was saved (then it resumes) or start was asked.
        guest["running"] = bool(snap.get("vmstate") or args.get("start"))
        if guest["running"]:
            guest["started_at"] = time.time()
        return []
