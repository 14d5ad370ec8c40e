"""Schema migrations: Alembic, configured in code, with the scripts shipped inside the package.

``iac db upgrade`` calls ``upgrade``; ``SqlStateStore`` calls ``ensure_schema`` when it opens a database
that is not simply at head (``planner.state.sql.schema`` answers that without loading Alembic), which
upgrades an empty or older database (see ``planner.state.sql.store`` for why). No ``alembic.ini`` is
needed at run time; ``planner/state/migrations/alembic.ini`` is there for developers writing a revision.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from planner.errors import StateError
from planner.state.config import mask_url, normalise_url
from planner.state.sql.engine import create_state_engine, first_line, unreachable_error

__all__ = [
    "MIGRATIONS_DIR",
    "alembic_config",
    "current_revision",
    "ensure_schema",
    "head_revision",
    "upgrade",
]

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

# Alembic's ``context`` is one module-level proxy, so two threads migrating at once trip over each other;
# across processes PostgreSQL's advisory lock in env.py does the same job.
_MIGRATING = threading.Lock()


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    """An Alembic ``Config`` for the shipped scripts, bound to a connection (preferred) or a URL.

    The URL goes through ``attributes`` rather than ``sqlalchemy.url`` because the ini option would
    %-interpolate it and break on passwords with a ``%`` in them.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    if url is not None:
        config.attributes["url"] = normalise_url(url)
    return config


def head_revision() -> str:
    """The newest revision this version of homelab-iac knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships 0001
        raise StateError(f"no migrations found in {MIGRATIONS_DIR}; the installation is incomplete")
    return head


def known_revisions() -> set[str]:
    """Every revision shipped with this version (to tell "older" from "newer than us")."""
    return {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


@contextmanager
def _connect(url: str) -> Iterator[Connection]:
    """A connection to ``url`` that is disposed of afterwards; unreachable → ``StateError``."""
    engine: Engine = create_state_engine(url)
    try:
        try:
            connection = engine.connect()
        except SQLAlchemyError as err:
            raise unreachable_error(url, err) from err
        with connection:
            yield connection
    finally:
        engine.dispose()


def revision_of(connection: Connection) -> str | None:
    """The revision the database behind ``connection`` is at; ``None`` if it was never migrated."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade_connection(connection: Connection) -> None:
    """Upgrade the database behind ``connection`` to the head revision and commit."""
    with _MIGRATING:
        command.upgrade(alembic_config(connection=connection), "head")
        connection.commit()


def upgrade(url: str) -> None:
    """Bring the database at ``url`` to the newest schema; running it again changes nothing.

    Raises ``StateError`` when the database cannot be reached, was migrated by a newer homelab-iac, or
    a migration fails.
    """
    with _connect(url) as connection:
        try:
            ensure_schema(connection, url, auto_upgrade=True)
        except (SQLAlchemyError, CommandError) as err:
            raise StateError(
                f"migrating {mask_url(url)} failed: {first_line(err)}; check the database and retry `iac db upgrade`"
            ) from err


def current_revision(url: str) -> str | None:
    """The schema revision of the database at ``url``; ``None`` for a database never migrated."""
    with _connect(url) as connection:
        try:
            return revision_of(connection)
        except SQLAlchemyError as err:
            raise unreachable_error(url, err) from err


def ensure_schema(connection: Connection, url: str, *, auto_upgrade: bool) -> None:
    """Make sure the schema behind ``connection`` is the one this code expects.

    At head: nothing to do. Empty or older: upgrade when ``auto_upgrade``, else ``StateError`` asking
    for ``iac db upgrade``. A revision this version does not know (a newer homelab-iac migrated it):
    ``StateError``, never a downgrade.
    """
    head = head_revision()
    current = revision_of(connection)
    connection.rollback()  # end the read's transaction before Alembic begins its own
    if current == head:
        return
    if current is not None and current not in known_revisions():
        raise StateError(
            f"the state database {mask_url(url)} is at schema revision {current}, newer than this "
            f"homelab-iac knows (head {head}); upgrade homelab-iac"
        )
    if not auto_upgrade:
        found = "has no schema" if current is None else f"is at schema revision {current}, not {head}"
        raise StateError(f"the state database {mask_url(url)} {found}; run `iac db upgrade`")
    upgrade_connection(connection)
