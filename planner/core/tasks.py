"""How a plan becomes tasks, and how a task's result splits back into resources.

Ansible costs about 0.6 s per module call, an API call a few milliseconds. So the resources of one wave on
one endpoint run as ONE task: the backend's batch module (``homelab.iac.<backend>_batch``) with the
resources as ``items``, in plan order. A kind the backend's batch does not take (a certificate, a split-
horizon name) gets a task of its own. The renderer writes these tasks; the recorder and the drift check
read results back through the same grouping, so the two can never disagree about which item is which.

Batch results follow one contract (see the batch modules' RETURN): ``results`` holds one entry per item
that ran, in order, each with ``index``, ``changed``, ``action`` and ``facts``; a failed batch also says
``failed_index``, and ``results`` then holds every item that completed — before it, and (where a batch
runs items concurrently, as docker_batch does) later ones that were already under way — so each is
matched to its resource by ``index``, never by position.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from planner.core.kinds import kind_spec
from planner.core.plan import Change, Plan

__all__ = ["WAVE_GATE", "ItemOutcome", "TaskGroup", "event_outcomes", "item_outcomes", "task_groups"]

# The name of the check that opens every wave after the first: it ends the run's plays when a task of an
# earlier wave failed (the free strategy ignores any_errors_fatal). It is no resource's task: the recorder
# and the drift check leave it out.
WAVE_GATE = "Stop if an earlier wave failed"

def _variable(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text).lower()


@dataclass(frozen=True)
class TaskGroup:
    """One task of the rendered project: a batch of resources, or a single resource."""

    wave: int
    endpoint: str
    module: str
    addresses: tuple[str, ...]
    batched: bool

    @property
    def name(self) -> str:
        """The task's name, unique in the project (the recorder finds the group by it)."""
        if self.batched:
            return f"Wave {self.wave} on {self.endpoint}"
        return f"Wave {self.wave} on {self.endpoint}: {self.addresses[0]}"

    @property
    def register(self) -> str:
        """The variable the task's result is registered in, e.g. ``iac_wave1_lab_opnsense``."""
        if self.batched:
            return f"iac_wave{self.wave}_{_variable(self.endpoint)}"
        return "iac_" + _variable(self.addresses[0])



def task_groups(plan: Plan) -> list[TaskGroup]:
    """The plan's tasks, wave by wave, endpoints sorted, batch first then single tasks in plan order."""
    by_address = {change.address: change for change in plan.changes}
    batch_modules = {kind: kind_spec(kind).batch_module for kind in {change.kind for change in plan.changes}}
    groups: list[TaskGroup] = []
    for number, wave in enumerate(plan.waves, start=1):
        by_endpoint: dict[str, list[Change]] = {}  # one pass over the wave, whatever its number of endpoints
        for address in wave:
            change = by_address[address]
            by_endpoint.setdefault(change.endpoint, []).append(change)
        for endpoint in sorted(by_endpoint):
            batched: dict[str, list[str]] = {}
            singles: list[Change] = []
            for change in by_endpoint[endpoint]:
                module = batch_modules[change.kind]
                if module is None:
                    singles.append(change)
                else:
                    batched.setdefault(module, []).append(change.address)
            for module, addresses in batched.items():
                groups.append(TaskGroup(number, endpoint, module, tuple(addresses), batched=True))
            for change in singles:
                groups.append(TaskGroup(number, endpoint, change.module, (change.address,), batched=False))
    return groups


@dataclass(frozen=True)
class ItemOutcome:
    """What one resource's part of a task result says: ``changed``, ``ok`` or ``failed``."""

    address: str
    status: str
    result: dict[str, Any]
    message: str = ""


def item_outcomes(group: TaskGroup, event: str, res: Mapping[str, Any]) -> Iterator[ItemOutcome]:
    """Split one task result (``runner_on_ok``/``runner_on_failed``/...) into per-resource outcomes.

    Resources a failed batch never reached yield nothing. A batch that failed without saying where (a
    crash before it could report) marks every resource of the group failed: any of them may have changed,
    and undoing one that did not change changes nothing.
    """
    ok = event == "runner_on_ok"
    if not group.batched:
        if ok:
            yield ItemOutcome(group.addresses[0], "changed" if res.get("changed") else "ok", dict(res))
        elif event != "runner_on_skipped":
            yield ItemOutcome(group.addresses[0], "failed", dict(res), _message(res))
        return
    if event == "runner_on_skipped":
        return
    reported = res.get("results")
    items: list[Any] = reported if isinstance(reported, list) else []
    seen: set[int] = set()
    for position, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        index = item.get("index", position)
        if not isinstance(index, int) or not 0 <= index < len(group.addresses):
            continue
        seen.add(index)
        if item.get("failed"):
            yield ItemOutcome(group.addresses[index], "failed", item, _message(item) or _message(res))
        else:
            yield ItemOutcome(group.addresses[index], "changed" if item.get("changed") else "ok", item)
    if ok:
        return
    failed_index = res.get("failed_index")
    if isinstance(failed_index, int) and 0 <= failed_index < len(group.addresses):
        if failed_index not in seen:
            yield ItemOutcome(group.addresses[failed_index], "failed", dict(res), _message(res))
        return
    for index, address in enumerate(group.addresses):
        if index not in seen:
            yield ItemOutcome(address, "failed", dict(res), _message(res))


def _message(res: Mapping[str, Any]) -> str:
    return str(res.get("msg") or res.get("reason") or res.get("error") or "")


def event_outcomes(groups: Mapping[str, TaskGroup], event: Mapping[str, Any]) -> Iterator[ItemOutcome]:
    """The per-resource outcomes of one ansible-runner event of a run whose task groups are ``groups`` (by
    name): nothing for an event that is no result of one of them on its own endpoint."""
    kind = str(event.get("event", ""))
    data: Mapping[str, Any] = event.get("event_data") or {}
    group = groups.get(str(data.get("task", "")))
    if group is None or data.get("host") not in (None, group.endpoint) or not kind.startswith("runner_on_"):
        return
    yield from item_outcomes(group, kind, data.get("res") or {})
