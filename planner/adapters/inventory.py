"""The endpoint inventory: which Docker engines, firewalls and hypervisors homelab-iac may manage.

It is an ordinary YAML Ansible inventory: one host per endpoint, grouped by backend (``docker``,
``opnsense``, ``proxmox``, ...), with the connection settings as host or group vars. ``iac lab up`` writes
one for the lab; ``IAC_INVENTORY`` or ``--inventory`` point at a real homelab's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from planner.documents import LimitExceeded, load_yaml
from planner.errors import IntentError
from planner.intents.base import Endpoints
from planner.intents.placement import parse_uplinks
from planner.paths import project_root

__all__ = ["BACKENDS", "EndpointInventory", "Host", "default_inventory_path", "load_inventory"]

BACKENDS = ("docker", "opnsense", "proxmox", "dns", "certs")


def default_inventory_path() -> Path:
    """``$IAC_INVENTORY``, else the lab's ``inventories/lab/hosts.yml``."""
    raw = os.environ.get("IAC_INVENTORY")
    return Path(raw).expanduser() if raw else project_root() / "inventories" / "lab" / "hosts.yml"


@dataclass(frozen=True)
class Host:
    name: str
    backend: str
    vars: dict[str, Any]


@dataclass(frozen=True)
class EndpointInventory:
    path: Path
    hosts: dict[str, Host] = field(default_factory=dict)
    all_vars: dict[str, Any] = field(default_factory=dict)

    def environment(self) -> dict[str, str]:
        """Credentials for the runs, as environment variables, from the file ``iac_env_file`` names.

        The file (YAML, ``NAME: value``) must be private (mode 0600 or stricter): it holds secrets. The
        lab writes one; a real homelab may too, or export the variables itself, or use ansible-vault.
        """
        raw = self.all_vars.get("iac_env_file")
        if not raw:
            return {}
        file = Path(str(raw)).expanduser()
        try:
            mode = file.stat().st_mode & 0o777
            data = load_yaml(file.read_text(encoding="utf-8")) or {}
        except FileNotFoundError:
            raise IntentError(
                f"{self.path}: iac_env_file {file} does not exist; run `iac lab up` or fix the path"
            ) from None
        except (OSError, yaml.YAMLError, LimitExceeded) as err:
            reason = " ".join(str(err).split())
            raise IntentError(f"{self.path}: iac_env_file {file} cannot be read: {reason}") from None
        if mode & 0o077:
            raise IntentError(f"iac_env_file {file} is readable by others (mode {mode:o}); run chmod 600 {file}")
        if not isinstance(data, dict):
            raise IntentError(f"iac_env_file {file}: expected a mapping of NAME: value")
        return {str(key): str(value) for key, value in data.items()}

    def endpoints(self) -> Endpoints:
        by_backend: dict[str, list[str]] = {}
        for host in self.hosts.values():
            by_backend.setdefault(host.backend, []).append(host.name)
        networks = {host.name: parse_uplinks(host.vars["networks"], f"{self.path}: {host.name}.networks")
                    for host in self.hosts.values() if host.backend == "docker" and "networks" in host.vars}
        return Endpoints(by_backend=by_backend, source=str(self.path), networks=networks)


def load_inventory(path: Path | None = None) -> EndpointInventory:
    """Read the endpoint inventory; a missing file is an empty inventory (plans then say what to do)."""
    file = path or default_inventory_path()
    if not file.exists():
        return EndpointInventory(path=file)
    try:
        data = load_yaml(file.read_text(encoding="utf-8")) or {}
    except LimitExceeded as err:
        raise IntentError(f"{file}: {err}") from None
    except yaml.YAMLError as err:
        raise IntentError(f"{file}: the inventory is not valid YAML: {' '.join(str(err).split())}") from None
    root = data.get("all", {}) if isinstance(data, dict) else {}
    if not isinstance(root, dict):
        raise IntentError(f"{file}: expected an `all:` mapping at the top of the inventory")
    hosts: dict[str, Host] = {}
    for group, body in (root.get("children") or {}).items():
        body = body or {}
        group_vars = dict(body.get("vars") or {})
        for name, host_vars in (body.get("hosts") or {}).items():
            if group not in BACKENDS:
                continue
            hosts[name] = Host(name=name, backend=group, vars={**group_vars, **(host_vars or {})})
    return EndpointInventory(path=file, hosts=hosts, all_vars=dict(root.get("vars") or {}))
