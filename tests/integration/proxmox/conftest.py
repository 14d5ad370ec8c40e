"""Fixtures for the Proxmox emulator tests: its URL, CA and API token from the session lab."""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from lab.supervisor import LabStatus


@dataclass(frozen=True)
class PveEndpoint:
    """Where the lab's Proxmox emulator listens and the token that opens it."""

    url: str
    ca_cert: str
    token_id: str
    secret: str
    admin_token: str

    @property
    def header(self) -> str:
        return f"PVEAPIToken={self.token_id}={self.secret}"


@pytest.fixture(scope="session")
def pve(lab: LabStatus, lab_home: Path) -> PveEndpoint:
    """The emulator named ``proxmox`` in the session lab."""
    data = yaml.safe_load((lab_home / "credentials.yml").read_text())
    entry = data["emulators"]["proxmox"]
    creds = entry["credentials"]
    return PveEndpoint(entry["url"], data["lab"]["ca_cert"], creds["token_id"], creds["secret"],
                       data["lab"]["admin_token"])


@pytest.fixture
def api(pve: PveEndpoint) -> Iterator[httpx.Client]:
    """Plain httpx, shaped as the reference documents requests (form bodies, token header)."""
    with httpx.Client(base_url=pve.url + "/api2/json", verify=ssl.create_default_context(cafile=pve.ca_cert),
                      headers={"Authorization": pve.header}, timeout=10) as client:
        yield client


def wait_task(api: httpx.Client, upid: str, timeout: float = 10.0) -> dict[str, Any]:
    """Poll a task until it stops; return its status."""
    node = upid.split(":")[1]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = api.get(f"/nodes/{node}/tasks/{upid}/status").json()["data"]
        if status["status"] == "stopped":
            return status  # type: ignore[no-any-return]
        time.sleep(0.05)
    raise AssertionError(f"task {upid} still running after {timeout}s")
