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
from typing import TYPE_CHECKING, Any

from planner.errors import Fix, IacError, Remedy, shown

if TYPE_CHECKING:  # the adapters are loaded by the use cases that need them, not by every command
    from planner.adapters.execute import Executor
    from planner.adapters.inventory import EndpointInventory
    from planner.adapters.preflight import Preflight
    from planner.core.plan import Plan
    from planner.state.records import DeploymentRecord, ResourceRecord
    from planner.state.store import StateStore

__all__ = ["Operation", "Ports"]


@dataclass(frozen=True)
class Ports:
    store: StateStore
    executor: Executor
    workdir: Path
    inventory_path: Path | None = None
    preflight: Preflight | None = None  # None: the real checks (planner.adapters.preflight)

    def project_dir(self, deployment_id: str) -> Path:
        return self.workdir / deployment_id / "project"

    def check_preflight(self, plan: Plan, inventory: EndpointInventory) -> None:
        """What the endpoints can take, before anything is written (raises on the first it cannot)."""
        if self.preflight is not None:
            self.preflight(plan, inventory)
            return
        from planner.adapters.preflight import run_preflight

        run_preflight(plan, inventory)

    def deployment(self, deployment_id: str) -> DeploymentRecord:
        """The recorded deployment, or an error saying where the recorded ones are listed."""
        deployment = self.store.get_deployment(deployment_id)
        if deployment is None:
            raise IacError(f"no deployment {shown(deployment_id)}", remedy=Remedy(Fix.LIST_DEPLOYMENTS))
        return deployment

    def interrupted(self) -> list[DeploymentRecord]:
        """Deployments whose process died mid-run (their locks' lease ran out)."""
        from planner.locks import lease_seconds

        return self.store.interrupted_deployments(lease_seconds=lease_seconds())


class Operation:
    """One user action's inventory, environment and recorded resources, each read once."""

    def __init__(self, ports: Ports) -> None:
        self.ports = ports
        self._live: list[ResourceRecord] | None = None

    @cached_property
    def inventory(self) -> EndpointInventory:
        from planner.adapters.inventory import load_inventory

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
