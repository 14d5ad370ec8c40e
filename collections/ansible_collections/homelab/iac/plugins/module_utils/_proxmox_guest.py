# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""What the VM and container modules share: lookup by name, power state, and the module run itself.

``state`` is ``present``/``absent`` for the reconcile engine plus ``started``/``stopped``, which
mean "present, and in this power state". Power is a separate step after the engine, because it is
not a config property: it has its own endpoints and tasks, and check mode predicts it from the
observed status alone.

``snapshot_before_change`` is Proxmox's own safety net: when the engine is about to change an
existing guest's config in place, a snapshot is taken first and its name returned, so a rollback
can go back with ``proxmox_snapshot state=rollback``. A create, an unchanged guest, a removal and a
power change alone take none.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any, NoReturn

from ansible_collections.homelab.iac.plugins.module_utils._proxmox_common import (
    ProxmoxModuleClient,
    PveApi,
)
from ansible_collections.homelab.iac.plugins.module_utils._proxmox_snapshot import ProxmoxSnapshot
from ansible_collections.homelab.iac.plugins.module_utils._proxmox_values import InvalidValue
from ansible_collections.homelab.iac.plugins.module_utils._reconcile import (
    Action,
    Outcome,
    ReconcileError,
    Reconciler,
    Resource,
)


def find_guest(api: PveApi, node: str, kind: str, name: str) -> int | None:
    """The vmid of the one guest called ``name`` on ``node``, None when there is none.

    Reads the node's own listing rather than /cluster/resources, whose names come from pvestatd
    and are missing for a few seconds after a guest is created.
    """
    matches = sorted(int(g["vmid"]) for g in api.get(f"nodes/{node}/{kind}") if g.get("name") == name)
    if len(matches) > 1:
        label = "VMs" if kind == "qemu" else "containers"
        raise ReconcileError(f"several {label} are named {name!r} ({', '.join(map(str, matches))}): set vmid")
    return matches[0] if matches else None


# Shared by proxmox_vm and proxmox_lxc (and their proxmox_batch items); documented in _proxmox.SNAPSHOT.
SNAPSHOT_ARG: dict[str, dict[str, Any]] = {"snapshot_before_change": {"type": "raw"}}
_SNAPNAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{1,39}")
_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0", "")


def snapshot_name(value: Any, now: float) -> str | None:
    """The snapshot name ``snapshot_before_change`` asks for; None when it is off.

    ``true`` gives ``iac-<UTC time>``; a string is the name itself, checked against PVE's rule.
    """
    if value is None or value is False:
        return None
    text = str(value).strip()
    if value is True or text.lower() in _TRUE:
        return time.strftime("iac-%Y%m%d-%H%M%S", time.gmtime(now))
    if text.lower() in _FALSE:
        return None
    if not _SNAPNAME.fullmatch(text):
        raise InvalidValue(
            f"snapshot_before_change: {text!r} is not a valid snapshot name; use true for a generated name, or "
            "2 to 40 letters, digits, '-' and '_' starting with a letter"
        )
    return text


def snapshot_before_update(client: ProxmoxModuleClient, resource: Any, kind: str, name: str,
                           changed: list[str]) -> str:
    """Take snapshot ``name`` of the existing guest and wait for it; refuse a name already taken."""
    base = f"nodes/{resource.node}/{kind}/{resource.vmid}"
    snapshot = ProxmoxSnapshot(client.api, client.tasks, base, {
        "snapname": name, "vmstate": False,
        "description": f"homelab.iac: before changing {', '.join(changed)}",
    })
    if snapshot.read() is not None:
        raise ReconcileError(
            f"snapshot_before_change: {kind} {resource.vmid} already has a snapshot named {name!r}; remove it, "
            "give another name, or use true for a timestamped one"
        )
    snapshot.create()
    return name


def set_power(client: ProxmoxModuleClient, kind: str, vmid: int, running: bool) -> None:
    """Start, or shut down (forcing a stop after the timeout), and wait for the task."""
    path = f"nodes/{client.node}/{kind}/{vmid}/status/"
    # shutdown with forceStop: a clean ACPI shutdown first, a hard stop if it does not finish.
    upid = client.api.post(path + "start") if running else client.api.post(path + "shutdown", forceStop=1, timeout=60)
    client.tasks.wait(upid, f"{'starting' if running else 'shutting down'} {kind} {vmid}")


def reconcile_guest(
    client: ProxmoxModuleClient, resource: Resource[Any], kind: str, state: str,
    snapshot: str | None = None, taken: list[str] | None = None,
) -> tuple[Outcome, bool, dict[str, Any]]:
    """Config through the engine, then the power state: (outcome, changed, diff).

    With ``snapshot`` (a name), an in-place config update is preceded by that snapshot, whose name
    is appended to ``taken``.
    """
    taken = taken if taken is not None else []
    reconciler = Reconciler(resource, client.check_mode)
    plan = reconciler.plan("absent" if state == "absent" else "present")
    if snapshot is not None and plan.action is Action.UPDATE and not client.check_mode:
        taken.append(snapshot_before_update(client, resource, kind, snapshot, plan.updated))
        # The snapshot changed the config's digest, which the update sends as its lock: read again.
        plan = reconciler.plan("present")
    outcome = reconciler.apply(plan)
    changed, diff = outcome.changed, outcome.diff
    if state in ("started", "stopped"):
        wanted = state == "started"
        observed = plan.observed if client.check_mode or plan.action is Action.NOOP else resource.read()
        is_running = bool(observed) and observed.get("__status") == "running"
        if is_running != wanted:
            changed = True
            if plan.action is not Action.CREATE:  # a create's "before" stays empty
                diff["before"]["status"] = "running" if is_running else "stopped"
            diff["after"]["status"] = "running" if wanted else "stopped"
            if not client.check_mode:
                set_power(client, kind, int(resource.vmid), wanted)  # type: ignore[attr-defined]
                outcome.facts = resource.facts(resource.read())
    return outcome, changed, diff


def run_guest_module(argument_spec: dict[str, dict[str, Any]], kind: str,
                     build: Callable[[ProxmoxModuleClient], Resource[Any]], facts_key: str) -> NoReturn:
    """Reconcile one guest to ``state`` (present/absent/started/stopped) and exit."""
    client = ProxmoxModuleClient({**argument_spec, **SNAPSHOT_ARG})
    taken: list[str] = []
    try:
        name = snapshot_name(client.params.get("snapshot_before_change"), time.time())
        outcome, changed, diff = reconcile_guest(client, build(client), kind, client.params["state"], name, taken)
    except (InvalidValue, ReconcileError) as exc:
        client.fail_run(exc, **_snapshot_taken(taken))
    client.finish(changed, outcome.action.value, diff, **{facts_key: outcome.facts}, updated=outcome.updated,
                  **_snapshot_taken(taken))


def _snapshot_taken(taken: list[str]) -> dict[str, str]:
    """The ``snapshot`` result when one was taken before the change."""
    return {"snapshot": taken[0]} if taken else {}
