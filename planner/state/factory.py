"""Opening the state store: the one place that picks an implementation for a URL."""

from __future__ import annotations

from typing import TYPE_CHECKING

from planner.state.config import database_url

if TYPE_CHECKING:
    from planner.state.store import StateStore

__all__ = ["open_store"]


def open_store(url: str | None = None) -> StateStore:
    """The state store for ``url`` (default: ``database_url()``), migrated and ready to use.

    Raises ``StateError`` when the database cannot be reached or holds a schema from a newer version.
    """
    from planner.state.sql import SqlStateStore  # SQLAlchemy is loaded only when a store is opened

    return SqlStateStore(url if url is not None else database_url())
