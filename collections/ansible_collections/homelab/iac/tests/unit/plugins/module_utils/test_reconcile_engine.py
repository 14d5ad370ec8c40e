"""The generic reconcile engine, driven by a tiny in-memory resource kind."""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.homelab.iac.plugins.module_utils._diff import SECRET_MASK
from ansible_collections.homelab.iac.plugins.module_utils._reconcile import (
    Action,
    Field,
    ReconcileError,
    Reconciler,
    Resource,
)


class Vlan(Resource[dict]):
    """A made-up backend object: tag can't change in place, description can, key is secret."""

    kind = "test vlan"
    fields = (Field("tag", replace=True), Field("description"), Field("key", secret=True))

    def __init__(self, store: dict[str, dict], name: str, **desired: Any) -> None:
        self.store, self.name, self.wanted = store, name, desired
        self.calls: list[str] = []

    def read(self) -> dict | None:
        return dict(self.store[self.name]) if self.name in self.store else None

    def current(self, observed: dict) -> dict[str, Any]:
        return {"tag": observed["tag"], "description": observed.get("description"), "key": observed.get("key")}

    def desired(self) -> dict[str, Any]:
        return {"tag": self.wanted.get("tag"), "description": self.wanted.get("description"),
                "key": self.wanted.get("key")}

    def create(self) -> None:
        self.calls.append("create")
        self.store[self.name] = {name: value for name, value in self.wanted.items() if value is not None}

    def update(self, observed: dict, changed: list[str]) -> None:
        self.calls.append("update:" + ",".join(changed))
        self.store[self.name].update({name: self.wanted[name] for name in changed})

    def delete(self, observed: dict) -> None:
        self.calls.append("delete")
        del self.store[self.name]

    def check_delete(self, observed: dict) -> None:
        if observed.get("protected"):
            raise ReconcileError(f"vlan {self.name} is protected")

    def facts(self, observed: dict | None) -> dict[str, Any]:
        return {} if observed is None else {"name": self.name, "tag": observed["tag"]}


def test_create_then_rerun_is_noop_without_calls() -> None:
    store: dict[str, dict] = {}
    first = Vlan(store, "iot", tag=30, description="things")
    outcome = Reconciler(first, check_mode=False).run("present")
    assert (outcome.action, outcome.changed, outcome.facts) == (Action.CREATE, True, {"name": "iot", "tag": 30})
    assert outcome.diff == {"before": {}, "after": {"tag": 30, "description": "things"}}

    again = Vlan(store, "iot", tag=30, description="things")
    outcome = Reconciler(again, check_mode=False).run("present")
    assert (outcome.action, outcome.changed) == (Action.NOOP, False)
    assert again.calls == []


def test_in_place_change_is_an_update() -> None:
    store = {"iot": {"tag": 30, "description": "old"}}
    resource = Vlan(store, "iot", tag=30, description="new")
    outcome = Reconciler(resource, check_mode=False).run("present")
    assert outcome.action is Action.UPDATE
    assert outcome.updated == ["description"] and outcome.replaced_because == []
    assert resource.calls == ["update:description"]
    assert outcome.diff["before"]["description"] == "old" and outcome.diff["after"]["description"] == "new"


def test_replace_field_wins_over_update_and_is_named() -> None:
    store = {"iot": {"tag": 30, "description": "old"}}
    resource = Vlan(store, "iot", tag=31, description="new")
    outcome = Reconciler(resource, check_mode=False).run("present")
    assert outcome.action is Action.REPLACE
    assert outcome.replaced_because == ["tag"]
    assert resource.calls == ["delete", "create"]
    assert store["iot"]["tag"] == 31


def test_unmanaged_desired_values_are_not_compared() -> None:
    store = {"iot": {"tag": 30, "description": "set by hand"}}
    outcome = Reconciler(Vlan(store, "iot", tag=30), check_mode=False).run("present")
    assert outcome.action is Action.NOOP


def test_diff_before_is_the_whole_current_view_unmanaged_fields_included() -> None:
    # What an import reads: a check-mode run with only the identity shows everything as it is.
    store = {"iot": {"tag": 30, "description": "set by hand", "key": "psk"}}
    resource = Vlan(store, "iot", tag=30)
    outcome = Reconciler(resource, check_mode=True).run("present")
    whole = {"tag": 30, "description": "set by hand", "key": SECRET_MASK}
    assert (outcome.action, outcome.diff) == (Action.NOOP, {"before": whole, "after": whole})
    assert resource.view(resource.read()) == whole  # type: ignore[arg-type]
    changed = Reconciler(Vlan(store, "iot", tag=30, description="new"), check_mode=True).run("present")
    assert changed.diff["before"] == whole and changed.diff["after"] == {**whole, "description": "new"}
    assert changed.updated == ["description"]


def test_check_mode_plans_and_diffs_but_never_acts() -> None:
    store = {"iot": {"tag": 30, "description": "old"}}
    resource = Vlan(store, "iot", tag=31)
    outcome = Reconciler(resource, check_mode=True).run("present")
    assert (outcome.action, outcome.changed) == (Action.REPLACE, True)
    assert outcome.diff["after"]["tag"] == 31
    assert outcome.facts == {"name": "iot", "tag": 30}  # what exists now
    assert resource.calls == [] and store["iot"]["tag"] == 30

    missing = Vlan(store, "guest", tag=40)
    outcome = Reconciler(missing, check_mode=True).run("present")
    assert (outcome.action, outcome.facts) == (Action.CREATE, {})
    assert "guest" not in store


def test_delete_and_absent_noop() -> None:
    store = {"iot": {"tag": 30, "key": "psk"}}
    outcome = Reconciler(Vlan(store, "iot"), check_mode=False).run("absent")
    assert (outcome.action, outcome.facts) == (Action.DELETE, {})
    assert outcome.diff == {"before": {"tag": 30, "description": None, "key": SECRET_MASK}, "after": {}}
    assert store == {}
    outcome = Reconciler(Vlan(store, "iot"), check_mode=False).run("absent")
    assert (outcome.action, outcome.changed) == (Action.NOOP, False)


def test_refusal_stops_delete_and_replace_before_any_call() -> None:
    store = {"mgmt": {"tag": 10, "protected": True}}
    for state, wanted in (("absent", {}), ("present", {"tag": 11})):
        resource = Vlan(store, "mgmt", **wanted)
        with pytest.raises(ReconcileError, match="protected"):
            Reconciler(resource, check_mode=True).run(state)
        assert resource.calls == []
    assert store["mgmt"]["tag"] == 10


def test_secret_changes_are_detected_but_masked() -> None:
    store = {"iot": {"tag": 30, "key": "old-psk"}}
    outcome = Reconciler(Vlan(store, "iot", tag=30, key="new-psk"), check_mode=True).run("present")
    assert outcome.changed
    assert "psk" not in repr(outcome.diff)


def test_unknown_state_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="state"):
        Reconciler(Vlan({}, "x"), check_mode=True).plan("started")
