"""The supervisor: start, inspect and stop the lab's services, by pid, idempotently.

``up()`` starts what is not running (a service that died is simply started again), leaves alone
what runs, writes the credentials file and the inventory, and returns the status. ``down()`` stops
exactly what the lab started: emulators first, then each dockerd after its containers. Concurrent
calls on one lab are serialised with a lock file, so two ``iac lab up`` never start two dockerds.

``up(docker_engines=N)`` runs N Docker engines (``lab-docker``, ``lab-docker-2``, ...; one unless
asked). The number is kept in the lab home's ``settings.json``, so a later ``up()`` without it keeps
what was asked for (and restarts an engine that died) rather than stopping it; ``docker_engines=1``
stops the others. ``up(uplinks=[("gaming", "10.0.20.1/24")])`` wires segments into the first engine's
host (``lab.uplinks``); kept the same way, ``[]`` removes them.
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
from lab.errors import LabError
from lab.inventory import InventoryHost, write_inventory
from lab.layout import MAX_DOCKER_ENGINES, LabLayout, inventory_path
from lab.services import EmulatorService, ServiceStatus
from lab.uplinks import Uplink, ensure_uplinks, remove_uplinks, uplink_names

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
    # Inventory host -> DOCKER_HOST of every engine the lab runs (or was asked to): lab-docker first.
    docker_hosts: dict[str, str] = field(default_factory=dict)
    # Segments wired into lab-docker's host (``--uplink``): the veth pair and the peer's address.
    uplinks: list[Uplink] = field(default_factory=list)

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
            "docker_hosts": self.docker_hosts,
            "credentials": self.credentials,
            "ca_cert": self.ca_cert,
            "inventory": self.inventory,
            "uplinks": [uplink.to_dict() for uplink in self.uplinks],
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

    # Docker engines -----------------------------------------------------------------------------
    def _settings(self) -> dict[str, Any]:
        try:
            settings = json.loads(self.layout.settings_file.read_text())
        except (FileNotFoundError, ValueError):
            return {}
        return settings if isinstance(settings, dict) else {}

    def _save_settings(self, **changed: Any) -> None:
        settings = {**self._settings(), **changed}
        tmp = self.layout.settings_file.with_name(self.layout.settings_file.name + ".tmp")
        tmp.write_text(json.dumps(settings, indent=2) + "\n")
        os.replace(tmp, self.layout.settings_file)

    def docker_engine_count(self) -> int:
        """How many engines the lab was last asked to run (``settings.json``; 1 when never asked)."""
        count = self._settings().get("docker_engines", 1)
        return count if isinstance(count, int) and 1 <= count <= MAX_DOCKER_ENGINES else 1

    def uplinks(self) -> list[Uplink]:
        """The segments the lab was last asked to wire (``settings.json``), as veth pairs."""
        asked = self._settings().get("uplinks") or []
        pairs = [(str(item[0]), item[1] if len(item) > 1 else None)
                 for item in asked if isinstance(item, list) and item]  # fmt: skip
        return uplink_names(self.layout.home, pairs)

    def docker_engines(self, count: int | None = None) -> list[DockerEngine]:
        """The first ``count`` engines (default: as many as asked for last), plus any beyond that still run,
        so ``status`` shows them and ``down`` stops them."""
        engines = self._asked_engines(self.docker_engine_count() if count is None else count)
        extras = (DockerEngine(self.layout, index) for index in range(len(engines) + 1, MAX_DOCKER_ENGINES + 1))
        return engines + [engine for engine in extras if engine.pid() is not None]

    def _asked_engines(self, count: int) -> list[DockerEngine]:
        return [self.docker, *(DockerEngine(self.layout, index) for index in range(2, count + 1))]

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

    def up(
        self, docker_engines: int | None = None, uplinks: list[tuple[str, str | None]] | None = None
    ) -> LabStatus:
        """Start whatever is not running; write credentials and inventory; return the status.

        ``docker_engines`` (1 to ``MAX_DOCKER_ENGINES``) is how many Docker engines to run; None keeps
        the number asked for last. Engines beyond it are stopped. ``uplinks`` (segment, peer address) are
        the segments to wire into lab-docker's host; None keeps those asked for last, ``[]`` removes them.
        """
        if docker_engines is not None and not 1 <= docker_engines <= MAX_DOCKER_ENGINES:
            raise LabError(f"the lab runs 1 to {MAX_DOCKER_ENGINES} Docker engines, not {docker_engines}")
        count = self.docker_engine_count() if docker_engines is None else docker_engines
        engines = self._asked_engines(count)
        wired = self.uplinks() if uplinks is None else uplink_names(self.layout.home, uplinks)
        for engine in engines:
            engine.preflight()  # fail before anything is created when the lab cannot run at all
        with self._locked():
            self.layout.ensure()
            self._save_settings(docker_engines=count,
                                uplinks=[[uplink.segment, uplink.address] for uplink in wired])
            for surplus in self.docker_engines(count)[count:]:
                surplus.stop()  # asked for fewer than run: the others go, containers first
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
            # Emulators boot while the dockerds do; all take a second or two. The dockerds boot one after the
            # other: each sets up the host's shared iptables chains as it starts (see lab.docker_engine).
            for emulator in registered:
                emulator.spawn()
            for engine in engines:
                engine.boot()
            remove_uplinks(self.layout.home, keep={uplink.parent: uplink for uplink in wired})
            ensure_uplinks(wired)
            for engine in engines:
                engine.ensure_images()
            for emulator in registered:
                emulator.wait_healthy()
            self.dns.start()  # BIND forwards to the Cloudflare emulator's DNS listener
            env_file = LabCredentials(self.layout.credentials_file).save_environment(self.layout.env_file)
            inventory = write_inventory(
                inventory_path(), self._inventory_hosts(registered, engines, wired), sys.executable, env_file
            )
            return self._status(inventory)

    def down(self) -> LabStatus:
        """Stop every service the lab started (emulators, then each dockerd and its containers).

        The number of engines asked for is kept: the next ``up()`` starts as many again.
        """
        with self._locked():
            self.dns.stop()
            for emulator in self.emulators():
                emulator.stop()
            for engine in reversed(self.docker_engines()):
                engine.stop()
            remove_uplinks(self.layout.home)  # asked for again by the next up
            return self._status(None)

    def status(self) -> LabStatus:
        """Check every service now (no lock: reading is harmless while another call runs)."""
        path = inventory_path()
        return self._status(path if path.exists() else None)

    def _status(self, inventory: Path | None) -> LabStatus:
        engines = self.docker_engines()
        services = [
            *(engine.status() for engine in engines),
            *(emulator.status() for emulator in self.emulators()),
            *self.dns.statuses(),
        ]
        return LabStatus(
            home=str(self.layout.home),
            docker_host=self.layout.docker_host,
            credentials=str(self.layout.credentials_file),
            ca_cert=str(self.layout.ca_dir / "ca.crt"),
            inventory=str(inventory) if inventory else None,
            services=services,
            docker_hosts={engine.paths.inventory_host: engine.docker_host for engine in engines},
            uplinks=self.uplinks(),
        )

    def _inventory_hosts(
        self, emulators: list[EmulatorService], engines: list[DockerEngine], uplinks: list[Uplink]
    ) -> list[InventoryHost]:
        # Every engine shares this machine, so each may give containers all of it, as one engine does.
        capacity = _machine_capacity()
        hosts = [
            InventoryHost(
                "docker", engine.paths.inventory_host, {"docker_host": engine.docker_host, "capacity": dict(capacity)}
            )
            for engine in engines
        ]
        if uplinks:  # the segments' wires reach the first engine's host: its access ports
            hosts[0].vars["networks"] = {"access": {uplink.segment: uplink.parent for uplink in uplinks}}
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


def up(
    home: Path | None = None, docker_engines: int | None = None, uplinks: list[tuple[str, str | None]] | None = None
) -> LabStatus:
    """Start the lab at ``home`` (default: ``lab.layout.lab_home()``); idempotent.

    ``docker_engines``: how many Docker engines to run (kept for later calls; None keeps the last number).
    ``uplinks``: (segment, peer address) to wire into lab-docker's host (kept likewise; ``[]`` removes them).
    """
    return Supervisor(LabLayout(home) if home else None).up(docker_engines, uplinks)


def down(home: Path | None = None) -> LabStatus:
    """Stop everything the lab at ``home`` started."""
    return Supervisor(LabLayout(home) if home else None).down()


def status(home: Path | None = None) -> LabStatus:
    """The lab's services with pid, url or socket, and health."""
    return Supervisor(LabLayout(home) if home else None).status()
