"""Plan-time refresh: what the endpoints hold now, read in one check-mode run, decides the plan.

Before a plan is stored, every change that can be checked runs once in check mode (``refresh_plan``: one
wave, each endpoint's batch module once; a create that depends on something this plan makes first cannot
be read as it will be, and is left as planned). What each module would do (``Seen``) then decides
(``refreshed``):

- a planned create whose object exists already (the module would update it, or leave it) is a collision:
  something made by hand that homelab-iac does not manage. Every collision is an error naming the object
  and the ``iac import`` command that adopts it, never a silent takeover;
- a recorded resource the module would leave as it is needs no run (``noop``, its address in
  ``Plan.checked``); one the module would change is an update (or a replacement) even when the recorded
  state said it was in sync: the live state drifted. What the check did not see runs, as without a refresh;
- a removal always runs (removing what is gone changes nothing, and its record must say so).

A refreshed plan runs only what differs: its no-ops are not rendered into the apply's project.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from planner.core.kinds import kind_spec
from planner.core.plan import Action, Change, Plan
from planner.core.refs import refs_in
from planner.errors import ConflictError

__all__ = ["NOT_OURS", "Seen", "import_id", "refresh_plan", "refreshed", "refused_as_not_ours"]


@dataclass(frozen=True)
class Seen:
    """What one resource's module would do, found in the refresh's check-mode run."""

    status: str  # "ok" | "changed" | "failed"
    action: str = ""  # the module's own decision (noop, create, update, replace, delete), when it says
    message: str = ""


def import_id(kind: str, spec: Mapping[str, Any]) -> str | None:
    """The id ``iac import`` adopts an object of ``kind`` by (``vtnet2/77``), from ``spec``; None when the
    kind is not adopted by id."""
    fields = kind_spec(kind).import_id
    if not fields or any(spec.get(name) in (None, "") for name in fields):
        return None
    return "/".join(str(spec[name]) for name in fields)


def refresh_plan(plan: Plan) -> Plan | None:
    """The changes of ``plan`` a check-mode run can check, in one wave; None when there is none."""
    created = {change.address for change in plan.changes if change.action is Action.CREATE}
    checked = [
        change.model_copy(update={"wave": 1, "depends_on": []})
        for change in plan.changes
        if change.action is not Action.DELETE
        and not (change.action is Action.CREATE and _needs_one_of(change, created))
    ]
    if not checked:
        return None
    return plan.model_copy(update={"changes": checked, "waves": [[change.address for change in checked]],
                                   "source": f"refresh of {plan.source}"})


def _needs_one_of(change: Change, created: set[str]) -> bool:
    """Whether ``change`` depends on, or refers to, something the plan makes first: a check-mode run cannot
    read it as it will be (a certificate whose CA the plan issues, an interface on a VLAN it adds)."""
    return any(dep in created for dep in change.depends_on) or any(ref in created for ref in refs_in(change.after))


def refreshed(plan: Plan, seen: Mapping[str, Seen]) -> Plan:
    """``plan`` decided against what the refresh saw; raises ``ConflictError`` naming every collision."""
    problems: list[str] = []
    changes: list[Change] = []
    in_sync: list[str] = []
    unchecked = 0  # items a failed batch never reached: the failure that stopped it is reported
    for change in plan.changes:
        found = seen.get(change.address)
        if found is not None and found.status == "failed" and found.message in ("", "failed"):
            unchecked += 1
            found = None
        if found is None or change.action is Action.DELETE:
            changes.append(change)
            continue
        if change.action is Action.CREATE:
            problem = _collision(change, found, plan.stack)
            if problem:
                problems.append(problem)
            changes.append(change)
            continue
        if found.status == "failed":
            problems.append(f"{change.address} on {change.endpoint} cannot be checked ({found.message}); fix that, "
                            "or plan with --refresh=false to decide against the recorded state alone")
        elif found.status == "ok":
            changes.append(_as(change, Action.NOOP))
            in_sync.append(change.address)
        elif change.action is Action.NOOP:  # in sync by the record, not on the device: it drifted
            changes.append(_as(change, Action.REPLACE if found.action == "replace" else Action.UPDATE))
        else:
            changes.append(change)
    if problems:
        shown = problems[:_SHOWN]
        if len(problems) > _SHOWN:
            shown.append(f"and {len(problems) - _SHOWN} more like these")
        if unchecked:
            shown.append(f"{unchecked} more could not be checked after those")
        raise ConflictError("; ".join(shown))
    return plan.model_copy(update={"changes": changes, "refreshed": True, "checked": in_sync})


_SHOWN = 10  # problems named one by one in the error; a plan of thousands may meet thousands


def _collision(change: Change, found: Seen, stack: str | None) -> str:
    """The error for a planned create the refresh found existing (or could not check), or ''."""
    if found.status != "failed" and found.action in ("", "create"):
        return ""
    if found.status == "failed" and not refused_as_not_ours(found.message):
        return (f"{change.address} on {change.endpoint} cannot be checked ({found.message}); fix that, or plan "
                "with --refresh=false to decide against the recorded state alone")
    identity = import_id(change.kind, change.after or {})
    to_stack = f" --stack {stack}" if stack else ""
    adopt = (f"adopt it with `iac import {change.address} {identity}{to_stack}`" if identity
             else "remove it by hand")
    if found.status == "failed":
        return f"{change.address} on {change.endpoint}: {found.message}; if that object is yours, {adopt}"
    return (f"{change.address} exists on {change.endpoint} and homelab-iac does not manage it; {adopt}, or give the "
            "intent another name")


# What a module's refusal to touch an object it did not make says (the Docker modules: no homelab-iac label).
NOT_OURS = ("was not created by homelab.iac", "was not made by homelab.iac")


def refused_as_not_ours(message: str) -> bool:
    """Whether a module's failure is its refusal to touch an object homelab-iac did not make (nothing written)."""
    return any(mark in message for mark in NOT_OURS)


def _as(change: Change, action: Action) -> Change:
    return change.model_copy(update={"action": action})
