"""All-or-nothing: the inverse of what a failed deployment already changed.

Before a deployment runs, the service records each resource's before-state (``rollback_data``). When a
run fails, ``inverse_plan`` turns what the run changed into a plan that undoes it, in reverse dependency
order: a resource that did not exist before is removed, one that existed is restored to its recorded
spec. The inverse plan is rendered and run like any other, so undoing is as observable as doing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from planner.plan import Action, Change, Plan

__all__ = ["IDENTITY_FIELDS", "absent_spec", "before_states", "inverse_plan"]

# What a module needs to make a resource of a kind absent: the options that identify it (from each module's
# documentation) plus those the module requires on every call. A field the spec does not hold is left out,
# so an optional identity (a VM's vmid, a record's value) is used only where the resource was given one.
# A reference (``{ref, output}``, e.g. an interface's VLAN device) is kept: the renderer resolves it from
# the facts recorded when the resource was made.
IDENTITY_FIELDS: dict[str, tuple[str, ...]] = {
    "docker.container": ("name",),
    "docker.network": ("name",),
    "docker.volume": ("name",),
    "docker.image": ("name",),
    "docker.stack": ("name",),
    "opnsense.vlan": ("parent", "tag"),
    # opnsense_interface requires description even to remove an assignment.
    "opnsense.interface": ("device", "description"),
    "opnsense.alias": ("name",),
    "opnsense.firewall_rule": ("name",),  # the module derives the rule's uuid from its name
    "opnsense.dhcp_subnet": ("subnet",),
    "opnsense.dhcp_reservation": ("subnet", "hw_address", "ip_address"),
    "opnsense.host_override": ("hostname", "domain", "rr"),
    "opnsense.haproxy_server": ("name", "address", "port"),
    "opnsense.haproxy_backend": ("name",),
    "opnsense.haproxy_frontend": ("name", "bind"),
    "opnsense.wireguard_server": ("name",),
    "opnsense.wireguard_peer": ("name", "public_key", "tunnel_address"),
    "proxmox.vm": ("vmid", "name"),
    "proxmox.lxc": ("vmid", "hostname"),
    "proxmox.snapshot": ("vmid", "name", "guest_type", "snapname"),
    "proxmox.storage_content": ("storage", "content", "filename", "appliance", "url"),
    "dns.record": ("name", "type", "value", "zone"),
    # Both sides, whole: each names where its answer lives (zone, provider, TSIG key and its secret reference).
    "dns.split_horizon": ("name", "type", "zone", "internal", "public"),
    "dns.ddns": ("name", "type", "value", "zone"),
    # The cert modules remove the files a task names; the options only a create needs are left out.
    "cert.ca": ("cert_path", "key_path", "intermediate"),
    "cert.issue": ("cert_path", "key_path", "fullchain_path"),
    "cert.acme": ("private_key_path", "fullchain_path", "cert_path"),
    "cert.deploy": ("cert_dest", "key_dest", "fullchain_dest", "bundle_dest"),
}
# Arguments an undo adds: a guest this deployment made and started is stopped to be removed.
ABSENT_EXTRA: dict[str, dict[str, Any]] = {
    "proxmox.vm": {"force": True},
    "proxmox.lxc": {"force": True},
}


def absent_spec(kind: str, spec: Mapping[str, Any]) -> dict[str, Any]:
    """Module arguments that remove the resource ``spec`` describes."""
    fields = IDENTITY_FIELDS.get(kind, ("name",))
    return {**{name: spec[name] for name in fields if name in spec}, **ABSENT_EXTRA.get(kind, {}), "state": "absent"}


def before_states(plan: Plan, recorded: Mapping[str, Mapping[str, Any] | None]) -> dict[str, Any]:
    """``rollback_data`` for a plan: each resource's spec before the run, or ``None`` if it did not exist."""
    resources: dict[str, Any] = {}
    for change in plan.changes:
        before = recorded.get(change.address)
        resources[change.address] = {"before": dict(before) if before is not None else None}
    return {"resources": resources}


def inverse_plan(plan: Plan, rollback_data: Mapping[str, Any], touched: Sequence[str]) -> Plan | None:
    """The plan that undoes ``touched`` resources of ``plan`` (those the run changed or left half-done).

    Returns ``None`` when there is nothing to undo.
    """
    befores: Mapping[str, Any] = rollback_data.get("resources", {})
    undo: list[Change] = []
    # Reverse dependency order: the plan's changes are in wave order, so walk them backwards.
    for change in reversed(plan.changes):
        if change.address not in touched:
            continue
        before = (befores.get(change.address) or {}).get("before")
        after = change.after or {}
        if before is None:
            spec, action = absent_spec(change.kind, after), Action.DELETE
        else:
            spec, action = dict(before), Action.UPDATE
        undo.append(change.model_copy(update={"action": action, "before": after, "after": spec, "depends_on": []}))
    if not undo:
        return None
    # Resources of one original wave never depend on each other, so the original waves reversed are safe.
    undone = {change.address for change in undo}
    waves = [[a for a in reversed(wave) if a in undone] for wave in reversed(plan.waves)]
    waves = [wave for wave in waves if wave]
    wave_of = {address: number for number, wave in enumerate(waves, start=1) for address in wave}
    numbered = [change.model_copy(update={"wave": wave_of[change.address]}) for change in undo]
    numbered.sort(key=lambda change: change.wave)
    return Plan(
        source=f"rollback of {plan.source}",
        created_at=datetime.now(UTC),
        intents=plan.intents,
        changes=numbered,
        waves=waves,
    )
