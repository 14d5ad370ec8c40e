"""Access to the lab's OPNsense emulator: its URL, CA, credentials and a plain httpx client.

The tests speak HTTP themselves (never through the collection's client), so the emulator is
pinned to the reference's documented shapes rather than to what our modules happen to send.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml

from lab.supervisor import LabStatus


@dataclass(frozen=True)
class Opnsense:
    """Where the emulator listens and how to authenticate."""

    url: str
    ca_cert: str
    key: str
    secret: str
    limited_key: str
    limited_secret: str
    admin_token: str


@pytest.fixture(scope="session")
def opnsense(lab: LabStatus, lab_home: Path) -> Opnsense:
    credentials = yaml.safe_load((lab_home / "credentials.yml").read_text())
    entry = credentials["emulators"]["opnsense"]
    values = entry["credentials"]
    return Opnsense(
        url=entry["url"],
        ca_cert=str(lab_home / "ca" / "ca.crt"),
        key=values["key"],
        secret=values["secret"],
        limited_key=values["limited_key"],
        limited_secret=values["limited_secret"],
        admin_token=credentials["lab"]["admin_token"],
    )


@pytest.fixture
def api(opnsense: Opnsense) -> Iterator[httpx.Client]:
    """An authenticated client on ``<url>/api/``."""
    with httpx.Client(
        base_url=opnsense.url + "/api/",
        auth=(opnsense.key, opnsense.secret),
        verify=ssl.create_default_context(cafile=opnsense.ca_cert),
        timeout=20,
    ) as client:
        yield client


@pytest.fixture
def lab_api(opnsense: Opnsense) -> Iterator[httpx.Client]:
    """A client for the emulator's ``/__lab/*`` endpoints."""
    with httpx.Client(
        base_url=opnsense.url,
        headers={"X-Lab-Token": opnsense.admin_token},
        verify=ssl.create_default_context(cafile=opnsense.ca_cert),
        timeout=20,
    ) as client:
        yield client
