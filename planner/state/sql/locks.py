"""Locks on SQL (``LockStore``): ``resource_locks``, changed by one transaction at a time.

Every change runs in ``_lock_session`` (an advisory lock on PostgreSQL, the write lock on SQLite), so
the read that decides "free or taken" and the write that takes it are never interleaved with another
acquirer's: two acquirers never both win.

Private to ``planner.state``.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from planner.state._rules import find_lock_conflict, is_interrupted, utc_now, wanted_addresses
from planner.state.records import DeploymentRecord, DeploymentStatus, LockRecord
from planner.state.sql.deployments import deployment_record
from planner.state.sql.models import DeploymentRow, LockRow
from planner.state.sql.session import SqlDatabase, record_of
from planner.state.store import DEFAULT_LEASE_SECONDS

__all__ = ["SqlLocks"]


class SqlLocks(SqlDatabase):
    """``LockStore`` over SQLAlchemy."""

    def acquire_locks(
        self,
        deployment_id: str,
        addresses: Sequence[str],
        *,
        holder: str,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
    ) -> None:
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
        with self._lock_session() as session:
            deployment = self._deployment_row(session, deployment_id, lock=False)
            now = utc_now()
            for row in session.scalars(select(LockRow).where(LockRow.deployment_id == deployment.id)):
                row.heartbeat_at = now

    def release_locks(self, deployment_id: str) -> None:
        with self._lock_session() as session:
            deployment = self._deployment_row(session, deployment_id, lock=False)
            for row in session.scalars(select(LockRow).where(LockRow.deployment_id == deployment.id)):
                session.delete(row)

    def list_locks(self) -> list[LockRecord]:
        with self._session() as session:
            return [_lock_record(row) for row in session.scalars(select(LockRow).order_by(LockRow.address))]

    def interrupted_deployments(self, *, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> list[DeploymentRecord]:
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
            records = [deployment_record(row) for row in running]
            return [
                record for record in records if is_interrupted(record, locks.get(record.id, []), now, lease_seconds)
            ]


def _lock_record(row: LockRow) -> LockRecord:
    return record_of(LockRecord, row)
