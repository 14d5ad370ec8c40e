"""What the state store holds, as plain typed records (no database types leak out of ``planner.state``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

__all__ = [
    "AuditRecord",
    "DeploymentRecord",
    "DeploymentStatus",
    "EventRecord",
    "LockRecord",
    "ResourceRecord",
    "ResourceState",
    "StackRecord",
]


class DeploymentStatus(StrEnum):
    """Lifecycle of a deployment; ``planned`` is a stored plan that has not run yet."""

    PLANNED = "planned"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ROLLED_BACK = "rolled_back"
    ROLLBACK_FAILED = "rollback_failed"
    # A dry run (``ansible-playbook site.yml --check``, AWX's "Check" job type) recorded by the state recorder:
    # what it would change, and no resource. ``check_failed``: a module refused or could not plan its change.
    CHECKED = "checked"
    CHECK_FAILED = "check_failed"

    @property
    def dry_run(self) -> bool:
        """Whether this is a check-mode run's record, which wrote nothing."""
        return self in (DeploymentStatus.CHECKED, DeploymentStatus.CHECK_FAILED)


class ResourceState(StrEnum):
    """What homelab-iac last knew of a resource."""

    PRESENT = "present"
    ABSENT = "absent"
    FAILED = "failed"
    # No longer managed (``iac state rm``): the device keeps it, homelab-iac neither plans nor restores it.
    FORGOTTEN = "forgotten"

    @property
    def managed(self) -> bool:
        """Whether homelab-iac manages what this state describes: not removed, not forgotten."""
        return self not in (ResourceState.ABSENT, ResourceState.FORGOTTEN)


@dataclass(frozen=True)
class DeploymentRecord:
    id: str
    status: DeploymentStatus
    intent: dict[str, Any]
    plan: dict[str, Any]
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    rollback_data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ResourceRecord:
    """The latest known state of one resource, keyed by its address (``docker.container.hello``)."""

    address: str
    kind: str
    provider: str
    endpoint: str
    name: str
    state: ResourceState
    spec: dict[str, Any]
    observed: dict[str, Any]
    dependencies: list[str]
    deployment_id: str
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class StackRecord:
    """A stack as its last successful deployment left it: the intents it declared (``source`` is the file
    or request they came from) and the addresses it owns."""

    name: str
    source: str
    intents: list[dict[str, Any]]
    addresses: list[str]
    deployment_id: str
    updated_at: datetime
    # Of ``addresses``, those it adopted (``iac import``) and no intent of it declared since: its apply does
    # not remove them for not being declared, only a destroy does.
    adopted: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class EventRecord:
    id: int
    deployment_id: str
    event_type: str
    payload: dict[str, Any]
    created_at: datetime
    resource_address: str | None = None


@dataclass(frozen=True)
class LockRecord:
    """A deployment's claim on one resource address; live while ``heartbeat_at`` is within the lease."""

    address: str
    deployment_id: str
    holder: str
    acquired_at: datetime
    heartbeat_at: datetime


@dataclass(frozen=True)
class AuditRecord:
    """One call that changes something, made through the MCP server: who, what, when, which plan, outcome.

    ``arguments`` are stored scrubbed of secrets; ``deployment_id`` is the plan or deployment the call made
    or acted on (``None`` when it never got that far); ``outcome`` is ``ok`` or ``error: <the one line>``.
    """

    id: int
    at: datetime
    principal: str
    tool: str
    arguments: dict[str, Any]
    outcome: str
    deployment_id: str | None = None
