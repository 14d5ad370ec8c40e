"""What an emulator remembers: its state on disk (JSON, atomic) and a log of the requests it served.

State survives restarts because tests and newcomers restart the lab and expect the VLANs they made
to still be there, exactly as on a real appliance. Writes go to a temporary file in the same
directory and are renamed over the old one, so a crash mid-write never leaves half a JSON document.

The request log is kept in memory only: it exists so tests can see what a client did (how many
calls, which paths, which answers). It never records bodies, headers or query strings, where
secrets travel.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import threading
from collections import deque
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

__all__ = ["JsonStateFile", "RequestLog", "RequestRecord"]


class JsonStateFile:
    """A JSON document on disk, replaced atomically on every save."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, Any] | None:
        """The saved document, or None when nothing was saved yet."""
        try:
            text = self.path.read_text()
        except FileNotFoundError:
            return None
        loaded = json.loads(text)
        if not isinstance(loaded, dict):
            raise ValueError(f"{self.path}: expected a JSON object at the top level")
        return loaded

    def save(self, document: dict[str, Any]) -> None:
        """Write ``document`` so that readers see either the old or the new version, never a mix."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        with open(tmp, "w") as handle:
            json.dump(document, handle, indent=2, sort_keys=True, default=str)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)


@dataclass(frozen=True)
class RequestRecord:
    """One served request, as shown by ``GET /__lab/requests``."""

    time: str
    method: str
    path: str
    status: int | None
    duration_ms: float
    fault: int | None = None
    dropped: bool = False


class RequestLog:
    """The last ``limit`` requests of one emulator, oldest first."""

    def __init__(self, limit: int = 2000) -> None:
        self._records: deque[RequestRecord] = deque(maxlen=limit)
        self._lock = threading.Lock()

    def record(
        self,
        method: str,
        path: str,
        status: int | None,
        duration: float,
        fault: int | None = None,
        dropped: bool = False,
    ) -> None:
        """Append one request (method, path without query, status, duration in seconds)."""
        entry = RequestRecord(
            time=dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
            method=method,
            path=path,
            status=status,
            duration_ms=round(duration * 1000, 3),
            fault=fault,
            dropped=dropped,
        )
        with self._lock:
            self._records.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        """JSON-ready copies of the records."""
        with self._lock:
            return [asdict(record) for record in self._records]

    def clear(self) -> None:
        """Forget every record (``DELETE /__lab/requests``)."""
        with self._lock:
            self._records.clear()


def snapshot(state: dict[str, Any]) -> dict[str, Any]:
    """A deep copy, so a caller serialising the state never races a handler mutating it."""
    return copy.deepcopy(state)
