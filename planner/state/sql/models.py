"""SQLAlchemy models of the state tables (the seed schema, extended with resource versions).

The schema itself is owned by Alembic (``planner/state/migrations``); these classes must match the latest
migration, and ``tests/unit/planner/state/test_migrate.py`` checks that they do. Nothing outside
``planner.state`` sees these rows: the stores turn them into the records of ``planner.state.records``.

Statuses and states are plain strings rather than database enums, so adding a status is a code change
and not a migration.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeEngine

__all__ = [
    "AuditRow",
    "Base",
    "DeploymentRow",
    "EventRow",
    "JsonDocument",
    "LockRow",
    "ResourceRow",
    "ResourceVersionRow",
    "StackRow",
    "UtcDateTime",
    "json_type",
]

# Deterministic constraint names, so a later migration can drop or alter them by name on every dialect.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class JsonDocument(TypeDecorator[Any]):
    """JSON everywhere, JSONB on PostgreSQL (indexable, compact, compared by value).

    A decorator rather than ``JSON().with_variant(JSONB(), "postgresql")`` so that the PostgreSQL
    dialect is imported only when a PostgreSQL database is used: on SQLite it would cost every
    command that opens the store a good part of its start-up.
    """

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())


def json_type() -> TypeEngine[Any]:
    """The type of every JSON column (see ``JsonDocument``)."""
    return JsonDocument()


def bigint_pk_type() -> TypeEngine[int]:
    """BIGINT on PostgreSQL; plain INTEGER on SQLite, where only that autoincrements (as the rowid)."""
    return BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """``TIMESTAMP WITH TIME ZONE`` that always hands back timezone-aware UTC datetimes.

    SQLite keeps no zone, so values are stored as UTC and tagged UTC again on the way out; PostgreSQL
    returns them in the session's zone, which is normalised to UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use datetime.now(UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of the state tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class DeploymentRow(Base):
    """One stored plan and what became of it."""

    __tablename__ = "deployments"
    __table_args__ = (Index(None, "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    intent: Mapped[dict[str, Any]] = mapped_column(json_type())
    plan: Mapped[dict[str, Any]] = mapped_column(json_type())
    status: Mapped[str] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[dict[str, Any]] = mapped_column(json_type())
    rollback_data: Mapped[dict[str, Any]] = mapped_column(json_type())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ResourceRow(Base):
    """The latest known state of one resource; its history is in ``resource_versions``."""

    __tablename__ = "infrastructure_resources"
    __table_args__ = (Index(None, "deployment_id"),)

    id: Mapped[int] = mapped_column(bigint_pk_type(), primary_key=True, autoincrement=True)
    address: Mapped[str] = mapped_column(String(512), unique=True)
    # ``type`` is the seed schema's name for what the records call ``kind`` (``docker.container``).
    type: Mapped[str] = mapped_column(String(128))
    provider: Mapped[str] = mapped_column(String(64))
    endpoint: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(32))
    spec: Mapped[dict[str, Any]] = mapped_column(json_type())
    observed: Mapped[dict[str, Any]] = mapped_column(json_type())
    dependencies: Mapped[list[str]] = mapped_column(json_type())
    deployment_id: Mapped[str] = mapped_column(ForeignKey("deployments.id"))
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class EventRow(Base):
    """One thing that happened during a deployment, in order of ``id``."""

    __tablename__ = "infrastructure_events"
    # (resource_address, id) answers "the latest events of one resource" without touching the others.
    __table_args__ = (Index(None, "deployment_id", "id"), Index(None, "resource_address", "id"))

    id: Mapped[int] = mapped_column(bigint_pk_type(), primary_key=True, autoincrement=True)
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("infrastructure_resources.id"))
    # The address as the caller gave it: events about a resource often come before it is recorded.
    resource_address: Mapped[str | None] = mapped_column(String(512))
    deployment_id: Mapped[str] = mapped_column(ForeignKey("deployments.id"))
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(json_type())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ResourceVersionRow(Base):
    """A resource as one deployment left it; the rows of one resource replay its whole history."""

    __tablename__ = "resource_versions"
    __table_args__ = (
        Index(None, "resource_id", "created_at"),
        Index(None, "deployment_id"),
        Index(None, "created_at"),
    )

    # The primary key (resource_id, version) is the unique key of the seed schema and the index of
    # "versions by resource" (newest first, read backwards); (resource_id, created_at) answers "as of a
    # moment"; created_at alone answers "the latest changes of everything".
    resource_id: Mapped[int] = mapped_column(ForeignKey("infrastructure_resources.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    deployment_id: Mapped[str] = mapped_column(ForeignKey("deployments.id"))
    endpoint: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(32))
    spec: Mapped[dict[str, Any]] = mapped_column(json_type())
    observed: Mapped[dict[str, Any]] = mapped_column(json_type())
    dependencies: Mapped[list[str]] = mapped_column(json_type())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class LockRow(Base):
    """One deployment's claim on one resource address, kept alive by heartbeats (a lease).

    A lock whose ``heartbeat_at`` is older than the lease belongs to a crashed run and may be taken over.
    """

    __tablename__ = "resource_locks"
    __table_args__ = (Index(None, "deployment_id"),)

    address: Mapped[str] = mapped_column(String(512), primary_key=True)
    deployment_id: Mapped[str] = mapped_column(ForeignKey("deployments.id"))
    holder: Mapped[str] = mapped_column(Text)  # "host:pid" of the process running the deployment
    acquired_at: Mapped[datetime] = mapped_column(UtcDateTime())
    heartbeat_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AuditRow(Base):
    """One changing call made through the MCP server (migration 0003); never updated, never deleted."""

    __tablename__ = "mcp_audit"
    __table_args__ = (Index(None, "at"),)

    id: Mapped[int] = mapped_column(bigint_pk_type(), primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    principal: Mapped[str] = mapped_column(String(255))
    tool: Mapped[str] = mapped_column(String(64))
    arguments: Mapped[dict[str, Any]] = mapped_column(json_type())
    # No foreign key: a refused call may name a plan that does not exist, and that is worth auditing too.
    deployment_id: Mapped[str | None] = mapped_column(String(36))
    outcome: Mapped[str] = mapped_column(Text)


class StackRow(Base):
    """One stack (an intent file): what it declared when it was last applied, and the addresses it owns
    (migration 0004). A resource two stacks declare alike is in both rows' ``addresses``."""

    __tablename__ = "stacks"

    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    intents: Mapped[list[dict[str, Any]]] = mapped_column(json_type())
    addresses: Mapped[list[str]] = mapped_column(json_type())
    deployment_id: Mapped[str] = mapped_column(ForeignKey("deployments.id"))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # What it adopted (``iac import``) and no intent of it declared since (migration 0005).
    adopted: Mapped[list[str]] = mapped_column(json_type(), server_default=text("'[]'"))
