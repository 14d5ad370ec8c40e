"""Events on SQL (``EventStore``): ``infrastructure_events``, linked to the resource rows they are about.

Private to ``planner.state``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select

from planner.state._rules import as_json, normalise_id, utc_now
from planner.state.records import EventRecord
from planner.state.sql.models import Base, EventRow, ResourceRow
from planner.state.sql.session import SqlDatabase, record_of
from planner.state.store import EventTuple

__all__ = ["SqlEvents"]

EVENTS_TABLE = Base.metadata.tables[EventRow.__tablename__]


class SqlEvents(SqlDatabase):
    """``EventStore`` over SQLAlchemy; an event is linked to the resource row when its address is recorded."""

    def record_event(
        self,
        deployment_id: str,
        event_type: str,
        payload: dict[str, Any],
        resource_address: str | None = None,
    ) -> EventRecord:
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

    def record_events(self, deployment_id: str, events: Sequence[EventTuple]) -> int:
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

    def list_events(self, deployment_id: str) -> list[EventRecord]:
        query = select(EventRow).where(EventRow.deployment_id == normalise_id(deployment_id)).order_by(EventRow.id)
        with self._session() as session:
            return [_event_record(row) for row in session.scalars(query)]

    def resource_events(self, address: str, *, limit: int = 100) -> list[EventRecord]:
        # Reads ``ix_infrastructure_events_resource_address_id`` backwards.
        if limit <= 0:
            return []
        query = select(EventRow).where(EventRow.resource_address == address).order_by(EventRow.id.desc()).limit(limit)
        with self._session() as session:
            return [_event_record(row) for row in session.scalars(query)]


def _event_record(row: EventRow) -> EventRecord:
    return record_of(EventRecord, row)
