"""The shape of ``planner.state``: light to import, and both stores offering the whole port.

Commands that never touch the database (``iac plan``, ``iac --help``, the drift report's types) import
``planner.state`` for its records; loading SQLAlchemy and Alembic for that would cost them most of their
start-up time. Each check runs in a fresh interpreter, since this test process has long loaded both.
"""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import pytest

from planner.state import SqlStateStore, upgrade
from planner.state.store import (
    AuditStore,
    DeploymentStore,
    EventStore,
    LockStore,
    ResourceStore,
    StackStore,
    StateStore,
)

# The libraries (and the part of one) that an everyday command should not pay for.
_HEAVY = ("sqlalchemy", "alembic", "sqlalchemy.dialects.postgresql")


def _loaded_after(code: str) -> set[str]:
    """Which of ``_HEAVY`` are in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    probe = f"{code}\nimport sys\nprint(' '.join(h for h in {_HEAVY!r} if h in sys.modules))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(result.stdout.split())


@pytest.mark.parametrize(
    "code",
    [
        "import planner.state",
        "import planner.state.records",
        "from planner.state import DeploymentStatus, ResourceRecord, StateStore, database_url, open_store",
    ],
)
def test_importing_the_records_and_ports_loads_no_database_library(code: str) -> None:
    assert _loaded_after(code) == set()


def test_opening_an_up_to_date_sqlite_store_loads_neither_alembic_nor_the_postgresql_dialect(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    upgrade(url)
    code = f"from planner.state import open_store\nopen_store({url!r}).list_deployments()"
    assert _loaded_after(code) == {"sqlalchemy"}


def test_opening_an_empty_store_migrates_it_with_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    code = f"from planner.state import open_store\nopen_store({url!r}).list_deployments()"
    assert {"sqlalchemy", "alembic"} <= _loaded_after(code)


def _ports() -> list[type]:
    """``StateStore`` and every aggregate protocol it is made of."""
    return [cls for cls in StateStore.__mro__ if cls.__module__ == "planner.state.store"]


def test_the_store_is_made_of_the_six_aggregates() -> None:
    assert set(_ports()) == {StateStore, DeploymentStore, ResourceStore, StackStore, EventStore, LockStore,
                             AuditStore}


def test_the_store_offers_every_method_with_the_ports_signature() -> None:
    implementation = SqlStateStore
    for protocol in _ports():
        for name, method in vars(protocol).items():
            if name.startswith("_") or not callable(method):
                continue
            assert name in dir(implementation), f"{implementation.__name__} lacks {protocol.__name__}.{name}"
            assert inspect.signature(getattr(implementation, name)) == inspect.signature(method), name
