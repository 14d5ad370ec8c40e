"""A ``Service`` that reaches nothing, for unit tests: the real state store on a throwaway SQLite file, a
scripted executor, an inventory written under ``tmp_path`` and no preflight."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from planner.adapters.execute import ScriptedExecutor
from planner.adapters.inventory import EndpointInventory
from planner.core.plan import Plan
from planner.service import Service
from planner.state.sql.store import SqlStateStore

__all__ = ["DOCKER_INVENTORY", "offline_service", "runner_event", "state_store"]

Preflight = Callable[[Plan, EndpointInventory], None]

#: One Docker engine, ``lab-docker``, that nothing ever connects to.
DOCKER_INVENTORY = "all:\n  children:\n    docker:\n      hosts:\n        lab-docker:\n          docker_host: unix:///tmp/x.sock\n"


def state_store(directory: Path | None = None) -> SqlStateStore:
    """A new, empty state store: an SQLite file under ``directory`` (its own connections, safe across threads,
    as the lock heartbeat needs) or, without one, an in-memory database (one connection: one thread only)."""
    return SqlStateStore(f"sqlite:///{directory / 'state.db'}" if directory is not None else "sqlite://")


def runner_event(kind: str, address: str, **res: Any) -> dict[str, Any]:
    """An ansible-runner event (``runner_on_ok``, ``runner_on_failed``...) for ``address`` with module result ``res``."""
    return {"event": kind, "event_data": {"address": address, "res": res}}


def offline_service(
    tmp_path: Path,
    executor: ScriptedExecutor | None = None,
    store: SqlStateStore | None = None,
    inventory: str = DOCKER_INVENTORY,
    preflight: Preflight | None = None,
) -> Service:
    """The service over ``store`` (a new one when not given) and ``executor``, with ``inventory`` as hosts.yml;
    ``preflight`` checks nothing unless given."""
    hosts = tmp_path / "hosts.yml"
    hosts.write_text(inventory)
    return Service(
        state_store(tmp_path) if store is None else store,
        ScriptedExecutor() if executor is None else executor,
        workdir=tmp_path / "deployments",
        inventory_path=hosts,
        preflight=preflight or (lambda plan, endpoints: None),
    )
