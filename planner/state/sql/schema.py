"""Is the database at the schema this code expects? One plain query answers it, without Alembic.

Opening a store happens on every command (``iac status`` included), while migrating happens once per
release; loading Alembic and its script directory just to learn "nothing to do" costs more than the rest
of the command. So the store reads ``alembic_version`` itself and hands over to ``planner.state.sql.migrate``
only when the answer is not simply "at head". ``tests/unit/planner/state/test_migrate.py`` holds
``SCHEMA_HEAD`` equal to Alembic's head, so a new migration cannot forget to move it.

Private to ``planner.state``.
"""

from __future__ import annotations

from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

__all__ = ["SCHEMA_HEAD", "is_at_head"]

#: The newest revision in ``planner/state/migrations/versions``.
SCHEMA_HEAD = "0005"


def is_at_head(connection: Connection) -> bool:
    """Whether ``alembic_version`` holds exactly ``SCHEMA_HEAD``; any doubt (no table, two rows) is ``False``.

    The read's transaction is ended either way, so a migration can begin its own.
    """
    try:
        revisions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except SQLAlchemyError:  # never migrated (no table): let the migration code decide what to do
        revisions = []
    connection.rollback()
    return list(revisions) == [SCHEMA_HEAD]
