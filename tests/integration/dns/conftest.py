"""Fixtures for the DNS/certificate tests: the lab's endpoints and secrets, read as a user would.

Connection values come from the lab inventory, secrets from the credentials file; nothing here
talks to anything but loopback.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from lab.supervisor import LabStatus


@dataclass(frozen=True)
class DnsLabInfo:
    """Everything a DNS/cert test needs to reach the lab."""

    cloudflare_url: str
    cloudflare_token: str
    ca_cert: str
    public_dns_port: int
    bind_port: int
    zone: str
    keys: dict[str, dict[str, str]]
    acme_directory: str
    acme_roots_url: str
    home: Path

    def key(self, name: str) -> dict[str, str]:
        return self.keys[name]


@pytest.fixture(scope="session")
def dns_lab(lab: LabStatus, lab_home: Path) -> DnsLabInfo:
    """The lab's Cloudflare emulator, BIND and Pebble; skipped when named or pebble is missing."""
    if not lab.service("bind").healthy or not lab.service("pebble").healthy:
        pytest.skip("BIND or Pebble is not running in the lab (install bind9 and pebble)")
    groups = yaml.safe_load(Path(os.environ["IAC_INVENTORY"]).read_text())["all"]["children"]
    credentials = yaml.safe_load((lab_home / "credentials.yml").read_text())
    cloudflare = groups["dns"]["hosts"]["lab-cloudflare"]
    bind = groups["dns"]["hosts"]["lab-bind"]
    pebble = groups["certs"]["hosts"]["lab-pebble"]
    return DnsLabInfo(
        cloudflare_url=cloudflare["cloudflare_base_url"],
        cloudflare_token=credentials["emulators"]["cloudflare"]["credentials"]["token"],
        ca_cert=cloudflare["cloudflare_ca_cert"],
        public_dns_port=bind["public_dns_port"],
        bind_port=bind["dns_port"],
        zone=bind["dns_zone"],
        keys=credentials["bind"]["keys"],
        acme_directory=pebble["acme_directory"],
        acme_roots_url=pebble["acme_roots_url"],
        home=lab_home,
    )


@pytest.fixture
def cloudflare_client(dns_lab: DnsLabInfo, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """An official-SDK client on the emulator (legacy key variables removed: they hide the token)."""
    cloudflare = pytest.importorskip("cloudflare")
    for name in ("CLOUDFLARE_API_KEY", "CLOUDFLARE_EMAIL"):
        monkeypatch.delenv(name, raising=False)
    http = httpx.Client(verify=ssl.create_default_context(cafile=dns_lab.ca_cert))
    client = cloudflare.Cloudflare(
        api_token=dns_lab.cloudflare_token, base_url=dns_lab.cloudflare_url, max_retries=0, http_client=http
    )
    yield client
    client.close()
