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
from planner.errors import ConflictError, Fix, IacError
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


NETWORK_STACK = """stack: network
intents:
  - {kind: network_segment, name: gaming, vlan: 20, subnet: 10.0.20.0/24, role: guest, isolated: true, parent: vtnet2}
"""
GAME_STACK = """stack: game
intents:
  - {kind: game_server, name: minecraft, game: minecraft, players: 10, segment: {stack: network, name: gaming}}
"""


def test_two_stacks_share_a_segment_by_reference_and_the_segment_cannot_go_first(
    game_port: int, pg_store: SqlStateStore, tmp_path: Path, lab_view: LabView, baseline: dict[str, Any],
) -> None:  # fmt: skip
    service = _service(pg_store, tmp_path)
    network, game = tmp_path / "network.yaml", tmp_path / "game.yaml"
    network.write_text(NETWORK_STACK)
    game.write_text(GAME_STACK)
    _apply(service, network, refresh=True)
    planned = service.plan(game, refresh=True)
    assert not any(c.kind == "opnsense.vlan" for c in planned.plan.changes)  # the segment is network's
    assert service.apply(planned.deployment.id).deployment.status is DeploymentStatus.SUCCEEDED
    assert _answers(game_port)

    with pytest.raises(ConflictError) as refused:
        service.plan_destroy(stack="network")
    assert "(stack game) depends on opnsense.interface.gaming, which this plan removes" in str(refused.value)

    for stack in ("game", "network"):  # dependents first, then the segment
        destroy = service.plan_destroy(stack=stack, allow_data_loss=True)
        assert service.apply(destroy.deployment.id).deployment.status is DeploymentStatus.SUCCEEDED
    after = lab_view.snapshot()
    for part in ("emulators", "docker"):
        for name in baseline[part]:
            assert after[part][name] == baseline[part][name], f"{part} {name} differs after both destroys"


VLAN = """stack: things
intents:
  - {kind: vlan, name: %s, tag: 41, parent: vtnet2, description: sensors and things}
"""


def test_renames_by_moved_and_state_mv_make_no_device_write(
    pg_store: SqlStateStore, tmp_path: Path, lab_view: LabView, baseline: dict[str, Any],
) -> None:  # fmt: skip
    service = _service(pg_store, tmp_path)
    file = tmp_path / "things.yaml"
    file.write_text(VLAN % "iot")
    _apply(service, file, refresh=True)
    lab_view.opnsense.delete("/__lab/requests")

    file.write_text(VLAN % "sensors" + "moved:\n  - {from: opnsense.vlan.iot, to: opnsense.vlan.sensors}\n")
    planned = service.plan(file, refresh=True)
    assert [(c.address, c.action) for c in planned.plan.changes] == [("opnsense.vlan.sensors", Action.NOOP)]
    result = service.apply(planned.deployment.id)
    assert result.deployment.status is DeploymentStatus.SUCCEEDED and result.results == []
    moved = service.move("opnsense.vlan.sensors", "opnsense.vlan.things")
    assert [v.version for v in service.history("opnsense.vlan.things")] == [moved.version, moved.version - 1, 1]
    assert lab_view.opnsense_writes() == []  # renamed twice; the firewall was only read (the plan's refresh)

    destroy = service.plan_destroy(stack="things")
    assert [c.address for c in destroy.plan.changes] == ["opnsense.vlan.things"]
    assert service.apply(destroy.deployment.id).deployment.status is DeploymentStatus.SUCCEEDED
