"""The state store on a real PostgreSQL: the shared suite, migrations, JSONB, locking, failures."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from planner.errors import StateError
from planner.state import (
    ResourceState,
    SqlStateStore,
    current_revision,
    head_revision,
    open_store,
    upgrade,
)
from planner.state.sql.models import Base
from tests.fixtures.postgres import create_database, find_pg_bin, start_throwaway_cluster
from tests.unit.planner.state.test_store_contract import StoreContract

pytestmark = pytest.mark.integration


@pytest.fixture
def store(pg_store: SqlStateStore) -> SqlStateStore:
    """The shared suite's store: migrated, empty, on PostgreSQL."""
    return pg_store


class TestPostgresStoreContract(StoreContract):
    """Everything the store does on SQLite, it does the same on PostgreSQL."""


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _in_threads(count: int, work: Callable[[int], Any]) -> list[Any]:
    results: list[Any] = [None] * count
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def run(index: int) -> None:
        start.wait()
        try:
            results[index] = work(index)
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return results


def test_migration_from_empty(pg_empty_url: str) -> None:
    assert current_revision(pg_empty_url) is None
    upgrade(pg_empty_url)
    assert current_revision(pg_empty_url) == head_revision()
    upgrade(pg_empty_url)  # harmless the second time
    assert current_revision(pg_empty_url) == head_revision()


def test_models_match_the_migrations(pg_url: str) -> None:
    engine = create_engine(pg_url)
    try:
        with engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    finally:
        engine.dispose()


def test_json_columns_are_jsonb(pg_url: str) -> None:
    with psycopg.connect(_libpq(pg_url)) as connection:
        rows = connection.execute(
            "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'public' AND data_type IN ('json', 'jsonb')"
        ).fetchall()
    types: dict[str, str] = dict(rows)
    assert types["deployments.plan"] == "jsonb"
    assert types["infrastructure_events.payload"] == "jsonb"
    assert types["resource_versions.spec"] == "jsonb"
    # 12 until migration 0003 (mcp_audit.arguments the 12th), then stacks.intents, .addresses and .adopted
    assert set(types.values()) == {"jsonb"} and len(types) == 15


def test_timestamps_are_timezone_aware(pg_url: str) -> None:
    with psycopg.connect(_libpq(pg_url)) as connection:
        rows = connection.execute(
            "SELECT DISTINCT data_type FROM information_schema.columns "
            "WHERE table_schema = 'public' AND column_name LIKE '%\\_at'"
        ).fetchall()
    assert rows == [("timestamp with time zone",)]


def test_postgresql_url_without_driver_is_accepted(pg_store: SqlStateStore, pg_url: str) -> None:
    store = open_store(_libpq(pg_url))
    created = store.create_deployment({"via": "postgresql://"}, {})
    assert pg_store.get_deployment(created.id) == created


def test_unreachable_database_is_one_masked_line() -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql://iac:s3cret@127.0.0.1:{port}/iac"
    began = time.monotonic()
    with pytest.raises(StateError) as raised:
        open_store(url)
    message = str(raised.value)
    assert time.monotonic() - began < 10
    assert "\n" not in message and "s3cret" not in message
    assert f"postgresql://iac:***@127.0.0.1:{port}/iac" in message
    assert "refused" in message.lower()
    assert message.endswith("start PostgreSQL or set IAC_DATABASE_URL")
    with pytest.raises(StateError, match=r"\*\*\*"):
        current_revision(url)


def test_missing_database_says_so(pg_url: str) -> None:
    server = _libpq(pg_url).rsplit("/", 1)[0]
    with pytest.raises(StateError, match=r'database "iac_nowhere" does not exist; create it'):
        SqlStateStore(f"{server}/iac_nowhere")


def test_unmigrated_database_without_auto_upgrade(pg_empty_url: str) -> None:
    with pytest.raises(StateError, match=r"run `iac db upgrade`"):
        SqlStateStore(pg_empty_url, auto_upgrade=False)


def test_concurrent_first_opens_migrate_once(pg_empty_url: str) -> None:
    stores = _in_threads(4, lambda _: SqlStateStore(pg_empty_url))
    assert current_revision(pg_empty_url) == head_revision()
    for opened in stores:
        opened.close()


def test_concurrent_processes_migrate_once(pg_empty_url: str) -> None:
    """Several ``iac`` processes meeting a fresh database: PostgreSQL's advisory lock queues them."""
    opener = "import sys; from planner.state import SqlStateStore; SqlStateStore(sys.argv[1]).close()"
    processes = [
        subprocess.Popen([sys.executable, "-c", opener, pg_empty_url], stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    failures = [p.communicate(timeout=120)[1] for p in processes if p.wait(timeout=120) != 0]
    assert failures == []
    assert current_revision(pg_empty_url) == head_revision()


def test_concurrent_writers_get_consecutive_versions(pg_store: SqlStateStore, pg_url: str) -> None:
    deployments = [pg_store.create_deployment({}, {}) for _ in range(6)]

    def record(index: int) -> int:
        with SqlStateStore(pg_url) as own:
            return own.record_resource(
                deployments[index].id,
                address="docker.container.shared",
                kind="docker.container",
                endpoint="lab-docker",
                name="shared",
                state=ResourceState.PRESENT,
                spec={"writer": index},
                observed={},
                dependencies=[],
            ).version

    versions = _in_threads(len(deployments), record)
    assert sorted(versions) == list(range(1, len(deployments) + 1))
    history = pg_store.resource_history("docker.container.shared")
    assert [r.version for r in history] == sorted(versions, reverse=True)  # newest first


@pytest.mark.skipif(find_pg_bin() is None, reason="initdb/pg_ctl not installed")
def test_throwaway_cluster_when_no_server_answers() -> None:
    """The fixture's last resort works: initdb + pg_ctl on a free port, usable, then gone."""
    began = time.monotonic()
    with start_throwaway_cluster() as cluster:
        assert cluster.port != 5432 and cluster.start_seconds < 30
        url = create_database(cluster.admin_url)
        with SqlStateStore(url) as store:
            created = store.create_deployment({"from": "throwaway"}, {})
            assert store.get_deployment(created.id[:4]) == created
        assert current_revision(url) == head_revision()
        root: Path = cluster.root
    assert not root.exists()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", cluster.port)) != 0  # the server is gone too
    assert time.monotonic() - began < 60
