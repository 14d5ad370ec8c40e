"""Injected failures: fail the next N matching requests with a status, a delay or a dropped connection.

Posted to ``POST /__lab/faults`` as::

    {"match": {"method": "POST", "path_prefix": "/api/..."},   # both optional; no match = everything
     "after": 0,                                                # let this many matching requests through first
     "count": 1,                                                # how many requests, default 1
     "status": 500, "body": {...} | "text",                     # answer with this instead
     "delay": 2.5,                                              # seconds to wait before anything else
     "drop": true}                                              # close the socket, no response at all

A fault with only ``delay`` slows the request down and then lets the API answer normally. ``after``
targets the n-th matching request (``after: 2`` spares the first two and hits the third), so a test can
fail each write of a multi-write run in turn. This module is pure (no I/O) so the matching rules are
unit-tested without a server.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["Fault", "FaultBook", "FaultError", "FaultMatch", "parse_fault"]

MAX_DELAY = 300.0


class FaultError(ValueError):
    """A fault specification that cannot be accepted; the message names the field."""


@dataclass(frozen=True)
class FaultMatch:
    """Which requests a fault applies to: an exact method (any when None) and a path prefix."""

    method: str | None = None
    path_prefix: str = "/"

    def matches(self, method: str, path: str) -> bool:
        """True when a request with ``method`` and ``path`` is selected."""
        if self.method is not None and method.upper() != self.method:
            return False
        return path.startswith(self.path_prefix)


@dataclass
class Fault:
    """One armed fault; ``remaining`` counts down as matching requests consume it."""

    id: int
    match: FaultMatch
    remaining: int
    status: int | None = None
    after: int = 0  # matching requests still to let through before the fault fires
    body: Any = None
    delay: float = 0.0
    drop: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, as listed by ``GET /__lab/faults``."""
        return asdict(self)


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FaultError(f"{field}: expected a number, got {value!r}")
    return float(value)


def parse_fault(spec: Any, fault_id: int) -> Fault:
    """Validate a posted fault specification; raise FaultError naming the offending field."""
    if not isinstance(spec, dict):
        raise FaultError("body: expected a JSON object")
    unknown = set(spec) - {"match", "after", "count", "status", "body", "delay", "drop"}
    if unknown:
        raise FaultError(f"{sorted(unknown)[0]}: unknown field")

    raw_match = spec.get("match") or {}
    if not isinstance(raw_match, dict):
        raise FaultError("match: expected an object with method and/or path_prefix")
    unknown = set(raw_match) - {"method", "path_prefix"}
    if unknown:
        raise FaultError(f"match.{sorted(unknown)[0]}: unknown field")
    method = raw_match.get("method")
    if method is not None and (not isinstance(method, str) or not method.isalpha()):
        raise FaultError(f"match.method: expected an HTTP method, got {method!r}")
    prefix = raw_match.get("path_prefix", "/")
    if not isinstance(prefix, str) or not prefix.startswith("/"):
        raise FaultError(f"match.path_prefix: expected a path starting with '/', got {prefix!r}")

    count = spec.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise FaultError(f"count: expected a positive integer, got {count!r}")

    after = spec.get("after", 0)
    if isinstance(after, bool) or not isinstance(after, int) or after < 0:
        raise FaultError(f"after: expected how many matching requests to let through (0 or more), got {after!r}")

    status = spec.get("status")
    if status is not None and (isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599):
        raise FaultError(f"status: expected an HTTP status between 100 and 599, got {status!r}")

    delay = _number(spec.get("delay", 0), "delay")
    if not 0 <= delay <= MAX_DELAY:
        raise FaultError(f"delay: expected 0 to {MAX_DELAY:g} seconds, got {delay:g}")

    drop = spec.get("drop", False)
    if not isinstance(drop, bool):
        raise FaultError(f"drop: expected true or false, got {drop!r}")
    if drop and status is not None:
        raise FaultError("drop: a dropped connection has no status; give one of drop or status")
    if not drop and status is None and delay == 0:
        raise FaultError("status: give at least one of status, delay or drop")

    return Fault(
        id=fault_id,
        match=FaultMatch(method=method.upper() if method else None, path_prefix=prefix),
        remaining=count,
        after=after,
        status=status,
        body=spec.get("body"),
        delay=delay,
        drop=drop,
    )


class FaultBook:
    """The armed faults of one emulator, consumed in the order they were added."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)
        # Handlers may run on worker threads (sync endpoints), so consuming must be atomic.
        self._lock = threading.Lock()

    def add(self, spec: Any) -> Fault:
        """Arm a fault from its JSON specification."""
        with self._lock:
            fault = parse_fault(spec, next(self._ids))
            self._faults.append(fault)
            return fault

    def take(self, method: str, path: str) -> Fault | None:
        """The first armed fault matching this request, with one use consumed; None when none match.

        A fault still letting requests through (``after``) counts this one and leaves it to later faults.
        """
        with self._lock:
            for fault in self._faults:
                if fault.match.matches(method, path):
                    if fault.after > 0:
                        fault.after -= 1
                        continue
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def clear(self) -> int:
        """Disarm every fault; return how many were armed."""
        with self._lock:
            count = len(self._faults)
            self._faults.clear()
            return count

    def armed(self) -> list[Fault]:
        """The faults still armed."""
        with self._lock:
            return list(self._faults)
