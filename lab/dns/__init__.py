"""The lab's name and certificate services: a real BIND9 and a real Pebble, next to the emulators.

``DnsLab`` is what the supervisor calls (``prepare`` before the credentials are saved, ``start``
once the emulators answer, ``stop``, ``statuses``, ``inventory_hosts``). BIND starts after the
Cloudflare emulator because it forwards the public zones to the emulator's DNS listener, and
Pebble after BIND because it validates DNS-01 challenges through it. When ``named`` or ``pebble``
is not installed the service is reported down with that reason; the rest of the lab still starts.
"""

from __future__ import annotations

import json

from lab.ca import LabCA
from lab.credentials import LabCredentials
from lab.dns.bind import DDNS_KEY, INTERNAL_KEY, INTERNAL_ZONE, BindServer
from lab.dns.pebble import PebbleServer
from lab.emulator.cloudflare import PUBLIC_ZONES
from lab.inventory import InventoryHost
from lab.layout import LabLayout
from lab.services import ServiceStatus

__all__ = ["DDNS_KEY", "INTERNAL_KEY", "INTERNAL_ZONE", "BindServer", "DnsLab", "PebbleServer"]


class DnsLab:
    """BIND and Pebble of one lab home."""

    def __init__(self, layout: LabLayout) -> None:
        self.layout = layout
        self.bind = BindServer(layout.home / "bind")
        self.pebble = PebbleServer(layout.home / "pebble", layout.ca_dir / "ca.crt")
        self._credentials: LabCredentials | None = None
        self._ca: LabCA | None = None

    def prepare(self, credentials: LabCredentials, ca: LabCA) -> None:
        """Generate the TSIG keys into the credentials (saved by the supervisor right after)."""
        self.bind.keys(credentials)
        credentials.set_section("bind", {"keys": self.bind.keys(credentials)})
        self._credentials = credentials
        self._ca = ca

    def cloudflare_dns_port(self) -> int | None:
        """The Cloudflare emulator's DNS listener port (written by the emulator once bound)."""
        try:
            return int(json.loads((self.layout.emulator_dir("cloudflare") / "dns.json").read_text())["port"])
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            return None

    def start(self) -> None:
        """Start BIND then Pebble (skipping what is not installed); call after the emulators answer."""
        assert self._credentials is not None and self._ca is not None, "call prepare() first"
        if self.bind.installed():
            cf_port = self.cloudflare_dns_port()
            forwards = {zone: cf_port for zone in PUBLIC_ZONES} if cf_port else {}
            self.bind.prepare(self._credentials, forwards)
            self._credentials.save()
            self.bind.start()
            if self.pebble.installed() and self.bind.port:
                self.pebble.prepare(self._ca, self.bind.port)
                self.pebble.start()

    def stop(self) -> None:
        """Stop Pebble, then BIND (only the lab's own processes, by pid)."""
        self.pebble.stop()
        self.bind.stop()

    def statuses(self) -> list[ServiceStatus]:
        return [self.bind.status(), self.pebble.status()]

    def inventory_hosts(self) -> list[InventoryHost]:
        """``dns``: lab-bind; ``certs``: lab-pebble (the Cloudflare host comes from its emulator)."""
        hosts = []
        if self.bind.port:
            bind_vars = self.bind.inventory_vars()
            bind_vars["public_dns_port"] = self.cloudflare_dns_port()
            hosts.append(InventoryHost("dns", "lab-bind", bind_vars))
        if self.pebble.record().get("port"):
            hosts.append(InventoryHost("certs", "lab-pebble", self.pebble.inventory_vars()))
        return hosts
