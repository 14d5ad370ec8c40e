"""A stack's life on the lab: destroyed, the lab is as it was before it was applied; a copy of its file
without the game server removes the server (its container, volume, rule and DNS name) and keeps the segment.

Both run examples/minecraft.yaml through the service ``iac apply`` and ``iac destroy`` use, against the
session lab and real PostgreSQL, and compare what a user would: every emulator's ``/__lab/state``, the
Docker engine's managed objects, and whether the game port answers.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
import yaml

from planner.adapters.execute import AnsibleRunnerExecutor
from planner.core.plan import Action
from planner.errors import Fix, IacError
from planner.paths import project_root
from planner.service import Service
from planner.state.records import DeploymentStatus
from planner.state.sql import SqlStateStore
from tests.integration.reliability.labview import LabView, baseline, game_port, lab_view

__all__ = ["baseline", "game_port", "lab_view"]  # fixtures this module uses

pytestmark = [pytest.mark.integration]

MINECRAFT = project_root() / "examples" / "minecraft.yaml"


def _service(store: SqlStateStore, tmp_path: Path) -> Service:
    return Service(store, AnsibleRunnerExecutor(tmp_path / "runs"), workdir=tmp_path / "deployments")


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def _apply(service: Service, path: Path, **options: Any) -> None:
    result = service.apply(service.plan(path, **options).deployment.id)
    assert result.deployment.status is DeploymentStatus.SUCCEEDED, result.deployment.error


def test_destroying_the_stack_leaves_the_lab_as_before_it_was_applied(
    game_port: int, pg_store: SqlStateStore, tmp_path: Path, lab_view: LabView, baseline: dict[str, Any],
) -> None:  # fmt: skip
    service = _service(pg_store, tmp_path)
    _apply(service, MINECRAFT)
    assert _answers(game_port)
    assert [(s.stack.name, s.resources) for s in service.stacks()] == [("minecraft", 13)]

    with pytest.raises(IacError) as refused:
        service.plan_destroy(path=MINECRAFT)
    assert "docker.volume.minecraft-data" in str(refused.value)
    assert refused.value.remedy is not None and refused.value.remedy.fix is Fix.ALLOW_DATA_LOSS

    destroy = service.plan_destroy(path=MINECRAFT, allow_data_loss=True)
    assert {c.action for c in destroy.plan.changes} == {Action.DELETE} and len(destroy.plan.changes) == 13
    result = service.apply(destroy.deployment.id)
    assert result.deployment.status is DeploymentStatus.SUCCEEDED, result.deployment.error

    after = lab_view.snapshot()
    for part in ("emulators", "docker"):
        for name in baseline[part]:
            assert after[part][name] == baseline[part][name], f"{part} {name} differs after the destroy"
    assert not _answers(game_port)
    assert service.stacks() == [] and service.resources() == []


def test_a_copy_without_the_game_server_removes_it_and_keeps_the_segment(
    game_port: int, pg_store: SqlStateStore, tmp_path: Path, lab_view: LabView, baseline: dict[str, Any],
) -> None:  # fmt: skip
    service = _service(pg_store, tmp_path)
    _apply(service, MINECRAFT)
    document = yaml.safe_load(MINECRAFT.read_text())
    document["stack"] = "minecraft"
    document["intents"] = [intent for intent in document["intents"] if intent["kind"] != "game_server"]
    copy = tmp_path / "segment-only.yaml"
    copy.write_text(yaml.safe_dump(document))

    with pytest.raises(IacError, match="would remove docker.volume.minecraft-data, and their data with them"):
        service.plan(copy)
    planned = service.plan(copy, allow_data_loss=True)
    removed = sorted(c.address for c in planned.plan.changes if c.action is Action.DELETE)
    # The server's container, volume, rule and DNS name, and its Docker network on the segment (the segment's
    # VLAN, interface, DHCP and policy are the network_segment's, and stay).
    assert removed == ["docker.container.minecraft", "docker.network.gaming", "docker.volume.minecraft-data",
                       "opnsense.firewall_rule.minecraft-game", "opnsense.host_override.minecraft"]
    result = service.apply(planned.deployment.id)
    assert result.deployment.status is DeploymentStatus.SUCCEEDED, result.deployment.error

    assert not _answers(game_port)
    managed = lab_view.snapshot()
    assert "minecraft" not in managed["docker"]["containers"]
    assert "minecraft-data" not in managed["docker"]["volumes"]
    left = {r.address for r in service.resources()}
    assert "opnsense.vlan.gaming" in left and "opnsense.interface.gaming" in left
    assert not left & set(removed)
    [stack] = service.stacks()
    assert (stack.stack.name, stack.resources) == ("minecraft", 8)
    # The rest of the segment is cleaned away for the next case.
    cleanup = service.plan_destroy(stack="minecraft", allow_data_loss=True)
    assert service.apply(cleanup.deployment.id).deployment.status is DeploymentStatus.SUCCEEDED
