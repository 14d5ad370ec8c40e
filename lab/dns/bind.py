"""The lab's BIND9: Debian's ``named`` in the foreground with its own config under the lab home.

What it serves (shared/reference/dns-and-certs.md §4):

* the internal zone ``lab.home.arpa`` twice, in two views selected by TSIG key on one address
  (``listen-on 127.0.0.2`` does not work without privileges): queries and updates signed with
  ``internal-key`` see and change the ``internal`` copy; everything else (unsigned, or signed
  with ``ddns-key``) sees the ``external`` copy, where ``ddns-key`` may update;
* the public zones of the Cloudflare emulator, forwarded to its DNS listener, so Pebble (which
  asks this server) validates DNS-01 records published through the Cloudflare API.

Zone files are written once and then left to named and its journal: rewriting a zone file under
a live ``.jnl`` desynchronises them, and dynamic updates should survive ``down``/``up`` like the
emulators' state does. The config itself is rewritten on every start because ports may move.
"""

from __future__ import annotations

import base64
import secrets
from pathlib import Path
from typing import Any

import dns.exception
import dns.message
import dns.query
import dns.rcode

from lab.credentials import LabCredentials
from lab.dns.daemon import Daemon

__all__ = ["DDNS_KEY", "INTERNAL_KEY", "INTERNAL_ZONE", "BindServer"]

INTERNAL_ZONE = "lab.home.arpa"
DDNS_KEY = "ddns-key"
INTERNAL_KEY = "internal-key"
ALGORITHM = "hmac-sha256"

# www differs per view so split-horizon is visible the moment the lab is up.
_ZONE_TEMPLATE = """$TTL 300
@       IN SOA ns1.{zone}. hostmaster.{zone}. ( 1 3600 600 604800 300 )
        IN NS  ns1.{zone}.
ns1     IN A   127.0.0.1
www     IN A   {www}
"""


class BindServer(Daemon):
    """named with views, TSIG keys and forward zones; ``prepare`` then ``start``."""

    name = "bind"
    backend = "dns"
    program = "named"

    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        self.config = directory / "named.conf"

    @property
    def markers(self) -> list[str]:
        return ["named", str(self.config)]

    @property
    def port(self) -> int | None:
        port = self.record().get("port")
        return port if isinstance(port, int) else None

    def keys(self, credentials: LabCredentials) -> dict[str, dict[str, str]]:
        """The TSIG keys (kept from the credentials file, generated on first use)."""
        section = credentials.data.get("bind") or {}
        keys = section.get("keys") if isinstance(section, dict) else None
        if not isinstance(keys, dict) or set(keys) != {DDNS_KEY, INTERNAL_KEY}:
            keys = {
                name: {
                    "name": name,
                    "algorithm": ALGORITHM,
                    "secret": base64.b64encode(secrets.token_bytes(32)).decode(),
                }
                for name in (DDNS_KEY, INTERNAL_KEY)
            }
        return keys

    def prepare(self, credentials: LabCredentials, forwards: dict[str, int]) -> None:
        """Choose the port, record keys in the credentials, write config and (first time) zones.

        ``forwards`` maps public zone names to the loopback port of the DNS server owning them.
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        port = self.keep_port("port", udp=True)
        keys = self.keys(credentials)
        credentials.set_section("bind", {"server": "127.0.0.1", "port": port, "keys": keys})
        self.save_record({"port": port, "zone": INTERNAL_ZONE, "forwards": forwards})
        for view, www in (("internal", "192.168.1.10"), ("external", "203.0.113.10")):
            zone_file = self.directory / f"{view}.{INTERNAL_ZONE}.db"
            if not zone_file.exists():
                zone_file.write_text(_ZONE_TEMPLATE.format(zone=INTERNAL_ZONE, www=www))
        self.config.write_text(self.render_config(port, keys, forwards))
        self.config.chmod(0o600)  # it embeds the TSIG secrets

    def render_config(self, port: int, keys: dict[str, dict[str, str]], forwards: dict[str, int]) -> str:
        """named.conf text (checked by named-checkconf in the tests)."""
        d = self.directory
        key_clauses = "".join(
            f'key "{k["name"]}" {{ algorithm {k["algorithm"]}; secret "{k["secret"]}"; }};\n' for k in keys.values()
        )
        forward_zones = "".join(
            f'  zone "{zone}" {{ type forward; forward only; forwarders {{ 127.0.0.1 port {fport}; }}; }};\n'
            for zone, fport in sorted(forwards.items())
        )

        def view(name: str, match: str, updater: str) -> str:
            return (
                f'view "{name}" {{\n'
                f"  match-clients {{ {match} }};\n"
                f'  zone "{INTERNAL_ZONE}" {{ type primary; file "{d}/{name}.{INTERNAL_ZONE}.db";'
                f" allow-update {{ key {updater}; }}; allow-transfer {{ key {updater}; }}; }};\n"
                f"{forward_zones}"
                "};\n"
            )

        return (
            key_clauses + "options {\n"
            f'  directory "{d}";\n'
            f'  pid-file "{d}/named.pid";\n'
            f'  session-keyfile "{d}/session.key";\n'
            f"  listen-on port {port} {{ 127.0.0.1; }};\n"
            "  listen-on-v6 { none; };\n"
            # Recursion only so that forward zones work; only loopback clients exist anyway.
            "  recursion yes; allow-recursion { 127.0.0.1; }; allow-query { any; };\n"
            "  dnssec-validation no; notify no;\n"
            # Answers forwarded from the Cloudflare listener are cached for a second at most, so a
            # re-published ACME challenge (same name, new value) is seen at once, as users expect.
            "  max-cache-ttl 1; max-ncache-ttl 1;\n"
            "};\n"
            "controls { };\n"
            + view("internal", f"key {INTERNAL_KEY};", INTERNAL_KEY)
            + view("external", f"!key {INTERNAL_KEY}; any;", DDNS_KEY)
        )

    def argv(self) -> list[str]:
        return ["named", "-g", "-4", "-c", str(self.config)]

    def url(self) -> str | None:
        return f"dns://127.0.0.1:{self.port}" if self.port else None

    def healthy(self) -> bool:
        if self.port is None:
            return False
        query = dns.message.make_query(INTERNAL_ZONE + ".", "SOA")
        try:
            response = dns.query.udp(query, "127.0.0.1", port=self.port, timeout=1.0)
        except (OSError, dns.exception.DNSException):
            return False
        return response.rcode() == dns.rcode.NOERROR and bool(response.answer)

    def inventory_vars(self) -> dict[str, Any]:
        """Connection variables for the ``dns`` group (no secrets: the keys stay in credentials)."""
        return {
            "dns_provider": "rfc2136",
            "dns_server": "127.0.0.1",
            "dns_port": self.port,
            "dns_zone": INTERNAL_ZONE,
            "tsig_key_name": DDNS_KEY,
            "tsig_internal_key_name": INTERNAL_KEY,
            "tsig_key_algorithm": ALGORITHM,
        }
