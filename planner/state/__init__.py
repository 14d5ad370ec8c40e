"""What homelab-iac remembers: deployments, the resources they made, what happened, and every version.

Use ``open_store()`` (which reads ``IAC_DATABASE_URL``) and the ``StateStore`` protocols; the records
are plain dataclasses, so no database type leaks out of this package.

The package is lazy: a name is imported from its module on first use, so ``import planner.state`` or
``planner.state.records`` loads neither SQLAlchemy nor Alembic (only ``SqlStateStore``, ``upgrade`` and
friends do, when asked for).

    planner/state/
      records.py   the records and their enums (pure)
      store.py     the ports: one protocol per aggregate, ``StateStore`` composing them
      config.py    which database (``IAC_DATABASE_URL``), URL masking
      factory.py   ``open_store``
      sql/         ``SqlStateStore``: one module per aggregate, models, schema check, Alembic migrations
      migrations/  the Alembic scripts
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from planner.state.config import database_url, mask_url, normalise_url
    from planner.state.factory import open_store
    from planner.state.records import (
        AuditRecord,
        DeploymentRecord,
        DeploymentStatus,
        EventRecord,
        LockRecord,
        ResourceRecord,
        ResourceState,
        StackRecord,
    )
    from planner.state.sql import SqlStateStore
    from planner.state.sql.migrate import current_revision, head_revision, upgrade
    from planner.state.store import DEFAULT_LEASE_SECONDS, EventTuple, StateStore, process_holder

# Each public name and the module it comes from.
_HOMES = {
    "DEFAULT_LEASE_SECONDS": "planner.state.store",
    "AuditRecord": "planner.state.records",
    "DeploymentRecord": "planner.state.records",
    "DeploymentStatus": "planner.state.records",
    "EventRecord": "planner.state.records",
    "EventTuple": "planner.state.store",
    "LockRecord": "planner.state.records",
    "ResourceRecord": "planner.state.records",
    "ResourceState": "planner.state.records",
    "SqlStateStore": "planner.state.sql",
    "StackRecord": "planner.state.records",
    "StateStore": "planner.state.store",
    "current_revision": "planner.state.sql.migrate",
    "database_url": "planner.state.config",
    "head_revision": "planner.state.sql.migrate",
    "mask_url": "planner.state.config",
    "normalise_url": "planner.state.config",
    "open_store": "planner.state.factory",
    "process_holder": "planner.state.store",
    "upgrade": "planner.state.sql.migrate",
}

__all__ = [
    "DEFAULT_LEASE_SECONDS",
    "AuditRecord",
    "DeploymentRecord",
    "DeploymentStatus",
    "EventRecord",
    "EventTuple",
    "LockRecord",
    "ResourceRecord",
    "ResourceState",
    "SqlStateStore",
    "StackRecord",
    "StateStore",
    "current_revision",
    "database_url",
    "head_revision",
    "mask_url",
    "normalise_url",
    "open_store",
    "process_holder",
    "upgrade",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
