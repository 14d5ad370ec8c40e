"""What every SQL aggregate shares: the URL, the engine, and one transaction per store call.

Each aggregate of ``SqlStateStore`` (``deployments``, ``resources``, ``events``, ``locks``, ``audit``) is a
mixin over ``SqlDatabase``; ``planner.state.sql.store`` puts them together. No ORM object leaves a
method: rows become the records of ``planner.state.records`` before the session ends.

Private to ``planner.state``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from planner.errors import Fix, Remedy, StateError, shown
from planner.state._rules import normalise_id
from planner.state.config import mask_url
from planner.state.sql.engine import create_state_engine, translate_error
from planner.state.sql.models import DeploymentRow

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

__all__ = ["LOCKS_ADVISORY_KEY", "SqlDatabase", "record_of"]

# Every change to ``resource_locks`` on one PostgreSQL server queues on this transaction-scoped advisory
# lock (a different key from the migration lock in ``planner/state/migrations/env.py``).
LOCKS_ADVISORY_KEY = 0x1AC_10C

_Record = TypeVar("_Record", bound="DataclassInstance")


@cache
def _field_names(record_type: type[DataclassInstance]) -> tuple[str, ...]:
    return tuple(field.name for field in fields(record_type))


def record_of(record_type: type[_Record], row: object, **differing: Any) -> _Record:
    """The record whose fields are the row's columns of the same name; ``differing`` gives the rest."""
    columns = {name: getattr(row, name) for name in _field_names(record_type) if name not in differing}
    return record_type(**columns, **differing)


class SqlDatabase:
    """The connection side of a SQL store: ``url`` as from ``database_url()`` (``postgresql://`` accepted)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine = create_state_engine(url)
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)

    def close(self) -> None:
        """Release the connection pool; the store can still be used and reconnects on demand."""
        self._engine.dispose()

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
        """The deployment every aggregate hangs off; an unknown id → ``StateError`` pointing at the list."""
        row = session.get(DeploymentRow, normalise_id(deployment_id), with_for_update=lock)
        if row is None:
            raise StateError(f"no deployment {shown(deployment_id)} in {mask_url(self.url)}",
                             remedy=Remedy(Fix.LIST_DEPLOYMENTS))
        return row

    def _translate(self, err: SQLAlchemyError) -> StateError:
        return translate_error(self.url, err)
