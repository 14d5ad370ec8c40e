"""A real program the lab runs in the foreground, detached: BIND's named and Pebble share this.

Each daemon has its own directory under the lab home with ``service.json`` (its ports, kept across
restarts so the inventory stays valid), ``lab.pid`` and a log. Ownership of a pid is checked with
the same command-line markers as dockerd and the emulators (``lab/process.py``).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import time
from abc import abstractmethod
from pathlib import Path
from typing import Any

from lab import process
from lab.errors import LabError
from lab.services import Service, ServiceStatus, last_lines

__all__ = ["Daemon", "free_port", "port_free"]

START_TIMEOUT = 20.0


def port_free(port: int, udp: bool = False) -> bool:
    """True when 127.0.0.1:port can be bound (TCP, and UDP too when ``udp``)."""
    kinds = (socket.SOCK_STREAM, socket.SOCK_DGRAM) if udp else (socket.SOCK_STREAM,)
    for kind in kinds:
        with socket.socket(socket.AF_INET, kind) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def free_port(udp: bool = False) -> int:
    """A currently free loopback port (TCP, and UDP too when ``udp``)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port_free(port, udp):
            return port
    raise LabError("no free loopback port")


class Daemon(Service):
    """Start/stop/status of one foreground program; subclasses give argv, env and health."""

    kind = "daemon"
    program = ""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.pidfile = directory / "lab.pid"
        self.log = directory / f"{self.name}.log"
        self.record_file = directory / "service.json"

    # Records -----------------------------------------------------------------------------------
    def record(self) -> dict[str, Any]:
        """Ports and settings recorded at the last start, or {}."""
        try:
            loaded = json.loads(self.record_file.read_text())
        except (FileNotFoundError, ValueError):
            return {}
        return loaded if isinstance(loaded, dict) else {}

    def save_record(self, record: dict[str, Any]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = self.record_file.with_name(self.record_file.name + ".tmp")
        tmp.write_text(json.dumps(record, indent=2) + "\n")
        os.replace(tmp, self.record_file)

    def keep_port(self, key: str, udp: bool = False) -> int:
        """The recorded port ``key`` while the daemon runs or the port is free, else a fresh one."""
        port = self.record().get(key)
        if isinstance(port, int) and (self.pid() is not None or port_free(port, udp)):
            return port
        return free_port(udp)

    # Subclass hooks ----------------------------------------------------------------------------
    @property
    @abstractmethod
    def markers(self) -> list[str]:
        """Command-line fragments that only the lab's instance carries."""

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

    def pid(self) -> int | None:
        pid = process.read_pidfile(self.pidfile)
        return pid if process.owned_pid(pid, self.markers) else None

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
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if not process.alive(pid):
                raise LabError(f"{self.name} exited during start (log {self.log}): {last_lines(self.log)}")
            if self.healthy():
                return
            time.sleep(0.1)
        raise LabError(f"{self.name} did not answer within {START_TIMEOUT:g}s (log {self.log}): {last_lines(self.log)}")

    def stop(self) -> bool:
        pid = self.pid()
        stopped = pid is not None and process.terminate(pid, self.markers, timeout=10.0)
        if self.pid() is None:
            process.remove_pidfile(self.pidfile)
        return stopped
