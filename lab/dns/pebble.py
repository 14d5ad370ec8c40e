"""The lab's ACME server: Debian's Pebble with a listener certificate from the lab CA.

Debian ships no TLS certificate for Pebble, so the lab issues one (SANs ``localhost`` and
``127.0.0.1``) and clients trust the lab CA. ``-dnsserver`` points at the lab BIND, so DNS-01
challenges are checked with real lookups of what the modules published. The environment makes
runs deterministic (reference §5): no validation sleep, no injected ``badNonce``, no authz reuse.
Pebble keeps everything in memory: its roots change on every start (fetch ``/roots/0`` anew).
"""

from __future__ import annotations

import json
import os
import ssl
from pathlib import Path
from typing import Any

import httpx

from lab.ca import LabCA, issue_server_certificate
from lab.dns.daemon import Daemon

__all__ = ["PebbleServer"]


class PebbleServer(Daemon):
    """``pebble -config FILE -dnsserver 127.0.0.1:BIND``; ``prepare`` then ``start``."""

    name = "pebble"
    backend = "certs"
    program = "pebble"

    def __init__(self, directory: Path, ca_cert: Path) -> None:
        super().__init__(directory)
        self.config = directory / "pebble-config.json"
        self.ca_cert = ca_cert

    @property
    def markers(self) -> list[str]:
        return ["pebble", str(self.config)]

    def prepare(self, ca: LabCA, dns_port: int) -> None:
        """Ports, listener certificate and config; the DNS server is the lab BIND on ``dns_port``."""
        self.directory.mkdir(parents=True, exist_ok=True)
        record = {
            "port": self.keep_port("port"),
            "management_port": self.keep_port("management_port"),
            "dns_port": dns_port,
        }
        self.save_record(record)
        cert, key = self.directory / "cert.pem", self.directory / "key.pem"
        if self.pid() is None or not cert.exists():
            issue_server_certificate(ca, cert, key, ["localhost", "127.0.0.1"])
        config = {
            "pebble": {
                "listenAddress": f"127.0.0.1:{record['port']}",
                "managementListenAddress": f"127.0.0.1:{record['management_port']}",
                "certificate": str(cert),
                "privateKey": str(key),
                # Not used (the lab validates DNS-01 only), but must not collide with anything.
                "httpPort": 5002,
                "tlsPort": 5001,
                "ocspResponderURL": "",
                "externalAccountBindingRequired": False,
            }
        }
        self.config.write_text(json.dumps(config, indent=2) + "\n")

    def argv(self) -> list[str]:
        return ["pebble", "-config", str(self.config), "-dnsserver", f"127.0.0.1:{self.record()['dns_port']}"]

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update({"PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "0", "PEBBLE_AUTHZREUSE": "0"})
        return env

    def directory_url(self) -> str | None:
        port = self.record().get("port")
        return f"https://127.0.0.1:{port}/dir" if port else None

    def url(self) -> str | None:
        return self.directory_url()

    def healthy(self) -> bool:
        url = self.directory_url()
        if url is None:
            return False
        try:
            context = ssl.create_default_context(cafile=str(self.ca_cert))
            return httpx.get(url, verify=context, timeout=2.0).status_code == 200
        except (httpx.HTTPError, OSError):
            return False

    def inventory_vars(self) -> dict[str, Any]:
        """The ``certs`` group: ACME directory, the CA its listener uses, and where its roots are."""
        record = self.record()
        return {
            "acme_directory": self.directory_url(),
            "acme_ca_cert": str(self.ca_cert),
            "acme_roots_url": f"https://127.0.0.1:{record.get('management_port')}/roots/0",
        }
