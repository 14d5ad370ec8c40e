"""Restore: plan the way from what is live now back to what was live at a past moment.

The desired state comes from resource versions (``resources_as_of`` / ``resources_after``): resources
that existed then are created or updated back to their spec, resources that exist now but did not then
are removed — dependents first, after everything else is back. Removing what holds data (volumes, disks,
whole guests) needs an explicit waiver, so a restore never loses data silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from planner.drift import desired_state_plan
from planner.errors import IacError
from planner.core.graph import Graph
from planner.plan import Action, Change, Plan
from planner.core.resources import module_for
from planner.rollback import absent_spec
from planner.state.records import ResourceRecord

__all__ = ["DATA_KINDS", "restore_plan"]

# Kinds whose removal destroys data a user may want back.
DATA_KINDS = frozenset({"docker.volume", "proxmox.vm", "proxmox.lxc", "proxmox.snapshot"})


def _removals(live: Sequence[ResourceRecord], keep: set[str], first_wave: int) -> tuple[list[Change], list[list[str]]]:
    gone = [record for record in live if record.address not in keep]
    graph = Graph()
    names = {record.address for record in gone}
    for record in gone:
        graph.add(record.address, [dep for dep in record.dependencies if dep in names])
    waves = [list(reversed(wave)) for wave in reversed(graph.waves())]  # dependents first
    by_address = {record.address: record for record in gone}
    changes = []
    for number, wave in enumerate(waves, start=first_wave):
        for address in wave:
            record = by_address[address]
            changes.append(Change(
                address=address, kind=record.kind, name=record.name, endpoint=record.endpoint,
                module=module_for(record.kind), action=Action.DELETE,
                before=dict(record.spec), after=absent_spec(record.kind, record.spec), wave=number,
            ))
    return changes, waves


def restore_plan(
    target: Sequence[ResourceRecord], live: Sequence[ResourceRecord], *, source: str, allow_data_loss: bool = False
) -> Plan:
    """The plan from ``live`` back to ``target``; raises when it would remove data without ``allow_data_loss``."""
    now = {record.address: record for record in live}
    back = desired_state_plan(target, source=source)
    changes = []
    for change in back.changes:
        current = now.get(change.address)
        if current is None:
            changes.append(change.model_copy(update={"action": Action.CREATE, "before": None}))
        else:
            action = Action.NOOP if current.spec == change.after else Action.UPDATE
            changes.append(change.model_copy(update={"action": action, "before": dict(current.spec)}))
    removals, removal_waves = _removals(live, {record.address for record in target}, len(back.waves) + 1)
    lost = [change.address for change in removals if change.kind in DATA_KINDS]
    if lost and not allow_data_loss:
        raise IacError(
            f"restoring would remove {', '.join(lost)}, and their data with them; "
            "rerun with --allow-data-loss if that is what you want"
        )
    return Plan(
        source=source,
        created_at=datetime.now(UTC),
        intents=[],
        changes=changes + removals,
        waves=back.waves + removal_waves,
    )
