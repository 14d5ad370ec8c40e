"""Private to ``planner.state``: the rules the state store follows, apart from how it stores things.

Whatever is a decision rather than storage (timestamps on a status change, prefix lookup, which provider a
kind belongs to, what counts as JSON, when a lock is stale) lives here, plain functions over records, so
the SQL aggregates read as storage only and a second store would follow the same rules.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from planner.errors import LockConflict, StateError
from planner.state.records import DeploymentRecord, DeploymentStatus, LockRecord

__all__ = [
    "END_STATES",
    "MIN_PREFIX",
    "StatusTimes",
    "as_json",
    "aware_utc",
    "find_lock_conflict",
    "is_interrupted",
    "lock_is_live",
    "next_status_times",
    "normalise_id",
    "provider_of",
    "resolve_prefix",
    "utc_now",
    "wanted_addresses",
]

#: A deployment in one of these has finished (successfully or not); ``finished_at`` is set on entry.
END_STATES = frozenset(
    {
        DeploymentStatus.SUCCEEDED,
        DeploymentStatus.FAILED,
        DeploymentStatus.ROLLED_BACK,
        DeploymentStatus.ROLLBACK_FAILED,
        DeploymentStatus.CHECKED,
        DeploymentStatus.CHECK_FAILED,
    }
)

#: Shortest id prefix ``get_deployment`` resolves; shorter strings only match a whole id.
MIN_PREFIX = 4

_clock_lock = threading.Lock()
_last_now = datetime.min.replace(tzinfo=UTC)


def utc_now() -> datetime:
    """Timezone-aware UTC now, strictly increasing within this process.

    Two deployments created in the same microsecond would otherwise tie, and "newest first" would
    depend on the storage engine's whim.
    """
    global _last_now
    with _clock_lock:
        now = datetime.now(UTC)
        if now <= _last_now:
            now = _last_now + timedelta(microseconds=1)
        _last_now = now
        return now


def provider_of(kind: str) -> str:
    """The backend a resource kind belongs to: ``docker.container`` → ``docker``."""
    return kind.split(".", 1)[0]


def as_json(value: Any, what: str) -> Any:
    """A deep copy of ``value`` as the database would hand it back (tuples become lists, keys strings).

    Raises ``StateError`` naming ``what`` when the value is not JSON, so both stores refuse the same
    things with the same message.
    """
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError) as err:
        raise StateError(f"cannot store {what}: not JSON-serialisable ({err})") from err


@dataclass(frozen=True)
class StatusTimes:
    """The timestamps a deployment has after a status change."""

    started_at: datetime | None
    finished_at: datetime | None


def next_status_times(
    status: DeploymentStatus,
    started_at: datetime | None,
    finished_at: datetime | None,
    now: datetime,
) -> StatusTimes:
    """Timestamps after moving to ``status``.

    RUNNING sets ``started_at`` the first time (a resumed run keeps its original start) and clears
    ``finished_at``; an end state sets ``finished_at`` (a later end state, e.g. FAILED then ROLLED_BACK,
    moves it on) and fills ``started_at`` if the deployment never ran; PLANNED changes nothing.
    """
    if status is DeploymentStatus.RUNNING:
        return StatusTimes(started_at=started_at or now, finished_at=None)
    if status in END_STATES:
        return StatusTimes(started_at=started_at or now, finished_at=now)
    return StatusTimes(started_at=started_at, finished_at=finished_at)


def resolve_prefix(deployment_id: str, candidates: Iterable[str]) -> str | None:
    """The one id in ``candidates`` that is ``deployment_id`` or starts with it.

    ``candidates`` are the ids that start with ``deployment_id`` (the store narrows them down with an
    index). An exact match wins; a prefix shorter than ``MIN_PREFIX`` matches nothing else; two or more
    matches raise ``StateError`` naming them.
    """
    matches = sorted(set(candidates))
    if deployment_id in matches:
        return deployment_id
    if len(deployment_id) < MIN_PREFIX or not matches:
        return None
    if len(matches) > 1:
        shown = ", ".join(matches[:5]) + (", …" if len(matches) > 5 else "")
        raise StateError(
            f"deployment id prefix {deployment_id!r} is ambiguous: it matches {shown}; give more characters"
        )
    return matches[0]


def normalise_id(deployment_id: str) -> str:
    """Ids are lowercase uuid4 strings; accept what a user pastes (spaces, upper case)."""
    return deployment_id.strip().lower()


def aware_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive datetime is refused (which zone was meant is the caller's to know)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()} given to the state store; attach a time zone")
    return moment.astimezone(UTC)


def lock_is_live(heartbeat_at: datetime, now: datetime, lease_seconds: float) -> bool:
    """Whether a lock last renewed at ``heartbeat_at`` still holds: renewed within ``lease_seconds``."""
    return heartbeat_at >= now - timedelta(seconds=lease_seconds)


def wanted_addresses(addresses: Iterable[str]) -> list[str]:
    """The addresses to lock, each once, sorted (the order locks are reported and taken in)."""
    return sorted(set(addresses))


def find_lock_conflict(
    deployment_id: str, held: Iterable[LockRecord], now: datetime, lease_seconds: float
) -> LockConflict | None:
    """The conflict that stops ``deployment_id`` from taking ``held`` (the existing locks on the wanted
    addresses), or ``None``.

    Own locks and stale locks (a crashed run's) are no obstacle. With several live holders the one
    holding the first address (in order) is named, with every wanted address it holds.
    """
    others = (lock for lock in held if lock.deployment_id != deployment_id)
    live = sorted(
        (lock for lock in others if lock_is_live(lock.heartbeat_at, now, lease_seconds)), key=lambda lock: lock.address
    )
    if not live:
        return None
    first = live[0]
    addresses = [lock.address for lock in live if lock.deployment_id == first.deployment_id]
    return LockConflict(first.deployment_id, first.holder, addresses)


def is_interrupted(
    deployment: DeploymentRecord, locks: Iterable[LockRecord], now: datetime, lease_seconds: float
) -> bool:
    """Whether ``deployment`` is a crashed run: RUNNING, and either every lock it holds is stale or it
    holds none and started more than ``lease_seconds`` ago."""
    if deployment.status is not DeploymentStatus.RUNNING:
        return False
    heartbeats = [lock.heartbeat_at for lock in locks]
    if heartbeats:
        return not lock_is_live(max(heartbeats), now, lease_seconds)
    started = deployment.started_at or deployment.created_at
    return not lock_is_live(started, now, lease_seconds)
