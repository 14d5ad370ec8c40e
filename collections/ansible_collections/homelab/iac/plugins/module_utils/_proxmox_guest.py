# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""What the VM and container modules share: lookup by name, power state, and the module run itself.

``state`` is ``present``/``absent`` for the reconcile engine plus ``started``/``stopped``, which
mean "present, and in this power state". Power is a separate step after the engine, because it is
not a config property: it has its own endpoints and tasks, and check mode predicts it from the
observed status alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

from ansible_collections.homelab.iac.plugins.module_utils._proxmox_common import (
    ProxmoxError,
    ProxmoxModuleClient,
    PveApi,
)
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


def set_power(client: ProxmoxModuleClient, kind: str, vmid: int, running: bool) -> None:
    """Start, or shut down (forcing a stop after the timeout), and wait for the task."""
    path = f"nodes/{client.node}/{kind}/{vmid}/status/"
    # shutdown with forceStop: a clean ACPI shutdown first, a hard stop if it does not finish.
    upid = client.api.post(path + "start") if running else client.api.post(path + "shutdown", forceStop=1, timeout=60)
    client.tasks.wait(upid, f"{'starting' if running else 'shutting down'} {kind} {vmid}")


def reconcile_guest(client: ProxmoxModuleClient, resource: Resource[Any], kind: str,
                    state: str) -> tuple[Outcome, bool, dict[str, Any]]:
    """Config through the engine, then the power state: (outcome, changed, diff)."""
    reconciler = Reconciler(resource, client.check_mode)
    plan = reconciler.plan("absent" if state == "absent" else "present")
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
    client = ProxmoxModuleClient(argument_spec)
    try:
        outcome, changed, diff = reconcile_guest(client, build(client), kind, client.params["state"])
    except (InvalidValue, ReconcileError, ProxmoxError) as exc:
        client.fail(str(exc), upids=list(client.tasks.upids))
    result: dict[str, Any] = {
        "changed": changed,
        "action": outcome.action.value,
        facts_key: outcome.facts,
        "updated": outcome.updated,
        "upids": list(client.tasks.upids),
    }
    if client.diff_mode:
        result["diff"] = diff
    client.module.exit_json(**result)
    raise AssertionError("exit_json returned")
