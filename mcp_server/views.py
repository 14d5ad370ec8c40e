"""What the MCP tools return: pydantic models (so every tool has an output schema) built from service results.

The views of deployments, resources, results and drift are the CLI's too (``planner.views``, re-exported
here); this module adds what only a model is given: discovery, plans with their ``next_step``, audit entries.
Everything that leaves the server passes through here, and every spec, observed fact, diff and inventory
variable goes through ``planner.redact.scrub`` on the way: secrets never reach a model.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from planner.adapters.inventory import Host
from planner.core.plan import Plan
from planner.picture import draw
from planner.policy import PolicyReport
from planner.redact import scrub
from planner.sentence import Understood
from planner.service import PlanResult, summary_line
from planner.service.drift import DriftReport
from planner.state.records import AuditRecord, DeploymentRecord
from planner.views import (
    ApplyView,
    ChangeView,
    DeploymentSummary,
    DriftItemView,
    OutputsView,
    ProgressItem,
    ResourceView,
    ResultView,
    StackView,
    StatusView,
    apply_view,
    changes,
    deployment_summary,
    drift_items,
    outputs_view,
    resource_view,
    stack_view,
    status_view,
)

__all__ = [
    "ApplyView",
    "AuditEntry",
    "ChangeView",
    "DeploymentSummary",
    "DeploymentsView",
    "DriftItemView",
    "DriftView",
    "EndpointView",
    "EndpointsView",
    "HistoryView",
    "IntentKindDetail",
    "IntentKindSummary",
    "IntentKindsView",
    "OutputsView",
    "PhraseView",
    "PlanView",
    "ProgressItem",
    "ResourceView",
    "ResourcesView",
    "ResultView",
    "StackView",
    "StacksView",
    "StatusView",
    "UnderstoodView",
    "ValidationView",
    "apply_view",
    "deployment_summary",
    "drift_view",
    "outputs_view",
    "plan_view",
    "resource_view",
    "stack_view",
    "status_view",
    "understood_view",
]


class IntentKindSummary(BaseModel):
    kind: str
    summary: str


class IntentKindsView(BaseModel):
    kinds: list[IntentKindSummary]


class IntentKindDetail(BaseModel):
    kind: str
    summary: str
    intent_schema: dict[str, Any] = Field(description="JSON schema of one intent of this kind")
    example: str = Field(description="An intent file (YAML) to start from")


class EndpointView(BaseModel):
    name: str
    backend: str = Field(description="docker, opnsense, proxmox, dns or certs")
    settings: dict[str, Any] = Field(description="The endpoint's inventory variables, secrets masked")


class EndpointsView(BaseModel):
    inventory: str
    endpoints: list[EndpointView]


class ResourcesView(BaseModel):
    resources: list[ResourceView]


class HistoryView(BaseModel):
    versions: list[ResourceView] = Field(description="Newest first")


class StacksView(BaseModel):
    stacks: list[StackView] = Field(description="Every deployed stack, by name (as `iac stacks --json` lists them)")


class CandidateView(BaseModel):
    endpoint: str
    kind: str = Field(description="The resource kind it would be, e.g. opnsense.vlan")
    id: str = Field(description="Its import id: pass it as adopt.id to plan")
    address: str = Field(description="A suggested address to adopt it as (adopt.address)")
    labelled: bool = Field(description="Carries homelab-iac's own Docker label (made by homelab-iac, elsewhere)")
    spec: dict[str, Any] = Field(description="What its endpoint reports of it (secrets masked)")


class CandidatesView(BaseModel):
    candidates: list[CandidateView] = Field(description="What the endpoints have that homelab-iac does not manage")


class PhraseView(BaseModel):
    text: str = Field(description="Words of the sentence")
    meaning: str = Field(description="What they became, e.g. game_server.players = 10")


class UnderstoodView(BaseModel):
    sentence: str
    intent: dict[str, Any] = Field(description="The intent document the sentence was taken to mean; pass it "
                                               "(edited) as `intent` when the reading is not what the user meant")
    phrases: list[PhraseView] = Field(description="Phrase by phrase, including the defaults it filled in")


class PlanView(BaseModel):
    plan_id: str = Field(description="Pass this to `apply` once the user has confirmed the plan")
    status: str
    source: str
    summary: str
    counts: dict[str, int]
    changes: list[ChangeView]
    mermaid: str = Field(description="The dependency graph as a Mermaid flowchart, to show the user")
    policy: PolicyReport = Field(description="The policy rules checked and the waivers (allow) recorded in the plan")
    placements: dict[str, str] = Field(
        default_factory=dict,
        description="Where each container on a network segment sits (on the VLAN itself, or behind its Docker "
        "host) and why, by address: tell the user")
    understood: UnderstoodView | None = Field(
        default=None, description="How a sentence was read (null when an intent was given): show it to the user")
    next_step: str


class ValidationView(BaseModel):
    valid: bool
    summary: str
    changes: list[ChangeView] = Field(description="What planning it now would do (nothing is stored)")
    policy: PolicyReport = Field(description="The policy rules checked and the waivers (allow) that would be recorded")
    understood: UnderstoodView | None = Field(default=None, description="How a sentence was read, if one was given")


class DeploymentsView(BaseModel):
    deployments: list[DeploymentSummary] = Field(description="Newest first")
    interrupted: list[str] = Field(description="Ids of runs that crashed: roll them back or resume them")


class DriftView(BaseModel):
    drifted: int
    resources: list[DriftItemView]
    next_step: str


class AuditEntry(BaseModel):
    at: datetime
    principal: str
    tool: str
    arguments: dict[str, Any]
    deployment_id: str | None
    outcome: str


def understood_view(understood: Understood | None) -> UnderstoodView | None:
    if understood is None:
        return None
    return UnderstoodView(sentence=understood.text, intent=scrub(understood.document()),
                          phrases=[PhraseView(text=p.text, meaning=p.meaning) for p in understood.phrases])


def plan_view(deployment: DeploymentRecord, plan: Plan, understood: Understood | None = None) -> PlanView:
    pending = any(change.action.value != "noop" for change in plan.changes)
    next_step = (
        f"show the user this plan; if they confirm, call apply with plan_id {deployment.id!r}"
        if pending else "nothing would change; there is nothing to apply"
    )
    deletes = plan.counts().get("delete", 0)
    if deletes:
        next_step += (f"; it deletes {deletes} resource(s) (what the stack no longer declares, or all of it for a "
                      "destroy): name them to the user")
    if understood is not None:
        next_step = f"tell the user how their sentence was understood (understood.phrases), then {next_step}"
    if plan.policy.waivers:
        waived = ", ".join(sorted({w.rule for w in plan.policy.waivers}))
        next_step += f"; the plan waives policy rule(s) {waived}: make sure the user knows"
    return PlanView(
        plan_id=deployment.id, status=deployment.status.value, source=plan.source, summary=summary_line(plan),
        counts=plan.counts(), changes=changes(plan), mermaid=draw(plan, "mermaid"), policy=plan.policy,
        placements={address: str(found.get("summary", "")) for address, found in plan.placements.items()},
        understood=understood_view(understood), next_step=next_step,
    )


def plan_result_view(result: PlanResult) -> PlanView:
    return plan_view(result.deployment, result.plan, result.understood)


def validation_view(plan: Plan, understood: Understood | None = None) -> ValidationView:
    return ValidationView(valid=True, summary=summary_line(plan), changes=changes(plan), policy=plan.policy,
                          understood=understood_view(understood))


def endpoint_view(host: Host) -> EndpointView:
    return EndpointView(name=host.name, backend=host.backend, settings=scrub(host.vars))


def drift_view(report: DriftReport) -> DriftView:
    items = drift_items(report)
    drifted = len(report.drifted)
    next_step = ("call reconcile to get a plan that converges them, show it, then apply it on confirmation"
                 if drifted else "everything matches what was last applied")
    return DriftView(drifted=drifted, resources=items, next_step=next_step)


def audit_entry(record: AuditRecord) -> AuditEntry:
    return AuditEntry(at=record.at, principal=record.principal, tool=record.tool, arguments=record.arguments,
                      deployment_id=record.deployment_id, outcome=record.outcome)
