"""State surgery: changing what homelab-iac remembers without touching any device (``iac state rm``, ``mv``).

Each operation is a deployment of its own (``state rm ADDRESS``, no changes to run), so ``iac status`` and
``iac history`` show who forgot what and when; it holds the lock on the address while it writes, so it
cannot race an apply.
"""

from __future__ import annotations

from datetime import UTC, datetime

from planner.core.plan import Plan
from planner.errors import Fix, IacError, Remedy, shown
from planner.locks import hold_locks
from planner.service.context import Ports
from planner.state.records import DeploymentStatus, ResourceRecord, ResourceState

__all__ = ["StateSurgery"]


class StateSurgery:
    """Forget resources (the device keeps them; homelab-iac stops planning, restoring and checking them) and
    rename them in state."""

    def __init__(self, ports: Ports) -> None:
        self.ports = ports

    def forget(self, address: str) -> ResourceRecord:
        """Record ``address`` as forgotten (a new version, the spec kept for history) and return that record.

        An address that is not recorded, or not managed any more, is an error that changes nothing.
        """
        store = self.ports.store
        self._managed(address)  # checked before anything is written
        source = f"state rm {address}"
        plan = Plan(source=source, created_at=datetime.now(UTC), intents=[], changes=[], waves=[])
        deployment = store.create_deployment({"source": source}, plan.model_dump(mode="json"))
        with hold_locks(store, deployment.id, [address]):
            store.update_deployment(deployment.id, status=DeploymentStatus.RUNNING)
            try:
                current = self._managed(address)  # again under the lock: an apply may have changed it meanwhile
            except IacError as err:
                store.update_deployment(deployment.id, status=DeploymentStatus.FAILED, error=str(err))
                raise
            forgotten = store.record_resource(
                deployment.id, address=address, kind=current.kind, endpoint=current.endpoint, name=current.name,
                state=ResourceState.FORGOTTEN, spec=current.spec, observed=current.observed,
                dependencies=list(current.dependencies),
            )
            store.update_deployment(deployment.id, status=DeploymentStatus.SUCCEEDED,
                                    summary={"forgotten": [address], "changed": 0})
        return forgotten

    def move(self, source: str, target: str) -> ResourceRecord:
        """Rename the recorded ``source`` to ``target`` (same kind), its history, dependents and stacks with it;
        no device is asked anything. An unmanaged ``source``, a ``target`` in state, or another kind is an
        error that changes nothing."""
        store = self.ports.store
        self._movable(source, target)
        name = f"state mv {source} {target}"
        plan = Plan(source=name, created_at=datetime.now(UTC), intents=[], changes=[], waves=[])
        deployment = store.create_deployment({"source": name}, plan.model_dump(mode="json"))
        with hold_locks(store, deployment.id, [source, target]):
            store.update_deployment(deployment.id, status=DeploymentStatus.RUNNING)
            try:
                self._movable(source, target)  # again under the lock
                moved = store.rename_resource(deployment.id, source, target)
            except IacError as err:
                store.update_deployment(deployment.id, status=DeploymentStatus.FAILED, error=str(err))
                raise
            store.update_deployment(deployment.id, status=DeploymentStatus.SUCCEEDED,
                                    summary={"moved": [[source, target]], "changed": 0})
        return moved

    def _movable(self, source: str, target: str) -> None:
        current = self._managed(source)
        if not target.startswith(f"{current.kind}.") or len(target) <= len(current.kind) + 1:
            raise IacError(f"{shown(target)} is not a {current.kind} address ({current.kind}.NAME); a move keeps "
                           "the kind")
        taken = self.ports.store.get_resource(target)
        if taken is not None:
            why = "is managed" if taken.state.managed else f"is recorded ({taken.state.value}) with a history"
            raise IacError(f"{shown(target)} {why} already; move onto an address not in state",
                           remedy=Remedy(Fix.LIST_RESOURCES))

    def _managed(self, address: str) -> ResourceRecord:
        current = self.ports.store.get_resource(address)
        if current is None or not current.state.managed:
            why = "is not recorded" if current is None else f"is {current.state.value} already"
            raise IacError(f"{shown(address)} {why}", remedy=Remedy(Fix.LIST_RESOURCES))
        return current
