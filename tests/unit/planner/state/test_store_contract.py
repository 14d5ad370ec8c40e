"""One behaviour suite for every state store: in memory and on SQLite here, on PostgreSQL in
``tests/integration/state/test_postgres_store.py`` (which reuses ``StoreContract``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from planner.errors import Fix, LockConflict, Remedy, StateError
from planner.state import (
    DeploymentRecord,
    DeploymentStatus,
    LockRecord,
    ResourceState,
    SqlStateStore,
)

HELLO = "docker.container.hello"


def _resource(store: Any, deployment_id: str, address: str = HELLO, **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "address": address,
        "kind": "docker.container",
        "endpoint": "lab-docker",
        "name": address.rsplit(".", 1)[-1],
        "state": ResourceState.PRESENT,
        "spec": {"image": "nginx:1.27", "ports": ["8080:80"]},
        "observed": {"id": "abc123"},
        "dependencies": [],
    }
    values.update(overrides)
    return store.record_resource(deployment_id, **values)


def _assert_utc(*moments: Any) -> None:
    for moment in moments:
        assert moment.tzinfo is not None and moment.utcoffset() == timedelta(0)


class StoreContract:
    """What every ``StateStore`` must do; subclasses provide a ``store`` fixture."""

    # -- deployments ---------------------------------------------------------------------------------

    def test_create_stores_a_planned_deployment(self, store: Any) -> None:
        created = store.create_deployment({"name": "hello"}, {"waves": [["a", "b"]]})
        assert uuid.UUID(created.id).version == 4
        assert created.status is DeploymentStatus.PLANNED
        assert (created.error, created.started_at, created.finished_at) == (None, None, None)
        assert (created.summary, created.rollback_data) == ({}, {})
        _assert_utc(created.created_at)
        assert store.get_deployment(created.id) == created

    def test_json_comes_back_as_json(self, store: Any) -> None:
        plan = {"waves": (("a",),), "n": 1.5, "none": None, "text": "Grüße ✓", "nested": {"k": [True]}}
        created = store.create_deployment({}, plan)
        expected = {"waves": [["a"]], "n": 1.5, "none": None, "text": "Grüße ✓", "nested": {"k": [True]}}
        assert created.plan == expected
        assert store.get_deployment(created.id).plan == expected

    def test_what_is_not_json_is_refused(self, store: Any) -> None:
        with pytest.raises(StateError, match="the plan"):
            store.create_deployment({}, {"when": object()})
        assert store.list_deployments() == []

    def test_stored_data_is_a_copy(self, store: Any) -> None:
        intent = {"services": ["web"]}
        created = store.create_deployment(intent, {})
        intent["services"].append("db")
        created.intent["services"].append("cache")
        assert store.get_deployment(created.id).intent == {"services": ["web"]}

    def test_get_by_prefix(self, store: Any) -> None:
        created = store.create_deployment({}, {})
        assert store.get_deployment(created.id[:4]) == created
        assert store.get_deployment(f"  {created.id[:8].upper()} ") == created
        assert store.get_deployment(created.id[:3]) is None  # too short to be a prefix

    def test_prefix_wildcards_are_literal(self, store: Any) -> None:
        store.create_deployment({}, {})
        assert store.get_deployment("%%%%") is None
        assert store.get_deployment("____") is None

    def test_ambiguous_prefix_names_the_matches(self, store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        ids = iter(
            uuid.UUID(text)
            for text in (
                "abcd1111-0000-4000-8000-000000000000",
                "abcd2222-0000-4000-8000-000000000000",
                "ef000000-0000-4000-8000-000000000000",
            )
        )
        monkeypatch.setattr(uuid, "uuid4", lambda: next(ids))
        first, second, _ = (store.create_deployment({}, {}) for _ in range(3))
        with pytest.raises(StateError) as raised:
            store.get_deployment("abcd")
        assert first.id in str(raised.value) and second.id in str(raised.value)
        assert "\n" not in str(raised.value)
        assert store.get_deployment("abcd2") == second

    def test_unknown_deployment_is_none(self, store: Any) -> None:
        assert store.get_deployment(str(uuid.uuid4())) is None

    def test_list_is_newest_first_and_limited(self, store: Any) -> None:
        made = [store.create_deployment({"n": n}, {}).id for n in range(5)]
        assert [d.id for d in store.list_deployments()] == made[::-1]
        assert [d.id for d in store.list_deployments(limit=2)] == made[::-1][:2]
        assert store.list_deployments(limit=0) == []

    def test_running_then_succeeded_sets_the_times(self, store: Any) -> None:
        created = store.create_deployment({}, {})
        running = store.update_deployment(created.id, status=DeploymentStatus.RUNNING)
        assert running.status is DeploymentStatus.RUNNING
        assert running.started_at is not None and running.finished_at is None
        done = store.update_deployment(created.id, status=DeploymentStatus.SUCCEEDED, summary={"changed": 2})
        assert done.started_at == running.started_at
        assert done.finished_at is not None and done.finished_at >= done.started_at
        _assert_utc(done.started_at, done.finished_at)
        assert done.summary == {"changed": 2}
        assert store.get_deployment(created.id) == done

    def test_failure_then_rollback(self, store: Any) -> None:
        created = store.create_deployment({}, {})
        store.update_deployment(created.id, status=DeploymentStatus.RUNNING)
        failed = store.update_deployment(
            created.id,
            status=DeploymentStatus.FAILED,
            error="wave 2 failed",
            rollback_data={"undo": [HELLO]},
        )
        rolled = store.update_deployment(created.id, status=DeploymentStatus.ROLLED_BACK)
        # what was not given is kept; the end moves on
        assert (rolled.error, rolled.rollback_data) == ("wave 2 failed", {"undo": [HELLO]})
        assert failed.finished_at is not None and rolled.finished_at is not None
        assert rolled.finished_at > failed.finished_at

    def test_resumed_run_keeps_its_start(self, store: Any) -> None:
        created = store.create_deployment({}, {})
        first = store.update_deployment(created.id, status=DeploymentStatus.RUNNING)
        store.update_deployment(created.id, status=DeploymentStatus.FAILED)
        resumed = store.update_deployment(created.id, status=DeploymentStatus.RUNNING)
        assert resumed.started_at == first.started_at and resumed.finished_at is None

    def test_ending_a_plan_that_never_ran(self, store: Any) -> None:
        created = store.create_deployment({}, {})
        ended = store.update_deployment(created.id, status=DeploymentStatus.FAILED, error="preflight")
        assert ended.started_at is not None and ended.finished_at is not None

    def test_updating_an_unknown_deployment_fails(self, store: Any) -> None:
        with pytest.raises(StateError, match="no deployment"):
            store.update_deployment(str(uuid.uuid4()), status=DeploymentStatus.RUNNING)

    # -- events --------------------------------------------------------------------------------------

    def test_events_come_back_in_order(self, store: Any) -> None:
        one, two = store.create_deployment({}, {}), store.create_deployment({}, {})
        first = store.record_event(one.id, "wave_started", {"wave": 1})
        store.record_event(two.id, "wave_started", {"wave": 1})
        second = store.record_event(one.id, "task_ok", {"changed": True}, resource_address=HELLO)
        events = store.list_events(one.id)
        assert [e.event_type for e in events] == ["wave_started", "task_ok"]
        assert events == [first, second] and first.id < second.id
        assert (events[0].resource_address, events[1].resource_address) == (None, HELLO)
        assert all(e.deployment_id == one.id for e in events)
        _assert_utc(*(e.created_at for e in events))

    def test_event_about_a_recorded_resource(self, store: Any) -> None:
        deployment = store.create_deployment({}, {})
        _resource(store, deployment.id)
        event = store.record_event(deployment.id, "task_ok", {}, resource_address=HELLO)
        assert store.list_events(deployment.id) == [event]

    def test_event_for_unknown_deployment_fails(self, store: Any) -> None:
        with pytest.raises(StateError, match="no deployment"):
            store.record_event(str(uuid.uuid4()), "task_ok", {})

    def test_no_events_for_unknown_deployment(self, store: Any) -> None:
        assert store.list_events(str(uuid.uuid4())) == []

    # -- resources -----------------------------------------------------------------------------------

    def test_first_record_is_version_one(self, store: Any) -> None:
        deployment = store.create_deployment({}, {})
        recorded = _resource(store, deployment.id, dependencies=["docker.network.lab"])
        assert (recorded.version, recorded.kind, recorded.provider) == (1, "docker.container", "docker")
        assert recorded.created_at == recorded.updated_at
        assert recorded.dependencies == ["docker.network.lab"]
        _assert_utc(recorded.created_at)
        assert store.get_resource(HELLO) == recorded

    def test_recording_again_makes_a_new_version(self, store: Any) -> None:
        first_run, second_run = store.create_deployment({}, {}), store.create_deployment({}, {})
        v1 = _resource(store, first_run.id)
        v2 = _resource(store, second_run.id, spec={"image": "nginx:1.28"}, state=ResourceState.ABSENT)
        assert (v2.version, v2.deployment_id, v2.spec) == (2, second_run.id, {"image": "nginx:1.28"})
        assert v2.created_at == v1.created_at and v2.updated_at > v1.updated_at
        assert store.get_resource(HELLO) == v2

    def test_history_keeps_every_version(self, store: Any) -> None:
        runs = [store.create_deployment({}, {}) for _ in range(3)]
        states = [ResourceState.PRESENT, ResourceState.FAILED, ResourceState.ABSENT]
        for version, (run, state) in enumerate(zip(runs, states, strict=True), start=1):
            _resource(store, run.id, state=state, observed={"try": version})
        history = store.resource_history(HELLO)
        assert [(r.version, r.state, r.observed, r.deployment_id) for r in history] == [
            (n, state, {"try": n}, run.id) for n, (run, state) in enumerate(zip(runs, states, strict=True), 1)
        ][::-1]
        assert history[0] == store.get_resource(HELLO)  # newest first
        assert store.resource_history("docker.container.nothing") == []

    def test_unknown_resource_is_none(self, store: Any) -> None:
        assert store.get_resource("docker.container.nothing") is None

    def test_resource_for_unknown_deployment_fails(self, store: Any) -> None:
        with pytest.raises(StateError, match="no deployment"):
            _resource(store, str(uuid.uuid4()))
        assert store.get_resource(HELLO) is None

    def test_list_resources_by_address_without_absent(self, store: Any) -> None:
        first, second = store.create_deployment({}, {}), store.create_deployment({}, {})
        _resource(store, first.id, "docker.network.lab", kind="docker.network")
        _resource(store, first.id, "docker.container.web")
        _resource(store, second.id, "docker.container.db", state=ResourceState.FAILED)
        _resource(store, second.id, "docker.container.old", state=ResourceState.ABSENT)
        addresses = [r.address for r in store.list_resources()]
        assert addresses == ["docker.container.db", "docker.container.web", "docker.network.lab"]
        everything = [r.address for r in store.list_resources(include_absent=True)]
        assert everything == sorted([*addresses, "docker.container.old"])
        by_second = store.list_resources(deployment_id=second.id, include_absent=True)
        assert [r.address for r in by_second] == ["docker.container.db", "docker.container.old"]
        assert store.list_resources(deployment_id=str(uuid.uuid4())) == []

    def test_a_deployment_lists_resources_as_it_left_them(self, store: Any) -> None:
        creating, removing = store.create_deployment({}, {}), store.create_deployment({}, {})
        _resource(store, creating.id, "docker.container.web")
        _resource(store, creating.id, "docker.container.web", observed={"id": "final"})
        _resource(store, creating.id, "docker.container.db")
        _resource(store, removing.id, "docker.container.web", state=ResourceState.ABSENT)
        created = store.list_resources(deployment_id=creating.id)
        assert [(r.address, r.version, r.state) for r in created] == [
            ("docker.container.db", 1, ResourceState.PRESENT),
            ("docker.container.web", 2, ResourceState.PRESENT),
        ]
        assert created[1].observed == {"id": "final"} and created[1].deployment_id == creating.id
        assert store.list_resources(deployment_id=removing.id) == []
        removed = store.list_resources(deployment_id=removing.id, include_absent=True)
        assert removed == [store.get_resource("docker.container.web")]

    # -- history and the past ------------------------------------------------------------------------

    def test_history_is_limited(self, store: Any) -> None:
        deployment = store.create_deployment({}, {})
        for attempt in range(5):
            _resource(store, deployment.id, observed={"try": attempt})
        assert [r.version for r in store.resource_history(HELLO, limit=2)] == [5, 4]
        assert store.resource_history(HELLO, limit=0) == []

    def test_history_of_everything_is_newest_first(self, store: Any) -> None:
        deployment = store.create_deployment({}, {})
        _resource(store, deployment.id, "docker.container.web")
        _resource(store, deployment.id, "docker.container.db")
        _resource(store, deployment.id, "docker.container.web", state=ResourceState.ABSENT)
        everything = store.resource_history()
        assert [(r.address, r.version) for r in everything] == [
            ("docker.container.web", 2),
            ("docker.container.db", 1),
            ("docker.container.web", 1),
        ]
        assert everything[0].state is ResourceState.ABSENT  # history shows removals too
        assert [(r.address, r.version) for r in store.resource_history(None, limit=1)] == [("docker.container.web", 2)]

    def test_resources_as_of_a_moment(self, store: Any) -> None:
        first, second = store.create_deployment({}, {}), store.create_deployment({}, {})
        web_v1 = _resource(store, first.id, "docker.container.web")
        db_v1 = _resource(store, first.id, "docker.container.db")
        web_v2 = _resource(store, second.id, "docker.container.web", spec={"image": "nginx:1.28"})
        _resource(store, second.id, "docker.container.db", state=ResourceState.ABSENT)
        cache = _resource(store, second.id, "docker.container.cache", state=ResourceState.FAILED)
        assert store.resources_as_of(web_v1.updated_at - timedelta(microseconds=1)) == []
        assert store.resources_as_of(web_v1.updated_at) == [web_v1]  # at the moment counts
        assert store.resources_as_of(db_v1.updated_at) == [db_v1, web_v1]
        assert store.resources_as_of(web_v2.updated_at) == [db_v1, web_v2]
        now = store.resources_as_of(cache.updated_at + timedelta(days=1))
        assert now == [cache, web_v2] == store.list_resources()  # db was removed; failed ones stay

    def test_as_of_takes_any_zone_but_not_none(self, store: Any) -> None:
        deployment = store.create_deployment({}, {})
        recorded = _resource(store, deployment.id)
        elsewhere = recorded.updated_at.astimezone(datetime.now().astimezone().tzinfo)
        assert store.resources_as_of(elsewhere) == [recorded]
        with pytest.raises(ValueError, match="naive"):
            store.resources_as_of(recorded.updated_at.replace(tzinfo=None))

    def test_resources_after_a_deployment(self, store: Any) -> None:
        first, second = store.create_deployment({}, {}), store.create_deployment({}, {})
        store.update_deployment(first.id, status=DeploymentStatus.RUNNING)
        web_v1 = _resource(store, first.id, "docker.container.web")
        db_v1 = _resource(store, first.id, "docker.container.db")
        store.update_deployment(first.id, status=DeploymentStatus.SUCCEEDED)
        store.update_deployment(second.id, status=DeploymentStatus.RUNNING)
        web_v2 = _resource(store, second.id, "docker.container.web", spec={"image": "nginx:1.28"})
        _resource(store, second.id, "docker.container.db", state=ResourceState.ABSENT)
        cache = _resource(store, second.id, "docker.container.cache")
        store.update_deployment(second.id, status=DeploymentStatus.SUCCEEDED)
        assert store.resources_after(first.id) == [db_v1, web_v1]
        assert store.resources_after(second.id) == [cache, web_v2]
        with pytest.raises(StateError, match="no deployment"):
            store.resources_after(str(uuid.uuid4()))

    def test_after_a_deployment_its_own_versions_win(self, store: Any) -> None:
        """Another run that changed a resource while this one was still running does not count."""
        slow, other = store.create_deployment({}, {}), store.create_deployment({}, {})
        store.update_deployment(slow.id, status=DeploymentStatus.RUNNING)
        mine = _resource(store, slow.id, "docker.container.web")
        theirs = _resource(store, other.id, "docker.container.web", observed={"id": "theirs"})
        unrelated = _resource(store, other.id, "docker.container.db")
        assert store.resources_after(slow.id) == [unrelated, mine]  # not finished yet: as of now
        store.update_deployment(slow.id, status=DeploymentStatus.SUCCEEDED)
        assert store.resources_after(slow.id) == [unrelated, mine]
        assert store.resources_after(other.id) == [unrelated, theirs]

    # -- events in bulk ------------------------------------------------------------------------------

    def test_record_events_in_bulk(self, store: Any) -> None:
        deployment = store.create_deployment({}, {})
        _resource(store, deployment.id)
        single = store.record_event(deployment.id, "wave_started", {"wave": 1})
        count = store.record_events(
            deployment.id,
            [("task_ok", {"n": 1}, HELLO), ("task_ok", {"n": (2,)}, "docker.network.lab"), ("wave_done", {}, None)],
        )
        assert count == 3
        events = store.list_events(deployment.id)
        assert events[0] == single
        assert [(e.event_type, e.payload, e.resource_address) for e in events[1:]] == [
            ("task_ok", {"n": 1}, HELLO),
            ("task_ok", {"n": [2]}, "docker.network.lab"),
            ("wave_done", {}, None),
        ]
        assert [e.id for e in events] == sorted(e.id for e in events) and len({e.id for e in events}) == 4
        assert [e.created_at for e in events] == sorted(e.created_at for e in events)
        _assert_utc(*(e.created_at for e in events))
        assert store.record_events(deployment.id, []) == 0

    def test_record_events_is_all_or_nothing(self, store: Any) -> None:
        deployment = store.create_deployment({}, {})
        with pytest.raises(StateError, match="task_failed"):
            store.record_events(deployment.id, [("task_ok", {}, None), ("task_failed", {"raw": b"\x00"}, None)])
        assert store.list_events(deployment.id) == []
        with pytest.raises(StateError, match="no deployment"):
            store.record_events(str(uuid.uuid4()), [("task_ok", {}, None)])

    def test_events_of_one_resource_newest_first(self, store: Any) -> None:
        one, two = store.create_deployment({}, {}), store.create_deployment({}, {})
        store.record_events(one.id, [("task_ok", {"n": n}, HELLO if n % 2 else None) for n in range(6)])
        store.record_event(two.id, "drift_detected", {"n": 6}, resource_address=HELLO)
        about = store.resource_events(HELLO)
        assert [(e.payload["n"], e.deployment_id) for e in about] == [(6, two.id), (5, one.id), (3, one.id), (1, one.id)]
        assert [e.payload["n"] for e in store.resource_events(HELLO, limit=2)] == [6, 5]
        assert store.resource_events(HELLO, limit=0) == []
        assert store.resource_events("docker.container.nothing") == []

    # -- locks ---------------------------------------------------------------------------------------

    def test_acquired_locks_are_listed(self, store: Any) -> None:
        deployment = store.create_deployment({}, {})
        store.acquire_locks(deployment.id, [HELLO, "docker.network.lab", HELLO], holder="box:41")
        locks = store.list_locks()
        assert [(lock.address, lock.deployment_id, lock.holder) for lock in locks] == [
            (HELLO, deployment.id, "box:41"),
            ("docker.network.lab", deployment.id, "box:41"),
        ]
        assert all(type(lock) is LockRecord and lock.acquired_at == lock.heartbeat_at for lock in locks)
        _assert_utc(*(lock.acquired_at for lock in locks))

    def test_a_live_lock_of_another_deployment_conflicts(self, store: Any) -> None:
        holder, late = store.create_deployment({}, {}), store.create_deployment({}, {})
        store.acquire_locks(holder.id, [HELLO, "docker.container.web"], holder="box:41")
        before = store.list_locks()
        with pytest.raises(LockConflict) as raised:
            store.acquire_locks(late.id, ["docker.container.web", "docker.network.lab", HELLO], holder="box:42")
        conflict = raised.value
        assert isinstance(conflict, StateError)
        assert (conflict.holder_deployment_id, conflict.holder) == (holder.id, "box:41")
        assert conflict.addresses == [HELLO, "docker.container.web"]
        assert conflict.message == f"deployment {holder.id[:8]} (box:41) is changing {HELLO}, docker.container.web"
        assert conflict.remedy == Remedy(Fix.WAIT_OR_ROLL_BACK, holder.id[:8])  # worded by each adapter
        assert store.list_locks() == before  # all or nothing: docker.network.lab was not taken

    def test_reacquiring_own_locks_renews_them(self, store: Any) -> None:
        deployment = store.create_deployment({}, {})
        store.acquire_locks(deployment.id, [HELLO], holder="box:41")
        [first] = store.list_locks()
        store.acquire_locks(deployment.id, [HELLO, "docker.network.lab"], holder="box:77")
        again = {lock.address: lock for lock in store.list_locks()}
        assert again[HELLO].acquired_at == first.acquired_at
        assert again[HELLO].heartbeat_at > first.heartbeat_at
        assert again[HELLO].holder == "box:77" and set(again) == {HELLO, "docker.network.lab"}

    def test_a_stale_lock_is_taken_over(self, store: Any) -> None:
        crashed, next_run = store.create_deployment({}, {}), store.create_deployment({}, {})
        store.acquire_locks(crashed.id, [HELLO, "docker.container.web"], holder="box:41")
        [old, _] = store.list_locks()
        # with a lease of 0 every earlier heartbeat is stale
        store.acquire_locks(next_run.id, [HELLO], holder="box:42", lease_seconds=0)
        taken, left = store.list_locks()
        assert (taken.address, taken.deployment_id, taken.holder) == (HELLO, next_run.id, "box:42")
        assert taken.acquired_at > old.acquired_at
        assert left.deployment_id == crashed.id  # what was not asked for stays with the crashed run

    def test_heartbeat_renews_only_own_locks(self, store: Any) -> None:
        mine, theirs = store.create_deployment({}, {}), store.create_deployment({}, {})
        store.acquire_locks(mine.id, [HELLO], holder="box:41")
        store.acquire_locks(theirs.id, ["docker.container.web"], holder="box:42")
        before = {lock.address: lock for lock in store.list_locks()}
        store.heartbeat(mine.id)
        after = {lock.address: lock for lock in store.list_locks()}
        assert after[HELLO].heartbeat_at > before[HELLO].heartbeat_at
        assert after[HELLO].acquired_at == before[HELLO].acquired_at
        assert after["docker.container.web"] == before["docker.container.web"]

    def test_released_locks_can_be_taken(self, store: Any) -> None:
        first, second = store.create_deployment({}, {}), store.create_deployment({}, {})
        store.acquire_locks(first.id, [HELLO], holder="box:41")
        store.acquire_locks(second.id, ["docker.container.web"], holder="box:42")
        store.release_locks(first.id)
        assert [lock.address for lock in store.list_locks()] == ["docker.container.web"]
        store.acquire_locks(second.id, [HELLO], holder="box:42")
        assert {lock.deployment_id for lock in store.list_locks()} == {second.id}
        store.release_locks(first.id)  # nothing left to release: harmless

    def test_locks_of_an_unknown_deployment_fail(self, store: Any) -> None:
        unknown = str(uuid.uuid4())
        with pytest.raises(StateError, match="no deployment"):
            store.acquire_locks(unknown, [HELLO], holder="box:41")
        for method in (store.heartbeat, store.release_locks):
            with pytest.raises(StateError, match="no deployment"):
                method(unknown)
        assert store.list_locks() == []

    def test_interrupted_deployments(self, store: Any) -> None:
        locked, unlocked, done, planned = (store.create_deployment({"n": n}, {}) for n in range(4))
        for deployment in (locked, unlocked, done):
            store.update_deployment(deployment.id, status=DeploymentStatus.RUNNING)
        store.acquire_locks(locked.id, [HELLO], holder="box:41")
        store.acquire_locks(done.id, ["docker.container.web"], holder="box:42")
        store.update_deployment(done.id, status=DeploymentStatus.SUCCEEDED)
        assert store.interrupted_deployments() == []  # live leases, and the lockless one just started
        crashed = store.interrupted_deployments(lease_seconds=0)
        assert [d.id for d in crashed] == [unlocked.id, locked.id]  # newest first
        assert crashed[0] == store.get_deployment(unlocked.id)
        store.heartbeat(locked.id)
        assert [d.id for d in store.interrupted_deployments(lease_seconds=3600)] == []
        assert planned.id not in [d.id for d in store.interrupted_deployments(lease_seconds=0)]

    def test_non_json_spec_is_refused(self, store: Any) -> None:
        deployment = store.create_deployment({}, {})
        with pytest.raises(StateError, match=HELLO):
            _resource(store, deployment.id, spec={"bytes": b"\x00"})
        assert store.get_resource(HELLO) is None

    # -- stacks --------------------------------------------------------------------------------------

    def test_a_stack_is_recorded_replaced_and_removed(self, store: Any) -> None:
        first = store.create_deployment({}, {})
        second = store.create_deployment({}, {})
        intents = [{"kind": "network_segment", "name": "gaming", "vlan": 20}]
        made = store.record_stack("game", deployment_id=first.id, source="examples/minecraft.yaml",
                                  intents=intents, addresses=["opnsense.vlan.gaming", HELLO, HELLO])
        intents[0]["vlan"] = 30  # what was stored is a copy
        assert made.addresses == ["opnsense.vlan.gaming", HELLO]  # in order, each once
        assert store.get_stack("game") == made and made.intents[0]["vlan"] == 20
        store.record_stack("net", deployment_id=first.id, source="net.yaml", intents=[], addresses=[])
        again = store.record_stack("game", deployment_id=second.id, source="game.yaml", intents=[], addresses=[HELLO],
                                   adopted=[HELLO, "docker.network.not-owned"])
        assert (again.deployment_id, again.source, again.addresses) == (second.id, "game.yaml", [HELLO])
        assert again.adopted == [HELLO] and made.adopted == []  # only what it owns
        assert again.updated_at > made.updated_at
        _assert_utc(again.updated_at)
        assert [stack.name for stack in store.list_stacks()] == ["game", "net"]
        store.remove_stack("game")
        store.remove_stack("never-was")
        assert store.get_stack("game") is None
        assert [stack.name for stack in store.list_stacks()] == ["net"]

    def test_a_resource_is_renamed_with_its_history_dependents_and_stacks(self, store: Any) -> None:
        first = store.create_deployment({}, {})
        _resource(store, first.id)
        _resource(store, first.id, "docker.container.web", dependencies=[HELLO])
        store.record_stack("s", deployment_id=first.id, source="s.yaml", intents=[],
                           addresses=[HELLO, "docker.container.web"])
        mover = store.create_deployment({}, {})
        moved = store.rename_resource(mover.id, HELLO, "docker.container.greeting")
        assert (moved.address, moved.name, moved.version, moved.deployment_id) == (
            "docker.container.greeting", "greeting", 2, mover.id)
        assert store.get_resource(HELLO) is None
        assert [v.version for v in store.resource_history("docker.container.greeting")] == [2, 1]
        assert store.get_resource("docker.container.web").dependencies == ["docker.container.greeting"]
        assert store.get_stack("s").addresses == ["docker.container.greeting", "docker.container.web"]
        with pytest.raises(StateError, match="'docker.container.web' is recorded already"):
            store.rename_resource(mover.id, "docker.container.greeting", "docker.container.web")
        with pytest.raises(StateError, match="a move keeps the kind"):
            store.rename_resource(mover.id, "docker.container.greeting", "docker.network.greeting")
        with pytest.raises(StateError, match="'docker.container.nope' is not recorded"):
            store.rename_resource(mover.id, "docker.container.nope", "docker.container.x")
        assert store.get_resource("docker.container.greeting").version == 2  # the refusals wrote nothing

    # -- audit ---------------------------------------------------------------------------------------

    def test_audit_rows_come_back_newest_first(self, store: Any) -> None:
        first = store.record_audit("alice", "plan", {"intent": {"kind": "container"}}, outcome="ok",
                                   deployment_id="0f6e2c1a-0000-4000-8000-000000000000")
        second = store.record_audit("bob", "apply", {"plan_id": "nope"}, outcome="error: no deployment 'nope'")
        assert [row.tool for row in store.list_audit()] == ["apply", "plan"]
        assert store.list_audit(limit=1) == [second]
        assert (first.principal, first.arguments, first.outcome) == ("alice", {"intent": {"kind": "container"}}, "ok")
        assert first.deployment_id == "0f6e2c1a-0000-4000-8000-000000000000" and second.deployment_id is None
        assert second.id > first.id
        _assert_utc(first.at, second.at)

    def test_audit_arguments_must_be_json(self, store: Any) -> None:
        with pytest.raises(StateError, match="apply"):
            store.record_audit("alice", "apply", {"bytes": b"\x00"}, outcome="ok")
        assert store.list_audit() == []


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStateStore]:
    """The store over an SQLite file, the database that needs no server (PostgreSQL: tests/integration/state)."""
    opened = SqlStateStore(f"sqlite:///{tmp_path / 'state.db'}")
    yield opened
    opened.close()


class TestStoreContract(StoreContract):
    """The suite on ``SqlStateStore`` over an SQLite file."""


def test_records_are_plain_dataclasses(store: Any) -> None:
    """No ORM object leaks out: what comes back compares and copies like a value."""
    created = store.create_deployment({}, {})
    assert type(created) is DeploymentRecord
    assert created == DeploymentRecord(**vars(created))
