"""The state store on SQLAlchemy: PostgreSQL in production, SQLite by default and in unit tests.

Opening a store checks the schema and upgrades an empty or older database on the spot. That is the
friendly choice for the default SQLite file (nobody should have to run ``iac db upgrade`` before their
first ``iac plan``), and it is safe on PostgreSQL too: migrations only add, PostgreSQL runs the whole
upgrade in one transaction, and concurrent openers queue on an advisory lock. A database migrated by a
newer homelab-iac is never touched. Pass ``auto_upgrade=False`` to get a ``StateError`` asking for
``iac db upgrade`` instead. A database already at head is recognised by one query, without Alembic.

Each method runs in its own session and transaction; each aggregate lives in its own module.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.exc import SQLAlchemyError

from planner.errors import StateError
from planner.state.config import mask_url
from planner.state.sql.audit import SqlAudit
from planner.state.sql.deployments import SqlDeployments
from planner.state.sql.events import SqlEvents
from planner.state.sql.locks import SqlLocks
from planner.state.sql.resources import SqlResources
from planner.state.sql.schema import is_at_head
from planner.state.sql.stacks import SqlStacks

__all__ = ["SqlStateStore"]


class SqlStateStore(SqlDeployments, SqlResources, SqlStacks, SqlEvents, SqlLocks, SqlAudit):
    """``StateStore`` over SQLAlchemy; ``url`` as from ``database_url()`` (``postgresql://`` accepted).

    Raises ``StateError`` when the database cannot be reached, its schema is newer than this code, or
    (with ``auto_upgrade=False``) it is not migrated yet.
    """

    def __init__(self, url: str, *, auto_upgrade: bool = True) -> None:
        super().__init__(url)
        try:
            with self._engine.connect() as connection:
                if not is_at_head(connection):
                    from planner.state.sql.migrate import ensure_schema  # Alembic: only when there is work

                    ensure_schema(connection, url, auto_upgrade=auto_upgrade)
        except StateError:
            self._engine.dispose()
            raise
        except SQLAlchemyError as err:
            self._engine.dispose()
            raise self._translate(err) from err

    def __repr__(self) -> str:
        return f"SqlStateStore({mask_url(self.url)!r})"

    def __enter__(self) -> SqlStateStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
