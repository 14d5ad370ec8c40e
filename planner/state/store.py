"""The state store ports: one small protocol per aggregate, and ``StateStore``, all of them together.

The docstrings here are the contract; the implementation does not repeat them. It is ``SqlStateStore``
(SQLAlchemy; PostgreSQL or SQLite, ``planner.state.sql``); unit tests use it too, on a throwaway SQLite
file, so no fake can pass where the real store would fail. ``tests/unit/planner/state/test_store_contract.py``
holds the contract on SQLite, and ``tests/integration/state`` on PostgreSQL. A caller that needs one
aggregate only (``hold_locks`` needs locks) asks for that protocol, so a test can hand it something smaller.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from planner.state.records import (
    AuditRecord,
    DeploymentRecord,
    DeploymentStatus,
    EventRecord,
    LockRecord,
    ResourceRecord,
    ResourceState,
    StackRecord,
)

__all__ = [
    "DEFAULT_LEASE_SECONDS",
    "AuditStore",
    "DeploymentStore",
    "EventStore",
    "EventTuple",
    "LockStore",
    "ResourceStore",
    "StackStore",
    "StateStore",
    "process_holder",
]

#: How long a lock lives without a heartbeat; a deployment should heartbeat well within it (every ~10 s).
DEFAULT_LEASE_SECONDS = 30.0

#: One event for ``record_events``: (event_type, payload, resource_address or None).
EventTuple = tuple[str, dict[str, Any], str | None]


def process_holder() -> str:
    """``host:pid`` of this process, the ``holder`` a deployment's locks name."""
    return f"{socket.gethostname()}:{os.getpid()}"


class DeploymentStore(Protocol):
    """Deployments: a stored plan and where its run has got to."""

    def create_deployment(self, intent: dict[str, Any], plan: dict[str, Any]) -> DeploymentRecord:
        """Store a plan as a new deployment in status ``planned``; the id is a new uuid4 string."""

    def get_deployment(self, deployment_id: str) -> DeploymentRecord | None:
        """The deployment with this id, or with this unique id prefix (at least 4 characters).

        An ambiguous prefix raises ``StateError`` naming the matching ids.
        """

    def list_deployments(self, limit: int = 20) -> list[DeploymentRecord]:
        """Newest first; at most ``limit``."""

    def update_deployment(
        self,
        deployment_id: str,
        *,
        status: DeploymentStatus,
        error: str | None = None,
        summary: dict[str, Any] | None = None,
        rollback_data: dict[str, Any] | None = None,
    ) -> DeploymentRecord:
        """Move a deployment on; sets ``started_at`` on RUNNING and ``finished_at`` on any end state.

        ``error``, ``summary`` and ``rollback_data`` are replaced when given and kept when ``None``.
        An unknown id raises ``StateError``.
        """


class ResourceStore(Protocol):
    """Resources with their history: the latest state of each address and every version before it."""

    def record_resource(
        self,
        deployment_id: str,
        *,
        address: str,
        kind: str,
        endpoint: str,
        name: str,
        state: ResourceState,
        spec: dict[str, Any],
        observed: dict[str, Any],
        dependencies: list[str],
    ) -> ResourceRecord:
        """Upsert the resource by address and append a new version row (version = previous + 1).

        The provider is the first part of ``kind`` (``docker.container`` → ``docker``). Two deployments
        recording one resource at once get consecutive versions.
        """

    def rename_resource(self, deployment_id: str, source: str, target: str) -> ResourceRecord:
        """Move the resource at ``source`` to the address ``target`` (same kind), its history with it: a new
        version written by ``deployment_id``, other resources' dependencies and the stacks' addresses renamed
        too, all in one transaction. ``StateError`` when ``source`` is not recorded, ``target`` is (in any
        state), or the kinds differ."""

    def get_resource(self, address: str) -> ResourceRecord | None:
        """The latest state of one resource."""

    def list_resources(self, *, deployment_id: str | None = None, include_absent: bool = False) -> list[ResourceRecord]:
        """Resources ordered by address; by default only those managed (not ``absent`` nor ``forgotten``).

        With ``deployment_id``: the resources that deployment recorded, each as that deployment left it
        (its last version there), even if a later deployment changed it since.
        """

    def resource_history(self, address: str | None = None, *, limit: int = 100) -> list[ResourceRecord]:
        """Versions newest first, at most ``limit``: of one resource, or of every resource when ``address``
        is ``None``. Each record is the resource as that version left it (``updated_at`` = when written)."""

    def resources_as_of(self, moment: datetime) -> list[ResourceRecord]:
        """Every resource as it stood at ``moment`` (timezone-aware): its latest version recorded at or
        before it, ordered by address. Resources then ``absent`` or ``forgotten``, or not yet recorded, are left out."""

    def resources_after(self, deployment_id: str) -> list[ResourceRecord]:
        """Every resource as it stood right after the deployment finished: its latest version at or before
        ``finished_at`` (now, if it has not finished), the deployment's own last version where it recorded
        one. Ordered by address, ``absent`` and ``forgotten`` left out; an unknown deployment raises ``StateError``."""


class StackStore(Protocol):
    """Stacks: which intent file declares which resources. A stack is written when a deployment of it
    succeeds and removed when a destroy of it leaves it nothing."""

    def record_stack(
        self, name: str, *, deployment_id: str, source: str, intents: list[dict[str, Any]], addresses: list[str],
        adopted: Sequence[str] = (),
    ) -> StackRecord:
        """Create or replace the stack ``name`` (``addresses`` kept in the order given, duplicates dropped;
        ``adopted`` only those of them it names)."""

    def get_stack(self, name: str) -> StackRecord | None:
        """The stack called ``name``, or None."""

    def list_stacks(self) -> list[StackRecord]:
        """Every stack, ordered by name."""

    def remove_stack(self, name: str) -> None:
        """Forget the stack ``name`` (nothing happens if there is none); its resources' records stay."""


class EventStore(Protocol):
    """Events: what happened during a deployment, in order (payloads already scrubbed of secrets)."""

    def record_event(
        self,
        deployment_id: str,
        event_type: str,
        payload: dict[str, Any],
        resource_address: str | None = None,
    ) -> EventRecord:
        """Append one event (payloads are already scrubbed of secrets by the caller).

        The address is kept as given; the SQL store also links the event to the resource row when the
        address is already recorded.
        """

    def record_events(self, deployment_id: str, events: Sequence[EventTuple]) -> int:
        """Append many events in one transaction, in the order given; returns how many were stored.

        Each event is ``(event_type, payload, resource_address or None)``; all or none are stored.
        """

    def list_events(self, deployment_id: str) -> list[EventRecord]:
        """Oldest first; an unknown deployment has none."""

    def resource_events(self, address: str, *, limit: int = 100) -> list[EventRecord]:
        """The events about one resource address, newest first, at most ``limit``."""


class LockStore(Protocol):
    """Locks: one writer per resource address, leased and renewed by a heartbeat."""

    def acquire_locks(
        self,
        deployment_id: str,
        addresses: Sequence[str],
        *,
        holder: str,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
    ) -> None:
        """Lock every address for the deployment, all or nothing.

        An address locked by another deployment whose heartbeat is within ``lease_seconds`` raises
        ``LockConflict`` (naming it) and nothing is locked; a stale lock (a crashed run's) is taken over;
        the deployment's own locks are renewed. Concurrent acquirers are serialised by the database.
        """

    def heartbeat(self, deployment_id: str) -> None:
        """Renew every lock the deployment holds (``heartbeat_at`` = now)."""

    def release_locks(self, deployment_id: str) -> None:
        """Drop every lock the deployment holds."""

    def list_locks(self) -> list[LockRecord]:
        """Every lock, live or stale, ordered by address."""

    def interrupted_deployments(self, *, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> list[DeploymentRecord]:
        """Crashed runs, newest first: RUNNING deployments whose locks are all stale, or that hold none and
        started more than ``lease_seconds`` ago."""


class AuditStore(Protocol):
    """The audit trail of calls that change something (made through the MCP server)."""

    def record_audit(
        self,
        principal: str,
        tool: str,
        arguments: dict[str, Any],
        *,
        outcome: str,
        deployment_id: str | None = None,
    ) -> AuditRecord:
        """Append one audit row (arguments are already scrubbed of secrets by the caller)."""

    def list_audit(self, limit: int = 100) -> list[AuditRecord]:
        """Audit rows newest first, at most ``limit``."""


class StateStore(DeploymentStore, ResourceStore, StackStore, EventStore, LockStore, AuditStore, Protocol):
    """Everything the service needs from the database: the six aggregates in one store."""
