"""Which state database to use and how to connect to it.

``IAC_DATABASE_URL`` picks the database (``postgresql://…`` is accepted and run on psycopg 3); unset,
the state lives in an SQLite file under the state directory (``$IAC_HOME/state.db``).
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import StaticPool

from planner.errors import StateError
from planner.paths import iac_home

if TYPE_CHECKING:
    from planner.state.store import StateStore

__all__ = [
    "DATABASE_URL_ENV",
    "create_state_engine",
    "database_url",
    "first_line",
    "mask_url",
    "normalise_url",
    "open_store",
    "unreachable_error",
]

DATABASE_URL_ENV = "IAC_DATABASE_URL"

# Seconds to wait for PostgreSQL to answer before telling the user it is not there.
CONNECT_TIMEOUT = 5

_DRIVERLESS_POSTGRES = re.compile(r"^(postgres|postgresql)://", re.IGNORECASE)
_PASSWORD_IN_NETLOC = re.compile(r"(://[^:/@?#]*):[^@/?#]*@")
_PASSWORD_IN_QUERY = re.compile(r"((?:^|[?&])password=)[^&#]*", re.IGNORECASE)


def database_url() -> str:
    """The state database URL: ``$IAC_DATABASE_URL``, else ``sqlite:///$IAC_HOME/state.db``."""
    raw = os.environ.get(DATABASE_URL_ENV, "").strip()
    if raw:
        return normalise_url(raw)
    return f"sqlite:///{(iac_home() / 'state.db').resolve()}"


def normalise_url(url: str) -> str:
    """Map ``postgresql://`` and ``postgres://`` to the psycopg 3 driver; leave anything else alone."""
    return _DRIVERLESS_POSTGRES.sub("postgresql+psycopg://", url.strip(), count=1)


def mask_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (in the user part and in a ``password=`` query)."""
    try:
        masked = make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        masked = _PASSWORD_IN_NETLOC.sub(r"\1:***@", url)
    return _PASSWORD_IN_QUERY.sub(r"\1***", masked)


def first_line(err: BaseException) -> str:
    """The driver's own reason on one line, without SQLAlchemy's "(Background on this error…)" tail."""
    original: BaseException = getattr(err, "orig", None) or err
    for line in str(original).splitlines():
        line = " ".join(line.split())
        if line:
            return line.removeprefix("connection failed: ")[:300]
    return type(original).__name__


def unreachable_error(url: str, err: BaseException) -> StateError:
    """The one-line ``StateError`` for a database that cannot be opened: which, why, what to do."""
    reason = first_line(err)
    if normalise_url(url).lower().startswith("sqlite"):
        advice = f"check that the directory exists and is writable, or set {DATABASE_URL_ENV}"
    elif "database" in reason and "does not exist" in reason:
        advice = f"create it (createdb NAME) or set {DATABASE_URL_ENV}"
    else:
        advice = f"start PostgreSQL or set {DATABASE_URL_ENV}"
    return StateError(f"cannot open the state database {mask_url(url)}: {reason}; {advice}")


def create_state_engine(url: str) -> Engine:
    """A SQLAlchemy engine for ``url`` with the settings the state store relies on.

    SQLite gets foreign keys switched on (they are off by default) and, for an in-memory database, a
    single shared connection so every session sees the same data; PostgreSQL gets a connect timeout so
    a missing server is reported in seconds rather than hanging.
    """
    normalised = normalise_url(url)
    try:
        parsed = make_url(normalised)
    except ArgumentError as err:
        raise StateError(
            f"{DATABASE_URL_ENV} is not a database URL: {mask_url(url)!r}; "
            "use e.g. postgresql://user@127.0.0.1/iac or sqlite:////path/state.db"
        ) from err
    kwargs: dict[str, Any] = {}
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        kwargs["connect_args"] = {"check_same_thread": False}
        if parsed.database in (None, "", ":memory:"):
            kwargs["poolclass"] = StaticPool
    elif backend == "postgresql" and "connect_timeout" not in parsed.query:
        kwargs["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT}
    try:
        engine = create_engine(parsed, **kwargs)
    except (ArgumentError, ImportError) as err:
        raise StateError(f"cannot use the state database {mask_url(url)}: {first_line(err)}") from err
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_foreign_keys)
    return engine


def _sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def open_store(url: str | None = None) -> StateStore:
    """The state store for ``url`` (default: ``database_url()``), migrated and ready to use.

    Raises ``StateError`` when the database cannot be reached or holds a schema from a newer version.
    """
    from planner.state.sql import SqlStateStore  # the store imports this module

    return SqlStateStore(url if url is not None else database_url())
