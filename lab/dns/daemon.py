"""A real program the lab runs in the foreground, detached: BIND's named and Pebble share this.

Each daemon has its own directory under the lab home with ``service.json`` (its ports, kept across
restarts so the inventory stays valid), ``lab.pid`` and a log. Ownership of a pid is checked with
the same command-line markers as dockerd and the emulators (``lab/process.py``).
"""

from __future__ import annotations

import shutil
from abc import abstractmethod
from pathlib import Path

from lab import process
from lab.ports import free_port, kept_port, port_free
from lab.services import DetachedService, ServiceStatus, wait_started

# free_port and port_free live in lab.ports; tests/e2e still imports them from here.
__all__ = ["Daemon", "free_port", "port_free"]

START_TIMEOUT = 20.0


class Daemon(DetachedService):
    """Start/stop/status of one foreground program; subclasses give argv, env and health."""

    kind = "daemon"
    program = ""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.pidfile = directory / "lab.pid"
        self.log = directory / f"{self.name}.log"
        self.record_file = directory / "service.json"

    def keep_port(self, key: str, udp: bool = False) -> int:
        """The recorded port ``key`` while the daemon runs or the port is free, else a fresh one."""
        return kept_port(self.record().get(key), running=self.pid() is not None, udp=udp)

    # Subclass hooks ----------------------------------------------------------------------------
    @abstractmethod
    def argv(self) -> list[str]:
        """The command line (call after ``prepare``)."""

    @abstractmethod
    def healthy(self) -> bool:
        """True when the daemon answers."""

    def env(self) -> dict[str, str] | None:
        return None

    def url(self) -> str | None:
        return None

    # Service contract --------------------------------------------------------------------------
    def installed(self) -> bool:
        found = shutil.which(self.program) or shutil.which(self.program, path="/usr/sbin:/usr/bin:/sbin:/bin")
        return found is not None

    def status(self) -> ServiceStatus:
        pid = self.pid()
        detail = ""
        if not self.installed():
            detail = f"{self.program} is not installed"
        elif pid is None:
            detail = "not started"
        healthy = pid is not None and self.healthy()
        return ServiceStatus(
            self.name, self.kind, self.backend, pid is not None, healthy, pid, url=self.url(), detail=detail
        )

    def start(self) -> None:
        """Start unless running, then wait until it answers; LabError with the log tail otherwise."""
        pid = self.pid()
        if pid is None:
            argv = self.argv()
            with open(self.log, "a") as log:
                log.write(f"--- lab: starting {' '.join(argv)}\n")
            pid = process.spawn_detached(argv, self.log, env=self.env(), cwd=self.directory)
            process.write_pidfile(self.pidfile, pid)
        wait_started(self.name, pid, self.healthy, self.log, START_TIMEOUT)
