"""Drift: does every live resource still match what homelab-iac last applied?

The recorded desired state of each live resource becomes a plan of no-ops, which runs in check+diff mode:
a module that would change something has found drift, and its diff says what. Nothing is written.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from planner.core.builder import desired_state_plan
from planner.core.plan import Plan
from planner.core.tasks import event_outcomes, task_groups
from planner.errors import IacError
from planner.redact import scrub
from planner.secrets import referenced_secrets
from planner.service.context import Operation, Ports
from planner.service.rendering import render

__all__ = ["DriftCheck", "DriftCollector", "DriftItem", "DriftReport"]


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


class DriftCollector:
    """An ``on_event`` handler for a check-mode run: what each resource's module would change."""

    def __init__(self, plan: Plan) -> None:
        self._changes = {change.address: change for change in plan.changes}
        self._groups = {group.name: group for group in task_groups(plan)}
        self.items: dict[str, DriftItem] = {}

    def __call__(self, event: dict[str, Any]) -> None:
        for outcome in event_outcomes(self._groups, event):
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


class DriftCheck:
    """Check every live resource against its recorded desired state, writing nothing but events."""

    def __init__(self, ports: Ports) -> None:
        self.ports = ports

    def drift(self) -> DriftReport:
        operation = Operation(self.ports)
        resources = operation.live()
        if not resources:
            return DriftReport([])
        inventory = operation.inventory
        missing = sorted({r.endpoint for r in resources} - set(inventory.hosts))
        if missing:
            raise IacError(f"endpoint {missing[0]} of recorded resources is not in {inventory.path}")
        # A resource whose secret is not exported cannot be checked; it must not spoil its whole batch.
        provided = operation.environment

        def unset_secrets(spec: dict[str, Any]) -> list[str]:
            return sorted(n for n in referenced_secrets(spec) if not (os.environ.get(n) or provided.get(n)))

        unset = {r.address: names for r in resources if (names := unset_secrets(r.spec))}
        checkable = [r for r in resources if r.address not in unset]
        items: list[DriftItem] = []
        if checkable:
            plan = desired_state_plan(checkable, source="drift check")
            run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
            project = render(operation, plan, self.ports.workdir / "drift" / run_id, "drift")
            collector = DriftCollector(plan)
            self.ports.executor.run(project, on_event=collector, check=True, env=provided)
            items = collector.report().items
        items += [DriftItem(r.address, r.endpoint, "error",
                            message=f"not checked: secret {', '.join(unset[r.address])} is not set; export it to check")
                  for r in resources if r.address in unset]
        order = {r.address: number for number, r in enumerate(resources)}
        report = DriftReport(sorted(items, key=lambda item: order[item.address]))
        last_deployment = {r.address: r.deployment_id for r in resources}
        for item in report.drifted:
            # Changes made outside homelab-iac are recorded against the deployment that last set the resource.
            self.ports.store.record_event(last_deployment[item.address], "drift_detected",
                                          {"status": item.status, "diff": item.diff, "message": item.message},
                                          resource_address=item.address)
        return report
