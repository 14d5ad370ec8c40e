"""What homelab-iac remembers: deployments, the resources they made, what happened, and every version.

Use ``open_store()`` (which reads ``IAC_DATABASE_URL``) and the ``StateStore`` interface; the records
are plain dataclasses, so no database type leaks out of this package.
"""

from __future__ import annotations

from planner.state.config import database_url, mask_url, normalise_url, open_store
from planner.state.memory import MemoryStateStore
from planner.state.migrate import current_revision, head_revision, upgrade
from planner.state.records import (
    AuditRecord,
    DeploymentRecord,
    DeploymentStatus,
    EventRecord,
    LockRecord,
    ResourceRecord,
    ResourceState,
)
from planner.state.sql import SqlStateStore
from planner.state.store import DEFAULT_LEASE_SECONDS, EventTuple, StateStore, process_holder

__all__ = [
    "DEFAULT_LEASE_SECONDS",
    "AuditRecord",
    "DeploymentRecord",
    "DeploymentStatus",
    "EventRecord",
    "EventTuple",
    "LockRecord",
    "MemoryStateStore",
    "ResourceRecord",
    "ResourceState",
    "SqlStateStore",
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
