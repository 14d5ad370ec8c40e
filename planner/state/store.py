"""The state store port: everything the service needs from the database, in one small interface.

Two implementations: ``SqlStateStore`` (SQLAlchemy; PostgreSQL or SQLite) and ``MemoryStateStore`` (the
fake for unit tests). Both must behave the same: ``tests/unit/state/test_store_contract.py`` runs one
suite on both (and on PostgreSQL).
"""

from __future__ import annotations

from typing import Any, Protocol

from planner.state.records import (
    DeploymentRecord,
    DeploymentStatus,
    EventRecord,
    ResourceRecord,
    ResourceState,
)

__all__ = ["StateStore"]


class StateStore(Protocol):
    def create_deployment(self, intent: dict[str, Any], plan: dict[str, Any]) -> DeploymentRecord:
        """Store a plan as a new deployment in status ``planned``; the id is a new uuid4 string."""

    def get_deployment(self, deployment_id: str) -> DeploymentRecord | None:
        """The deployment with this id, or with this unique id prefix (at least 4 characters)."""

    def list_deployments(self, limit: int = 20) -> list[DeploymentRecord]:
        """Newest first."""

    def update_deployment(
        self,
        deployment_id: str,
        *,
        status: DeploymentStatus,
        error: str | None = None,
        summary: dict[str, Any] | None = None,
        rollback_data: dict[str, Any] | None = None,
    ) -> DeploymentRecord:
        """Move a deployment on; sets ``started_at`` on RUNNING and ``finished_at`` on any end state."""

    def record_event(
        self,
        deployment_id: str,
        event_type: str,
        payload: dict[str, Any],
        resource_address: str | None = None,
    ) -> EventRecord:
        """Append one event (payloads are already scrubbed of secrets by the caller)."""

    def list_events(self, deployment_id: str) -> list[EventRecord]:
        """Oldest first."""

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
        """Upsert the resource by address and append a new version row (version = previous + 1)."""

    def get_resource(self, address: str) -> ResourceRecord | None:
        """The latest state of one resource."""

    def list_resources(
        self, *, deployment_id: str | None = None, include_absent: bool = False
    ) -> list[ResourceRecord]:
        """Resources ordered by address; by default only those not ``absent``."""
