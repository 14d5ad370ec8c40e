"""The one service the CLI and the MCP server adapt: plan, apply, status.

It wires the pure core (intents → plan) to the adapters behind ports: the state store, the renderer, the
executor and the preflight checks. Each public method is one user action and returns typed data.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from planner.core.builder import (
    before_states,
    build_plan,
    desired_state_plan,
    inverse_plan,
    reconcile_plan,
    restore_plan,
)
from planner.core.plan import Plan
from planner.core.refs import MISSING, find_output, ref_pairs
from planner.drift import DriftCollector, DriftItem, DriftReport
from planner.errors import IacError
from planner.execute import AnsibleRunnerExecutor, Executor
from planner.intents.base import Intent
from planner.intents.catalog import load_intent_file, parse_intents
from planner.inventory import EndpointInventory, load_inventory
from planner.locks import hold_locks, lease_seconds
from planner.paths import iac_home
from planner.policy import capacities_from_hosts
from planner.policy.load import load_policy
from planner.preflight import Preflight, run_preflight
from planner.record import DeploymentRecorder, Progress, ResourceResult
from planner.render import render_project
from planner.secrets import referenced_secrets
from planner.sentence import Understood, parse_sentence
from planner.state.records import DeploymentRecord, DeploymentStatus, EventRecord, ResourceRecord, ResourceState
from planner.state.store import StateStore

__all__ = ["ApplyResult", "DeploymentView", "PlanResult", "Service"]


@dataclass(frozen=True)
class PlanResult:
    deployment: DeploymentRecord
    plan: Plan
    project: Path
    understood: Understood | None = None  # what a sentence was taken to mean, when the plan came from one


@dataclass(frozen=True)
class ApplyResult:
    deployment: DeploymentRecord
    plan: Plan
    results: list[ResourceResult] = field(default_factory=list)
    rollback: list[ResourceResult] = field(default_factory=list)  # what undoing a failed run did

    @property
    def changed(self) -> int:
        return sum(1 for result in self.results if result.status == "changed")

    @property
    def failed(self) -> int:
        return sum(1 for result in self.results if result.status == "failed")


@dataclass(frozen=True)
class DeploymentView:
    deployment: DeploymentRecord
    resources: list[ResourceRecord]
    events: list[EventRecord]


class Service:
    """homelab-iac's use cases over injected ports (all fakes in unit tests, real adapters in the CLI)."""

    def __init__(
        self,
        store: StateStore,
        executor: Executor,
        *,
        workdir: Path,
        inventory_path: Path | None = None,
        preflight: Preflight = run_preflight,
    ) -> None:
        self.store = store
        self.executor = executor
        self.workdir = workdir
        self.inventory_path = inventory_path
        self.preflight = preflight

    @classmethod
    def from_environment(cls, *, inventory_path: Path | None = None, database_url: str | None = None) -> Service:
        """The real thing: database from ``IAC_DATABASE_URL`` (or SQLite under ``IAC_HOME``), ansible-runner."""
        from planner.state import open_store

        home = iac_home()
        return cls(
            open_store(database_url),
            AnsibleRunnerExecutor(home / "runs"),
            workdir=home / "deployments",
            inventory_path=inventory_path,
        )

    def inventory(self) -> EndpointInventory:
        return load_inventory(self.inventory_path)

    def project_dir(self, deployment_id: str) -> Path:
        return self.workdir / deployment_id / "project"

    def plan(
        self, path: str | Path, *, out: Path | None = None, allow: Collection[str] = (), policy: Path | None = None
    ) -> PlanResult:
        """Read an intent file, plan it against recorded state, store the plan and render its project.

        ``policy`` is a policy file (default ``$IAC_POLICY``, else the shipped rules); ``allow`` names rules
        waived for this plan, recorded in it.
        """
        return self._plan(load_intent_file(path), source=str(path), out=out, allow=allow, policy=policy)

    def plan_documents(
        self,
        documents: list[Any],
        *,
        source: str,
        out: Path | None = None,
        allow: Collection[str] = (),
        policy: Path | None = None,
    ) -> PlanResult:
        """Plan intents given as data (what an intent file holds, already parsed), e.g. from an MCP client."""
        intents = parse_intents(documents, source=source)
        return self._plan(intents, source=source, out=out, allow=allow, policy=policy)

    def plan_sentence(
        self, text: str, *, out: Path | None = None, allow: Collection[str] = (), policy: Path | None = None
    ) -> PlanResult:
        """Plan what an English request means; the result says what was understood, phrase by phrase."""
        understood = parse_sentence(text)
        source = f"sentence: {understood.text}"
        result = self.plan_documents([understood.document()], source=source, out=out, allow=allow, policy=policy)
        return replace(result, understood=understood)

    def preview_documents(
        self, documents: list[Any], *, source: str, allow: Collection[str] = (), policy: Path | None = None
    ) -> Plan:
        """What planning ``documents`` now would do (policy included), without storing or rendering anything."""
        return self._build(parse_intents(documents, source=source), source=source, allow=allow, policy=policy)

    def _build(
        self, intents: list[Intent], *, source: str, allow: Collection[str] = (), policy: Path | None = None
    ) -> Plan:
        inventory = self.inventory()
        live = self.store.list_resources()
        return build_plan(
            intents,
            inventory.endpoints(),
            {record.address: record.spec for record in live},
            source=source,
            policy=load_policy(policy),
            allow=allow,
            capacities=capacities_from_hosts({name: host.vars for name, host in inventory.hosts.items()}),
            recorded_endpoints={record.address: record.endpoint for record in live},
        )

    def _plan(
        self,
        intents: list[Intent],
        *,
        source: str,
        out: Path | None,
        allow: Collection[str] = (),
        policy: Path | None = None,
    ) -> PlanResult:
        plan = self._build(intents, source=source, allow=allow, policy=policy)
        inventory = self.inventory()
        intent = {"source": source, "intents": plan.intents}
        deployment = self.store.create_deployment(intent, plan.model_dump(mode="json"))
        project = self._render(plan, inventory, self.project_dir(deployment.id), deployment.id)
        if out is not None:
            if out.exists() and any(out.iterdir()) and not (out / "site.yml").exists():
                raise IacError(f"--out {out}: the directory is not empty and holds no site.yml; choose an empty one")
            shutil.copytree(project, out, dirs_exist_ok=True)
        return PlanResult(deployment, plan, project)

    def _render(self, plan: Plan, inventory: EndpointInventory, out: Path, deployment_id: str) -> Path:
        """Render ``plan``; references to resources it does not create resolve from their recorded facts."""
        return render_project(plan, inventory, out, deployment_id=deployment_id, known_facts=self._known_facts())

    def _known_facts(self) -> dict[str, dict[str, Any]]:
        """The observed facts of every live resource, by address: what references resolve from."""
        return {record.address: record.observed for record in self.store.list_resources()}

    def _planned(self, deployment_id: str) -> tuple[DeploymentRecord, Plan]:
        deployment = self.get_deployment(deployment_id)
        if deployment.status != DeploymentStatus.PLANNED:
            raise IacError(
                f"deployment {deployment.id[:8]} is {deployment.status.value}, not planned; plan again to apply"
            )
        plan = Plan.model_validate(deployment.plan)
        for change in plan.changes:
            if self._live_spec(change.address) != change.before:
                raise IacError(
                    f"plan {deployment.id[:8]} is stale: {change.address} changed since it was planned; plan again"
                )
        return deployment, plan

    def _live_spec(self, address: str) -> dict[str, Any] | None:
        current = self.store.get_resource(address)
        return current.spec if current is not None and current.state != ResourceState.ABSENT else None

    def apply(
        self,
        deployment_id: str,
        *,
        on_progress: Callable[[Progress], None] | None = None,
        rollback: bool = True,
        wait: float = 0.0,
    ) -> ApplyResult:
        """Run a stored plan; events and resources are recorded as they happen.

        The deployment locks the resources it touches; another live deployment holding any of them is a
        ``LockConflict`` (after waiting up to ``wait`` seconds). When the run fails, everything it already
        changed is undone (unless ``rollback`` is false) and the deployment ends ``rolled_back``, or
        ``rollback_failed`` naming what is left.
        """
        deployment, plan = self._planned(deployment_id)
        with hold_locks(self.store, deployment.id, [c.address for c in plan.changes], wait=wait):
            deployment, plan = self._planned(deployment_id)  # nobody changed them while we waited
            return self._run(deployment, plan, on_progress=on_progress, rollback=rollback)

    def resume(self, deployment_id: str, *, on_progress: Callable[[Progress], None] | None = None) -> ApplyResult:
        """Run an interrupted deployment's stored plan again; what it already did is found done."""
        deployment = self.get_deployment(deployment_id)
        if deployment.id not in {d.id for d in self.interrupted()}:
            raise IacError(
                f"deployment {deployment.id[:8]} is {deployment.status.value} and not interrupted; "
                "only a run that crashed can be resumed"
            )
        plan = Plan.model_validate(deployment.plan)
        with hold_locks(self.store, deployment.id, [c.address for c in plan.changes]):
            self.store.record_event(deployment.id, "resumed", {})
            return self._run(
                deployment, plan, on_progress=on_progress, rollback=True, before=deployment.rollback_data
            )

    def _run(
        self,
        deployment: DeploymentRecord,
        plan: Plan,
        *,
        on_progress: Callable[[Progress], None] | None,
        rollback: bool,
        before: dict[str, Any] | None = None,
    ) -> ApplyResult:
        inventory = self.inventory()
        missing = [endpoint for endpoint in plan.endpoints if endpoint not in inventory.hosts]
        if missing:
            raise IacError(
                f"endpoint {missing[0]} of plan {deployment.id[:8]} is no longer in {inventory.path}; plan again"
            )
        self.preflight(plan, inventory)
        project = self.project_dir(deployment.id)
        self._render(plan, inventory, project, deployment.id)  # fresh inventory vars and recorded facts
        # A resumed run keeps the before-states its first attempt recorded: those are what "undo" means.
        rollback_data = before or before_states(plan, {c.address: self._live_spec(c.address) for c in plan.changes})
        self.store.update_deployment(deployment.id, status=DeploymentStatus.RUNNING, rollback_data=rollback_data)
        recorder = DeploymentRecorder(self.store, deployment.id, plan, on_progress)
        try:
            run = self.executor.run(project, on_event=recorder, env=inventory.environment())
        except BaseException as err:
            reason = "interrupted" if isinstance(err, KeyboardInterrupt) else str(err)
            self.store.update_deployment(deployment.id, status=DeploymentStatus.FAILED, error=reason)
            raise
        results = recorder.ordered_results()
        summary = recorder.summary(run.status)
        failures = [r for r in results if r.status == "failed"]
        if run.ok and not failures:
            final = self.store.update_deployment(deployment.id, status=DeploymentStatus.SUCCEEDED, summary=summary)
            return ApplyResult(final, plan, results)
        error = f"{failures[0].address}: {failures[0].message}" if failures else f"ansible run {run.status}"
        error = recorder.task_errors[0] if not failures and recorder.task_errors else error
        if not failures and not recorder.task_errors and run.detail:
            error += f": {run.detail}"
        touched = [r.address for r in results if r.status in ("changed", "failed")]
        if not rollback or not touched:
            final = self.store.update_deployment(
                deployment.id, status=DeploymentStatus.FAILED, error=error, summary=summary
            )
            return ApplyResult(final, plan, results)
        undone = self._undo(deployment.id, plan, rollback_data, touched, on_progress)
        summary["rollback"] = {r.address: {"status": r.status, "message": r.message} for r in undone}
        left = [r.address for r in undone if r.status == "failed"] + [
            address for address in touched if address not in {r.address for r in undone}
        ]
        if left:
            status, error = DeploymentStatus.ROLLBACK_FAILED, f"{error}; rollback could not undo {', '.join(left)}"
        else:
            status = DeploymentStatus.ROLLED_BACK
        final = self.store.update_deployment(deployment.id, status=status, error=error, summary=summary)
        return ApplyResult(final, plan, results, undone)

    def _undo(
        self,
        deployment_id: str,
        plan: Plan,
        rollback_data: dict[str, Any],
        touched: list[str],
        on_progress: Callable[[Progress], None] | None,
    ) -> list[ResourceResult]:
        """Render and run the inverse of what a failed run changed; the results, resource by resource."""
        undo = inverse_plan(plan, rollback_data, touched)
        if undo is None:
            return []
        # A resource whose undo needs facts nobody recorded (the VLAN device an interface was made on) was
        # never made: its producer's result is recorded before the next wave starts. Nothing to undo there.
        facts = self._known_facts()
        unreached = [change.address for change in undo.changes
                     if any(find_output(facts.get(address), output) is MISSING
                            for address, output in ref_pairs(change.after))]
        skipped = [ResourceResult(address, "ok", message="never created: its wave was not reached")
                   for address in unreached]
        if unreached:
            undo = inverse_plan(plan, rollback_data, [a for a in touched if a not in unreached])
            if undo is None:
                return skipped
        self.store.record_event(deployment_id, "rollback_started", {"resources": [c.address for c in undo.changes],
                                                                    "never_created": unreached})
        inventory = self.inventory()
        project = self._render(undo, inventory, self.workdir / deployment_id / "rollback", deployment_id)
        recorder = DeploymentRecorder(self.store, deployment_id, undo, on_progress)
        run = self.executor.run(project, on_event=recorder, env=inventory.environment())
        results = recorder.ordered_results()
        self.store.record_event(deployment_id, "rollback_finished", {"status": run.status})
        return results + skipped

    def rollback(
        self, deployment_id: str, *, on_progress: Callable[[Progress], None] | None = None
    ) -> ApplyResult:
        """Undo a deployment that failed without rolling back (``--no-rollback``) or was interrupted."""
        deployment = self.get_deployment(deployment_id)
        if deployment.status not in (DeploymentStatus.FAILED, DeploymentStatus.RUNNING,
                                     DeploymentStatus.ROLLBACK_FAILED):
            raise IacError(
                f"deployment {deployment.id[:8]} is {deployment.status.value}; only a failed or interrupted "
                "deployment can be rolled back (to go back to an earlier state, plan it again)"
            )
        if deployment.status == DeploymentStatus.RUNNING and deployment.id not in {d.id for d in self.interrupted()}:
            raise IacError(f"deployment {deployment.id[:8]} is still running; wait for it to finish")
        plan = Plan.model_validate(deployment.plan)
        results = deployment.summary.get("results")
        # Without recorded results (the run was killed) every resource may have changed; undoing is safe
        # either way, since removing what is absent and restoring what is unchanged change nothing.
        touched = [a for a, r in (results or {}).items() if r.get("status") in ("changed", "failed")] \
            if results else [c.address for c in plan.changes]
        with hold_locks(self.store, deployment.id, [c.address for c in plan.changes]):
            self.store.update_deployment(deployment.id, status=DeploymentStatus.RUNNING)
            undone = self._undo(deployment.id, plan, deployment.rollback_data, touched, on_progress)
        left = [r.address for r in undone if r.status == "failed"]
        summary = {**deployment.summary, "rollback": {r.address: {"status": r.status, "message": r.message}
                                                      for r in undone}}
        status = DeploymentStatus.ROLLBACK_FAILED if left else DeploymentStatus.ROLLED_BACK
        error = deployment.error or "rolled back on request"
        if left:
            error += f"; rollback could not undo {', '.join(left)}"
        final = self.store.update_deployment(deployment.id, status=status, error=error, summary=summary)
        return ApplyResult(final, plan, [], undone)

    def drift(self) -> DriftReport:
        """Check every live resource against its recorded desired state, writing nothing but events."""
        resources = self.store.list_resources()
        if not resources:
            return DriftReport([])
        inventory = self.inventory()
        missing = sorted({r.endpoint for r in resources} - set(inventory.hosts))
        if missing:
            raise IacError(f"endpoint {missing[0]} of recorded resources is not in {inventory.path}")
        # A resource whose secret is not exported cannot be checked; it must not spoil its whole batch.
        provided = inventory.environment()
        def unset_secrets(spec: dict[str, Any]) -> list[str]:
            return sorted(n for n in referenced_secrets(spec) if not (os.environ.get(n) or provided.get(n)))

        unset = {r.address: names for r in resources if (names := unset_secrets(r.spec))}
        checkable = [r for r in resources if r.address not in unset]
        items: list[DriftItem] = []
        if checkable:
            plan = desired_state_plan(checkable, source="drift check")
            run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
            project = self._render(plan, inventory, self.workdir / "drift" / run_id, "drift")
            collector = DriftCollector(plan)
            self.executor.run(project, on_event=collector, check=True, env=provided)
            items = collector.report().items
        items += [DriftItem(r.address, r.endpoint, "error",
                            message=f"not checked: secret {', '.join(unset[r.address])} is not set; export it to check")
                  for r in resources if r.address in unset]
        order = {r.address: number for number, r in enumerate(resources)}
        report = DriftReport(sorted(items, key=lambda item: order[item.address]))
        last_deployment = {r.address: r.deployment_id for r in resources}
        for item in report.drifted:
            # Changes made outside homelab-iac are recorded against the deployment that last set the resource.
            self.store.record_event(last_deployment[item.address], "drift_detected",
                                    {"status": item.status, "diff": item.diff, "message": item.message},
                                    resource_address=item.address)
        return report

    def plan_reconcile(self) -> PlanResult:
        """Store a plan that converges every live resource back to its recorded desired state."""
        resources = self.store.list_resources()
        if not resources:
            raise IacError("nothing is recorded yet: there is nothing to reconcile")
        report = self.drift()
        drifted = {item.address for item in report.drifted}
        plan = reconcile_plan(resources, drifted)
        deployment = self.store.create_deployment({"source": "reconcile", "intents": []}, plan.model_dump(mode="json"))
        project = self._render(plan, self.inventory(), self.project_dir(deployment.id), deployment.id)
        return PlanResult(deployment, plan, project)

    def plan_restore(
        self, *, at: datetime | None = None, deployment_id: str | None = None, allow_data_loss: bool = False
    ) -> PlanResult:
        """Store a plan that brings everything back to a past moment or to just after a past deployment."""
        if (at is None) == (deployment_id is None):
            raise IacError("restore needs exactly one of --at TIME or --deployment ID")
        if at is not None:
            if at > datetime.now(UTC):
                raise IacError(f"--at {at:%Y-%m-%d %H:%M:%S%z} is in the future; give a past moment")
            target, source = self.store.resources_as_of(at), f"restore to {at.isoformat(timespec='seconds')}"
        else:
            past = self.get_deployment(str(deployment_id))
            target, source = self.store.resources_after(past.id), f"restore to deployment {past.id[:8]}"
        plan = restore_plan(target, self.store.list_resources(), source=source, allow_data_loss=allow_data_loss)
        deployment = self.store.create_deployment({"source": source, "intents": []}, plan.model_dump(mode="json"))
        project = self._render(plan, self.inventory(), self.project_dir(deployment.id), deployment.id)
        return PlanResult(deployment, plan, project)

    def history(self, address: str | None = None, *, limit: int = 100) -> list[ResourceRecord]:
        """Resource versions, newest first: what changed, when, and by which deployment."""
        return self.store.resource_history(address, limit=limit)

    def get_deployment(self, deployment_id: str) -> DeploymentRecord:
        deployment = self.store.get_deployment(deployment_id)
        if deployment is None:
            raise IacError(f"no deployment {deployment_id!r}; `iac status` lists them")
        return deployment

    def status(self, deployment_id: str) -> DeploymentView:
        deployment = self.get_deployment(deployment_id)
        return DeploymentView(
            deployment,
            self.store.list_resources(deployment_id=deployment.id, include_absent=True),
            self.store.list_events(deployment.id),
        )

    def interrupted(self) -> list[DeploymentRecord]:
        """Deployments whose process died mid-run (their locks' lease ran out)."""
        return self.store.interrupted_deployments(lease_seconds=lease_seconds())

    def deployments(self, limit: int = 20) -> list[DeploymentRecord]:
        return self.store.list_deployments(limit)

    def resources(self) -> list[ResourceRecord]:
        return self.store.list_resources()
