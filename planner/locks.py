"""One writer per resource: a deployment holds leased locks on what it touches while it runs.

``hold_locks`` acquires the locks all or nothing (waiting up to ``wait`` seconds for a live holder to
finish), renews the lease from a heartbeat thread while the body runs, and releases them at the end. A
process killed mid-run stops renewing; once its lease runs out the next command sees the deployment as
interrupted and may take the locks over (``iac rollback`` / ``iac resume``).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from planner.errors import LockConflict
from planner.state.store import DEFAULT_LEASE_SECONDS, LockStore, process_holder

__all__ = ["hold_locks", "lease_seconds"]


def lease_seconds() -> float:
    """How long a lock outlives its last heartbeat: ``$IAC_LEASE_SECONDS``, default 30 s."""
    raw = os.environ.get("IAC_LEASE_SECONDS")
    try:
        return max(1.0, float(raw)) if raw else DEFAULT_LEASE_SECONDS
    except ValueError:
        return DEFAULT_LEASE_SECONDS


@contextmanager
def hold_locks(
    store: LockStore,
    deployment_id: str,
    addresses: Sequence[str],
    *,
    wait: float = 0.0,
    poll: float = 1.0,
) -> Iterator[None]:
    """Lock ``addresses`` for the deployment for the duration of the ``with`` block."""
    lease = lease_seconds()
    deadline = time.monotonic() + wait
    while True:
        try:
            store.acquire_locks(deployment_id, addresses, holder=process_holder(), lease_seconds=lease)
            break
        except LockConflict:
            if time.monotonic() >= deadline:
                raise
            time.sleep(poll)
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(lease / 3):
            try:
                store.heartbeat(deployment_id)
            except Exception:  # a missed beat only shortens the lease; the run itself must go on
                continue

    heart = threading.Thread(target=beat, name=f"iac-heartbeat-{deployment_id[:8]}", daemon=True)
    heart.start()
    try:
        yield
    finally:
        stop.set()
        heart.join(timeout=5)
        store.release_locks(deployment_id)
