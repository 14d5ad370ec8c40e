"""What the supervisor supervises: the ``Service`` contract, its status, and emulator processes.

Each service keeps a pidfile in its own directory under the lab home. A pidfile is trusted only
while ``/proc/PID/cmdline`` still shows the lab's command (see ``process.py``); otherwise the
service is reported down and its pidfile is stale.
"""

from __future__ import annotations

import json
import os
import ssl
import sys
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from lab import process
from lab.credentials import LabCredentials
from lab.emulator.base import HEALTH_PATH
from lab.emulator.registry import emulator_class, import_root, registered_target
from lab.errors import LabError
from lab.layout import LabLayout
from lab.ports import kept_port

__all__ = ["DetachedService", "EmulatorService", "Service", "ServiceStatus", "last_lines", "wait_started"]

START_TIMEOUT = 30.0


@dataclass
class ServiceStatus:
    """One service as ``iac lab status`` shows it."""

    name: str
    kind: str  # "dockerd" or "emulator"
    backend: str  # its group in the inventory
    running: bool
    healthy: bool
    pid: int | None
    url: str | None = None
    socket: str | None = None
    detail: str = ""

    @property
    def health(self) -> str:
        """``healthy``, ``unhealthy`` (running but not answering) or ``down``."""
        if self.healthy:
            return "healthy"
        return "unhealthy" if self.running else "down"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, with ``health`` spelled out."""
        return {**asdict(self), "health": self.health}


def last_lines(path: Path, count: int = 5) -> str:
    """The last non-empty lines of a log, joined on one line for an error message."""
    try:
        lines = [line.strip() for line in path.read_text(errors="replace").splitlines() if line.strip()]
    except FileNotFoundError:
        return "(no log)"
    return " | ".join(lines[-count:]) or "(empty log)"


class Service(ABC):
    """A process the lab starts, checks and stops."""

    name: str
    kind: str
    backend: str

    @abstractmethod
    def pid(self) -> int | None:
        """The pid of the lab's running process, or None (not started, dead, or stale pidfile)."""

    @abstractmethod
    def status(self) -> ServiceStatus:
        """Liveness and health, checked now."""

    @abstractmethod
    def stop(self) -> bool:
        """Stop the lab's process if it runs; True when something was stopped."""


def wait_started(
    what: str, pid: int | None, ready: Callable[[], bool], log: Path, timeout: float, where: str | None = None
) -> None:
    """Wait until ``ready()``; LabError with the log's last lines when ``pid`` dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive(pid):
            raise LabError(f"{what} exited during start (log {log}): {last_lines(log)}")
        if ready():
            return
        time.sleep(0.1)
    place = f" on {where}" if where else ""
    raise LabError(f"{what} did not answer{place} within {timeout:g}s (log {log}): {last_lines(log)}")


class DetachedService(Service):
    """A program the lab runs detached, with its pidfile, log and ``service.json`` in one directory.

    Subclasses set those paths and say which command-line ``markers`` only the lab's instance
    carries; a pidfile naming any other process is stale.
    """

    directory: Path
    pidfile: Path
    log: Path
    record_file: Path

    @property
    @abstractmethod
    def markers(self) -> list[str]:
        """Command-line fragments that only the lab's instance carries."""

    def record(self) -> dict[str, Any]:
        """What was recorded at the last start (ports, settings), or {}."""
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

    def pid(self) -> int | None:
        pid = process.read_pidfile(self.pidfile)
        return pid if process.owned_pid(pid, self.markers) else None

    def stop(self) -> bool:
        pid = self.pid()
        stopped = pid is not None and process.terminate(pid, self.markers, timeout=10.0)
        if self.pid() is None:
            process.remove_pidfile(self.pidfile)
        return stopped


class EmulatorService(DetachedService):
    """One emulator process: ``python -m lab.emulator NAME --port P --home HOME --target module:Class``.

    Its port is chosen once and kept in ``service.json`` (so URLs in the inventory stay the same
    across restarts) unless something else has taken it meanwhile.
    """

    kind = "emulator"

    def __init__(self, layout: LabLayout, name: str) -> None:
        self.layout = layout
        self.name = name
        self.directory = layout.emulator_dir(name)
        self.pidfile = self.directory / "emulator.pid"
        self.log = self.directory / "emulator.log"
        self.record_file = self.directory / "service.json"
        self.backend = str(self.record().get("backend", "generic"))

    @property
    def markers(self) -> list[str]:
        return ["lab.emulator", f"--home\0{self.layout.home}\0", f"\0{self.name}\0"]

    @property
    def url(self) -> str | None:
        port = self.record().get("port")
        return f"https://127.0.0.1:{port}" if port else None

    # Health -------------------------------------------------------------------------------------
    def _ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.layout.ca_dir / "ca.crt"))

    def healthy(self) -> bool:
        """True when the emulator answers its health path over HTTPS with a certificate we trust."""
        url = self.url
        if url is None:
            return False
        try:
            response = httpx.get(url + HEALTH_PATH, verify=self._ssl_context(), timeout=2.0)
        except (httpx.HTTPError, OSError):
            return False
        return response.status_code == 200

    def status(self) -> ServiceStatus:
        pid = self.pid()
        recorded = process.read_pidfile(self.pidfile)
        detail = ""
        if pid is None and recorded is not None:
            detail = f"pidfile names pid {recorded}, which is not this emulator (stale)"
        elif pid is None:
            detail = "not started"
        healthy = pid is not None and self.healthy()
        return ServiceStatus(
            self.name, self.kind, self.backend, pid is not None, healthy, pid, url=self.url, detail=detail
        )

    # Start/stop ---------------------------------------------------------------------------------
    def prepare(self, credentials: LabCredentials) -> None:
        """Choose the port and make sure credentials exist, before the credentials file is saved."""
        cls = emulator_class(self.name)
        self.backend = cls.backend
        port = kept_port(self.record().get("port"), running=self.pid() is not None)
        entry = credentials.emulator(self.name)
        values = entry.get("credentials") if entry else None
        fresh = cls.auth.generate()
        # Keep existing credentials (clients were configured with them) unless the scheme changed.
        if not values or entry is None or entry.get("auth") != cls.auth.name or set(values) != set(fresh):
            values = fresh
        credentials.set_emulator(self.name, f"https://127.0.0.1:{port}", cls.auth.name, values)
        self.save_record(
            {"name": self.name, "port": port, "target": registered_target(self.name), "backend": cls.backend}
        )

    def spawn(self) -> None:
        """Start the process unless it already runs (call ``prepare`` first)."""
        if self.pid() is not None:
            return
        record = self.record()
        target = str(record["target"])
        # The child must import both this package and the emulator class's module.
        roots = [str(Path(__file__).resolve().parent.parent)]
        class_root = import_root(target)
        if class_root is not None:
            roots.append(str(class_root))
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([*roots, *filter(None, [env.get("PYTHONPATH")])])
        argv = [
            sys.executable,
            "-m",
            "lab.emulator",
            self.name,
            "--port",
            str(record["port"]),
            "--home",
            str(self.layout.home),
            "--target",
            target,
        ]
        pid = process.spawn_detached(argv, self.log, env=env, cwd=self.directory)
        process.write_pidfile(self.pidfile, pid)

    def wait_healthy(self, timeout: float = START_TIMEOUT) -> None:
        """Wait until the emulator answers; raise LabError with its log when it dies or hangs."""
        pid = process.read_pidfile(self.pidfile)
        wait_started(f"emulator {self.name}", pid, self.healthy, self.log, timeout, where=self.url)
