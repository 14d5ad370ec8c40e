"""Turn ansible-runner events into deployment records, resources and progress as they happen.

A check-mode run (``check=True``: the state recorder under ``ansible-playbook --check``) records its events
and what each resource would do, and never a resource: nothing it reports exists.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from planner.core.plan import Action, Plan
from planner.core.tasks import WAVE_GATE, ItemOutcome, item_outcomes, task_groups
from planner.redact import scrub
from planner.state.records import ResourceState
from planner.state.store import StateStore

__all__ = ["DeploymentRecorder", "Progress", "ResourceResult", "observed_facts", "volume_restore"]

# Keys every module result has; what remains are the resource's observed facts.
_RESULT_KEYS = frozenset(
    {"changed", "failed", "msg", "diff", "invocation", "warnings", "deprecations", "skipped", "skip_reason",
     "exception", "module_stdout", "module_stderr", "rc", "_ansible_no_log", "ansible_facts"}
)
# What a module says it did for an object that was already there.
_FOUND_EXISTING = frozenset({"update", "noop", "replace"})
_STORED_EVENTS = frozenset(
    {"playbook_on_start", "playbook_on_play_start", "playbook_on_task_start", "runner_on_ok", "runner_on_failed",
     "runner_on_unreachable", "runner_on_skipped", "playbook_on_stats", "warning", "error"}
)


@dataclass
class ResourceResult:
    """How one resource fared in a run."""

    address: str
    status: str  # "changed" | "ok" | "failed" | "skipped"
    message: str = ""
    duration: float = 0.0
    diff: dict[str, Any] | None = None  # a check run's: what the module would change


@dataclass(frozen=True)
class Progress:
    """A progress line for whoever watches: a wave started or a resource finished."""

    kind: str  # "wave" | "resource"
    text: str
    result: ResourceResult | None = None


def observed_facts(res: dict[str, Any]) -> dict[str, Any]:
    """The part of a module result that describes the resource (``container``, ``network``, ...)."""
    kept = {k: v for k, v in res.items() if k not in _RESULT_KEYS and not k.startswith("_ansible")}
    facts: dict[str, Any] = scrub(kept)
    return facts


def volume_restore(volume: str, archive: str) -> str:
    """How to bring a removed Docker volume back from its archive (entries ``./...``), on its endpoint's engine:
    a new volume, untarred into by a throwaway container of any image that has ``tar``."""
    return (f"docker volume create {volume} && docker run --rm -i -v {volume}:/volume busybox "
            f"tar -xf - -C /volume < {archive}")


class DeploymentRecorder:
    """An ``on_event`` handler: stores events, updates resources, reports progress."""

    def __init__(
        self,
        store: StateStore,
        deployment_id: str,
        plan: Plan,
        on_progress: Callable[[Progress], None] | None = None,
        *,
        unrecorded: Collection[str] = (),
        check: bool = False,
    ) -> None:
        self.store = store
        self.check = check  # a dry run: results and events only, never a resource version
        self.unrecorded = frozenset(unrecorded)  # results only: homelab-iac never managed these
        self.deployment_id = deployment_id
        self.plan = plan
        self.on_progress = on_progress
        self.results: dict[str, ResourceResult] = {}
        self.task_errors: list[str] = []  # failures no resource owns (a batch's apply): "task: msg"
        # Backends' own safety nets taken before a change: OPNsense config backups, Proxmox snapshots, archives of
        # removed Docker volumes.
        self.safety_nets: list[dict[str, Any]] = []
        # Planned creates whose object existed already (made by hand, not adopted): the module found it and
        # changed it ("update") or left it ("noop"). Never recorded as homelab-iac's; what it changed is put
        # back from the module's own before-view (address -> that view), nothing is removed.
        self.taken_over: dict[str, dict[str, Any] | None] = {}
        self._changes = {change.address: change for change in plan.changes}
        self._groups = {group.name: group for group in task_groups(plan)}

    def __call__(self, event: dict[str, Any]) -> None:
        kind = str(event.get("event", ""))
        data: dict[str, Any] = event.get("event_data") or {}
        task = str(data.get("task", ""))
        if task == WAVE_GATE:
            return  # the check between waves: no resource's task, and its passing says nothing
        group = self._groups.get(task)
        if group is not None and data.get("host") not in (None, group.endpoint):
            return  # another endpoint of the same wave skipping this endpoint's task
        if kind not in _STORED_EVENTS:
            return
        if kind == "playbook_on_task_start" and group is None:
            return
        if group is None or not kind.startswith("runner_on_"):
            address = group.addresses[0] if group is not None and not group.batched else None
            self.store.record_event(self.deployment_id, kind, self._payload(event, data), resource_address=address)
            if kind == "playbook_on_play_start":
                self._progress(Progress("wave", str(data.get("play", ""))))
            return
        res: dict[str, Any] = data.get("res") or {}
        outcomes = list(item_outcomes(group, kind, res))
        self._safety_nets(group.endpoint, res, outcomes)
        if kind == "runner_on_failed" and not any(outcome.status == "failed" for outcome in outcomes):
            self.task_errors.append(f"{group.name}: {res.get('msg') or 'failed'}")
        if group.batched:
            # The batch's own result is the sum of its items: stored once per resource, not twice.
            summary = {key: value for key, value in res.items() if key != "results"}
            self.store.record_event(self.deployment_id, kind, self._payload(event, {**data, "res": summary}))
        for outcome in outcomes:
            if group.batched:
                item_data = {**data, "res": outcome.result}
                self.store.record_event(
                    self.deployment_id, kind if outcome.status != "failed" else "runner_on_failed",
                    self._payload(event, item_data), resource_address=outcome.address,
                )
            else:
                self.store.record_event(
                    self.deployment_id, kind, self._payload(event, data), resource_address=outcome.address
                )
            self._resource_result(outcome, float(data.get("duration") or 0.0), batched=group.batched)

    def _payload(self, event: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "counter": event.get("counter"),
            "uuid": event.get("uuid"),
            "host": data.get("host"),
            "play": data.get("play"),
            "task": data.get("task"),
            "module": data.get("resolved_action") or data.get("task_action"),
            "duration": data.get("duration"),
        }
        res = data.get("res")
        if isinstance(res, dict):
            payload["changed"] = bool(res.get("changed"))
            payload["msg"] = res.get("msg")
            payload["result"] = res
        if event.get("event") == "playbook_on_stats":
            payload["stats"] = {key: data.get(key) for key in ("ok", "changed", "failures", "dark", "skipped")}
        clean: dict[str, Any] = scrub({k: v for k, v in payload.items() if v is not None})
        return clean

    def _resource_result(self, outcome: ItemOutcome, duration: float, *, batched: bool) -> None:
        address = outcome.address
        change = self._changes[address]
        found = str(outcome.result.get("action") or "")
        if self.check:
            self._checked(outcome, duration, found)
            return
        if change.action is Action.CREATE and outcome.status in ("changed", "ok") and found in _FOUND_EXISTING:
            before = (outcome.result.get("diff") or {}).get("before")
            self.taken_over[address] = dict(before) if outcome.status == "changed" and before else None
            message = (f"it existed on {change.endpoint} before this deployment and homelab-iac does not manage "
                       f"it: not taken over{' (what was changed is put back)' if outcome.status == 'changed' else ''}"
                       f"; adopt it with `iac import`, or give the intent another name")
            result = ResourceResult(address, "failed", message=message, duration=duration)
            self.results[address] = result
            self._progress(Progress("resource", address, result))
            return
        if outcome.status in ("changed", "ok") and address in self.unrecorded:
            result = ResourceResult(address, outcome.status, duration=duration)
        elif outcome.status in ("changed", "ok"):
            absent = (change.after or {}).get("state") == "absent"
            facts = outcome.result.get("facts") if batched else None
            observed = scrub(dict(facts)) if isinstance(facts, dict) else observed_facts(outcome.result)
            self.store.record_resource(
                self.deployment_id,
                address=address,
                kind=change.kind,
                endpoint=change.endpoint,
                name=change.name,
                state=ResourceState.ABSENT if absent else ResourceState.PRESENT,
                spec=dict(change.after or {}),
                observed=observed,
                dependencies=list(change.depends_on),
            )
            result = ResourceResult(address, outcome.status, duration=duration)
        else:
            result = ResourceResult(address, "failed", message=outcome.message or "failed", duration=duration)
        self.results[address] = result
        self._progress(Progress("resource", address, result))

    def _checked(self, outcome: ItemOutcome, duration: float, found: str) -> None:
        """A check run's result for one resource: what it would do, nothing recorded of the resource."""
        change = self._changes[outcome.address]
        if change.action is Action.CREATE and outcome.status in ("changed", "ok") and found in _FOUND_EXISTING:
            message = (f"it exists on {change.endpoint} and homelab-iac does not manage it: an apply would not take "
                       f"it over; adopt it with `iac import`, or give the intent another name")
            result = ResourceResult(outcome.address, "failed", message=message, duration=duration)
        elif outcome.status == "changed":
            diff = outcome.result.get("diff")
            result = ResourceResult(outcome.address, "changed", duration=duration,
                                    diff=scrub(dict(diff)) if isinstance(diff, dict) else None)
        elif outcome.status == "ok":
            result = ResourceResult(outcome.address, "ok", duration=duration)
        else:
            result = ResourceResult(outcome.address, "failed", message=outcome.message or "failed", duration=duration)
        self.results[outcome.address] = result
        self._progress(Progress("resource", outcome.address, result))

    def _safety_nets(self, endpoint: str, res: dict[str, Any], outcomes: list[ItemOutcome]) -> None:
        if res.get("backup"):
            self.safety_nets.append({"endpoint": endpoint, "kind": "opnsense_backup", "id": str(res["backup"]),
                                     "restore": "homelab.iac.opnsense_backup revert_to"})
        for outcome in outcomes:
            snapshot = outcome.result.get("snapshot")
            if snapshot:
                self.safety_nets.append({"endpoint": endpoint, "kind": "proxmox_snapshot", "id": str(snapshot),
                                         "resource": outcome.address,
                                         "restore": "homelab.iac.proxmox_snapshot state=rollback"})
            archive = outcome.result.get("archive")
            if archive:
                self.safety_nets.append({"endpoint": endpoint, "kind": "docker_volume_archive", "id": str(archive),
                                         "resource": outcome.address,
                                         "restore": volume_restore(self._volume_name(outcome.address), str(archive))})

    def _volume_name(self, address: str) -> str:
        change = self._changes[address]
        return str((change.after or {}).get("name") or (change.before or {}).get("name") or change.name)

    def ordered_results(self) -> list[ResourceResult]:
        """Each resource's result, in plan order (resources the run never reached are left out)."""
        return [self.results[address] for address in self._changes if address in self.results]

    def summary(self, runner_status: str) -> dict[str, Any]:
        """What a deployment record keeps of a run: counts, per-resource results, how the run ended."""
        results = self.ordered_results()
        if self.check:
            return self._check_summary(results, runner_status)
        return {
            "changed": sum(1 for r in results if r.status == "changed"),
            "ok": sum(1 for r in results if r.status == "ok"),
            "failed": sum(1 for r in results if r.status == "failed"),
            "results": {r.address: {"status": r.status, "message": r.message} for r in results},
            "runner_status": runner_status,
            "safety_nets": list(self.safety_nets),
        }

    def _check_summary(self, results: list[ResourceResult], runner_status: str) -> dict[str, Any]:
        """A dry run's summary: nothing changed; what would change (``would_change``), with each diff."""
        shown: dict[str, Any] = {}
        for r in results:
            entry: dict[str, Any] = {"status": "would_change" if r.status == "changed" else r.status,
                                     "message": r.message}
            if r.diff:
                entry["diff"] = r.diff
            shown[r.address] = entry
        return {
            "check": True,
            "changed": 0,
            "would_change": sum(1 for r in results if r.status == "changed"),
            "ok": sum(1 for r in results if r.status == "ok"),
            "failed": sum(1 for r in results if r.status == "failed"),
            "results": shown,
            "runner_status": runner_status,
            "safety_nets": [],
        }

    def _progress(self, progress: Progress) -> None:
        if self.on_progress is not None:
            self.on_progress(progress)
