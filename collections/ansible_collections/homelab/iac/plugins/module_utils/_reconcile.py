# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""The generic reconcile engine every backend plugs its resource classes into.

read -> normalise both sides -> diff -> decide (noop/create/update/replace/delete)
-> act unless check mode -> report observed facts.

A backend describes one resource kind as a small ``Resource`` subclass: which properties it
compares (``fields``), which of them cannot change in place (``Field.replace``), which are secret,
how to read and normalise the current object and how to create, update and delete it. The engine
owns the decision and the check-mode guard, so no resource can forget either.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar, Generic, TypeVar

from ansible_collections.homelab.iac.plugins.module_utils._diff import (
    Comparator,
    DifferenceTracker,
    masked_view,
)

ObservedT = TypeVar("ObservedT")


class Action(StrEnum):
    """What the engine decided to do with one resource."""

    NOOP = "noop"
    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"


class ReconcileError(Exception):
    """A refusal or failure whose message is shown to the user as is (no traceback)."""


@dataclass(frozen=True)
class Field:
    """One compared property of a resource.

    ``replace``: the backend cannot change it in place, so a difference means delete + create.
    ``secret``: masked in diffs. ``equal``: comparison other than ``==`` (e.g. order-insensitive).
    """

    name: str
    replace: bool = False
    secret: bool = False
    equal: Comparator | None = None


class Resource(abc.ABC, Generic[ObservedT]):
    """A resource kind. Subclasses declare ``kind`` and ``fields`` and implement the I/O methods.

    Views returned by ``current`` and ``desired`` are dicts keyed by field name. A desired value
    of ``None`` means "not managed": the engine does not compare it.
    """

    kind: ClassVar[str]
    fields: ClassVar[tuple[Field, ...]]

    @abc.abstractmethod
    def read(self) -> ObservedT | None:
        """Return the backend's current object, or None when it does not exist."""

    @abc.abstractmethod
    def current(self, observed: ObservedT) -> dict[str, Any]:
        """Normalise the observed object into a view comparable with ``desired()``."""

    @abc.abstractmethod
    def desired(self) -> dict[str, Any]:
        """Normalise the module arguments into the desired view."""

    @abc.abstractmethod
    def create(self) -> None:
        """Create the resource from the desired state."""

    @abc.abstractmethod
    def delete(self, observed: ObservedT) -> None:
        """Delete the resource."""

    @abc.abstractmethod
    def facts(self, observed: ObservedT | None) -> dict[str, Any]:
        """Observed facts returned to the playbook (ids, addresses...); never secrets."""

    def update(self, observed: ObservedT, changed: list[str]) -> None:
        """Change the ``changed`` properties in place. Only called for non-replace fields."""
        raise ReconcileError(f"{self.kind}: cannot change {', '.join(changed)} in place")

    def replace(self, observed: ObservedT, reasons: list[str]) -> None:
        """Delete then create. Override to keep the old object until the new one works."""
        self.delete(observed)
        self.create()

    def check_delete(self, observed: ObservedT) -> None:
        """Raise ReconcileError to refuse deleting (or replacing) this object. Runs in check mode too."""

    def check_create(self) -> None:
        """Raise ReconcileError when the desired state cannot be created. Runs in check mode too."""

    def check_update(self, observed: ObservedT) -> None:
        """Raise ReconcileError to refuse changing this object in place. Runs in check mode too."""

    def extra_results(self) -> dict[str, Any]:
        """Result keys beside the standard ones, after a run (a safety net taken first, say); none by default."""
        return {}

    def view(self, observed: ObservedT) -> dict[str, Any]:
        """The whole current view with secrets masked: what ``diff.before`` shows for an existing object.

        Discovery (the ``*_info`` modules) lists objects by this view, so a check-mode read with only the
        identity options returns exactly it as ``diff.before``.
        """
        secrets = frozenset(spec.name for spec in self.fields if spec.secret)
        return masked_view(self.current(observed), secrets)


@dataclass
class Plan(Generic[ObservedT]):
    """The decision for one resource: data, computed without any write call."""

    action: Action
    observed: ObservedT | None
    tracker: DifferenceTracker
    replaced_because: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    diff: dict[str, dict[str, Any]] = field(default_factory=lambda: {"before": {}, "after": {}})


@dataclass
class Outcome:
    """What happened, in the shape modules return."""

    action: Action
    changed: bool
    diff: dict[str, dict[str, Any]]
    replaced_because: list[str]
    updated: list[str]
    facts: dict[str, Any]


class Reconciler(Generic[ObservedT]):
    """Plans and applies one resource. All writes sit behind the single check-mode guard in ``apply``."""

    def __init__(self, resource: Resource[ObservedT], check_mode: bool) -> None:
        self.resource = resource
        self.check_mode = check_mode

    def plan(self, state: str) -> Plan[ObservedT]:
        """Read the resource and decide what ``state`` ('present' or 'absent') requires."""
        if state not in ("present", "absent"):
            raise ValueError(f"state must be present or absent, not {state!r}")
        observed = self.resource.read()
        secrets = frozenset(spec.name for spec in self.resource.fields if spec.secret)
        tracker = DifferenceTracker()
        if state == "absent":
            if observed is None:
                return Plan(Action.NOOP, None, tracker)
            self.resource.check_delete(observed)
            return Plan(Action.DELETE, observed, tracker, diff={"before": self.resource.view(observed), "after": {}})

        desired = self.resource.desired()
        if observed is None:
            self.resource.check_create()
            after = masked_view(_managed(desired), secrets)
            return Plan(Action.CREATE, None, tracker, diff={"before": {}, "after": after})

        current = self.resource.current(observed)
        for spec in self.resource.fields:
            wanted = desired.get(spec.name)
            if wanted is None:
                # Not managed: shown unchanged on both sides, so diff.before is the whole current view.
                if spec.name in current:
                    tracker.add(spec.name, current[spec.name], current[spec.name], secret=spec.secret)
                continue
            tracker.add(spec.name, current.get(spec.name), wanted, secret=spec.secret, equal=spec.equal)
        changed = set(tracker.changed_names())
        replace = [spec.name for spec in self.resource.fields if spec.replace and spec.name in changed]
        update = [spec.name for spec in self.resource.fields if not spec.replace and spec.name in changed]
        if replace:
            self.resource.check_delete(observed)
            self.resource.check_create()
            action = Action.REPLACE
        elif update:
            self.resource.check_update(observed)
            action = Action.UPDATE
        else:
            action = Action.NOOP
        return Plan(action, observed, tracker, replace, update, tracker.diff())

    def apply(self, plan: Plan[ObservedT]) -> Outcome:
        """Carry out ``plan`` unless in check mode, then report facts read back from the backend."""
        if self.check_mode or plan.action is Action.NOOP:
            facts = self.resource.facts(plan.observed)
        else:
            self._act(plan)
            facts = self.resource.facts(None if plan.action is Action.DELETE else self.resource.read())
        return Outcome(
            action=plan.action,
            changed=plan.action is not Action.NOOP,
            diff=plan.diff,
            replaced_because=list(plan.replaced_because),
            updated=list(plan.updated),
            facts=facts,
        )

    def run(self, state: str) -> Outcome:
        """Plan and apply in one call: what a single-resource module does."""
        return self.apply(self.plan(state))

    def _act(self, plan: Plan[ObservedT]) -> None:
        observed = plan.observed
        if plan.action is Action.CREATE:
            self.resource.create()
        elif observed is None:
            raise ReconcileError(f"{self.resource.kind}: {plan.action.value} planned without a current object")
        elif plan.action is Action.DELETE:
            self.resource.delete(observed)
        elif plan.action is Action.REPLACE:
            self.resource.replace(observed, plan.replaced_because)
        elif plan.action is Action.UPDATE:
            self.resource.update(observed, plan.updated)


def _managed(view: dict[str, Any]) -> dict[str, Any]:
    """Drop unmanaged (None) properties from a view."""
    return {name: value for name, value in view.items() if value is not None}
