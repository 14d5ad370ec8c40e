"""State surgery: changing what homelab-iac remembers without touching any device (``iac state rm``).

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
    """Forget resources: the device keeps them; homelab-iac stops planning, restoring and checking them."""

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

    def _managed(self, address: str) -> ResourceRecord:
        current = self.ports.store.get_resource(address)
        if current is None or not current.state.managed:
            why = "is not recorded" if current is None else f"is {current.state.value} already"
            raise IacError(f"{shown(address)} {why}", remedy=Remedy(Fix.LIST_RESOURCES))
        return current
