"""Deployments on SQL (``DeploymentStore``): the ``deployments`` table.

Private to ``planner.state``.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from planner.state._rules import MIN_PREFIX, as_json, next_status_times, normalise_id, resolve_prefix, utc_now
from planner.state.records import DeploymentRecord, DeploymentStatus
from planner.state.sql.models import DeploymentRow
from planner.state.sql.session import SqlDatabase, record_of

__all__ = ["SqlDeployments", "deployment_record"]


class SqlDeployments(SqlDatabase):
    """``DeploymentStore`` over SQLAlchemy."""

    def create_deployment(self, intent: dict[str, Any], plan: dict[str, Any]) -> DeploymentRecord:
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
        return deployment_record(row)

    def get_deployment(self, deployment_id: str) -> DeploymentRecord | None:
        wanted = normalise_id(deployment_id)
        with self._session() as session:
            if len(wanted) < MIN_PREFIX:
                row = session.get(DeploymentRow, wanted)
                return deployment_record(row) if row else None
            # Six: enough for the ambiguity error to name five matches and show that there are more.
            candidates = session.scalars(
                select(DeploymentRow.id).where(DeploymentRow.id.startswith(wanted, autoescape=True)).limit(6)
            ).all()
            found = resolve_prefix(wanted, candidates)
            if found is None:
                return None
            row = session.get(DeploymentRow, found)
            return deployment_record(row) if row else None

    def list_deployments(self, limit: int = 20) -> list[DeploymentRecord]:
        if limit <= 0:
            return []
        query = select(DeploymentRow).order_by(DeploymentRow.created_at.desc(), DeploymentRow.id.desc()).limit(limit)
        with self._session() as session:
            return [deployment_record(row) for row in session.scalars(query)]

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
        return deployment_record(row)


def deployment_record(row: DeploymentRow) -> DeploymentRecord:
    """The record of one ``deployments`` row."""
    return record_of(DeploymentRecord, row, status=DeploymentStatus(row.status))
