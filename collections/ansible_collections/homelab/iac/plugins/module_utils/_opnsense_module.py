# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""Running OPNsense resources: one engine loop for a single-resource module and for a batch.

A single module is a batch of one. Items run in dependency order (creates and updates in
``KINDS`` order, deletes in reverse), each through the generic Reconciler; every touched area is
applied once at the end. The facts of written items come from the kind cache, which holds what
was sent (including the VLAN device name and rule sequence the client chose by OPNsense's rule)
and the uuid from the add answer; only kinds marked stale (values the client cannot know, such
as a WireGuard instance number) are read once more. If an item fails, what was already saved is
still applied, so the saved config and the running services never drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NoReturn

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible_collections.homelab.iac.plugins.module_utils._batch import (
    BatchItemError,
    BatchRun,
    fail_before_run,
    finish_batch,
    outcome_result,
    run_in_order,
)
from ansible_collections.homelab.iac.plugins.module_utils._client import ModuleClient
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_client import (
    OPNSENSE_COMMON_ARGS,
    OpnsenseError,
    OpnsenseValidationError,
    api_from_params,
)
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_resource import OpnsenseItem, Session
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_resources import KINDS
from ansible_collections.homelab.iac.plugins.module_utils._reconcile import Action, Outcome, ReconcileError, Reconciler

# Options of every module that changes things (doc fragment homelab.iac._opnsense.APPLY).
APPLY_ARG = {"apply": {"type": "bool", "default": True}, "backup_before_change": {"type": "bool", "default": False}}
_ORDER = {cls: index for index, cls in enumerate(KINDS.values())}


class BatchError(Exception):
    """The run failed: ``done`` holds the results of the items that completed before it.

    ``failed_index`` is the failing item's position, None when every item was saved and an
    area's apply failed afterwards.
    """

    def __init__(
        self,
        message: str,
        done: list[dict[str, Any]],
        validations: dict[str, list[str]] | None,
        failed_index: int | None = None,
    ) -> None:
        super().__init__(message)
        self.done = done
        self.validations = validations
        self.failed_index = failed_index
        self.applied: list[str] = []


@dataclass
class OpnsenseRun(BatchRun):
    """The outcome of ``run_items``: the batch contract's results plus the areas applied."""

    applied: list[str] = field(default_factory=list)


def _ordered(entries: list[tuple[type[OpnsenseItem], dict[str, Any]]]) -> list[int]:
    present = [i for i, (cls, params) in enumerate(entries) if params.get("state", "present") == "present"]
    absent = [i for i, (cls, params) in enumerate(entries) if params.get("state", "present") == "absent"]
    present.sort(key=lambda i: _ORDER[entries[i][0]])
    absent.sort(key=lambda i: -_ORDER[entries[i][0]])
    return present + absent


def _reconcile(session: Session, resource: OpnsenseItem, state: str) -> Outcome:
    """Plan, take the safety net before the run's first write, then act."""
    reconciler = Reconciler(resource, session.check_mode)
    plan = reconciler.plan(state)
    if plan.action is not Action.NOOP:
        session.before_write()
    return reconciler.apply(plan)


def _apply_areas(session: Session, run: OpnsenseRun) -> list[str]:
    """Apply every touched area, each once; an area that fails does not stop the others."""
    failures = []
    for area, path in session.changed_areas:
        try:
            session.api.post(path)  # action-only POST: no body, no JSON content type
        except OpnsenseError as exc:
            failures.append(f"apply {area}: {exc}")
        else:
            run.applied.append(area)
    return failures


def run_items(session: Session, entries: list[tuple[type[OpnsenseItem], dict[str, Any]]], apply: bool) -> OpnsenseRun:
    """Reconcile every entry, apply each touched area once, return per-entry results in input order.

    An item that fails stops the run, but the areas of the items saved before it are still
    applied: OPNsense saved them already, so applying keeps the running firewall equal to its
    saved configuration, and the caller's rollback sees exactly those items in ``done``.
    """
    resources: dict[int, OpnsenseItem] = {}

    def run_one(index: int) -> dict[str, Any]:
        cls, params = entries[index]
        resource = resources[index] = cls(session, params)
        try:
            outcome = _reconcile(session, resource, params.get("state", "present"))
        except (ReconcileError, OpnsenseError) as exc:
            validations = exc.validations if isinstance(exc, OpnsenseValidationError) else None
            what = f"items[{index}] ({cls.item_kind.name} {resource.label()})"
            raise BatchItemError(index, f"{what}: {exc}", validations=validations) from exc
        return outcome_result(index, cls.item_kind.name, outcome)

    items = run_in_order(_ordered(entries), run_one)
    run = OpnsenseRun(items.results, items.errors)
    apply_failures = _apply_areas(session, run) if not session.check_mode and apply else []
    if not run.errors and apply_failures:
        run.errors.append(BatchItemError(None, "; ".join(apply_failures), validations=None))
    stale = [] if session.check_mode else list(session.stale)
    for kind in stale:
        session.cache.refresh(kind)
    for result in run.results:
        resource = resources[result["index"]]
        if result["changed"] and resource.item_kind in stale and result["action"] != "delete":
            result["facts"] = resource.facts(resource.read())
    if session.backup is not None:
        session.check_backup_kept()
    if run.errors:
        first = run.errors[0]
        failure = BatchError(str(first), run.results, first.details.get("validations"), first.index)
        failure.applied = run.applied
        raise failure
    return run


class OpnsenseModule(ModuleClient):
    """Owns the AnsibleModule and the API session of one opnsense module run."""

    common_args = OPNSENSE_COMMON_ARGS

    def __init__(self, argument_spec: dict[str, dict[str, Any]], **module_kwargs: Any) -> None:
        super().__init__(argument_spec, **module_kwargs)
        try:
            self.api = api_from_params(self.module.params)
        except OpnsenseError as exc:
            self.fail(str(exc))
        self.session = Session(self.api, self.check_mode, bool(self.params.get("backup_before_change")))

    def requests(self) -> dict[str, int]:
        return {"reads": self.api.reads, "writes": self.api.writes}

    def safety_net(self) -> dict[str, Any]:
        """The ``backup`` key (when one was recorded) and any warnings, for exit or fail."""
        for warning in self.session.warnings:
            self.module.warn(warning)
        return {"backup": self.session.backup} if self.session.backup is not None else {}

    def run_single(self, cls: type[OpnsenseItem], facts_key: str) -> NoReturn:
        """Reconcile one resource from the module options and exit."""
        params = {name: self.params.get(name) for name in cls.argument_spec}
        try:
            run = run_items(self.session, [(cls, params)], self.params["apply"])
        except BatchError as exc:
            message = str(exc).split(": ", 1)[1] if exc.failed_index is not None else str(exc)
            self.fail(
                message,
                validations=exc.validations or {},
                changed=any(r["changed"] for r in exc.done),
                applied=exc.applied,
                **self.safety_net(),
            )
        except OpnsenseError as exc:
            self.fail(str(exc))
        result = run.results[0]
        answer: dict[str, Any] = {
            "changed": result["changed"],
            "action": result["action"],
            facts_key: result["facts"],
            "updated": result["updated"],
            "applied": run.applied,
            **self.safety_net(),
        }
        if self.diff_mode:
            answer["diff"] = result["diff"]
        self.exit_json(**answer)

    def run_batch(self) -> NoReturn:
        """Validate every item against its kind's argument spec, reconcile all, apply once per area."""
        entries: list[tuple[type[OpnsenseItem], dict[str, Any]]] = []
        for index, raw in enumerate(self.params["items"]):
            item = dict(raw)
            kind = item.pop("kind", None)
            if kind not in KINDS:
                fail_before_run(self, BatchItemError(index, f"items[{index}]: kind must be one of {', '.join(KINDS)}, "
                                                            f"got {kind!r}"))  # fmt: skip
            cls = KINDS[kind]
            validated = ArgumentSpecValidator(cls.argument_spec, **cls.argument_rules).validate(item)
            if validated.error_messages:
                fail_before_run(self, BatchItemError(index, f"items[{index}] ({kind}): "
                                                            f"{'; '.join(validated.error_messages)}"))  # fmt: skip
            entries.append((cls, validated.validated_parameters))
        try:
            run = run_items(self.session, entries, self.params["apply"])
        except BatchError as exc:
            failed = BatchRun(exc.done, [BatchItemError(exc.failed_index, str(exc), validations=exc.validations or {})])
            finish_batch(self, failed, applied=exc.applied, requests=self.requests(), **self.safety_net())
        except OpnsenseError as exc:
            self.fail(str(exc), requests=self.requests())
        finish_batch(self, run, applied=run.applied, requests=self.requests(), **self.safety_net())
