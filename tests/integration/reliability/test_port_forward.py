"""A game server opened to the WAN: a port forward in the OPNsense emulator with the filter rule it registers,
kept in sync without writes, found drifted when edited by hand, restored away, rolled back when it fails.

examples/minecraft-wan.yaml is examples/minecraft.yaml's stack with ``expose_wan: true``. Both run through the
service ``iac apply`` uses, against the session lab and real PostgreSQL, on a free game port (``game_port``).
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from planner.adapters.execute import AnsibleRunnerExecutor
from planner.core.plan import Action
from planner.paths import project_root
from planner.service import Service
from planner.state.records import DeploymentStatus
from planner.state.sql import SqlStateStore
from tests.integration.reliability.labview import LabView, baseline, game_port, lab_view

__all__ = ["baseline", "game_port", "lab_view"]  # fixtures this module uses

pytestmark = [pytest.mark.integration]

MINECRAFT = project_root() / "examples" / "minecraft.yaml"
EXPOSED = project_root() / "examples" / "minecraft-wan.yaml"
FORWARD = "opnsense.nat_port_forward.minecraft-wan"


def _service(store: SqlStateStore, tmp_path: Path) -> Service:
    return Service(store, AnsibleRunnerExecutor(tmp_path / "runs"), workdir=tmp_path / "deployments")


def _apply(service: Service, path: Path) -> str:
    result = service.apply(service.plan(path, refresh=True).deployment.id)
    assert result.deployment.status is DeploymentStatus.SUCCEEDED, result.deployment.error
    return result.deployment.id


def _api(lab_home: Path) -> httpx.Client:
    """The emulator's OPNsense API as the lab's admin key reaches it."""
    credentials = yaml.safe_load((lab_home / "credentials.yml").read_text())["emulators"]["opnsense"]
    verify = ssl.create_default_context(cafile=str(lab_home / "ca" / "ca.crt"))
    auth = (credentials["credentials"]["key"], credentials["credentials"]["secret"])
    return httpx.Client(base_url=credentials["url"], auth=auth, verify=verify, timeout=20)


def _forwards(api: httpx.Client) -> dict[str, dict[str, Any]]:
    return dict(api.get("/api/firewall/d_nat/get").raise_for_status().json()["DNat"]["rule"])


def _registered(api: httpx.Client) -> list[dict[str, Any]]:
    """The pass rules OPNsense generates for port forwards ("Register rule"): read-only rows of the filter."""
    rows = api.post("/api/firewall/filter/searchRule", json={"rowCount": -1}).raise_for_status().json()["rows"]
    return [row for row in rows if row.get("is_automatic") and row.get("legacy") and row.get("action") == "pass"
            and str(row.get("description", "")).startswith("minecraft: ")]


def _selected(options: Any) -> list[str]:
    return sorted(key for key, option in (options or {}).items() if option.get("selected"))


def test_expose_wan_forwards_the_port_registers_its_rule_and_is_kept_drift_checked_and_restored_away(
    game_port: int, pg_store: SqlStateStore, tmp_path: Path, lab_home: Path, lab_view: LabView,
    baseline: dict[str, Any],
) -> None:  # fmt: skip
    service = _service(pg_store, tmp_path)
    closed = _apply(service, MINECRAFT)

    opened = service.plan(EXPOSED, refresh=True)
    assert [(c.address, c.action) for c in opened.plan.changes if c.action is not Action.NOOP] == [
        (FORWARD, Action.CREATE)]
    assert service.apply(opened.deployment.id).deployment.status is DeploymentStatus.SUCCEEDED

    with _api(lab_home) as api:
        [forward] = _forwards(api).values()
        # What the GUI stores for "WAN, TCP, WAN address:PORT -> 10.0.20.10:PORT, filter rule: Register rule".
        assert _selected(forward["interface"]) == ["wan"]
        assert _selected(forward["protocol"]) == ["tcp"] and _selected(forward["ipprotocol"]) == ["inet"]
        assert forward["destination"]["network"] == "wanip" and forward["destination"]["port"] == str(game_port)
        assert forward["source"]["network"] in ("", "any") and forward["source"]["port"] == ""
        assert (forward["target"], forward["local-port"]) == ("10.0.20.10", str(game_port))
        assert _selected(forward["pass"]) == ["rule"] and forward["disabled"] == "0" and forward["nordr"] == "0"
        assert forward["descr"] == f"minecraft: minecraft {game_port}/tcp from the internet"
        [rule] = _registered(api)
        assert (rule["action"], rule["description"], rule["destination_net"], rule["destination_port"]) == (
            "pass", forward["descr"], "10.0.20.10", str(game_port))

        lab_view.opnsense.delete("/__lab/requests")
        again = service.plan(EXPOSED, refresh=True)
        assert {c.action for c in again.plan.changes} == {Action.NOOP}
        assert service.apply(again.deployment.id).deployment.status is DeploymentStatus.SUCCEEDED
        assert lab_view.opnsense_writes() == []  # in sync: no write request at all

        [uuid] = _forwards(api)
        edited = api.post(f"/api/firewall/d_nat/setRule/{uuid}", json={"rule": {"local-port": "2222"}})
        assert edited.raise_for_status().json()["result"] == "saved"
        drifted = [item.address for item in service.drift().drifted]
        assert drifted == [FORWARD]

        restore = service.plan_restore(deployment_id=closed)
        assert [(c.address, c.action) for c in restore.plan.changes if c.action is not Action.NOOP] == [
            (FORWARD, Action.DELETE)]
        assert service.apply(restore.deployment.id).deployment.status is DeploymentStatus.SUCCEEDED
        assert _forwards(api) == {} and _registered(api) == []

    destroy = service.plan_destroy(path=MINECRAFT, allow_data_loss=True)
    assert service.apply(destroy.deployment.id).deployment.status is DeploymentStatus.SUCCEEDED
    after = lab_view.snapshot()
    assert after["emulators"]["opnsense"] == baseline["emulators"]["opnsense"]


def test_a_forward_whose_apply_fails_is_rolled_back_with_its_registered_rule(
    game_port: int, pg_store: SqlStateStore, tmp_path: Path, lab_home: Path, lab_view: LabView,
    baseline: dict[str, Any],
) -> None:  # fmt: skip
    service = _service(pg_store, tmp_path)
    _apply(service, MINECRAFT)
    before = lab_view.snapshot()

    lab_view.opnsense.post("/__lab/faults", json={
        "match": {"method": "POST", "path_prefix": "/api/firewall/d_nat/apply"}, "status": 500,
        "body": {"errorMessage": "Unexpected error, check log for details", "errorTitle": "An error occurred"},
    }).raise_for_status()  # the forward is saved, then putting it into service fails
    result = service.apply(service.plan(EXPOSED, refresh=True).deployment.id)
    assert result.deployment.status is DeploymentStatus.ROLLED_BACK, result.deployment.error
    assert "apply d_nat: OPNsense refused firewall/d_nat/apply (HTTP 500)" in (result.deployment.error or "")
    assert [(undone.address, undone.status) for undone in result.rollback] == [(FORWARD, "changed")]

    after = lab_view.snapshot()
    assert after["emulators"]["opnsense"]["config"] == before["emulators"]["opnsense"]["config"]
    assert after["emulators"]["opnsense"]["running"] == before["emulators"]["opnsense"]["running"]
    with _api(lab_home) as api:
        assert _forwards(api) == {} and _registered(api) == []

    destroy = service.plan_destroy(path=MINECRAFT, allow_data_loss=True)
    assert service.apply(destroy.deployment.id).deployment.status is DeploymentStatus.SUCCEEDED
    assert lab_view.snapshot()["emulators"]["opnsense"] == baseline["emulators"]["opnsense"]
