"""The lab credentials file: ``<lab home>/credentials.yml``, mode 0600, never inside the repository.

Format::

    # header comment
    lab:
      admin_token: <token for the /__lab/* endpoints of every emulator>
      ca_cert: <lab home>/ca/ca.crt
    docker:
      docker_host: unix://<lab home>/docker/docker.sock
    emulators:
      <name>:
        url: https://127.0.0.1:<port>
        auth: basic | bearer | header | <custom scheme name>
        credentials: {<field>: <value>, ...}   # what the emulator's auth scheme generated

Only the supervisor writes it (one writer, under the lab lock); emulators read it at start.
Credentials are generated once and kept, so clients configured from the file keep working after
``down``/``up``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import yaml

__all__ = ["LabCredentials", "new_token"]

_HEADER = "# Lab credentials, written by `iac lab up`. Secrets: keep this file mode 0600 and out of git.\n"


def new_token(nbytes: int = 24) -> str:
    """A random URL-safe secret."""
    return secrets.token_urlsafe(nbytes)


class LabCredentials:
    """Read-modify-write access to the credentials file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data: dict[str, Any] = self._load()

    def _load(self) -> dict[str, Any]:
        try:
            loaded = yaml.safe_load(self.path.read_text())
        except FileNotFoundError:
            return {}
        return loaded if isinstance(loaded, dict) else {}

    # Lab-wide values ----------------------------------------------------------------------------
    def admin_token(self) -> str:
        """The lab admin token, generated on first use."""
        lab = self.data.setdefault("lab", {})
        if not lab.get("admin_token"):
            lab["admin_token"] = new_token()
        return str(lab["admin_token"])

    def set_lab(self, key: str, value: str) -> None:
        """Record a lab-wide, non-secret value (e.g. the CA path) for readers of the file."""
        self.data.setdefault("lab", {})[key] = value

    def set_section(self, name: str, values: dict[str, Any]) -> None:
        """Replace a top-level section (e.g. ``docker``)."""
        self.data[name] = values

    # Emulators ----------------------------------------------------------------------------------
    def emulator(self, name: str) -> dict[str, Any] | None:
        """The entry of one emulator, or None."""
        entry = self.data.get("emulators", {}).get(name)
        return entry if isinstance(entry, dict) else None

    def set_emulator(self, name: str, url: str, auth: str, credentials: dict[str, str]) -> None:
        """Record the url and credentials of one emulator."""
        emulators = self.data.setdefault("emulators", {})
        emulators[name] = {"url": url, "auth": auth, "credentials": dict(credentials)}

    def save(self) -> None:
        """Write atomically with mode 0600 (created private, never world-readable for an instant)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(_HEADER)
            yaml.safe_dump(self.data, handle, sort_keys=False, default_flow_style=False)
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)
