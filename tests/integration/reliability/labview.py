"""The lab as the lifecycle and reliability tests compare it: every emulator's ``/__lab/state`` and the
Docker engine's managed objects, before and after a deployment (see test_minecraft_faults.py for what the
comparison ignores and why), and the minecraft example on a free host port."""

from __future__ import annotations

import dataclasses
import re
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from lab.emulator.registry import BUILTIN_EMULATORS
from lab.ports import free_port
from lab.supervisor import LabStatus

__all__ = ["BACKUP_WRITES", "MANAGED_LABEL", "WRITES", "LabView", "baseline", "game_port", "lab_view"]

MANAGED_LABEL = "io.homelab-iac.managed"
# The pre-change backup (backup_before_change): a savepoint only while the config history is empty, so only
# in the first cases of a fresh lab. It saves a backup and changes no configuration: not a step to fail.
BACKUP_WRITES = frozenset({"/api/firewall/filter/savepoint"})

# Every OPNsense write of a successful run, in order (setRule's uuid, derived from the rule name, removed).
WRITES = [
    "POST /api/interfaces/vlan_settings/addItem",  # wave 1: vlan, alias, host override
    "POST /api/firewall/alias/addItem",
    "POST /api/unbound/settings/addHostOverride",
    "POST /api/interfaces/vlan_settings/reconfigure",
    "POST /api/firewall/alias/reconfigure",
    "POST /api/unbound/service/reconfigure",
    "POST /api/interfaces/assignment/addItem",  # wave 2: the VLAN's interface
    "POST /api/interfaces/assignment/reconfigure",
    *["POST /api/firewall/filter/setRule"] * 5,  # wave 3: five rules, the DHCP subnet
    "POST /api/kea/dhcpv4/addSubnet",
    "POST /api/firewall/filter/apply",
    "POST /api/kea/service/reconfigure",
]


@pytest.fixture(scope="module")
def game_port() -> Iterator[int]:
    """The minecraft server's published port for this module (see the module docstring)."""
    from planner.intents import game

    port = free_port()
    minecraft = game.GAMES["minecraft"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(game.GAMES, "minecraft", dataclasses.replace(minecraft, ports=(game.GamePort(port, port, "tcp"),)))
        yield port


class LabView:
    """The lab as the comparison sees it: every emulator's state and the Docker engine's managed objects."""

    def __init__(self, lab: LabStatus, lab_home: Path) -> None:
        import docker

        credentials = yaml.safe_load((lab_home / "credentials.yml").read_text())
        verify = ssl.create_default_context(cafile=str(lab_home / "ca" / "ca.crt"))
        headers = {"X-Lab-Token": credentials["lab"]["admin_token"]}
        # The built-in emulators only: a test elsewhere may have registered (and stopped) one of its own.
        self.emulators = {
            name: httpx.Client(base_url=entry["url"], headers=headers, verify=verify, timeout=20)
            for name, entry in credentials["emulators"].items()
            if name in BUILTIN_EMULATORS
        }
        self.docker = docker.DockerClient(base_url=lab.docker_host)

    @property
    def opnsense(self) -> httpx.Client:
        return self.emulators["opnsense"]

    def snapshot(self) -> dict[str, Any]:
        emulators = {}
        for name, client in self.emulators.items():
            state = client.get("/__lab/state").raise_for_status().json()
            state.pop("revisions", None)  # configuration history: grows with every save, undo included
            emulators[name] = state
        return {"emulators": emulators, "docker": self._docker()}

    def _docker(self) -> dict[str, Any]:
        managed = {"label": MANAGED_LABEL}
        containers = {
            c.name: {"image": c.attrs["Config"]["Image"], "labels": c.labels, "status": c.status,
                     "networks": sorted(c.attrs["NetworkSettings"]["Networks"])}
            for c in self.docker.containers.list(all=True, filters=managed)
        }  # fmt: skip
        networks = {
            n.name: {"driver": n.attrs["Driver"], "ipam": n.attrs["IPAM"]["Config"], "labels": n.attrs["Labels"]}
            for n in self.docker.networks.list(filters=managed)
        }
        volumes = {v.name: {"driver": v.attrs["Driver"], "labels": v.attrs["Labels"]}
                   for v in self.docker.volumes.list(filters=managed)}  # fmt: skip
        return {"containers": containers, "networks": networks, "volumes": volumes}

    def opnsense_writes(self) -> list[tuple[str, int | None]]:
        """The OPNsense writes since the log was cleared: (method path without setRule's uuid, fault id)."""
        entries = self.opnsense.get("/__lab/requests").raise_for_status().json()["requests"]
        return [
            (re.sub(r"/(setRule|delRule)/[0-9a-f-]+$", r"/\1", f"{e['method']} {e['path']}"), e["fault"])
            for e in entries if e["method"] != "GET" and e["path"] not in BACKUP_WRITES
        ]  # fmt: skip

    def close(self) -> None:
        for client in self.emulators.values():
            client.close()
        self.docker.close()


def settle_pending_changes(lab_home: Path) -> None:
    """Apply what other tests on the shared lab saved but never applied, as an admin would click "Apply".

    The minecraft batches apply whole areas, which puts any such pending change into service too (as the
    real firewall does); taking the baseline after settling keeps that out of the comparison.
    """
    credentials = yaml.safe_load((lab_home / "credentials.yml").read_text())
    entry = credentials["emulators"]["opnsense"]
    verify = ssl.create_default_context(cafile=str(lab_home / "ca" / "ca.crt"))
    auth = (entry["credentials"]["key"], entry["credentials"]["secret"])
    with httpx.Client(base_url=entry["url"], auth=auth, verify=verify, timeout=20) as api:
        for write in WRITES:
            method, path = write.split(" ", 1)
            if path.endswith(("reconfigure", "/apply")):
                api.request(method, path).raise_for_status()


@pytest.fixture(scope="module")
def lab_view(lab: LabStatus, lab_home: Path) -> Iterator[LabView]:
    settle_pending_changes(lab_home)
    view = LabView(lab, lab_home)
    try:
        yield view
    finally:
        view.close()


@pytest.fixture
def baseline(lab_view: LabView) -> Iterator[dict[str, Any]]:
    """The lab before the case; no fault armed, an empty request log."""
    lab_view.opnsense.delete("/__lab/faults")
    lab_view.opnsense.delete("/__lab/requests")
    yield lab_view.snapshot()
    lab_view.opnsense.delete("/__lab/faults")
