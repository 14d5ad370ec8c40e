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

    def environment(self) -> dict[str, str]:
        """The credentials as the environment variables the collection's modules fall back to.

        ``iac`` hands these to the runs it starts (the lab inventory names the file they are written to);
        ``eval "$(iac lab env)"`` gives them to a shell for plain ``ansible-playbook``.
        """
        env: dict[str, str] = {}
        opnsense = (self.emulator("opnsense") or {}).get("credentials") or {}
        if opnsense.get("key"):
            env["OPNSENSE_API_KEY"], env["OPNSENSE_API_SECRET"] = str(opnsense["key"]), str(opnsense["secret"])
        proxmox = (self.emulator("proxmox") or {}).get("credentials") or {}
        if proxmox.get("token_id"):
            env["PROXMOX_TOKEN_ID"], env["PROXMOX_TOKEN_SECRET"] = str(proxmox["token_id"]), str(proxmox["secret"])
        cloudflare = (self.emulator("cloudflare") or {}).get("credentials") or {}
        if cloudflare.get("token"):
            env["CLOUDFLARE_API_TOKEN"] = str(cloudflare["token"])
        keys = (self.data.get("bind") or {}).get("keys") or {}
        ddns = keys.get("ddns-key") if isinstance(keys, dict) else None
        if isinstance(ddns, dict) and ddns.get("secret"):
            env["DNS_TSIG_KEY_NAME"], env["DNS_TSIG_KEY_SECRET"] = str(ddns["name"]), str(ddns["secret"])
        for key in keys.values() if isinstance(keys, dict) else ():
            if isinstance(key, dict) and key.get("secret"):  # per key, for intents that name one: {secret: ...}
                env[f"DNS_TSIG_{str(key['name']).upper().replace('-', '_')}_SECRET"] = str(key["secret"])
        return env

    def save_environment(self, path: Path) -> Path:
        """Write :meth:`environment` to ``path`` as YAML, mode 0600, atomically; return ``path``."""
        _write_private(path, "# Lab credentials as environment variables, written by `iac lab up`.\n",
                       self.environment())
        return path

    def save(self) -> None:
        """Write atomically with mode 0600 (created private, never world-readable for an instant)."""
        _write_private(self.path, _HEADER, self.data)


def _write_private(path: Path, header: str, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(header)
        yaml.safe_dump(data, handle, sort_keys=False, default_flow_style=False)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
