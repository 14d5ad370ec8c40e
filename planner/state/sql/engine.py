"""The SQLAlchemy engine for the state database, and the errors a user sees when it misbehaves.

Private to ``planner.state``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError, ProgrammingError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from planner.errors import StateError
from planner.state.config import DATABASE_URL_ENV, mask_url, normalise_url

__all__ = ["CONNECT_TIMEOUT", "create_state_engine", "first_line", "translate_error", "unreachable_error"]

# Seconds to wait for PostgreSQL to answer before telling the user it is not there.
CONNECT_TIMEOUT = 5

# What SQLite and PostgreSQL say when a table or column the code expects is not there.
_MISSING_SCHEMA_HINTS = ("no such table", "no such column", "undefinedtable", "undefinedcolumn")


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


def translate_error(url: str, err: SQLAlchemyError) -> StateError:
    """The ``StateError`` for a database error during a store call: a missing schema asks for an upgrade."""
    reason = first_line(err)
    if isinstance(err, OperationalError | ProgrammingError) and any(
        hint in reason.lower() or hint in type(getattr(err, "orig", err)).__name__.lower()
        for hint in _MISSING_SCHEMA_HINTS
    ):
        return StateError(
            f"the state database {mask_url(url)} is missing part of its schema ({reason}); run `iac db upgrade`"
        )
    if isinstance(err, OperationalError):
        return unreachable_error(url, err)
    if isinstance(err, IntegrityError):
        return StateError(f"the state database {mask_url(url)} refused the change: {reason}")
    return StateError(f"the state database {mask_url(url)} failed: {reason}")


def create_state_engine(url: str) -> Engine:
    """A SQLAlchemy engine for ``url`` with the settings the state store relies on.

    SQLite gets foreign keys switched on (they are off by default) and, for an in-memory database, a
    single shared connection so every session sees the same data. A SQLite file is written ahead
    (``journal_mode=WAL``, ``synchronous=NORMAL``): a commit is durable against a crashed or killed
    process without an fsync of its own, so recording a run's ~70 events no longer costs ~0.6 s of
    fsyncs, and ``iac status`` reads while an apply writes; PostgreSQL gets a connect timeout so
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
        in_memory = parsed.database in (None, "", ":memory:")
        event.listen(engine, "connect", _sqlite_in_memory if in_memory else _sqlite_file)
    return engine


def _sqlite_in_memory(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_file(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
