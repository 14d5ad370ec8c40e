"""The state store on SQLAlchemy: PostgreSQL in production, SQLite by default and in unit tests.

Opening a store checks the schema and upgrades an empty or older database on the spot. That is the
friendly choice for the default SQLite file (nobody should have to run ``iac db upgrade`` before their
first ``iac plan``), and it is safe on PostgreSQL too: migrations only add, PostgreSQL runs the whole
upgrade in one transaction, and concurrent openers queue on an advisory lock. A database migrated by a
newer homelab-iac is never touched. Pass ``auto_upgrade=False`` to get a ``StateError`` asking for
``iac db upgrade`` instead.

Each method runs in its own session and transaction; no ORM object leaves this module.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from types import TracebackType
from typing import Any

from sqlalchemy import Select, func, insert, select, text
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from planner.errors import StateError
from planner.state._rules import (
    MIN_PREFIX,
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
from planner.state.config import create_state_engine, first_line, mask_url, unreachable_error
from planner.state.migrate import ensure_schema
from planner.state.models import (
    AuditRow,
    Base,
    DeploymentRow,
    EventRow,
    LockRow,
    ResourceRow,
    ResourceVersionRow,
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

__all__ = ["SqlStateStore"]

# What SQLite and PostgreSQL say when a table or column the code expects is not there.
_MISSING_SCHEMA_HINTS = ("no such table", "no such column", "undefinedtable", "undefinedcolumn")

# Every change to ``resource_locks`` on one PostgreSQL server queues on this transaction-scoped advisory
# lock (a different key from the migration lock in ``planner/migrations/env.py``).
LOCKS_ADVISORY_KEY = 0x1AC_10C

EVENTS_TABLE = Base.metadata.tables[EventRow.__tablename__]


class SqlStateStore:
    """``StateStore`` over SQLAlchemy; ``url`` as from ``database_url()`` (``postgresql://`` accepted).

    Raises ``StateError`` when the database cannot be reached, its schema is newer than this code, or
    (with ``auto_upgrade=False``) it is not migrated yet.
    """

    def __init__(self, url: str, *, auto_upgrade: bool = True) -> None:
        self.url = url
        self._engine = create_state_engine(url)
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)
        try:
            with self._engine.connect() as connection:
                ensure_schema(connection, url, auto_upgrade=auto_upgrade)
        except StateError:
            self._engine.dispose()
            raise
        except SQLAlchemyError as err:
            self._engine.dispose()
            raise self._translate(err) from err

    def __repr__(self) -> str:
        return f"SqlStateStore({mask_url(self.url)!r})"

    def close(self) -> None:
        """Release the connection pool; the store can still be used and reconnects on demand."""
        self._engine.dispose()

    def __enter__(self) -> SqlStateStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- deployments ---------------------------------------------------------------------------------

    def create_deployment(self, intent: dict[str, Any], plan: dict[str, Any]) -> DeploymentRecord:
        """Store a plan as a new deployment in status ``planned``; the id is a new uuid4 string."""
        row = DeploymentRow(
            id=str(uuid.uuid4()),
            intent=as_json(intent, "the intent"),
            plan=as_json(plan, "the plan"),
            status=DeploymentStatus.PLANNED.value,
            error=None,
            summary={},
            rollback_data={},
            created_at=utc_now(),
        )
        with self._session() as session:
            session.add(row)
        return _deployment_record(row)

    def get_deployment(self, deployment_id: str) -> DeploymentRecord | None:
        """The deployment with this id, or with this unique id prefix (at least 4 characters).

        An ambiguous prefix raises ``StateError`` naming the matching ids.
        """
        wanted = normalise_id(deployment_id)
        with self._session() as session:
            if len(wanted) < MIN_PREFIX:
                row = session.get(DeploymentRow, wanted)
                return _deployment_record(row) if row else None
            candidates = session.scalars(
                select(DeploymentRow.id).where(DeploymentRow.id.startswith(wanted, autoescape=True)).limit(6)
            ).all()
            found = resolve_prefix(wanted, candidates)
            if found is None:
                return None
            row = session.get(DeploymentRow, found)
            return _deployment_record(row) if row else None

    def list_deployments(self, limit: int = 20) -> list[DeploymentRecord]:
        """Newest first; at most ``limit``."""
        if limit <= 0:
            return []
        query = select(DeploymentRow).order_by(DeploymentRow.created_at.desc(), DeploymentRow.id.desc()).limit(limit)
        with self._session() as session:
            return [_deployment_record(row) for row in session.scalars(query)]

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
        with self._session() as session:
            row = self._deployment_row(session, deployment_id, lock=True)
            times = next_status_times(status, row.started_at, row.finished_at, utc_now())
            row.status = status.value
            row.started_at, row.finished_at = times.started_at, times.finished_at
            if error is not None:
                row.error = error
            if summary is not None:
                row.summary = as_json(summary, "the deployment summary")
            if rollback_data is not None:
                row.rollback_data = as_json(rollback_data, "the rollback data")
        return _deployment_record(row)

    # -- events --------------------------------------------------------------------------------------

    def record_event(
        self,
        deployment_id: str,
        event_type: str,
        payload: dict[str, Any],
        resource_address: str | None = None,
    ) -> EventRecord:
        """Append one event (payloads are already scrubbed of secrets by the caller).

        The event is linked to the resource row when ``resource_address`` is already recorded; the
        address is kept either way.
        """
        stored_payload = as_json(payload, f"the payload of event {event_type!r}")
        with self._session() as session:
            deployment = self._deployment_row(session, deployment_id, lock=False)
            resource_id = None
            if resource_address is not None:
                resource_id = session.scalar(select(ResourceRow.id).where(ResourceRow.address == resource_address))
            row = EventRow(
                deployment_id=deployment.id,
                event_type=event_type,
                payload=stored_payload,
                resource_id=resource_id,
                resource_address=resource_address,
                created_at=utc_now(),
            )
            session.add(row)
            session.flush()  # assigns the id
        return _event_record(row)

    def list_events(self, deployment_id: str) -> list[EventRecord]:
        """Oldest first; an unknown deployment has none."""
        query = select(EventRow).where(EventRow.deployment_id == normalise_id(deployment_id)).order_by(EventRow.id)
        with self._session() as session:
            return [_event_record(row) for row in session.scalars(query)]

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

        The provider is the first part of ``kind`` (``docker.container`` → ``docker``). The row is
        locked while it changes, so two deployments recording one resource get consecutive versions.
        """
        state = ResourceState(state)
        values: dict[str, Any] = {
            "type": kind,
            "provider": provider_of(kind),
            "endpoint": endpoint,
            "name": name,
            "state": state.value,
            "spec": as_json(spec, f"the spec of {address}"),
            "observed": as_json(observed, f"the observed state of {address}"),
            "dependencies": as_json(list(dependencies), f"the dependencies of {address}"),
        }
        for attempt in range(2):
            try:
                return self._upsert_resource(deployment_id, address, values)
            except StateError as err:
                # Two writers inserting a new address at once: the loser retries as an update.
                if attempt or not isinstance(err.__cause__, IntegrityError):
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _upsert_resource(self, deployment_id: str, address: str, values: dict[str, Any]) -> ResourceRecord:
        now = utc_now()
        with self._session() as session:
            deployment = self._deployment_row(session, deployment_id, lock=False)
            row = session.scalars(
                select(ResourceRow).where(ResourceRow.address == address).with_for_update()
            ).one_or_none()
            if row is None:
                row = ResourceRow(address=address, version=0, created_at=now)
                session.add(row)
            for key, value in values.items():
                setattr(row, key, value)
            row.deployment_id = deployment.id
            row.version += 1
            row.updated_at = now
            session.flush()  # assigns the id of a new resource
            session.add(
                ResourceVersionRow(
                    resource_id=row.id,
                    version=row.version,
                    deployment_id=row.deployment_id,
                    endpoint=row.endpoint,
                    state=row.state,
                    spec=row.spec,
                    observed=row.observed,
                    dependencies=row.dependencies,
                    created_at=now,
                )
            )
        return _resource_record(row)

    def get_resource(self, address: str) -> ResourceRecord | None:
        """The latest state of one resource."""
        with self._session() as session:
            row = session.scalars(select(ResourceRow).where(ResourceRow.address == address)).one_or_none()
            return _resource_record(row) if row else None

    def list_resources(self, *, deployment_id: str | None = None, include_absent: bool = False) -> list[ResourceRecord]:
        """Resources ordered by address; by default only those not ``absent``.

        With ``deployment_id``: the resources that deployment recorded, each as that deployment left it
        (its last version there), even if a later deployment changed it since.
        """
        if deployment_id is not None:
            return self._as_left_by(normalise_id(deployment_id), include_absent)
        query = select(ResourceRow).order_by(ResourceRow.address)
        if not include_absent:
            query = query.where(ResourceRow.state != ResourceState.ABSENT.value)
        with self._session() as session:
            return [_resource_record(row) for row in session.scalars(query)]

    def _as_left_by(self, deployment_id: str, include_absent: bool) -> list[ResourceRecord]:
        query = _left_by_query(deployment_id).order_by(ResourceRow.address)
        if not include_absent:
            query = query.where(ResourceVersionRow.state != ResourceState.ABSENT.value)
        with self._session() as session:
            return [_version_record(resource, version) for resource, version in session.execute(query)]

    def resource_history(self, address: str | None = None, *, limit: int = 100) -> list[ResourceRecord]:
        """Versions newest first, at most ``limit``: of one resource, or of every resource.

        One resource is looked up first, so that its versions are a backward range read of the primary
        key (resource_id, version) with nothing to sort; all of them read ``ix_resource_versions_created_at``.
        """
        if limit <= 0:
            return []
        with self._session() as session:
            if address is None:
                every = (
                    select(ResourceRow, ResourceVersionRow)
                    .join(ResourceVersionRow, ResourceVersionRow.resource_id == ResourceRow.id)
                    .order_by(
                        ResourceVersionRow.created_at.desc(),
                        ResourceRow.address.desc(),
                        ResourceVersionRow.version.desc(),
                    )
                    .limit(limit)
                )
                return [_version_record(resource, version) for resource, version in session.execute(every)]
            resource = session.scalars(select(ResourceRow).where(ResourceRow.address == address)).one_or_none()
            if resource is None:
                return []
            versions = session.scalars(
                select(ResourceVersionRow)
                .where(ResourceVersionRow.resource_id == resource.id)
                .order_by(ResourceVersionRow.version.desc())
                .limit(limit)
            )
            return [_version_record(resource, version) for version in versions]

    def resources_as_of(self, moment: datetime) -> list[ResourceRecord]:
        """Every resource as it stood at ``moment``, ordered by address; ``absent`` and unborn left out."""
        cutoff = aware_utc(moment)
        with self._session() as session:
            return _present(self._latest_until(session, cutoff))

    def resources_after(self, deployment_id: str) -> list[ResourceRecord]:
        """Every resource as it stood right after the deployment finished (its own versions win)."""
        with self._session() as session:
            deployment = self._deployment_row(session, deployment_id, lock=False)
            standing = self._latest_until(session, deployment.finished_at or utc_now())
            for resource, version in session.execute(_left_by_query(deployment.id)):
                standing[resource.address] = _version_record(resource, version)
            return _present(standing)

    @staticmethod
    def _latest_until(session: Session, cutoff: datetime) -> dict[str, ResourceRecord]:
        last = (
            select(ResourceVersionRow.resource_id, func.max(ResourceVersionRow.version).label("version"))
            .where(ResourceVersionRow.created_at <= cutoff)
            .group_by(ResourceVersionRow.resource_id)
            .subquery()
        )
        query = (
            select(ResourceRow, ResourceVersionRow)
            .join(ResourceVersionRow, ResourceVersionRow.resource_id == ResourceRow.id)
            .join(
                last,
                (last.c.resource_id == ResourceVersionRow.resource_id) & (last.c.version == ResourceVersionRow.version),
            )
        )
        return {resource.address: _version_record(resource, version) for resource, version in session.execute(query)}

    # -- events in bulk ------------------------------------------------------------------------------

    def record_events(self, deployment_id: str, events: Sequence[EventTuple]) -> int:
        """Append many events in one transaction (one multi-row insert), in order; returns how many.

        Events are linked to the resource rows already recorded, as ``record_event`` does.
        """
        stored = [
            (event_type, as_json(payload, f"the payload of event {event_type!r}"), address)
            for event_type, payload, address in events
        ]
        with self._session() as session:
            deployment = self._deployment_row(session, deployment_id, lock=False)
            addresses = {address for _, _, address in stored if address is not None}
            resource_ids: dict[str, int] = {}
            if addresses:
                found = session.execute(
                    select(ResourceRow.address, ResourceRow.id).where(ResourceRow.address.in_(addresses))
                )
                resource_ids = {address: resource_id for address, resource_id in found}
            rows = [
                {
                    "deployment_id": deployment.id,
                    "event_type": event_type,
                    "payload": payload,
                    "resource_id": resource_ids.get(address) if address is not None else None,
                    "resource_address": address,
                    "created_at": utc_now(),
                }
                for event_type, payload, address in stored
            ]
            if rows:
                # A Core insert of the table: one executemany (pipelined by psycopg), without the ORM's
                # per-row bookkeeping, which halves the rate.
                session.execute(insert(EVENTS_TABLE), rows)
        return len(rows)

    def resource_events(self, address: str, *, limit: int = 100) -> list[EventRecord]:
        """The events about one resource address, newest first, at most ``limit``.

        Reads ``ix_infrastructure_events_resource_address_id`` backwards.
        """
        if limit <= 0:
            return []
        query = select(EventRow).where(EventRow.resource_address == address).order_by(EventRow.id.desc()).limit(limit)
        with self._session() as session:
            return [_event_record(row) for row in session.scalars(query)]

    # -- locks ---------------------------------------------------------------------------------------

    def acquire_locks(
        self,
        deployment_id: str,
        addresses: Sequence[str],
        *,
        holder: str,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
    ) -> None:
        """Lock every address for the deployment, all or nothing (see ``StateStore.acquire_locks``).

        The whole decision runs inside one transaction that first takes the store-wide lock-table lock
        (an advisory lock on PostgreSQL, the write lock on SQLite), so two acquirers never both win.
        """
        wanted = wanted_addresses(addresses)
        with self._lock_session() as session:
            deployment = self._deployment_row(session, deployment_id, lock=False)
            now = utc_now()  # after waiting for the lock, so a long wait does not age the new lease
            rows = session.scalars(select(LockRow).where(LockRow.address.in_(wanted))).all() if wanted else []
            conflict = find_lock_conflict(deployment.id, [_lock_record(row) for row in rows], now, lease_seconds)
            if conflict is not None:
                raise conflict
            existing = {row.address: row for row in rows}
            for address in wanted:
                row = existing.get(address)
                if row is None:
                    row = LockRow(address=address, acquired_at=now)
                    session.add(row)
                elif row.deployment_id != deployment.id:  # a crashed run's stale lock, taken over
                    row.acquired_at = now
                row.deployment_id = deployment.id
                row.holder = holder
                row.heartbeat_at = now

    def heartbeat(self, deployment_id: str) -> None:
        """Renew every lock the deployment holds."""
        with self._lock_session() as session:
            deployment = self._deployment_row(session, deployment_id, lock=False)
            now = utc_now()
            for row in session.scalars(select(LockRow).where(LockRow.deployment_id == deployment.id)):
                row.heartbeat_at = now

    def release_locks(self, deployment_id: str) -> None:
        """Drop every lock the deployment holds."""
        with self._lock_session() as session:
            deployment = self._deployment_row(session, deployment_id, lock=False)
            for row in session.scalars(select(LockRow).where(LockRow.deployment_id == deployment.id)):
                session.delete(row)

    def list_locks(self) -> list[LockRecord]:
        """Every lock, live or stale, ordered by address."""
        with self._session() as session:
            return [_lock_record(row) for row in session.scalars(select(LockRow).order_by(LockRow.address))]

    def interrupted_deployments(self, *, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> list[DeploymentRecord]:
        """Crashed runs, newest first (see ``StateStore.interrupted_deployments``)."""
        with self._session() as session:
            running = session.scalars(
                select(DeploymentRow)
                .where(DeploymentRow.status == DeploymentStatus.RUNNING.value)
                .order_by(DeploymentRow.created_at.desc(), DeploymentRow.id.desc())
            ).all()
            locks: dict[str, list[LockRecord]] = {}
            if running:
                held = select(LockRow).where(LockRow.deployment_id.in_([row.id for row in running]))
                for row in session.scalars(held):
                    locks.setdefault(row.deployment_id, []).append(_lock_record(row))
            now = utc_now()
            records = [_deployment_record(row) for row in running]
            return [
                record for record in records if is_interrupted(record, locks.get(record.id, []), now, lease_seconds)
            ]

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
        """Append one audit row (arguments are already scrubbed of secrets by the caller)."""
        row = AuditRow(
            at=utc_now(),
            principal=principal,
            tool=tool,
            arguments=as_json(arguments, f"the arguments of {tool!r}"),
            deployment_id=deployment_id,
            outcome=outcome,
        )
        with self._session() as session:
            session.add(row)
            session.flush()  # assigns the id
        return _audit_record(row)

    def list_audit(self, limit: int = 100) -> list[AuditRecord]:
        """Audit rows newest first, at most ``limit``."""
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        with self._session() as session:
            return [_audit_record(row) for row in session.scalars(query)]

    # -- plumbing ------------------------------------------------------------------------------------

    @contextmanager
    def _session(self) -> Iterator[Session]:
        """One transaction: committed on success, rolled back on error, database errors → ``StateError``."""
        try:
            with self._sessions.begin() as session:
                yield session
        except SQLAlchemyError as err:
            raise self._translate(err) from err

    @contextmanager
    def _lock_session(self) -> Iterator[Session]:
        """A transaction that changes ``resource_locks`` alone at a time, on every dialect.

        PostgreSQL: a transaction-scoped advisory lock, released at commit or rollback. SQLite:
        ``BEGIN IMMEDIATE`` takes the database's write lock before anything is read (the driver would
        otherwise begin a deferred transaction only at the first write, after the reads that decided it).
        """
        with self._session() as session:
            connection = session.connection()
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCKS_ADVISORY_KEY})
            elif connection.dialect.name == "sqlite":
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            yield session

    def _deployment_row(self, session: Session, deployment_id: str, *, lock: bool) -> DeploymentRow:
        row = session.get(DeploymentRow, normalise_id(deployment_id), with_for_update=lock)
        if row is None:
            raise StateError(f"no deployment {deployment_id!r} in {mask_url(self.url)}; see `iac history`")
        return row

    def _translate(self, err: SQLAlchemyError) -> StateError:
        reason = first_line(err)
        if isinstance(err, OperationalError | ProgrammingError) and any(
            hint in reason.lower() or hint in type(getattr(err, "orig", err)).__name__.lower()
            for hint in _MISSING_SCHEMA_HINTS
        ):
            return StateError(
                f"the state database {mask_url(self.url)} is missing part of its schema ({reason}); "
                "run `iac db upgrade`"
            )
        if isinstance(err, OperationalError):
            return unreachable_error(self.url, err)
        if isinstance(err, IntegrityError):
            return StateError(f"the state database {mask_url(self.url)} refused the change: {reason}")
        return StateError(f"the state database {mask_url(self.url)} failed: {reason}")


def _deployment_record(row: DeploymentRow) -> DeploymentRecord:
    return DeploymentRecord(
        id=row.id,
        status=DeploymentStatus(row.status),
        intent=row.intent,
        plan=row.plan,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        error=row.error,
        summary=row.summary,
        rollback_data=row.rollback_data,
    )


def _resource_record(row: ResourceRow) -> ResourceRecord:
    return ResourceRecord(
        address=row.address,
        kind=row.type,
        provider=row.provider,
        endpoint=row.endpoint,
        name=row.name,
        state=ResourceState(row.state),
        spec=row.spec,
        observed=row.observed,
        dependencies=list(row.dependencies),
        deployment_id=row.deployment_id,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _version_record(resource: ResourceRow, version: ResourceVersionRow) -> ResourceRecord:
    """The resource as one version left it (``updated_at`` is when that version was written)."""
    return replace(
        _resource_record(resource),
        endpoint=version.endpoint,
        state=ResourceState(version.state),
        spec=version.spec,
        observed=version.observed,
        dependencies=list(version.dependencies),
        deployment_id=version.deployment_id,
        version=version.version,
        updated_at=version.created_at,
    )


def _left_by_query(deployment_id: str) -> Select[ResourceRow, ResourceVersionRow]:
    """Each resource the deployment recorded, with the last version it recorded of it."""
    last = (
        select(ResourceVersionRow.resource_id, func.max(ResourceVersionRow.version).label("version"))
        .where(ResourceVersionRow.deployment_id == deployment_id)
        .group_by(ResourceVersionRow.resource_id)
        .subquery()
    )
    return (
        select(ResourceRow, ResourceVersionRow)
        .join(ResourceVersionRow, ResourceVersionRow.resource_id == ResourceRow.id)
        .join(
            last,
            (last.c.resource_id == ResourceVersionRow.resource_id) & (last.c.version == ResourceVersionRow.version),
        )
    )


def _present(standing: dict[str, ResourceRecord]) -> list[ResourceRecord]:
    """The standing resources that are not ``absent``, ordered by address."""
    return [record for _, record in sorted(standing.items()) if record.state is not ResourceState.ABSENT]


def _lock_record(row: LockRow) -> LockRecord:
    return LockRecord(
        address=row.address,
        deployment_id=row.deployment_id,
        holder=row.holder,
        acquired_at=row.acquired_at,
        heartbeat_at=row.heartbeat_at,
    )


def _event_record(row: EventRow) -> EventRecord:
    return EventRecord(
        id=row.id,
        deployment_id=row.deployment_id,
        event_type=row.event_type,
        payload=row.payload,
        created_at=row.created_at,
        resource_address=row.resource_address,
    )


def _audit_record(row: AuditRow) -> AuditRecord:
    return AuditRecord(
        id=row.id,
        at=row.at,
        principal=row.principal,
        tool=row.tool,
        arguments=row.arguments,
        outcome=row.outcome,
        deployment_id=row.deployment_id,
    )
