"""What a use case's result looks like to whoever asked: one set of typed views for ``iac … --json`` and the
MCP tools alike (pydantic models, so every tool has an output schema and the CLI's JSON has the same shape).

Every spec, observed fact, diff and deployment summary goes through ``planner.redact.scrub`` on the way out:
secrets never reach a terminal, a script or a model. What only one adapter says (the MCP server's
``next_step`` for a model, the CLI's tables) stays with that adapter.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from planner.adapters.record import ResourceResult
from planner.core.plan import Plan
from planner.redact import scrub
from planner.service.drift import DriftReport
from planner.service.outputs import StackOutputs
from planner.service.results import ApplyResult, DeploymentView
from planner.service.results import StackView as StackResult
from planner.state.records import DeploymentRecord, ResourceRecord

__all__ = [
    "ApplyView",
    "ChangeView",
    "DeploymentSummary",
    "DriftItemView",
    "IntentOutputsView",
    "OutputsView",
    "ProgressItem",
    "ResourceView",
    "ResultView",
    "StackOutputsView",
    "StackView",
    "StatusView",
    "apply_view",
    "changes",
    "deployment_summary",
    "drift_items",
    "outputs_view",
    "resource_view",
    "stack_view",
    "status_view",
]


class ResourceView(BaseModel):
    address: str
    kind: str
    provider: str
    endpoint: str
    name: str
    state: str
    version: int
    deployment_id: str = Field(description="The deployment that last changed it")
    updated_at: datetime
    spec: dict[str, Any]
    observed: dict[str, Any]
    dependencies: list[str]


class ChangeView(BaseModel):
    wave: int
    action: str = Field(description="create, update, replace (recreated: a field it cannot change in place), "
                                    "delete or noop")
    address: str
    endpoint: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class ResultView(BaseModel):
    address: str
    status: str = Field(description="changed, ok, failed or skipped")
    message: str
    duration: float


class DeploymentSummary(BaseModel):
    id: str
    status: str
    source: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None
    summary: dict[str, Any] = Field(description="How the run ended: counts, each resource's result, safety nets")


class ApplyView(BaseModel):
    deployment: DeploymentSummary
    changed: int
    failed: int
    resources: list[ResultView]
    rollback: list[ResultView] = Field(description="What undoing a failed run did, if it failed")


class ProgressItem(BaseModel):
    address: str
    action: str = Field(description="What the plan does to it")
    result: str = Field(description="pending, changed, ok, failed or skipped")
    message: str
    state: str | None = Field(description="What is recorded of it now (present, absent, failed) or null")


class StatusView(BaseModel):
    deployment: DeploymentSummary
    done: int
    total: int
    progress: list[ProgressItem]
    events: int


class DriftItemView(BaseModel):
    address: str
    endpoint: str
    status: str = Field(description="in_sync, drifted or error")
    message: str
    diff: dict[str, Any]


class StackView(BaseModel):
    name: str
    source: str = Field(description="The intent file (or request) it was last applied from")
    resources: int = Field(description="How many resources it owns that homelab-iac manages now")
    addresses: list[str] = Field(description="The addresses it owns (a shared one is in several stacks)")
    deployment_id: str = Field(description="Its last successful deployment")
    status: str | None = Field(description="That deployment's status")
    updated_at: datetime


def stack_view(view: StackResult) -> StackView:
    stack = view.stack
    return StackView(name=stack.name, source=stack.source, resources=view.resources, addresses=list(stack.addresses),
                     deployment_id=stack.deployment_id,
                     status=view.deployment.status.value if view.deployment is not None else None,
                     updated_at=stack.updated_at)


class IntentOutputsView(BaseModel):
    name: str
    kind: str
    outputs: dict[str, Any] = Field(description="What it offers, by name (an address, ports, a URL, a DNS name, "
                                                "an id); null where the fact is not recorded; secrets masked")


class StackOutputsView(BaseModel):
    stack: str
    source: str = Field(description="The intent file (or request) it was last applied from")
    deployment_id: str = Field(description="Its last successful deployment")
    intents: list[IntentOutputsView] = Field(description="In the order the stack declares them")


class OutputsView(BaseModel):
    stacks: list[StackOutputsView] = Field(description="By stack name")


def outputs_view(found: list[StackOutputs]) -> OutputsView:
    return OutputsView(stacks=[
        StackOutputsView(stack=item.stack.name, source=item.stack.source, deployment_id=item.stack.deployment_id,
                         intents=[IntentOutputsView(name=i.name, kind=i.kind, outputs=scrub(i.outputs))
                                  for i in item.intents])
        for item in found
    ])


def changes(plan: Plan) -> list[ChangeView]:
    return [
        ChangeView(wave=c.wave, action=c.action.value, address=c.address, endpoint=c.endpoint,
                   before=scrub(c.before), after=scrub(c.after))
        for c in plan.changes
    ]


def resource_view(record: ResourceRecord) -> ResourceView:
    return ResourceView(
        address=record.address, kind=record.kind, provider=record.provider, endpoint=record.endpoint,
        name=record.name, state=record.state.value, version=record.version, deployment_id=record.deployment_id,
        updated_at=record.updated_at, spec=scrub(record.spec), observed=scrub(record.observed),
        dependencies=list(record.dependencies),
    )


def deployment_summary(deployment: DeploymentRecord) -> DeploymentSummary:
    return DeploymentSummary(
        id=deployment.id, status=deployment.status.value, source=str(deployment.intent.get("source", "")),
        created_at=deployment.created_at, started_at=deployment.started_at, finished_at=deployment.finished_at,
        error=deployment.error, summary=scrub(deployment.summary),
    )


def _results(results: list[ResourceResult]) -> list[ResultView]:
    return [ResultView(address=r.address, status=r.status, message=r.message, duration=r.duration)
            for r in results]


def apply_view(result: ApplyResult) -> ApplyView:
    return ApplyView(deployment=deployment_summary(result.deployment), changed=result.changed,
                     failed=result.failed, resources=_results(result.results), rollback=_results(result.rollback))


def status_view(view: DeploymentView) -> StatusView:
    """Per-resource progress: the plan's changes, each with its result so far and what is recorded of it."""
    plan = Plan.model_validate(view.deployment.plan)
    results: dict[str, Any] = view.deployment.summary.get("results") or {}
    # While a run is going the summary is not written yet; its events say which resources finished.
    for event in view.events:
        if event.resource_address and event.event_type.startswith("runner_on_"):
            status = "failed" if event.event_type != "runner_on_ok" else (
                "changed" if event.payload.get("changed") else "ok")
            if event.event_type == "runner_on_skipped":
                status = "skipped"
            results.setdefault(event.resource_address, {"status": status, "message": event.payload.get("msg") or ""})
    recorded = {r.address: r.state.value for r in view.resources}
    progress = [
        ProgressItem(address=c.address, action=c.action.value,
                     result=str(results.get(c.address, {}).get("status", "pending")),
                     message=str(results.get(c.address, {}).get("message") or ""),
                     state=recorded.get(c.address))
        for c in plan.changes
    ]
    return StatusView(deployment=deployment_summary(view.deployment),
                      done=sum(1 for item in progress if item.result != "pending"), total=len(progress),
                      progress=progress, events=len(view.events))


def drift_items(report: DriftReport) -> list[DriftItemView]:
    return [DriftItemView(address=i.address, endpoint=i.endpoint, status=i.status, message=i.message,
                          diff=scrub(i.diff)) for i in report.items]
