"""The supervisor: start, inspect and stop the lab's services, by pid, idempotently.

``up()`` starts what is not running (a service that died is simply started again), leaves alone
what runs, writes the credentials file and the inventory, and returns the status. ``down()`` stops
exactly what the lab started: emulators first, then dockerd after its containers. Concurrent calls
on one lab are serialised with a lock file, so two ``iac lab up`` never start two dockerds.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lab.ca import ensure_ca, ensure_server_certificate
from lab.credentials import LabCredentials
from lab.dns import DnsLab
from lab.docker_engine import DockerEngine
from lab.emulator.registry import emulator_class, registered_names
from lab.inventory import InventoryHost, write_inventory
from lab.layout import LabLayout, inventory_path
from lab.services import EmulatorService, ServiceStatus

__all__ = ["LabStatus", "Supervisor", "down", "status", "up"]


@dataclass
class LabStatus:
    """The lab as a user sees it: where its files are and every service's state."""

    home: str
    docker_host: str
    credentials: str
    ca_cert: str
    inventory: str | None
    services: list[ServiceStatus] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        """True when every service answers."""
        return bool(self.services) and all(service.healthy for service in self.services)

    def service(self, name: str) -> ServiceStatus:
        """The status of one service by name."""
        for service in self.services:
            if service.name == name:
                return service
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "home": self.home,
            "docker_host": self.docker_host,
            "credentials": self.credentials,
            "ca_cert": self.ca_cert,
            "inventory": self.inventory,
            "healthy": self.healthy,
            "services": [service.to_dict() for service in self.services],
        }

    def to_json(self) -> str:
        """The status as a JSON document (what ``iac lab status --json`` prints)."""
        return json.dumps(self.to_dict(), indent=2)


class Supervisor:
    """The services of one lab home."""

    def __init__(self, layout: LabLayout | None = None) -> None:
        self.layout = layout or LabLayout.default()
        self.docker = DockerEngine(self.layout)
        self.dns = DnsLab(self.layout)

    def emulators(self) -> list[EmulatorService]:
        """Registered emulators plus any that a previous run started and still run (so down stops them)."""
        names = set(registered_names())
        if self.layout.emulators_dir.is_dir():
            for directory in self.layout.emulators_dir.iterdir():
                if directory.name not in names and (directory / "emulator.pid").exists():
                    candidate = EmulatorService(self.layout, directory.name)
                    if candidate.pid() is not None:
                        names.add(directory.name)
        return [EmulatorService(self.layout, name) for name in sorted(names)]

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.layout.home.mkdir(parents=True, exist_ok=True)
        with open(self.layout.lock_file, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def up(self) -> LabStatus:
        """Start whatever is not running; write credentials and inventory; return the status."""
        self.docker.preflight()  # fail before anything is created when the lab cannot run at all
        with self._locked():
            self.layout.ensure()
            ca = ensure_ca(self.layout.ca_dir)
            ensure_server_certificate(ca)
            credentials = LabCredentials(self.layout.credentials_file)
            credentials.admin_token()
            credentials.set_lab("ca_cert", str(ca.cert_path))
            credentials.set_section("docker", {"docker_host": self.layout.docker_host})
            registered = [EmulatorService(self.layout, name) for name in registered_names()]
            for emulator in registered:
                emulator.prepare(credentials)
            self.dns.prepare(credentials, ca)
            credentials.save()
            # Emulators boot while dockerd does; both take a second or two.
            for emulator in registered:
                emulator.spawn()
            self.docker.start()
            for emulator in registered:
                emulator.wait_healthy()
            self.dns.start()  # BIND forwards to the Cloudflare emulator's DNS listener
            env_file = LabCredentials(self.layout.credentials_file).save_environment(self.layout.env_file)
            inventory = write_inventory(
                inventory_path(), self._inventory_hosts(registered), sys.executable, env_file
            )
            return self._status(inventory)

    def down(self) -> LabStatus:
        """Stop every service the lab started (emulators, then dockerd and its containers)."""
        with self._locked():
            self.dns.stop()
            for emulator in self.emulators():
                emulator.stop()
            self.docker.stop()
            return self._status(None)

    def status(self) -> LabStatus:
        """Check every service now (no lock: reading is harmless while another call runs)."""
        path = inventory_path()
        return self._status(path if path.exists() else None)

    def _status(self, inventory: Path | None) -> LabStatus:
        services = [self.docker.status(), *(emulator.status() for emulator in self.emulators()), *self.dns.statuses()]
        return LabStatus(
            home=str(self.layout.home),
            docker_host=self.layout.docker_host,
            credentials=str(self.layout.credentials_file),
            ca_cert=str(self.layout.ca_dir / "ca.crt"),
            inventory=str(inventory) if inventory else None,
            services=services,
        )

    def _inventory_hosts(self, emulators: list[EmulatorService]) -> list[InventoryHost]:
        docker_vars: dict[str, Any] = {"docker_host": self.layout.docker_host, "capacity": _machine_capacity()}
        hosts = [InventoryHost("docker", "lab-docker", docker_vars)]
        ca_cert = str(self.layout.ca_dir / "ca.crt")
        for emulator in emulators:
            cls = emulator_class(emulator.name)
            url = emulator.url or ""
            hosts.append(InventoryHost(cls.backend, f"lab-{emulator.name}", cls.inventory_vars(url, ca_cert)))
        return hosts + self.dns.inventory_hosts()


def _machine_capacity() -> dict[str, Any]:
    """What the lab's Docker engine can give containers: this machine's CPUs and memory (for the planner's
    host-capacity policy, which otherwise only the engine would enforce, mid-deployment)."""
    capacity: dict[str, Any] = {"cpus": os.cpu_count() or 1}
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                capacity["memory"] = f"{int(line.split()[1]) // 1024}m"
    except OSError:
        pass
    return capacity


def up(home: Path | None = None) -> LabStatus:
    """Start the lab at ``home`` (default: ``lab.layout.lab_home()``); idempotent."""
    return Supervisor(LabLayout(home) if home else None).up()


def down(home: Path | None = None) -> LabStatus:
    """Stop everything the lab at ``home`` started."""
    return Supervisor(LabLayout(home) if home else None).down()


def status(home: Path | None = None) -> LabStatus:
    """The lab's services with pid, url or socket, and health."""
    return Supervisor(LabLayout(home) if home else None).status()
