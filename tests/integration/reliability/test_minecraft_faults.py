"""All-or-nothing for examples/minecraft.yaml: a failure at each write step leaves the lab as it was.

The deployment (13 resources, 3 waves, one ``opnsense_batch`` and one ``docker_batch`` task per endpoint per
wave) runs through the same service ``iac apply`` uses, against the session lab and real PostgreSQL. Each
case injects one failure, lets the service roll back, and then checks what a user would check:

* the deployment is ``rolled_back`` in the database (read back from PostgreSQL), and the database lists
  no live resource of it;
* the lab equals its state before the deployment: ``GET /__lab/state`` of every emulator (OPNsense, Proxmox,
  Cloudflare) and the Docker engine's managed objects (containers, networks and volumes labelled
  ``io.homelab-iac.managed``).

The matrix:

* every OPNsense write of the deployment, in the order the batches make them (``WRITES``: adds, then each
  area's apply/reconfigure, wave by wave), failed in turn with the emulator's fault API (``after`` targets
  the n-th matching write). Failures vary: an HTTP 500 with OPNsense's own error body, a 503, and a dropped
  connection (the appliance vanishes mid-request). Each case also checks that the writes before the fault
  are exactly ``WRITES`` up to it, so the list cannot silently go stale. Of the five ``setRule`` calls
  (the five firewall rules of wave 3) the first and the last are failed: the three between add nothing
  the first and last do not (all of them leave earlier rules of the same batch to undo);
* Docker failures a user can hit: the engine refuses the network because another network on it already
  holds the subnet (wave 1), and the published host port is taken by another listener between the
  preflight check and the container's start (wave 2: the container was created, then failed to start).

Not here, because tests/e2e/test_cli_hello.py covers them with the same code paths (the lock and lease
logic does not depend on how many endpoints a plan has): SIGKILL mid-wave followed by ``iac rollback``,
and the refusal of a second writer (tests/integration/state/test_postgres_locks.py races the locks on
PostgreSQL). A Docker engine that stops mid-run is not here either: the undo of the Docker resources
then needs the engine that is gone, so the honest outcome is ``rollback_failed`` (see the report).

What the comparison ignores, and why:

* OPNsense ``revisions``: the appliance's configuration history (System > Configuration > History). Every
  save adds an entry, undoing included, by design; the promise is about the configuration, and both its
  saved (``config``) and applied (``running``) halves are compared in full;
* Docker object ids and creation times: not compared because nothing pre-existing is touched by the plan,
  and objects are compared by name, image, labels, state, subnet and driver.

The game's host port is taken from a free one instead of 25565 (``GAMES`` patched for this module): the
example's fixed 25565 may be held on a shared machine by someone's demo lab, and the preflight check would
then refuse the plan before anything runs (tests/e2e covers that refusal).
"""

from __future__ import annotations

import dataclasses
import re
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from lab.emulator.registry import BUILTIN_EMULATORS
from lab.ports import free_port
from lab.supervisor import LabStatus
from planner.adapters.execute import AnsibleRunnerExecutor
from planner.adapters.inventory import EndpointInventory
from planner.adapters.preflight import run_preflight
from planner.core.plan import Plan
from planner.paths import project_root
from planner.service import ApplyResult, Service
from planner.state.records import DeploymentStatus
from planner.state.sql import SqlStateStore

pytestmark = [pytest.mark.integration]

MINECRAFT = project_root() / "examples" / "minecraft.yaml"
MANAGED_LABEL = "io.homelab-iac.managed"
# The pre-change backup (backup_before_change): a savepoint only while the config history is empty, so only
# in the first cases of a fresh lab. It saves a backup and changes no configuration: not a step to fail.
BACKUP_WRITES = frozenset({"/api/firewall/filter/savepoint"})
OPNSENSE_ERROR = {"errorMessage": "Unexpected error, check log for details"}

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


@dataclass(frozen=True)
class Step:
    """One OPNsense write to fail: its position in ``WRITES`` and how the appliance fails it."""

    index: int
    failure: dict[str, Any]

    @property
    def write(self) -> str:
        return WRITES[self.index]

    @property
    def nth(self) -> int:
        """How many earlier writes share this write's path (the fault lets those through)."""
        return WRITES[: self.index].count(self.write)

    def fault(self) -> dict[str, Any]:
        method, path = self.write.split(" ", 1)
        return {"match": {"method": method, "path_prefix": path}, "after": self.nth, **self.failure}

    def __str__(self) -> str:
        name = self.write.split("/api/", 1)[1].replace("/", ".")
        kind = "drop" if self.failure.get("drop") else str(self.failure.get("status"))
        return f"{self.index:02d}-{name}{'#' + str(self.nth + 1) if self.nth else ''}-{kind}"


def _failure(index: int) -> dict[str, Any]:
    """A different way of failing for different writes: 500 with OPNsense's body, 503, a dropped connection."""
    if WRITES[index].endswith(("reconfigure", "/apply")):
        return {"drop": True} if index % 2 else {"status": 503, "body": "Service Unavailable"}
    return {"status": 500, "body": OPNSENSE_ERROR}


_SKIPPED_MIDDLE_RULES = {9, 10, 11}  # setRule #2..#4: see the module docstring
STEPS = [Step(index, _failure(index)) for index in range(len(WRITES)) if index not in _SKIPPED_MIDDLE_RULES]


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


def _settle_pending_changes(lab_home: Path) -> None:
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
    _settle_pending_changes(lab_home)
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


def _service(store: SqlStateStore, tmp_path: Path, preflight: Any = run_preflight) -> Service:
    return Service(store, AnsibleRunnerExecutor(tmp_path / "runs"), workdir=tmp_path / "deployments",
                   preflight=preflight)  # fmt: skip


def _deploy(service: Service) -> ApplyResult:
    planned = service.plan(MINECRAFT)
    assert len(planned.plan.changes) == 13 and len(planned.plan.waves) == 3
    return service.apply(planned.deployment.id)


def _assert_rolled_back(result: ApplyResult, service: Service, lab_view: LabView, before: dict[str, Any]) -> None:
    """The database says rolled_back and lists nothing live; the lab is exactly as before."""
    deployment = service.get_deployment(result.deployment.id)  # read back from PostgreSQL
    report = [(r.address, r.status, r.message[:160]) for r in result.rollback]
    assert deployment.status == DeploymentStatus.ROLLED_BACK, f"{deployment.error}\nrollback: {report}"
    assert service.resources() == [], "the database still lists live resources of a rolled-back deployment"
    after = lab_view.snapshot()
    for part in ("emulators", "docker"):
        for name in before[part]:
            assert after[part][name] == before[part][name], f"{part} {name} differs after the rollback"


@pytest.mark.parametrize("step", STEPS, ids=str)
def test_a_failed_opnsense_write_is_rolled_back(
    step: Step, game_port: int, pg_store: SqlStateStore, tmp_path: Path, lab_view: LabView,
    baseline: dict[str, Any],
) -> None:  # fmt: skip
    armed = lab_view.opnsense.post("/__lab/faults", json=step.fault()).raise_for_status().json()
    service = _service(pg_store, tmp_path)
    result = _deploy(service)

    writes = lab_view.opnsense_writes()
    faulted = [position for position, (_, fault) in enumerate(writes) if fault == armed["id"]]
    assert faulted == [step.index], f"the fault hit {faulted}, expected write {step.index}: {writes}"
    assert [write for write, _ in writes[: step.index + 1]] == WRITES[: step.index + 1]
    # The error names what failed: the resource, or the OPNsense batch whose apply (reconfigure) failed.
    error = result.deployment.error or ""
    assert "opnsense." in error or "on lab-opnsense: " in error, error
    assert "\x1b[" not in error, error
    _assert_rolled_back(result, service, lab_view, baseline)


def test_a_subnet_the_docker_engine_refuses_is_rolled_back(
    game_port: int, pg_store: SqlStateStore, tmp_path: Path, lab_view: LabView, baseline: dict[str, Any],
) -> None:  # fmt: skip
    """Another network on the engine already holds 10.0.20.0/24: wave 1's network create fails."""
    import docker

    blocker = lab_view.docker.networks.create(
        "someone-elses-net", driver="bridge",
        ipam=docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(subnet="10.0.20.0/24")]),
    )  # fmt: skip
    try:
        service = _service(pg_store, tmp_path)
        result = _deploy(service)
        assert result.deployment.error and "docker.network.gaming" in result.deployment.error
        _assert_rolled_back(result, service, lab_view, baseline)
    finally:
        blocker.remove()


def test_a_host_port_taken_after_the_preflight_is_rolled_back(
    game_port: int, pg_store: SqlStateStore, tmp_path: Path, lab_view: LabView, baseline: dict[str, Any],
) -> None:  # fmt: skip
    """Another program takes the published port between the preflight check and the container's start."""
    with socket.socket() as holder:

        def preflight_then_take_the_port(plan: Plan, inventory: EndpointInventory) -> None:
            run_preflight(plan, inventory)
            holder.bind(("127.0.0.1", game_port))
            holder.listen()

        service = _service(pg_store, tmp_path, preflight_then_take_the_port)
        result = _deploy(service)
    assert result.deployment.error and "docker.container.minecraft" in result.deployment.error
    _assert_rolled_back(result, service, lab_view, baseline)


def test_a_failed_wave_stops_every_endpoint_before_the_next_wave(
    game_port: int, pg_store: SqlStateStore, tmp_path: Path, lab_view: LabView, baseline: dict[str, Any],
) -> None:  # fmt: skip
    """The VLAN create fails in wave 1 on lab-opnsense: wave 2's container on lab-docker is never attempted.

    lab-docker's own wave 1 (the network) succeeds beside the failure; all-or-nothing must still stop it at
    the wave boundary, so the rollback has only wave 1 to undo.
    """
    from datetime import UTC, datetime

    first = Step(0, _failure(0))  # POST /api/interfaces/vlan_settings/addItem, 500
    lab_view.opnsense.post("/__lab/faults", json=first.fault()).raise_for_status()
    started = datetime.now(UTC)
    service = _service(pg_store, tmp_path)
    result = _deploy(service)
    ended = datetime.now(UTC)

    error = result.deployment.error or ""
    assert "opnsense.vlan.gaming" in error, error
    events = pg_store.list_events(result.deployment.id)
    stats = [e.event_type for e in events].index("playbook_on_stats")  # the apply's run; the rollback's follows
    wave2 = [(e.event_type, e.resource_address, e.payload.get("task")) for e in events[:stats]
             if e.resource_address == "docker.container.minecraft" or e.payload.get("task") == "Wave 2 on lab-docker"]
    assert wave2 == [], f"wave 2 ran on lab-docker after wave 1 failed: {wave2}"
    created = [e["Actor"]["Attributes"].get("name") for e in lab_view.docker.events(
        since=started, until=ended, filters={"type": "container", "event": "create"}, decode=True)]
    assert created == [], f"containers created after wave 1 failed: {created}"
    [network] = [r for r in result.rollback if r.address == "docker.network.gaming"]  # wave 1's work, undone
    assert network.status in ("ok", "changed"), network
    _assert_rolled_back(result, service, lab_view, baseline)
