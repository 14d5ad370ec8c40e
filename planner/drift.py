"""Drift: does every live resource still match what homelab-iac last applied?

The recorded desired state of each live resource becomes a plan of no-ops, which runs in check+diff mode:
a module that would change something has found drift, and its diff says what. Nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from planner.core.plan import Plan
from planner.core.tasks import item_outcomes, task_groups
from planner.redact import scrub

__all__ = ["DriftCollector", "DriftItem", "DriftReport"]


@dataclass(frozen=True)
class DriftItem:
    address: str
    endpoint: str
    status: str  # "in_sync" | "drifted" | "error"
    diff: dict[str, Any] = field(default_factory=dict)
    message: str = ""


@dataclass(frozen=True)
class DriftReport:
    items: list[DriftItem]

    @property
    def drifted(self) -> list[DriftItem]:
        return [item for item in self.items if item.status != "in_sync"]

    def to_json(self) -> dict[str, Any]:
        return {
            "drift": bool(self.drifted),
            "resources": [
                {"address": i.address, "endpoint": i.endpoint, "status": i.status, "diff": i.diff,
                 "message": i.message} for i in self.items
            ],
        }


class DriftCollector:
    """An ``on_event`` handler for a check-mode run: what each resource's module would change."""

    def __init__(self, plan: Plan) -> None:
        self._changes = {change.address: change for change in plan.changes}
        self._groups = {group.name: group for group in task_groups(plan)}
        self.items: dict[str, DriftItem] = {}

    def __call__(self, event: dict[str, Any]) -> None:
        kind = str(event.get("event", ""))
        data: dict[str, Any] = event.get("event_data") or {}
        group = self._groups.get(str(data.get("task", "")))
        if group is None or data.get("host") not in (None, group.endpoint) or not kind.startswith("runner_on_"):
            return
        for outcome in item_outcomes(group, kind, data.get("res") or {}):
            endpoint = self._changes[outcome.address].endpoint
            if outcome.status == "changed":
                diff = scrub(outcome.result.get("diff") or {})
                self.items[outcome.address] = DriftItem(outcome.address, endpoint, "drifted", diff)
            elif outcome.status == "ok":
                self.items[outcome.address] = DriftItem(outcome.address, endpoint, "in_sync")
            else:
                message = outcome.message or "failed"
                self.items[outcome.address] = DriftItem(outcome.address, endpoint, "error", message=message)

    def report(self) -> DriftReport:
        items = [self.items.get(address) or DriftItem(address, change.endpoint, "error", message="not checked")
                 for address, change in self._changes.items()]
        return DriftReport(items)
