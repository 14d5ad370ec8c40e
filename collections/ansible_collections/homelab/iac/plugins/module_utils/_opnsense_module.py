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

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_client import (
    OPNSENSE_COMMON_ARGS,
    OpnsenseError,
    OpnsenseValidationError,
    api_from_params,
)
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_resource import OpnsenseItem, Session
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_resources import KINDS
from ansible_collections.homelab.iac.plugins.module_utils._reconcile import Outcome, ReconcileError, Reconciler

APPLY_ARG = {"apply": {"type": "bool", "default": True}}
_ORDER = {cls: index for index, cls in enumerate(KINDS.values())}


class BatchError(Exception):
    """An item failed; ``done`` holds the results of the items before it."""

    def __init__(self, message: str, done: list[dict[str, Any]], validations: dict[str, list[str]] | None) -> None:
        super().__init__(message)
        self.done = done
        self.validations = validations


@dataclass
class BatchRun:
    """The outcome of ``run_items``."""

    results: list[dict[str, Any]] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(result["changed"] for result in self.results)


def _ordered(entries: list[tuple[type[OpnsenseItem], dict[str, Any]]]) -> list[int]:
    present = [i for i, (cls, params) in enumerate(entries) if params.get("state", "present") == "present"]
    absent = [i for i, (cls, params) in enumerate(entries) if params.get("state", "present") == "absent"]
    present.sort(key=lambda i: _ORDER[entries[i][0]])
    absent.sort(key=lambda i: -_ORDER[entries[i][0]])
    return present + absent


def run_items(session: Session, entries: list[tuple[type[OpnsenseItem], dict[str, Any]]], apply: bool) -> BatchRun:
    """Reconcile every entry, apply each touched area once, return per-entry results in input order."""
    run = BatchRun()
    slots: dict[int, tuple[OpnsenseItem, Outcome]] = {}
    failure: BatchError | None = None
    for index in _ordered(entries):
        cls, params = entries[index]
        resource = cls(session, params)
        try:
            slots[index] = (resource, Reconciler(resource, session.check_mode).run(params.get("state", "present")))
        except (ReconcileError, OpnsenseError) as exc:
            validations = exc.validations if isinstance(exc, OpnsenseValidationError) else None
            failure = BatchError(f"items[{index}] ({cls.item_kind.name} {resource.label()}): {exc}", [], validations)
            break
    if not session.check_mode and apply:
        for area, path in session.changed_areas:
            session.api.post(path)  # action-only POST: no body, no JSON content type
            run.applied.append(area)
    stale = [] if session.check_mode else list(session.stale)
    for kind in stale:
        session.cache.refresh(kind)
    for index in sorted(slots):
        resource, outcome = slots[index]
        facts = outcome.facts
        if outcome.changed and resource.item_kind in stale and outcome.action.value != "delete":
            facts = resource.facts(resource.read())
        run.results.append(
            {
                "kind": resource.item_kind.name,
                "action": outcome.action.value,
                "changed": outcome.changed,
                "updated": outcome.updated,
                "facts": facts,
                "diff": outcome.diff,
            }
        )
    if failure is not None:
        failure.done = run.results
        raise failure
    return run


class OpnsenseModule:
    """Owns the AnsibleModule and the API session of one opnsense module run."""

    def __init__(self, argument_spec: dict[str, dict[str, Any]], **module_kwargs: Any) -> None:
        spec = dict(OPNSENSE_COMMON_ARGS)
        spec.update(argument_spec)
        self.module = AnsibleModule(argument_spec=spec, supports_check_mode=True, **module_kwargs)
        try:
            self.api = api_from_params(self.module.params)
        except OpnsenseError as exc:
            self.fail(str(exc))
        self.session = Session(self.api, bool(self.module.check_mode))

    @property
    def params(self) -> dict[str, Any]:
        return self.module.params

    def fail(self, msg: str, **result: Any) -> NoReturn:
        self.module.fail_json(msg=msg, **result)
        raise AssertionError("fail_json returned")

    def requests(self) -> dict[str, int]:
        return {"reads": self.api.reads, "writes": self.api.writes}

    def run_single(self, cls: type[OpnsenseItem], facts_key: str) -> NoReturn:
        """Reconcile one resource from the module options and exit."""
        params = {name: self.params.get(name) for name in cls.argument_spec}
        try:
            run = run_items(self.session, [(cls, params)], self.params["apply"])
        except BatchError as exc:
            self.fail(
                str(exc).split(": ", 1)[1],
                validations=exc.validations or {},
                changed=any(r["changed"] for r in exc.done),
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
        }
        if self.module._diff:
            answer["diff"] = result["diff"]
        self.module.exit_json(**answer)
        raise AssertionError("exit_json returned")

    def run_batch(self) -> NoReturn:
        """Validate every item against its kind's argument spec, reconcile all, apply once per area."""
        entries: list[tuple[type[OpnsenseItem], dict[str, Any]]] = []
        for index, raw in enumerate(self.params["items"]):
            item = dict(raw)
            kind = item.pop("kind", None)
            if kind not in KINDS:
                self.fail(f"items[{index}]: kind must be one of {', '.join(KINDS)}, got {kind!r}")
            cls = KINDS[kind]
            validated = ArgumentSpecValidator(cls.argument_spec).validate(item)
            if validated.error_messages:
                self.fail(f"items[{index}] ({kind}): {'; '.join(validated.error_messages)}")
            entries.append((cls, validated.validated_parameters))
        try:
            run = run_items(self.session, entries, self.params["apply"])
        except BatchError as exc:
            self.fail(str(exc), validations=exc.validations or {}, results=exc.done, requests=self.requests())
        except OpnsenseError as exc:
            self.fail(str(exc), requests=self.requests())
        results = run.results
        if not self.module._diff:
            for result in results:
                result.pop("diff")
        self.module.exit_json(changed=run.changed, results=results, applied=run.applied, requests=self.requests())
        raise AssertionError("exit_json returned")
