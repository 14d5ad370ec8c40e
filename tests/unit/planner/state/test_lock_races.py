"""Racing for the same resource on SQLite: separate stores (separate connections) on one file, as two
``iac apply`` processes would have. Exactly one acquirer may win each round."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from planner.errors import LockConflict
from planner.state import SqlStateStore

HELLO = "docker.container.hello"
RACERS = 4
ROUNDS = 15


def race(url: str, deployment_ids: list[str], *, lease_seconds: float = 30.0) -> list[str]:
    """Every deployment tries to lock ``HELLO`` at the same moment through its own store.

    Returns "won" or "refused" per racer; anything else that happens fails the test.
    """
    stores = [SqlStateStore(url) for _ in deployment_ids]
    outcome: list[str] = [""] * len(deployment_ids)
    errors: list[BaseException] = []
    start = threading.Barrier(len(deployment_ids))

    def run(index: int) -> None:
        start.wait()
        try:
            stores[index].acquire_locks(
                deployment_ids[index], [HELLO], holder=f"racer:{index}", lease_seconds=lease_seconds
            )
            outcome[index] = "won"
        except LockConflict:
            outcome[index] = "refused"
        except BaseException as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(deployment_ids))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for store in stores:
        store.close()
    assert errors == []
    return outcome


def rounds(
    url: str, setup: Callable[[SqlStateStore], Any] | None = None, *, count: int = ROUNDS, **options: Any
) -> None:
    with SqlStateStore(url) as store:
        for _ in range(count):
            racers = [store.create_deployment({}, {}).id for _ in range(RACERS)]
            if setup is not None:
                setup(store)
            outcome = race(url, racers, **options)
            assert sorted(outcome) == ["refused"] * (RACERS - 1) + ["won"]
            [lock] = store.list_locks()
            assert lock.deployment_id == racers[outcome.index("won")]
            store.release_locks(lock.deployment_id)


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'state.db'}"


def test_racing_for_a_free_address_one_wins(url: str) -> None:
    rounds(url)


def test_racing_for_a_crashed_runs_lock_one_wins(url: str) -> None:
    """Every racer sees the same stale lock; only the first may take it over, the rest see it live."""

    def crash(store: SqlStateStore) -> None:
        crashed = store.create_deployment({}, {}).id
        store.acquire_locks(crashed, [HELLO], holder="gone:1")
        time.sleep(0.6)

    # the lease must outlast the whole round, or a later racer would rightly take over the winner's lock
    rounds(url, crash, count=5, lease_seconds=0.5)
