"""Locks, bulk events and the history queries on a real PostgreSQL: racing acquirers (threads and
processes) and the indexes ``iac history`` relies on."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from planner.state import ResourceState, SqlStateStore
from tests.unit.planner.state.test_lock_races import HELLO, RACERS, race

pytestmark = pytest.mark.integration

# One racer process: waits for the common start moment, tries the lock, prints what happened.
RACER = """
import sys, time
from planner.errors import LockConflict
from planner.state import SqlStateStore
url, deployment_id, start = sys.argv[1], sys.argv[2], float(sys.argv[3])
store = SqlStateStore(url)
time.sleep(max(0.0, start - time.time()))
try:
    store.acquire_locks(deployment_id, [sys.argv[4]], holder=f"racer:{deployment_id[:8]}")
    print("won")
except LockConflict:
    print("refused")
"""


def test_threads_racing_for_one_address(pg_store: SqlStateStore, pg_url: str) -> None:
    for _ in range(10):
        racers = [pg_store.create_deployment({}, {}).id for _ in range(RACERS)]
        outcome = race(pg_url, racers)
        assert sorted(outcome) == ["refused"] * (RACERS - 1) + ["won"]
        [lock] = pg_store.list_locks()
        assert lock.deployment_id == racers[outcome.index("won")]
        pg_store.release_locks(lock.deployment_id)


def test_threads_racing_for_a_crashed_runs_lock(pg_store: SqlStateStore, pg_url: str) -> None:
    for _ in range(3):
        crashed = pg_store.create_deployment({}, {}).id
        pg_store.acquire_locks(crashed, [HELLO], holder="gone:1")
        time.sleep(0.6)
        racers = [pg_store.create_deployment({}, {}).id for _ in range(RACERS)]
        outcome = race(pg_url, racers, lease_seconds=0.5)
        assert sorted(outcome) == ["refused"] * (RACERS - 1) + ["won"]
        [lock] = pg_store.list_locks()
        assert lock.deployment_id == racers[outcome.index("won")]
        pg_store.release_locks(lock.deployment_id)


def test_processes_racing_for_one_address(pg_store: SqlStateStore, pg_url: str) -> None:
    racers = [pg_store.create_deployment({}, {}).id for _ in range(RACERS)]
    start = time.time() + 3  # every process is connected by then
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, pg_url, racer, str(start), HELLO], stdout=subprocess.PIPE, text=True
        )
        for racer in racers
    ]
    outcome = [process.communicate(timeout=60)[0].strip() for process in processes]
    assert sorted(outcome) == ["refused"] * (RACERS - 1) + ["won"]
    assert [lock.deployment_id for lock in pg_store.list_locks()] == [racers[outcome.index("won")]]


@pytest.fixture
def statements(pg_store: SqlStateStore) -> Iterator[list[tuple[str, Any]]]:
    """The SQL statements the store sends, with their parameters."""
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    engine = pg_store._engine
    event.listen(engine, "before_cursor_execute", capture)
    yield seen
    event.remove(engine, "before_cursor_execute", capture)


def _plan(store: SqlStateStore, statement: str, parameters: Any) -> str:
    """PostgreSQL's plan for ``statement`` when it may not scan whole tables (tiny test tables would)."""
    with store._engine.connect() as connection:
        connection.exec_driver_sql("SET enable_seqscan = off")
        rows = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters).scalar_one()
        connection.rollback()
    return json.dumps(rows)


def test_history_of_one_resource_reads_an_index_without_sorting(
    pg_store: SqlStateStore, statements: list[tuple[str, Any]]
) -> None:
    deployment = pg_store.create_deployment({}, {})
    for attempt in range(3):
        pg_store.record_resource(
            deployment.id, address=HELLO, kind="docker.container", endpoint="lab-docker", name="hello",
            state=ResourceState.PRESENT, spec={}, observed={"try": attempt}, dependencies=[],
        )
    statements.clear()
    assert [r.version for r in pg_store.resource_history(HELLO, limit=2)] == [3, 2]
    [(statement, parameters)] = [s for s in statements if "resource_versions" in s[0]]
    plan = _plan(pg_store, statement, parameters)
    assert "pk_resource_versions" in plan and '"Scan Direction": "Backward"' in plan
    assert '"Node Type": "Sort"' not in plan and '"Seq Scan"' not in plan


def test_events_of_one_resource_read_an_index_without_sorting(
    pg_store: SqlStateStore, statements: list[tuple[str, Any]]
) -> None:
    deployment = pg_store.create_deployment({}, {})
    pg_store.record_events(deployment.id, [("task_ok", {"n": n}, HELLO) for n in range(5)])
    statements.clear()
    assert [e.payload["n"] for e in pg_store.resource_events(HELLO, limit=2)] == [4, 3]
    [(statement, parameters)] = [s for s in statements if "infrastructure_events" in s[0]]
    plan = _plan(pg_store, statement, parameters)
    assert "ix_infrastructure_events_resource_address_id" in plan and '"Scan Direction": "Backward"' in plan
    assert '"Node Type": "Sort"' not in plan and '"Seq Scan"' not in plan


def test_bulk_events_link_recorded_resources(pg_store: SqlStateStore, pg_url: str) -> None:
    import psycopg

    deployment = pg_store.create_deployment({}, {})
    pg_store.record_resource(
        deployment.id, address=HELLO, kind="docker.container", endpoint="lab-docker", name="hello",
        state=ResourceState.PRESENT, spec={}, observed={}, dependencies=[],
    )
    assert pg_store.record_events(deployment.id, [("task_ok", {}, HELLO), ("task_ok", {}, "docker.x.later")]) == 2
    with psycopg.connect(pg_url.replace("postgresql+psycopg://", "postgresql://", 1)) as connection:
        rows = connection.execute(
            "SELECT resource_address, resource_id IS NOT NULL FROM infrastructure_events ORDER BY id"
        ).fetchall()
    assert rows == [(HELLO, True), ("docker.x.later", False)]
