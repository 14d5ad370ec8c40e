"""The use cases the CLI and the MCP server adapt: planning, deploying, drift, and reading what is recorded.

``Service`` is the composition root: it wires the injected ports (state store, executor, workdir,
inventory, preflight) into the use cases and offers each user action as one method, so an adapter is a
few lines per command or tool. The use cases live beside it: ``planning``, ``deploying`` (the deployment
state machine), ``drift``; ``results`` holds what they return.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.service.context import Ports
from planner.service.results import ApplyResult, DeploymentView, PlanResult, StackView, summary_line

if TYPE_CHECKING:  # each use case is loaded on its first call: `iac status` needs none of them
    from planner.adapters.execute import Executor
    from planner.adapters.inventory import EndpointInventory
    from planner.adapters.preflight import Preflight
    from planner.core.plan import Plan
    from planner.service.deploying import Deploying, OnProgress
    from planner.service.drift import DriftCheck, DriftReport
    from planner.service.importing import Candidate, Importing
    from planner.service.outputs import OutputsReading, StackOutputs
    from planner.service.planning import Planning
    from planner.service.surgery import StateSurgery
    from planner.state.records import AuditRecord, DeploymentRecord, ResourceRecord
    from planner.state.store import StateStore

__all__ = ["ApplyResult", "DeploymentView", "PlanResult", "Service", "StackView", "summary_line"]


class Service:
    """homelab-iac's use cases over injected ports (all fakes in unit tests, real adapters in the CLI)."""

    def __init__(
        self,
        store: StateStore,
        executor: Executor,
        *,
        workdir: Path,
        inventory_path: Path | None = None,
        preflight: Preflight | None = None,
    ) -> None:
        self.ports = Ports(store, executor, workdir, inventory_path, preflight)

    @cached_property
    def planning(self) -> Planning:
        from planner.service.planning import Planning

        return Planning(self.ports)

    @cached_property
    def deploying(self) -> Deploying:
        from planner.service.deploying import Deploying

        return Deploying(self.ports)

    @cached_property
    def surgery(self) -> StateSurgery:
        from planner.service.surgery import StateSurgery

        return StateSurgery(self.ports)

    @cached_property
    def importing(self) -> Importing:
        from planner.service.importing import Importing

        return Importing(self.ports)

    @cached_property
    def drift_check(self) -> DriftCheck:
        from planner.service.drift import DriftCheck

        return DriftCheck(self.ports)

    @cached_property
    def outputs_reading(self) -> OutputsReading:
        from planner.service.outputs import OutputsReading

        return OutputsReading(self.ports)

    @classmethod
    def from_environment(cls, *, inventory_path: Path | None = None, database_url: str | None = None) -> Service:
        """The real thing: database from ``IAC_DATABASE_URL`` (or SQLite under ``IAC_HOME``), ansible-runner."""
        from planner.adapters.execute import AnsibleRunnerExecutor
        from planner.paths import iac_home
        from planner.state import open_store

        home = iac_home()
        return cls(open_store(database_url), AnsibleRunnerExecutor(home / "runs"), workdir=home / "deployments",
                   inventory_path=inventory_path)

    @property
    def store(self) -> StateStore:
        """The state store (for tests and the composition; adapters use the methods below)."""
        return self.ports.store

    # --- planning ------------------------------------------------------------------------------------------

    def plan(self, path: str | Path, *, out: Path | None = None, allow: Collection[str] = (),
             policy: Path | None = None, targets: Collection[str] = (), allow_data_loss: bool = False,
             refresh: bool = False) -> PlanResult:
        return self.planning.plan(path, out=out, allow=allow, policy=policy, targets=targets,
                                  allow_data_loss=allow_data_loss, refresh=refresh)

    def plan_documents(self, documents: list[Any], *, source: str, out: Path | None = None,
                       allow: Collection[str] = (), policy: Path | None = None,
                       targets: Collection[str] = (), stack: str | None = None,
                       allow_data_loss: bool = False, refresh: bool = False) -> PlanResult:
        return self.planning.plan_documents(documents, source=source, out=out, allow=allow, policy=policy,
                                            targets=targets, stack=stack, allow_data_loss=allow_data_loss,
                                            refresh=refresh)

    def plan_sentence(self, text: str, *, out: Path | None = None, allow: Collection[str] = (),
                      policy: Path | None = None, targets: Collection[str] = (),
                      allow_data_loss: bool = False, refresh: bool = False) -> PlanResult:
        return self.planning.plan_sentence(text, out=out, allow=allow, policy=policy, targets=targets,
                                           allow_data_loss=allow_data_loss, refresh=refresh)

    def plan_destroy(self, *, path: str | Path | None = None, stack: str | None = None,
                     targets: Collection[str] = (), allow_data_loss: bool = False) -> PlanResult:
        return self.planning.plan_destroy(path=path, stack=stack, targets=targets, allow_data_loss=allow_data_loss)

    def preview_documents(self, documents: list[Any], *, source: str, allow: Collection[str] = (),
                          policy: Path | None = None) -> Plan:
        return self.planning.preview_documents(documents, source=source, allow=allow, policy=policy)

    def import_candidates(self, *, endpoint: str | None = None, kind: str | None = None) -> list[Candidate]:
        """What the endpoints have that homelab-iac does not manage (one read per endpoint)."""
        return self.importing.candidates(endpoint=endpoint, kind=kind)

    def plan_import(self, address: str, object_id: str, *, stack: str, endpoint: str | None = None) -> PlanResult:
        """A plan that adopts one object as ``address`` for ``stack``, writing nothing to its endpoint."""
        return self.importing.plan_import(address, object_id, stack=stack, endpoint=endpoint)

    def plan_reconcile(self) -> PlanResult:
        """Check drift, then store a plan that converges what drifted back to its recorded desired state."""
        from planner.errors import IacError

        if not self.ports.store.list_resources():
            raise IacError("nothing is recorded yet: there is nothing to reconcile")
        drifted = {item.address for item in self.drift().drifted}
        return self.planning.plan_reconcile(drifted)

    def plan_restore(self, *, at: datetime | None = None, deployment_id: str | None = None,
                     allow_data_loss: bool = False) -> PlanResult:
        return self.planning.plan_restore(at=at, deployment_id=deployment_id, allow_data_loss=allow_data_loss)

    # --- deploying -----------------------------------------------------------------------------------------

    def apply(self, deployment_id: str, *, on_progress: OnProgress = None, rollback: bool = True,
              wait: float = 0.0) -> ApplyResult:
        return self.deploying.apply(deployment_id, on_progress=on_progress, rollback=rollback, wait=wait)

    def resume(self, deployment_id: str, *, on_progress: OnProgress = None) -> ApplyResult:
        return self.deploying.resume(deployment_id, on_progress=on_progress)

    def rollback(self, deployment_id: str, *, on_progress: OnProgress = None) -> ApplyResult:
        return self.deploying.rollback(deployment_id, on_progress=on_progress)

    def drift(self) -> DriftReport:
        return self.drift_check.drift()

    # --- reading what is recorded --------------------------------------------------------------------------

    def inventory(self) -> EndpointInventory:
        from planner.adapters.inventory import load_inventory

        return load_inventory(self.ports.inventory_path)

    def get_deployment(self, deployment_id: str) -> DeploymentRecord:
        return self.ports.deployment(deployment_id)

    def status(self, deployment_id: str) -> DeploymentView:
        deployment = self.get_deployment(deployment_id)
        store = self.ports.store
        return DeploymentView(deployment, store.list_resources(deployment_id=deployment.id, include_absent=True),
                              store.list_events(deployment.id))

    def interrupted(self) -> list[DeploymentRecord]:
        return self.ports.interrupted()

    def deployments(self, limit: int = 20) -> list[DeploymentRecord]:
        return self.ports.store.list_deployments(limit)

    def resources(self) -> list[ResourceRecord]:
        return self.ports.store.list_resources()

    def stacks(self) -> list[StackView]:
        """Every deployed stack: what it owns (managed resources counted) and its last deployment."""
        store = self.ports.store
        managed = {record.address for record in store.list_resources()}
        return [StackView(stack, sum(1 for address in stack.addresses if address in managed),
                          store.get_deployment(stack.deployment_id))
                for stack in store.list_stacks()]

    def outputs(self, stack: str | None = None) -> list[StackOutputs]:
        """What each deployed stack's intents offer (addresses, ports, URLs, DNS names, ids), or one stack's."""
        return self.outputs_reading.outputs(stack)

    def resource(self, address: str) -> ResourceRecord | None:
        """The latest record of one resource (absent ones included), or None."""
        return self.ports.store.get_resource(address)

    def forget(self, address: str) -> ResourceRecord:
        """Stop managing ``address`` without touching its device (``iac state rm``)."""
        return self.surgery.forget(address)

    def move(self, source: str, target: str) -> ResourceRecord:
        """Rename ``source`` to ``target`` in state without touching its device (``iac state mv``)."""
        return self.surgery.move(source, target)

    def history(self, address: str | None = None, *, limit: int = 100) -> list[ResourceRecord]:
        """Resource versions, newest first: what changed, when, and by which deployment."""
        return self.ports.store.resource_history(address, limit=limit)

    def audit(self, principal: str, tool: str, arguments: dict[str, Any], *, outcome: str,
              deployment_id: str | None = None) -> AuditRecord:
        """Record who did what through which tool (arguments already scrubbed of secrets)."""
        return self.ports.store.record_audit(principal, tool, arguments, outcome=outcome,
                                             deployment_id=deployment_id)
