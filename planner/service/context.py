"""The ports a use case works over, and one operation's view of the world, loaded once.

``Ports`` are the injected adapters: the state store, the executor, where projects are written, the
inventory's path and the preflight checks (fakes in unit tests, the real ones from ``Ports.from_environment``).
An ``Operation`` is one user action over them: it reads the inventory, its env file and the recorded
resources at most once, however many steps of the action need them, and is told when state moved on.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from planner.adapters.execute import Executor
from planner.adapters.inventory import EndpointInventory, load_inventory
from planner.adapters.preflight import Preflight, run_preflight
from planner.state.records import ResourceRecord
from planner.state.store import StateStore

__all__ = ["Operation", "Ports"]


@dataclass(frozen=True)
class Ports:
    store: StateStore
    executor: Executor
    workdir: Path
    inventory_path: Path | None = None
    preflight: Preflight = run_preflight

    def project_dir(self, deployment_id: str) -> Path:
        return self.workdir / deployment_id / "project"


class Operation:
    """One user action's inventory, environment and recorded resources, each read once."""

    def __init__(self, ports: Ports) -> None:
        self.ports = ports
        self._live: list[ResourceRecord] | None = None

    @cached_property
    def inventory(self) -> EndpointInventory:
        return load_inventory(self.ports.inventory_path)

    @cached_property
    def environment(self) -> dict[str, str]:
        """Credentials from the inventory's env file, for the runs."""
        return self.inventory.environment()

    def live(self) -> list[ResourceRecord]:
        """The recorded live resources (read once; ``state_moved`` reads them again)."""
        if self._live is None:
            self._live = self.ports.store.list_resources()
        return self._live

    def state_moved(self) -> None:
        """A run recorded results: what is live must be read again."""
        self._live = None

    def known_facts(self) -> dict[str, dict[str, Any]]:
        """The observed facts of every live resource, by address: what references resolve from."""
        return {record.address: record.observed for record in self.live()}
