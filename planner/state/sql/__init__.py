"""The SQL side of the state store (SQLAlchemy + Alembic), one module per aggregate.

``store`` composes ``deployments``, ``resources``, ``stacks``, ``events``, ``locks`` and ``audit`` (each over the
shared ``session``/``engine``) into ``SqlStateStore``; ``models`` are the tables, ``schema`` tells whether
a database is at head without Alembic, and ``migrate`` runs Alembic when it is not.
"""

from __future__ import annotations

from planner.state.sql.store import SqlStateStore

__all__ = ["SqlStateStore"]
