"""Alembic environment for the state schema.

Run from code (``planner.state.sql.migrate``), Alembic hands this script a live connection in
``config.attributes["connection"]``; run by a developer with
``alembic -c planner/state/migrations/alembic.ini``, it connects to ``$IAC_DATABASE_URL`` (or the default
SQLite file) itself.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, text

from planner.state.config import database_url, normalise_url
from planner.state.sql.engine import create_state_engine
from planner.state.sql.models import Base

# Any constant will do: it only has to be the same for every homelab-iac process on one server.
MIGRATION_LOCK_KEY = 0x1AC_DB

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    return normalise_url(url) if url else database_url()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Two processes opening a fresh database at once: the second waits here, then finds the
            # schema at head and does nothing (PostgreSQL runs the whole upgrade in this transaction).
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        context.run_migrations()


def run_migrations_offline() -> None:
    """Print the SQL instead of running it (``alembic upgrade head --sql``)."""
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Migrate over the connection we were given, or one of our own."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_state_engine(_url())
    try:
        with engine.connect() as own:
            _run(own)
            own.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
