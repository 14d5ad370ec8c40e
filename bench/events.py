"""Event ingestion and ``iac history`` speed on PostgreSQL (issue 8's performance targets).

1. Writes 100,000 runner-like events through ``SqlStateStore.record_events`` in batches and reports
   events/s (target >= 5,000/s).
2. Fills the events table so that one resource has 1,000,000 events (and 10,000 versions), with
   ``INSERT ... SELECT generate_series``, then times ``resource_history`` and ``resource_events`` for it
   (target < 50 ms) and shows which index PostgreSQL reads.

Prints a table; asserts nothing. Uses ``$IAC_BENCH_DATABASE_URL`` (its bench rows are deleted at the end),
else a fresh database on 127.0.0.1:5432 that is dropped at the end.

    .venv/bin/python bench/events.py [EVENTS] [BATCH]        # default: 100000 1000
"""

from __future__ import annotations

import os
import secrets
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import psycopg
from psycopg import sql

from planner.state import ResourceState, SqlStateStore, normalise_url
from planner.state.store import EventTuple

URL_ENV = "IAC_BENCH_DATABASE_URL"
LOCAL_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
TARGET = "docker.container.minecraft"
HISTORY_EVENTS = 1_000_000
HISTORY_VERSIONS = 10_000
TARGET_EVENTS_MS = 50.0
TARGET_RATE = 5_000.0


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@contextmanager
def bench_database() -> Iterator[tuple[str, bool]]:
    """The URL to use and whether it was made here (and is dropped afterwards)."""
    explicit = os.environ.get(URL_ENV, "").strip()
    if explicit:
        yield normalise_url(explicit), False
        return
    name = f"iac_bench_{secrets.token_hex(4)}"
    with psycopg.connect(LOCAL_ADMIN, autocommit=True, connect_timeout=5) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield normalise_url(LOCAL_ADMIN.rsplit("/", 1)[0] + f"/{name}"), True
    finally:
        with psycopg.connect(LOCAL_ADMIN, autocommit=True, connect_timeout=5) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def runner_events(count: int, offset: int) -> list[EventTuple]:
    """Events shaped like what the recorder stores for ansible-runner (one in 50 about the target)."""
    events: list[EventTuple] = []
    for n in range(offset, offset + count):
        address = TARGET if n % 50 == 0 else f"docker.container.app-{n % 49}"
        payload = {
            "task": f"homelab.iac.docker_batch wave {n % 7}",
            "host": "lab-docker",
            "changed": n % 3 == 0,
            "counter": n,
            "res": {"observed": {"id": f"{n:064x}", "status": "running"}, "diff": {"before": {}, "after": {}}},
        }
        events.append(("runner_on_ok", payload, address))
    return events


def ingest(store: SqlStateStore, deployment_id: str, total: int, batch: int) -> float:
    """Seconds to write ``total`` events in batches of ``batch`` (building the events is not timed)."""
    batches = [runner_events(min(batch, total - start), start) for start in range(0, total, batch)]
    began = time.perf_counter()
    for events in batches:
        store.record_events(deployment_id, events)
    return time.perf_counter() - began


def fill_history(url: str, deployment_id: str) -> tuple[float, int]:
    """Give ``TARGET`` 1,000,000 events and 10,000 versions in total; returns (seconds, table rows)."""
    began = time.perf_counter()
    with psycopg.connect(_libpq(url)) as connection:
        resource_id, have = connection.execute(
            "SELECT r.id, (SELECT count(*) FROM infrastructure_events e WHERE e.resource_address = r.address) "
            "FROM infrastructure_resources r WHERE r.address = %s",
            [TARGET],
        ).fetchone() or (None, 0)
        connection.execute(
            """
            INSERT INTO infrastructure_events
                (resource_id, resource_address, deployment_id, event_type, payload, created_at)
            SELECT %(rid)s, %(address)s, %(deployment)s, 'runner_on_ok',
                   jsonb_build_object('task', 'homelab.iac.docker_batch', 'host', 'lab-docker',
                                      'changed', g %% 3 = 0, 'counter', g),
                   now() - interval '1 day' + g * interval '1 millisecond'
            FROM generate_series(1, %(count)s) AS g
            """,
            {"rid": resource_id, "address": TARGET, "deployment": deployment_id, "count": HISTORY_EVENTS - have},
        )
        connection.execute(
            """
            INSERT INTO resource_versions
                (resource_id, version, deployment_id, endpoint, state, spec, observed, dependencies, created_at)
            SELECT %(rid)s, g, %(deployment)s, 'lab-docker', 'present',
                   jsonb_build_object('image', 'homelab/minecraft:' || g), '{}'::jsonb, '[]'::jsonb,
                   now() - interval '1 day' + g * interval '1 second'
            FROM generate_series(2, %(count)s) AS g
            """,
            {"rid": resource_id, "deployment": deployment_id, "count": HISTORY_VERSIONS},
        )
        connection.execute(
            "UPDATE infrastructure_resources SET version = %s WHERE id = %s", [HISTORY_VERSIONS, resource_id]
        )
        connection.commit()
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE infrastructure_events")
        connection.execute("VACUUM ANALYZE resource_versions")
        rows = connection.execute("SELECT count(*) FROM infrastructure_events").fetchone()
    return time.perf_counter() - began, int(rows[0]) if rows else 0


def timed(query: Callable[[], Any], runs: int = 30) -> tuple[float, float, Any]:
    """Median and worst milliseconds of ``runs`` calls (after one warm-up), and the last result."""
    result = query()
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        result = query()
        samples.append((time.perf_counter() - began) * 1000)
    return statistics.median(samples), max(samples), result


def index_used(url: str, statement: str, parameters: list[Any]) -> str:
    """The indexes PostgreSQL reads for ``statement`` (from EXPLAIN), or "no index"."""
    with psycopg.connect(_libpq(url)) as connection:
        plan = "\n".join(row[0] for row in connection.execute(f"EXPLAIN {statement}", parameters).fetchall())
    names = [part.split(" on ")[0].split()[-1] for part in plan.splitlines() if "Index" in part and " using " in part]
    sort = " + sort" if "Sort" in plan else ""
    return (", ".join(dict.fromkeys(names)) or "no index") + sort


def cleanup(url: str, deployment_id: str) -> None:
    """Remove the bench's rows from a database that is not ours to drop."""
    with psycopg.connect(_libpq(url)) as connection:
        for table in ("infrastructure_events", "resource_versions", "resource_locks"):
            connection.execute(
                sql.SQL("DELETE FROM {} WHERE deployment_id = %s").format(sql.Identifier(table)), [deployment_id]
            )
        connection.execute("DELETE FROM resource_versions WHERE resource_id IN "
                           "(SELECT id FROM infrastructure_resources WHERE deployment_id = %s)", [deployment_id])
        connection.execute("DELETE FROM infrastructure_events WHERE resource_id IN "
                           "(SELECT id FROM infrastructure_resources WHERE deployment_id = %s)", [deployment_id])
        connection.execute("DELETE FROM infrastructure_resources WHERE deployment_id = %s", [deployment_id])
        connection.execute("DELETE FROM deployments WHERE id = %s", [deployment_id])


def main(total: int, batch: int) -> None:
    began = time.perf_counter()
    with bench_database() as (url, fresh):
        store = SqlStateStore(url)
        deployment = store.create_deployment({"bench": "events"}, {})
        try:
            store.record_resource(
                deployment.id, address=TARGET, kind="docker.container", endpoint="lab-docker", name="minecraft",
                state=ResourceState.PRESENT, spec={"image": "homelab/minecraft:1"}, observed={}, dependencies=[],
            )
            seconds = ingest(store, deployment.id, total, batch)
            rate = total / seconds
            small_batch = min(total, 10_000)
            small_seconds = ingest(store, deployment.id, small_batch, 100)

            fill_seconds, table_rows = fill_history(url, deployment.id)
            history_ms, history_worst, history = timed(lambda: store.resource_history(TARGET))
            events_ms, events_worst, events = timed(lambda: store.resource_events(TARGET))
            all_ms, all_worst, _ = timed(lambda: store.resource_history())
            moment = history[len(history) // 2].updated_at - timedelta(hours=1)
            as_of_ms, as_of_worst, _ = timed(lambda: store.resources_as_of(moment), runs=10)
            history_index = index_used(
                url, "SELECT * FROM resource_versions WHERE resource_id = "
                "(SELECT id FROM infrastructure_resources WHERE address = %s) ORDER BY version DESC LIMIT 100",
                [TARGET],
            )
            events_index = index_used(
                url, "SELECT * FROM infrastructure_events WHERE resource_address = %s ORDER BY id DESC LIMIT 100",
                [TARGET],
            )
        finally:
            store.close()
            if not fresh:
                cleanup(url, deployment.id)

    ok = {True: "ok", False: "MISSED"}
    print(f"PostgreSQL: {'a fresh database, dropped' if fresh else URL_ENV}")
    print(f"{'measurement':<52} {'result':>16} {'target':>12} {'':>6}")
    print(f"{f'record_events: {total:,} events, batches of {batch}':<52} {rate:>12,.0f} ev/s "
          f"{'>= 5,000/s':>12} {ok[rate >= TARGET_RATE]:>6}")
    print(f"{f'record_events: {small_batch:,} events, batches of 100':<52} "
          f"{small_batch / small_seconds:>12,.0f} ev/s {'':>12}")
    print(f"{f'fill to {HISTORY_EVENTS:,} events of one resource (SQL)':<52} {fill_seconds:>14.1f} s "
          f"{'':>12}   ({table_rows:,} rows in the table)")
    for label, median, worst, count, target in (
        (f"resource_history(one resource, {HISTORY_VERSIONS:,} versions)", history_ms, history_worst,
         len(history), True),
        ("resource_events(one resource, 1M events)", events_ms, events_worst, len(events), True),
        ("resource_history() of everything", all_ms, all_worst, 100, False),
        ("resources_as_of(a moment)", as_of_ms, as_of_worst, None, False),
    ):
        shown = f"{median:.2f} ms (max {worst:.1f})"
        print(f"{label:<52} {shown:>16} {'< 50 ms' if target else '':>12} "
              f"{ok[median < TARGET_EVENTS_MS] if target else '':>6}" + (f"   {count} rows" if count else ""))
    print(f"index read by iac history: {history_index}")
    print(f"index read by events of a resource: {events_index}")
    print(f"bench took {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    arguments = [int(arg) for arg in sys.argv[1:3]]
    main(*(arguments + [100_000, 1000][len(arguments):]))
