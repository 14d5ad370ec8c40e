"""Private to ``planner.state``: the rules every state store follows, written once.

``SqlStateStore`` and ``MemoryStateStore`` must behave the same; whatever is a decision rather than
storage (timestamps on a status change, prefix lookup, which provider a kind belongs to, what counts as
JSON) lives here so the two cannot drift apart.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from planner.errors import StateError
from planner.state.records import DeploymentStatus

__all__ = [
    "END_STATES",
    "MIN_PREFIX",
    "StatusTimes",
    "as_json",
    "next_status_times",
    "normalise_id",
    "provider_of",
    "resolve_prefix",
    "utc_now",
]

#: A deployment in one of these has finished (successfully or not); ``finished_at`` is set on entry.
END_STATES = frozenset(
    {
        DeploymentStatus.SUCCEEDED,
        DeploymentStatus.FAILED,
        DeploymentStatus.ROLLED_BACK,
        DeploymentStatus.ROLLBACK_FAILED,
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
