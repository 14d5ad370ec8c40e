"""What the benches that drive an emulator share: its entry in the lab's credentials file, and its request log."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import httpx
import yaml


class EmulatorLab:
    """One running emulator of the lab under ``home``: its url, CA, API credentials, and an admin client for
    the request log (``/__lab/requests``) the benches count reads and writes from."""

    def __init__(self, home: Path, emulator: str) -> None:
        credentials = yaml.safe_load((home / "lab" / "credentials.yml").read_text())
        entry = credentials["emulators"][emulator]
        self.home = home
        self.url: str = entry["url"]
        self.ca_cert = str(home / "lab" / "ca" / "ca.crt")
        self.credentials: dict[str, str] = entry["credentials"]
        self.client = httpx.Client(base_url=self.url, headers={"X-Lab-Token": credentials["lab"]["admin_token"]},
                                   verify=ssl.create_default_context(cafile=self.ca_cert))

    def request_log(self) -> list[dict[str, Any]]:
        requests: list[dict[str, Any]] = self.client.get("/__lab/requests").json()["requests"]
        return requests
