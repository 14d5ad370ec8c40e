"""The in-memory state store: the fake for unit tests, behaving exactly like ``SqlStateStore``.

It keeps what the database would keep, including the version history of each resource, and hands out
copies so that callers can no more change stored data by mutating a record than they could with SQL.
``tests/unit/planner/state/test_store_contract.py`` runs one suite on both stores to keep them the same;
what each method does is written once, on the protocols in ``planner.state.store``.
"""

from __future__ import annotations

import copy
import threading
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar

from planner.errors import Fix, Remedy, StateError, shown
from planner.state._rules import (
    as_json,
    aware_utc,
    find_lock_conflict,
    is_interrupted,
    next_status_times,
    normalise_id,
    provider_of,
    resolve_prefix,
    utc_now,
    wanted_addresses,
)
from planner.state.records import (
    AuditRecord,
    DeploymentRecord,
    DeploymentStatus,
    EventRecord,
    LockRecord,
    ResourceRecord,
    ResourceState,
)
from planner.state.store import DEFAULT_LEASE_SECONDS, EventTuple

__all__ = ["MemoryStateStore"]

_Record = TypeVar("_Record")


def _copy(record: _Record) -> _Record:
    return copy.deepcopy(record)


class MemoryStateStore:
    """``StateStore`` held in dictionaries; thread-safe, gone when the process ends.

    One file rather than one per aggregate: each aggregate is a dictionary or a list and a dozen lines.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._deployments: dict[str, DeploymentRecord] = {}
        self._resources: dict[str, ResourceRecord] = {}
        self._history: dict[str, list[ResourceRecord]] = {}
        self._events: list[EventRecord] = []
        self._locks: dict[str, LockRecord] = {}
        self._audit: list[AuditRecord] = []

    def __repr__(self) -> str:
        return f"MemoryStateStore({len(self._deployments)} deployments, {len(self._resources)} resources)"

    # -- deployments ---------------------------------------------------------------------------------

    def create_deployment(self, intent: dict[str, Any], plan: dict[str, Any]) -> DeploymentRecord:
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
        wanted = normalise_id(deployment_id)
        with self._lock:
            found = resolve_prefix(wanted, (known for known in self._deployments if known.startswith(wanted)))
            return _copy(self._deployments[found]) if found else None

    def list_deployments(self, limit: int = 20) -> list[DeploymentRecord]:
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
        with self._lock:
            record = self._resources.get(address)
            return _copy(record) if record else None

    def list_resources(self, *, deployment_id: str | None = None, include_absent: bool = False) -> list[ResourceRecord]:
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

    def resource_history(self, address: str | None = None, *, limit: int = 100) -> list[ResourceRecord]:
        if limit <= 0:
            return []
        with self._lock:
            if address is not None:
                return _copy(self._history.get(address, [])[::-1][:limit])
            versions = [version for history in self._history.values() for version in history]
            versions.sort(key=lambda v: (v.updated_at, v.address, v.version), reverse=True)
            return _copy(versions[:limit])

    def resources_as_of(self, moment: datetime) -> list[ResourceRecord]:
        cutoff = aware_utc(moment)
        with self._lock:
            return _copy(self._present(self._latest_until(cutoff)))

    def resources_after(self, deployment_id: str) -> list[ResourceRecord]:
        with self._lock:
            deployment = self._require_deployment(deployment_id)
            standing = self._latest_until(deployment.finished_at or utc_now())
            for address, history in self._history.items():
                own = [version for version in history if version.deployment_id == deployment.id]
                if own:
                    standing[address] = own[-1]
            return _copy(self._present(standing))

    def _latest_until(self, cutoff: datetime) -> dict[str, ResourceRecord]:
        latest: dict[str, ResourceRecord] = {}
        for address, history in self._history.items():
            before = [version for version in history if version.updated_at <= cutoff]
            if before:
                latest[address] = before[-1]
        return latest

    @staticmethod
    def _present(standing: dict[str, ResourceRecord]) -> list[ResourceRecord]:
        return [record for _, record in sorted(standing.items()) if record.state is not ResourceState.ABSENT]

    # -- events --------------------------------------------------------------------------------------

    def record_event(
        self,
        deployment_id: str,
        event_type: str,
        payload: dict[str, Any],
        resource_address: str | None = None,
    ) -> EventRecord:
        stored_payload = as_json(payload, f"the payload of event {event_type!r}")
        with self._lock:
            deployment = self._require_deployment(deployment_id)
            return _copy(self._append_event(deployment.id, event_type, stored_payload, resource_address))

    def record_events(self, deployment_id: str, events: Sequence[EventTuple]) -> int:
        stored = [
            (event_type, as_json(payload, f"the payload of event {event_type!r}"), address)
            for event_type, payload, address in events
        ]
        with self._lock:
            deployment = self._require_deployment(deployment_id)
            for event_type, payload, address in stored:
                self._append_event(deployment.id, event_type, payload, address)
            return len(stored)

    def _append_event(
        self, deployment_id: str, event_type: str, payload: dict[str, Any], address: str | None
    ) -> EventRecord:
        """The next event, appended; the caller holds the lock and has checked the payload."""
        record = EventRecord(
            id=len(self._events) + 1,
            deployment_id=deployment_id,
            event_type=event_type,
            payload=payload,
            created_at=utc_now(),
            resource_address=address,
        )
        self._events.append(record)
        return record

    def resource_events(self, address: str, *, limit: int = 100) -> list[EventRecord]:
        if limit <= 0:
            return []
        with self._lock:
            about = [event for event in reversed(self._events) if event.resource_address == address]
            return _copy(about[:limit])

    def list_events(self, deployment_id: str) -> list[EventRecord]:
        wanted = normalise_id(deployment_id)
        with self._lock:
            return _copy([event for event in self._events if event.deployment_id == wanted])

    # -- locks ---------------------------------------------------------------------------------------

    def acquire_locks(
        self,
        deployment_id: str,
        addresses: Sequence[str],
        *,
        holder: str,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
    ) -> None:
        wanted = wanted_addresses(addresses)
        with self._lock:
            deployment = self._require_deployment(deployment_id)
            now = utc_now()
            held = [self._locks[address] for address in wanted if address in self._locks]
            conflict = find_lock_conflict(deployment.id, held, now, lease_seconds)
            if conflict is not None:
                raise conflict
            for address in wanted:
                current = self._locks.get(address)
                mine = current is not None and current.deployment_id == deployment.id
                self._locks[address] = LockRecord(
                    address=address,
                    deployment_id=deployment.id,
                    holder=holder,
                    acquired_at=current.acquired_at if current is not None and mine else now,
                    heartbeat_at=now,
                )

    def heartbeat(self, deployment_id: str) -> None:
        with self._lock:
            deployment = self._require_deployment(deployment_id)
            now = utc_now()
            for address, lock in self._locks.items():
                if lock.deployment_id == deployment.id:
                    self._locks[address] = replace(lock, heartbeat_at=now)

    def release_locks(self, deployment_id: str) -> None:
        with self._lock:
            deployment = self._require_deployment(deployment_id)
            self._locks = {a: lock for a, lock in self._locks.items() if lock.deployment_id != deployment.id}

    def list_locks(self) -> list[LockRecord]:
        with self._lock:
            return _copy([lock for _, lock in sorted(self._locks.items())])

    def interrupted_deployments(self, *, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> list[DeploymentRecord]:
        with self._lock:
            now = utc_now()
            crashed = [
                deployment
                for deployment in self._deployments.values()
                if is_interrupted(
                    deployment,
                    (lock for lock in self._locks.values() if lock.deployment_id == deployment.id),
                    now,
                    lease_seconds,
                )
            ]
            crashed.sort(key=lambda d: (d.created_at, d.id), reverse=True)
            return _copy(crashed)

    # -- audit ---------------------------------------------------------------------------------------

    def record_audit(
        self,
        principal: str,
        tool: str,
        arguments: dict[str, Any],
        *,
        outcome: str,
        deployment_id: str | None = None,
    ) -> AuditRecord:
        stored = as_json(arguments, f"the arguments of {tool!r}")
        with self._lock:
            record = AuditRecord(
                id=len(self._audit) + 1,
                at=utc_now(),
                principal=principal,
                tool=tool,
                arguments=stored,
                outcome=outcome,
                deployment_id=deployment_id,
            )
            self._audit.append(record)
            return _copy(record)

    def list_audit(self, limit: int = 100) -> list[AuditRecord]:
        with self._lock:
            return _copy(list(reversed(self._audit))[:limit])

    # -- plumbing ------------------------------------------------------------------------------------

    def _require_deployment(self, deployment_id: str) -> DeploymentRecord:
        record = self._deployments.get(normalise_id(deployment_id))
        if record is None:
            raise StateError(f"no deployment {shown(deployment_id)} in the in-memory state",
                             remedy=Remedy(Fix.LIST_DEPLOYMENTS))
        return record
