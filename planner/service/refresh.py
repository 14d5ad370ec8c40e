"""Refresh: one check-mode run of what a plan would change tells what each endpoint holds now.

The pure decisions are ``planner.core.refresh``'s; this use case renders the check (one wave, each
endpoint's batch module once), runs it, and collects what each module would do. Nothing is written.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from typing import Any

from planner.core.plan import Plan
from planner.core.refresh import Seen, refresh_plan, refreshed
from planner.core.tasks import event_outcomes, task_groups
from planner.secrets import referenced_secrets
from planner.service.context import Operation, Ports
from planner.service.rendering import render

__all__ = ["RefreshCollector", "refresh"]


class RefreshCollector:
    """An ``on_event`` handler for the refresh's check-mode run: what each resource's module would do."""

    def __init__(self, plan: Plan) -> None:
        self._groups = {group.name: group for group in task_groups(plan)}
        self.seen: dict[str, Seen] = {}

    def __call__(self, event: dict[str, Any]) -> None:
        for outcome in event_outcomes(self._groups, event):
            action = str(outcome.result.get("action") or "")
            if outcome.status == "failed":
                self.seen[outcome.address] = Seen("failed", action, outcome.message or "failed")
            elif outcome.status in ("ok", "changed"):
                self.seen[outcome.address] = Seen(outcome.status, action)


def refresh(ports: Ports, operation: Operation, plan: Plan) -> Plan:
    """``plan`` decided against what its endpoints hold now (``planner.core.refresh.refreshed``); raises
    ``ConflictError`` naming what collides with objects homelab-iac does not manage."""
    check = refresh_plan(plan)
    if check is not None:
        provided = operation.environment
        unset = {c.address for c in check.changes
                 if any(not (os.environ.get(n) or provided.get(n)) for n in referenced_secrets(c.after or {}))}
        if unset:  # a change whose secret is not exported cannot run even in check mode: left as planned
            check = check.model_copy(update={"changes": [c for c in check.changes if c.address not in unset],
                                             "waves": [[a for a in check.waves[0] if a not in unset]]})
    if check is None or not check.changes:
        return plan.model_copy(update={"refreshed": True})
    # What the run would check first (an engine that answers, a host port free) says it in one line.
    ports.check_preflight(check, operation.inventory)
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    project = render(operation, check, ports.workdir / "refresh" / run_id, "refresh")
    collector = RefreshCollector(check)
    ports.executor.run(project, on_event=collector, check=True, env=operation.environment)
    return refreshed(plan, collector.seen)
