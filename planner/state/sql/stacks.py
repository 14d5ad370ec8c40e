"""Stacks on SQL (``StackStore``): ``stacks``.

Private to ``planner.state``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select

from planner.state._rules import as_json, utc_now
from planner.state.records import StackRecord
from planner.state.sql.models import StackRow
from planner.state.sql.session import SqlDatabase, record_of

__all__ = ["SqlStacks"]


class SqlStacks(SqlDatabase):
    """``StackStore`` over SQLAlchemy."""

    def record_stack(
        self, name: str, *, deployment_id: str, source: str, intents: list[dict[str, Any]], addresses: list[str],
        adopted: Sequence[str] = (),
    ) -> StackRecord:
        owned = list(dict.fromkeys(addresses))
        values = {
            "source": source,
            "intents": as_json(intents, f"the intents of stack {name!r}"),
            "addresses": owned,
            "adopted": [address for address in dict.fromkeys(adopted) if address in set(owned)],
            "deployment_id": deployment_id,
            "updated_at": utc_now(),
        }
        with self._session() as session:
            row = session.get(StackRow, name)
            if row is None:
                row = StackRow(name=name, **values)
                session.add(row)
            else:
                for key, value in values.items():
                    setattr(row, key, value)
            session.flush()
            return record_of(StackRecord, row)

    def get_stack(self, name: str) -> StackRecord | None:
        with self._session() as session:
            row = session.get(StackRow, name)
            return record_of(StackRecord, row) if row is not None else None

    def list_stacks(self) -> list[StackRecord]:
        with self._session() as session:
            return [record_of(StackRecord, row) for row in session.scalars(select(StackRow).order_by(StackRow.name))]

    def remove_stack(self, name: str) -> None:
        with self._session() as session:
            session.execute(delete(StackRow).where(StackRow.name == name))
