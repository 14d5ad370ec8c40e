"""The audit trail on SQL (``AuditStore``): ``mcp_audit``.

Private to ``planner.state``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from planner.state._rules import as_json, utc_now
from planner.state.records import AuditRecord
from planner.state.sql.models import AuditRow
from planner.state.sql.session import SqlDatabase, record_of

__all__ = ["SqlAudit"]


class SqlAudit(SqlDatabase):
    """``AuditStore`` over SQLAlchemy."""

    def record_audit(
        self,
        principal: str,
        tool: str,
        arguments: dict[str, Any],
        *,
        outcome: str,
        deployment_id: str | None = None,
    ) -> AuditRecord:
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
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        with self._session() as session:
            return [_audit_record(row) for row in session.scalars(query)]


def _audit_record(row: AuditRow) -> AuditRecord:
    return record_of(AuditRecord, row)
