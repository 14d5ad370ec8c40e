"""The in-memory state store: the fake for unit tests, behaving exactly like ``SqlStateStore``.

It keeps what the database would keep, including the version history of each resource, and hands out
copies so that callers can no more change stored data by mutating a record than they could with SQL.
``tests/unit/state/test_store_contract.py`` runs one suite on both stores to keep them the same.
"""

from __future__ import annotations

import copy
import threading
import uuid
from dataclasses import replace
from typing import Any, TypeVar

from planner.errors import StateError
from planner.state._rules import (
    as_json,
    next_status_times,
    normalise_id,
    provider_of,
    resolve_prefix,
    utc_now,
)
from planner.state.records import (
    DeploymentRecord,
    DeploymentStatus,
    EventRecord,
    ResourceRecord,
    ResourceState,
)

__all__ = ["MemoryStateStore"]

_Record = TypeVar("_Record")


def _copy(record: _Record) -> _Record:
    return copy.deepcopy(record)


class MemoryStateStore:
    """``StateStore`` held in dictionaries; thread-safe, gone when the process ends."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._deployments: dict[str, DeploymentRecord] = {}
        self._resources: dict[str, ResourceRecord] = {}
        self._history: dict[str, list[ResourceRecord]] = {}
        self._events: list[EventRecord] = []

    def __repr__(self) -> str:
        return f"MemoryStateStore({len(self._deployments)} deployments, {len(self._resources)} resources)"

    # -- deployments ---------------------------------------------------------------------------------

    def create_deployment(self, intent: dict[str, Any], plan: dict[str, Any]) -> DeploymentRecord:
        """Store a plan as a new deployment in status ``planned``; the id is a new uuid4 string."""
        record = DeploymentRecord(
            id=str(uuid.uuid4()),
            status=DeploymentStatus.PLANNED,
            intent=as_json(intent, "the intent"),
            plan=as_json(plan, "the plan"),
            created_at=utc_now(),
        )
        with self._lock:
            self._deployments[record.id] = record
        return _copy(record)

    def get_deployment(self, deployment_id: str) -> DeploymentRecord | None:
        """The deployment with this id, or with this unique id prefix (at least 4 characters).

        An ambiguous prefix raises ``StateError`` naming the matching ids.
        """
        wanted = normalise_id(deployment_id)
        with self._lock:
            found = resolve_prefix(wanted, (known for known in self._deployments if known.startswith(wanted)))
            return _copy(self._deployments[found]) if found else None

    def list_deployments(self, limit: int = 20) -> list[DeploymentRecord]:
        """Newest first; at most ``limit``."""
        if limit <= 0:
            return []
        with self._lock:
            newest_first = sorted(self._deployments.values(), key=lambda d: (d.created_at, d.id), reverse=True)
            return _copy(newest_first[:limit])

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
        status = DeploymentStatus(status)
        with self._lock:
            current = self._require_deployment(deployment_id)
            times = next_status_times(status, current.started_at, current.finished_at, utc_now())
            updated = replace(
                current,
                status=status,
                started_at=times.started_at,
                finished_at=times.finished_at,
                error=current.error if error is None else error,
                summary=current.summary if summary is None else as_json(summary, "the deployment summary"),
                rollback_data=(
                    current.rollback_data if rollback_data is None else as_json(rollback_data, "the rollback data")
                ),
            )
            self._deployments[updated.id] = updated
            return _copy(updated)

    # -- events --------------------------------------------------------------------------------------

    def record_event(
        self,
        deployment_id: str,
        event_type: str,
        payload: dict[str, Any],
        resource_address: str | None = None,
    ) -> EventRecord:
        """Append one event (payloads are already scrubbed of secrets by the caller)."""
        stored_payload = as_json(payload, f"the payload of event {event_type!r}")
        with self._lock:
            deployment = self._require_deployment(deployment_id)
            record = EventRecord(
                id=len(self._events) + 1,
                deployment_id=deployment.id,
                event_type=event_type,
                payload=stored_payload,
                created_at=utc_now(),
                resource_address=resource_address,
            )
            self._events.append(record)
            return _copy(record)

    def list_events(self, deployment_id: str) -> list[EventRecord]:
        """Oldest first; an unknown deployment has none."""
        wanted = normalise_id(deployment_id)
        with self._lock:
            return _copy([event for event in self._events if event.deployment_id == wanted])

    # -- resources -----------------------------------------------------------------------------------

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

        The provider is the first part of ``kind`` (``docker.container`` → ``docker``).
        """
        state = ResourceState(state)
        stored_spec = as_json(spec, f"the spec of {address}")
        stored_observed = as_json(observed, f"the observed state of {address}")
        stored_dependencies = as_json(list(dependencies), f"the dependencies of {address}")
        with self._lock:
            deployment = self._require_deployment(deployment_id)
            now = utc_now()
            previous = self._resources.get(address)
            record = ResourceRecord(
                address=address,
                kind=kind,
                provider=provider_of(kind),
                endpoint=endpoint,
                name=name,
                state=state,
                spec=stored_spec,
                observed=stored_observed,
                dependencies=stored_dependencies,
                deployment_id=deployment.id,
                version=previous.version + 1 if previous else 1,
                created_at=previous.created_at if previous else now,
                updated_at=now,
            )
            self._resources[address] = record
            self._history.setdefault(address, []).append(record)
            return _copy(record)

    def get_resource(self, address: str) -> ResourceRecord | None:
        """The latest state of one resource."""
        with self._lock:
            record = self._resources.get(address)
            return _copy(record) if record else None

    def list_resources(self, *, deployment_id: str | None = None, include_absent: bool = False) -> list[ResourceRecord]:
        """Resources ordered by address; by default only those not ``absent``.

        With ``deployment_id``: the resources that deployment recorded, each as that deployment left it
        (its last version there), even if a later deployment changed it since.
        """
        wanted = normalise_id(deployment_id) if deployment_id is not None else None
        with self._lock:
            if wanted is None:
                candidates = [record for _, record in sorted(self._resources.items())]
            else:
                candidates = [
                    [version for version in versions if version.deployment_id == wanted][-1]
                    for _, versions in sorted(self._history.items())
                    if any(version.deployment_id == wanted for version in versions)
                ]
            return _copy([r for r in candidates if include_absent or r.state is not ResourceState.ABSENT])

    def resource_history(self, address: str) -> list[ResourceRecord]:
        """Every version of one resource, oldest first (what ``resource_versions`` holds in SQL)."""
        with self._lock:
            return _copy(self._history.get(address, []))

    # -- plumbing ------------------------------------------------------------------------------------

    def _require_deployment(self, deployment_id: str) -> DeploymentRecord:
        record = self._deployments.get(normalise_id(deployment_id))
        if record is None:
            raise StateError(f"no deployment {deployment_id!r} in the in-memory state; see `iac history`")
        return record
