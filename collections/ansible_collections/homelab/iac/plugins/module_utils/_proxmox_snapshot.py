# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""Snapshots of VMs and containers: the resource for present/absent, rollback, and retention.

PVE reports duplicate names and missing snapshots only inside the task, so the module reads the
list first and decides from it; the task's own error text is still what a failure shows. Rollback
is a no-op when the guest already sits on that snapshot unchanged (``current.parent`` is the
snapshot and the config equals the snapshot's config), so a rerun does not roll back again.
"""

from __future__ import annotations

import re
import time
from typing import Any, NoReturn

from ansible_collections.homelab.iac.plugins.module_utils._proxmox_common import (
    ProxmoxModuleClient,
    PveApi,
    TaskWaiter,
)
from ansible_collections.homelab.iac.plugins.module_utils._proxmox_values import InvalidValue
from ansible_collections.homelab.iac.plugins.module_utils._reconcile import (
    Action,
    Field,
    ReconcileError,
    Reconciler,
    Resource,
)

SNAPSHOT_ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    "vmid": {"type": "int"},
    "name": {"type": "str"},
    "guest_type": {"type": "str", "default": "auto", "choices": ["auto", "qemu", "lxc"]},
    "snapname": {"type": "str", "required": True},
    "state": {"type": "str", "default": "present", "choices": ["present", "absent", "rollback"]},
    "description": {"type": "str"},
    "vmstate": {"type": "bool", "default": False},
    "retention": {"type": "dict", "options": {
        "keep": {"type": "int"},
        "max_age": {"type": "str"},
        "prefix": {"type": "str", "default": ""},
    }},
}
# Keys that differ between a snapshot's config and the live config without meaning a change.
_VOLATILE = {"digest", "parent", "snaptime", "description", "snapstate", "vmstate", "lock"}
_AGE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_age(text: str) -> int:
    """``7d`` / ``12h`` / ``30m`` / ``3600`` -> seconds."""
    match = re.fullmatch(r"\s*(\d+)\s*([smhdw]?)\s*", str(text))
    if not match:
        raise InvalidValue(f"retention.max_age: cannot parse {text!r}; use e.g. 7d, 12h, 30m")
    return int(match.group(1)) * _AGE_UNITS[match.group(2) or "s"]


def prune_candidates(snapshots: list[dict[str, Any]], keep: int | None, max_age: int | None, prefix: str,
                     protect: str, now: float) -> list[str]:
    """Names to remove, oldest first: beyond the newest ``keep`` or older than ``max_age``."""
    managed = sorted((s for s in snapshots if s["name"] != "current" and s["name"].startswith(prefix)
                      and s["name"] != protect), key=lambda s: (s.get("snaptime", 0), s["name"]))
    doomed: list[str] = []
    if keep is not None:
        # The protected (just named) snapshot counts towards keep when it exists.
        room = max(keep - (1 if any(s["name"] == protect for s in snapshots) and protect.startswith(prefix) else 0), 0)
        doomed += [s["name"] for s in managed[: max(len(managed) - room, 0)]]
    if max_age is not None:
        doomed += [s["name"] for s in managed if now - s.get("snaptime", now) > max_age and s["name"] not in doomed]
    order = [s["name"] for s in managed]
    return sorted(set(doomed), key=order.index)


def resolve_guest(api: PveApi, node: str, vmid: int | None, name: str | None, guest_type: str) -> tuple[str, int]:
    """(qemu|lxc, vmid) of an existing guest, from the node listings."""
    kinds = ("qemu", "lxc") if guest_type == "auto" else (guest_type,)
    for kind in kinds:
        for guest in api.get(f"nodes/{node}/{kind}"):
            if (vmid is not None and int(guest["vmid"]) == vmid) or (vmid is None and guest.get("name") == name):
                return kind, int(guest["vmid"])
    raise ReconcileError(f"no guest {vmid if vmid is not None else repr(name)} on node {node}")


class ProxmoxSnapshot(Resource[dict[str, Any]]):
    """One named snapshot; only its description can change in place."""

    kind = "proxmox snapshot"
    fields = (Field("description"),)

    def __init__(self, api: PveApi, tasks: TaskWaiter, base: str, params: dict[str, Any]) -> None:
        self.api, self.tasks, self.base, self.params = api, tasks, base, params
        self.snapname: str = params["snapname"]
        self.listing: list[dict[str, Any]] = []

    def read(self) -> dict[str, Any] | None:
        self.listing = list(self.api.get(f"{self.base}/snapshot"))
        return next((s for s in self.listing if s["name"] == self.snapname and s["name"] != "current"), None)

    def current(self, observed: dict[str, Any]) -> dict[str, Any]:
        return {"description": (observed.get("description") or "").strip()}

    def desired(self) -> dict[str, Any]:
        description = self.params.get("description")
        return {"description": description.strip() if description is not None else None}

    def create(self) -> None:
        upid = self.api.post(f"{self.base}/snapshot", snapname=self.snapname,
                             description=self.params.get("description"),
                             vmstate=1 if self.params.get("vmstate") else None)
        self.tasks.wait(upid, f"snapshot {self.snapname}")

    def update(self, observed: dict[str, Any], changed: list[str]) -> None:
        self.api.put(f"{self.base}/snapshot/{self.snapname}/config", description=self.params.get("description") or "")

    def delete(self, observed: dict[str, Any]) -> None:
        self.tasks.wait(self.api.delete(f"{self.base}/snapshot/{self.snapname}"), f"removing snapshot {self.snapname}")

    def facts(self, observed: dict[str, Any] | None) -> dict[str, Any]:
        self.read()
        return snapshot_facts(self.listing)


def snapshot_facts(listing: list[dict[str, Any]]) -> dict[str, Any]:
    current = next((s for s in listing if s["name"] == "current"), {})
    taken = sorted((s for s in listing if s["name"] != "current"), key=lambda s: s.get("snaptime", 0))
    return {
        "snapshots": [{k: s.get(k) for k in ("name", "snaptime", "description", "parent")} for s in taken],
        "current_parent": current.get("parent"),
        "running": bool(current.get("running")),
    }


def _stable(config: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in config.items() if key not in _VOLATILE}


def _rollback(client: ProxmoxModuleClient, resource: ProxmoxSnapshot, kind: str) -> tuple[bool, dict[str, Any]]:
    observed = resource.read()
    if observed is None:
        raise ReconcileError(f"snapshot '{resource.snapname}' does not exist")
    current = next(s for s in resource.listing if s["name"] == "current")
    live = client.api.get(f"{resource.base}/config")
    saved = client.api.get(f"{resource.base}/snapshot/{resource.snapname}/config")
    same = _stable(live) == _stable(saved)
    if current.get("parent") == resource.snapname and same:
        return False, {"before": {"parent": resource.snapname}, "after": {"parent": resource.snapname}}
    if not client.check_mode:
        client.tasks.wait(client.api.post(f"{resource.base}/snapshot/{resource.snapname}/rollback"),
                          f"rollback to {resource.snapname}")
    return True, {"before": {"parent": current.get("parent")}, "after": {"parent": resource.snapname}}


def run_snapshot_module() -> NoReturn:
    """Everything homelab.iac.proxmox_snapshot does."""
    client = ProxmoxModuleClient(SNAPSHOT_ARGUMENT_SPEC, required_one_of=[("vmid", "name")])
    params = client.params
    pruned: list[str] = []
    try:
        kind, vmid = resolve_guest(client.api, client.node, params.get("vmid"), params.get("name"),
                                   params["guest_type"])
        resource = ProxmoxSnapshot(client.api, client.tasks, f"nodes/{client.node}/{kind}/{vmid}", params)
        if params["state"] == "rollback":
            changed, diff = _rollback(client, resource, kind)
            action = "rollback" if changed else Action.NOOP.value
            facts = resource.facts(None)
        else:
            outcome = Reconciler(resource, client.check_mode).run(params["state"])
            changed, diff, action, facts = outcome.changed, outcome.diff, outcome.action.value, outcome.facts
        retention = params.get("retention")
        if params["state"] == "present" and retention:
            listing = resource.listing or list(client.api.get(f"{resource.base}/snapshot"))
            max_age = parse_age(retention["max_age"]) if retention.get("max_age") else None
            pruned = prune_candidates(listing, retention.get("keep"), max_age, retention.get("prefix") or "",
                                      resource.snapname, time.time())
            for name in pruned if not client.check_mode else []:
                client.tasks.wait(client.api.delete(f"{resource.base}/snapshot/{name}"), f"removing snapshot {name}")
            if pruned:
                changed = True
                diff["before"]["pruned"], diff["after"]["pruned"] = [], pruned
                facts = resource.facts(None) if not client.check_mode else facts
    except (InvalidValue, ReconcileError) as exc:
        client.fail_run(exc)
    client.finish(changed, action, diff, vmid=vmid, guest_type=kind, pruned=pruned, **facts)
