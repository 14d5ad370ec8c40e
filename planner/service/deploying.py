"""Deploying: running a stored plan, all-or-nothing, as an explicit state machine.

A deployment moves ``planned → running → succeeded``, or from ``running`` to ``failed`` (nothing to undo,
or ``--no-rollback``), ``rolled_back`` or ``rollback_failed``. A failed, interrupted or half-undone one
may be rolled back on request (``→ running → rolled_back | rollback_failed``); an interrupted one may be
resumed (``running → running``). ``_move`` refuses any other step, so no path can skip one.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from planner.adapters.record import DeploymentRecorder, Progress, ResourceResult
from planner.core.builder import before_states, inverse_plan
from planner.core.plan import Action, Plan
from planner.core.refresh import refused_as_not_ours
from planner.core.refs import MISSING, find_output, ref_pairs, renamed_refs
from planner.errors import IacError, StateError
from planner.locks import hold_locks
from planner.service.context import Operation, Ports
from planner.service.rendering import render
from planner.service.results import ApplyResult
from planner.state.records import DeploymentRecord, DeploymentStatus, ResourceState

__all__ = ["Deploying"]

S = DeploymentStatus
_STEPS: dict[DeploymentStatus, frozenset[DeploymentStatus]] = {
    S.PLANNED: frozenset({S.RUNNING}),
    S.RUNNING: frozenset({S.RUNNING, S.SUCCEEDED, S.FAILED, S.ROLLED_BACK, S.ROLLBACK_FAILED}),
    S.FAILED: frozenset({S.RUNNING}),
    S.ROLLBACK_FAILED: frozenset({S.RUNNING}),
    S.SUCCEEDED: frozenset(),
    S.ROLLED_BACK: frozenset(),
    S.CHECKED: frozenset(),  # dry runs the state recorder records: never applied, resumed or rolled back
    S.CHECK_FAILED: frozenset(),
}

OnProgress = Callable[[Progress], None] | None


class Deploying:
    """Apply, resume and roll back stored plans; everything is recorded as it happens."""

    def __init__(self, ports: Ports) -> None:
        self.ports = ports

    # --- the state machine -------------------------------------------------------------------------------

    def _move(self, deployment: DeploymentRecord, status: DeploymentStatus, **fields: Any) -> DeploymentRecord:
        current = self.ports.store.get_deployment(deployment.id)
        now = current.status if current is not None else deployment.status
        if status not in _STEPS[now]:
            raise StateError(f"deployment {deployment.id[:8]} cannot go from {now.value} to {status.value}")
        return self.ports.store.update_deployment(deployment.id, status=status, **fields)

    def get(self, deployment_id: str) -> DeploymentRecord:
        return self.ports.deployment(deployment_id)

    def interrupted(self) -> list[DeploymentRecord]:
        return self.ports.interrupted()

    # --- use cases ---------------------------------------------------------------------------------------

    def apply(
        self, deployment_id: str, *, on_progress: OnProgress = None, rollback: bool = True, wait: float = 0.0
    ) -> ApplyResult:
        """Run a stored plan; events and resources are recorded as they happen.

        The deployment locks the resources it touches; another live deployment holding any of them is a
        ``LockConflict`` (after waiting up to ``wait`` seconds). When the run fails, everything it already
        changed is undone (unless ``rollback`` is false) and the deployment ends ``rolled_back``, or
        ``rollback_failed`` naming what is left.
        """
        operation = Operation(self.ports)
        deployment, plan = self._planned(operation, deployment_id)
        addresses = [c.address for c in plan.changes] + [source for source, _ in plan.moved]
        with hold_locks(self.ports.store, deployment.id, addresses, wait=wait):
            operation.state_moved()
            deployment, plan = self._planned(operation, deployment_id)  # nobody changed them while we waited
            return self._run(operation, deployment, plan, on_progress=on_progress, rollback=rollback)

    def resume(self, deployment_id: str, *, on_progress: OnProgress = None) -> ApplyResult:
        """Run an interrupted deployment's stored plan again; what it already did is found done."""
        deployment = self.get(deployment_id)
        if deployment.id not in {d.id for d in self.interrupted()}:
            raise IacError(
                f"deployment {deployment.id[:8]} is {deployment.status.value} and not interrupted; "
                "only a run that crashed can be resumed"
            )
        plan = Plan.model_validate(deployment.plan)
        with hold_locks(self.ports.store, deployment.id, [c.address for c in plan.changes]):
            self.ports.store.record_event(deployment.id, "resumed", {})
            return self._run(Operation(self.ports), deployment, plan, on_progress=on_progress, rollback=True,
                             before=deployment.rollback_data)

    def rollback(self, deployment_id: str, *, on_progress: OnProgress = None) -> ApplyResult:
        """Undo a deployment that failed without rolling back (``--no-rollback``) or was interrupted."""
        deployment = self.get(deployment_id)
        if deployment.status not in (S.FAILED, S.RUNNING, S.ROLLBACK_FAILED):
            raise IacError(
                f"deployment {deployment.id[:8]} is {deployment.status.value}; only a failed or interrupted "
                "deployment can be rolled back (to go back to an earlier state, plan it again)"
            )
        if deployment.status == S.RUNNING and deployment.id not in {d.id for d in self.interrupted()}:
            raise IacError(f"deployment {deployment.id[:8]} is still running; wait for it to finish")
        plan = Plan.model_validate(deployment.plan)
        results = deployment.summary.get("results")
        # Without recorded results (the run was killed) every resource may have changed; undoing is safe
        # either way, since removing what is absent and restoring what is unchanged change nothing.
        touched = [a for a, r in (results or {}).items() if r.get("status") in ("changed", "failed")] \
            if results else [c.address for c in plan.changes]
        operation = Operation(self.ports)
        with hold_locks(self.ports.store, deployment.id, [c.address for c in plan.changes]):
            self._move(deployment, S.RUNNING)
            undone = self._undo(operation, deployment.id, plan, deployment.rollback_data, touched, on_progress)
        left = [r.address for r in undone if r.status == "failed"]
        summary = {**deployment.summary, "rollback": _rollback_summary(undone)}
        error = deployment.error or "rolled back on request"
        if left:
            error += f"; rollback could not undo {', '.join(left)}"
        final = self._move(deployment, S.ROLLBACK_FAILED if left else S.ROLLED_BACK, error=error, summary=summary)
        return ApplyResult(final, plan, [], undone)

    # --- the steps ---------------------------------------------------------------------------------------

    def _planned(self, operation: Operation, deployment_id: str) -> tuple[DeploymentRecord, Plan]:
        deployment = self.get(deployment_id)
        if deployment.status != S.PLANNED:
            raise IacError(
                f"deployment {deployment.id[:8]} is {deployment.status.value}, not planned; plan again to apply"
            )
        plan = Plan.model_validate(deployment.plan)
        live = {record.address: record.spec for record in operation.live()}
        renames = {source: target for source, target in plan.moved if source in live and target not in live}
        if renames:  # as the plan saw it: renamed, and referring to the new addresses
            live = {renames.get(address, address): renamed_refs(spec, renames) for address, spec in live.items()}
        for change in plan.changes:
            if live.get(change.address) != change.before:
                raise IacError(
                    f"plan {deployment.id[:8]} is stale: {change.address} changed since it was planned; plan again"
                )
        return deployment, plan

    def _live_spec(self, address: str) -> dict[str, Any] | None:
        current = self.ports.store.get_resource(address)
        return current.spec if current is not None and current.state.managed else None

    def _run(
        self, operation: Operation, deployment: DeploymentRecord, plan: Plan, *, on_progress: OnProgress,
        rollback: bool, before: dict[str, Any] | None = None,
    ) -> ApplyResult:
        inventory = operation.inventory
        missing = [endpoint for endpoint in plan.endpoints if endpoint not in inventory.hosts]
        if missing:
            raise IacError(
                f"endpoint {missing[0]} of plan {deployment.id[:8]} is no longer in {inventory.path}; plan again"
            )
        whole, plan = plan, plan.to_run()  # a refreshed plan runs only what differs
        self.ports.check_preflight(plan, inventory)
        self._rename(operation, deployment, whole)
        # A resumed run keeps the before-states its first attempt recorded: those are what "undo" means.
        rollback_data = before or before_states(plan, {c.address: self._live_spec(c.address) for c in plan.changes})
        if not plan.changes:  # nothing differs: nothing runs, as Terraform's "No changes"
            self._move(deployment, S.RUNNING, rollback_data=rollback_data)
            self._record_imports(deployment, whole)
            self._record_stack(deployment, whole)
            summary = {"changed": 0, "ok": 0, "failed": 0, "results": {}, "runner_status": "not run: no changes",
                       "safety_nets": []}
            return ApplyResult(self._move(deployment, S.SUCCEEDED, summary=summary), whole, [])
        project = render(operation, plan, self.ports.project_dir(deployment.id), deployment.id)
        self._move(deployment, S.RUNNING, rollback_data=rollback_data)
        recorder = DeploymentRecorder(self.ports.store, deployment.id, plan, on_progress)
        try:
            run = self.ports.executor.run(project, on_event=recorder, env=operation.environment)
        except BaseException as err:
            reason = "interrupted" if isinstance(err, KeyboardInterrupt) else str(err)
            self._move(deployment, S.FAILED, error=reason)
            raise
        operation.state_moved()
        results = recorder.ordered_results()
        summary = recorder.summary(run.status)
        failures = [r for r in results if r.status == "failed"]
        if run.ok and not failures:
            self._record_imports(deployment, whole)
            self._record_stack(deployment, whole)
            return ApplyResult(self._move(deployment, S.SUCCEEDED, summary=summary), whole, results)
        error = f"{failures[0].address}: {failures[0].message}" if failures else f"ansible run {run.status}"
        error = recorder.task_errors[0] if not failures and recorder.task_errors else error
        if not failures and not recorder.task_errors and run.detail:
            error += f": {run.detail}"
        # A create that met an object already there changed it at most: never removed, only put back; one its
        # module refused to touch (not made by homelab-iac) wrote nothing: nothing to undo.
        left_alone = {a for a, before in recorder.taken_over.items() if before is None}
        left_alone |= {r.address for r in results if r.status == "failed" and refused_as_not_ours(r.message)
                       and whole.change(r.address).action is Action.CREATE}
        touched = [r.address for r in results if r.status in ("changed", "failed") and r.address not in left_alone]
        if recorder.taken_over:
            summary["taken_over"] = sorted(recorder.taken_over)
        if not rollback or not touched:
            return ApplyResult(self._move(deployment, S.FAILED, error=error, summary=summary), whole, results)
        put_back = {a: before for a, before in recorder.taken_over.items() if before is not None}
        if put_back:  # undo those back to what the module found, as if it had been their recorded state
            resources = {**rollback_data.get("resources", {}),
                         **{a: {"before": {**before, "state": "present"}} for a, before in put_back.items()}}
            rollback_data = {**rollback_data, "resources": resources}
        undone = self._undo(operation, deployment.id, plan, rollback_data, touched, on_progress,
                            unrecorded=set(recorder.taken_over))
        summary["rollback"] = _rollback_summary(undone)
        left = [r.address for r in undone if r.status == "failed"] + [
            address for address in touched if address not in {r.address for r in undone}
        ]
        if left:
            status, error = S.ROLLBACK_FAILED, f"{error}; rollback could not undo {', '.join(left)}"
        else:
            status = S.ROLLED_BACK
        return ApplyResult(self._move(deployment, status, error=error, summary=summary), whole, results, undone)

    def _rename(self, operation: Operation, deployment: DeploymentRecord, plan: Plan) -> None:
        """The plan's ``moved`` addresses renamed in state before anything runs (a resumed run finds them
        renamed). A rename touches no device, so a failed run leaves it: the file says the new name."""
        live = {record.address for record in operation.live()}
        moves = [(source, target) for source, target in plan.moved if source in live and target not in live]
        for source, target in moves:
            self.ports.store.rename_resource(deployment.id, source, target)
        if moves:
            self.ports.store.record_event(deployment.id, "moved", {"moved": [list(move) for move in moves]})
            operation.state_moved()

    def _record_imports(self, deployment: DeploymentRecord, plan: Plan) -> None:
        """What the plan adopts (``import``), recorded as the endpoint reported it: no module ran for it."""
        for change in plan.changes:
            if change.action is Action.IMPORT:
                self.ports.store.record_resource(
                    deployment.id, address=change.address, kind=change.kind, endpoint=change.endpoint,
                    name=change.name, state=ResourceState.PRESENT, spec=dict(change.after or {}),
                    observed=dict(plan.observed.get(change.address, {})), dependencies=[],
                )

    def _record_stack(self, deployment: DeploymentRecord, plan: Plan) -> None:
        """What the stack owns now that the plan ran: every address it kept (a targeted plan: those it had,
        less what it removed, plus what it made), with the intents it declared. A whole destroy lets go of
        everything (what another stack shares stays that stack's) and forgets the stack."""
        if plan.stack is None:
            return
        store = self.ports.store
        previous = store.get_stack(plan.stack)
        removed = {c.address for c in plan.changes if c.action is Action.DELETE}
        kept = [c.address for c in plan.changes if c.action is not Action.DELETE]
        if plan.targets:
            kept = [a for a in (previous.addresses if previous else []) if a not in removed and a not in kept] + kept
        if plan.destroy and not kept:
            store.remove_stack(plan.stack)
            return
        # What it adopted stays "adopted" until an intent of it declares it.
        declared = {c.address for c in plan.changes if c.action not in (Action.DELETE, Action.IMPORT)} \
            if plan.intents else set()
        adopted = [a for a in [*(previous.adopted if previous else []),
                               *(c.address for c in plan.changes if c.action is Action.IMPORT)]
                   if a not in declared and a not in removed]
        kept += [a for a in adopted if a not in kept]  # kept though undeclared
        intents = previous.intents if not plan.intents and previous is not None else plan.intents
        source = previous.source if not plan.intents and previous is not None else plan.source
        store.record_stack(plan.stack, deployment_id=deployment.id, source=source, intents=intents, addresses=kept,
                           adopted=adopted)

    def _undo(
        self, operation: Operation, deployment_id: str, plan: Plan, rollback_data: dict[str, Any],
        touched: Collection[str], on_progress: OnProgress, unrecorded: Collection[str] = (),
    ) -> list[ResourceResult]:
        """Render and run the inverse of what a failed run changed; the results, resource by resource."""
        undo = inverse_plan(plan, rollback_data, touched)
        if undo is None:
            return []
        # A resource whose undo needs facts nobody recorded (the VLAN device an interface was made on) was
        # never made: its producer's result is recorded before the next wave starts. Nothing to undo there.
        facts = operation.known_facts()
        unreached = [change.address for change in undo.changes
                     if any(find_output(facts.get(address), output) is MISSING
                            for address, output in ref_pairs(change.after))]
        skipped = [ResourceResult(address, "ok", message="never created: its wave was not reached")
                   for address in unreached]
        if unreached:
            undo = inverse_plan(plan, rollback_data, [a for a in touched if a not in unreached])
            if undo is None:
                return skipped
        store = self.ports.store
        store.record_event(deployment_id, "rollback_started", {"resources": [c.address for c in undo.changes],
                                                               "never_created": unreached})
        project = render(operation, undo, self.ports.workdir / deployment_id / "rollback", deployment_id)
        recorder = DeploymentRecorder(store, deployment_id, undo, on_progress, unrecorded=unrecorded)
        run = self.ports.executor.run(project, on_event=recorder, env=operation.environment)
        operation.state_moved()
        store.record_event(deployment_id, "rollback_finished", {"status": run.status})
        return recorder.ordered_results() + skipped


def _rollback_summary(undone: list[ResourceResult]) -> dict[str, Any]:
    return {r.address: {"status": r.status, "message": r.message} for r in undone}
