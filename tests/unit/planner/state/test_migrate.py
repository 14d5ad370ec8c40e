"""The schema on SQLite: migrating, checking on open, and the models agreeing with the migrations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from planner.errors import StateError
from planner.state import SqlStateStore, current_revision, head_revision, upgrade
from planner.state.sql.migrate import alembic_config
from planner.state.sql.models import Base
from planner.state.sql.schema import SCHEMA_HEAD


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'state.db'}"


def test_upgrade_from_empty_and_again(url: str) -> None:
    assert current_revision(url) is None
    upgrade(url)
    assert current_revision(url) == head_revision() == "0005"
    upgrade(url)  # harmless the second time
    assert current_revision(url) == "0005"


def test_models_match_the_migrations(url: str) -> None:
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []


def test_opening_upgrades_an_empty_database(url: str) -> None:
    SqlStateStore(url).close()
    assert current_revision(url) == head_revision()


def test_without_auto_upgrade_the_user_is_told_what_to_run(url: str) -> None:
    with pytest.raises(StateError, match=r"has no schema; run `iac db upgrade`"):
        SqlStateStore(url, auto_upgrade=False)
    upgrade(url)
    SqlStateStore(url, auto_upgrade=False).close()


def test_a_newer_schema_is_left_alone(url: str, tmp_path: Path) -> None:
    upgrade(url)
    with sqlite3.connect(tmp_path / "state.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StateError, match="newer than this homelab-iac knows"):
        SqlStateStore(url)
    with pytest.raises(StateError, match="newer than this homelab-iac knows"):
        upgrade(url)
    assert current_revision(url) == "9999"


def test_a_damaged_schema_asks_for_an_upgrade(url: str, tmp_path: Path) -> None:
    store = SqlStateStore(url)
    with sqlite3.connect(tmp_path / "state.db") as connection:
        connection.execute("DROP TABLE infrastructure_events")
    deployment = store.create_deployment({}, {})
    with pytest.raises(StateError, match=r"missing part of its schema .*run `iac db upgrade`"):
        store.record_event(deployment.id, "task_ok", {})
    store.close()


def test_in_memory_sqlite_keeps_its_data() -> None:
    store = SqlStateStore("sqlite://")
    created = store.create_deployment({}, {})
    assert store.get_deployment(created.id) == created
    store.close()


def test_data_outlives_the_store(url: str) -> None:
    with SqlStateStore(url) as store:
        created = store.create_deployment({"name": "hello"}, {})
    with SqlStateStore(url) as store:
        assert store.get_deployment(created.id) == created


def test_the_schema_check_knows_the_newest_migration() -> None:
    # Opening a store compares the database with SCHEMA_HEAD without asking Alembic; a new migration
    # that forgets to move it would leave databases at the previous head unmigrated.
    assert head_revision() == SCHEMA_HEAD


def test_opening_upgrades_an_older_database(url: str) -> None:
    command.upgrade(alembic_config(url=url), "0002")
    assert current_revision(url) == "0002"
    with SqlStateStore(url) as store:
        store.record_audit("alice", "apply_plan", {}, outcome="ok")  # a 0003 table
    assert current_revision(url) == head_revision()
