"""The recorder splits batch results back into resources and keeps the backends' safety nets."""

from __future__ import annotations

from datetime import UTC, datetime

from planner.adapters.record import DeploymentRecorder
from planner.core.plan import Action, Change, Plan
from planner.core.tasks import task_groups
from planner.state.records import ResourceState
from tests.unit.offline_service import state_store


def _change(address: str, endpoint: str, wave: int, after: dict[str, object]) -> Change:
    kind, name = address.rsplit(".", 1)
    return Change(address=address, kind=kind, name=name, endpoint=endpoint, module="m", action=Action.CREATE,
                  before=None, after=after, wave=wave)


PLAN = Plan(
    source="t", created_at=datetime.now(UTC), intents=[],
    changes=[_change("opnsense.vlan.iot", "fw", 1, {"parent": "vtnet2", "tag": 40}),
             _change("opnsense.alias.lan", "fw", 1, {"name": "lan"}),
             _change("proxmox.vm.db", "pve", 1, {"name": "db", "memory": 2048})],
    waves=[["opnsense.vlan.iot", "opnsense.alias.lan", "proxmox.vm.db"]],
)


def _task(endpoint: str) -> str:
    return next(group.name for group in task_groups(PLAN) if group.endpoint == endpoint)


def test_a_batch_result_becomes_one_resource_each_and_the_safety_nets_are_kept() -> None:
    store = state_store()
    deployment = store.create_deployment({}, PLAN.model_dump(mode="json"))
    recorder = DeploymentRecorder(store, deployment.id, PLAN)
    recorder({"event": "runner_on_ok", "event_data": {"task": _task("fw"), "host": "fw", "res": {
        "changed": True, "backup": "config-1700000000.1234.xml",
        "results": [{"index": 0, "changed": True, "facts": {"device": "vlan0.40", "tag": 40}},
                    {"index": 1, "changed": False, "facts": {"name": "lan"}}]}}})
    recorder({"event": "runner_on_ok", "event_data": {"task": _task("pve"), "host": "pve", "res": {
        "changed": True, "results": [{"index": 0, "changed": True, "snapshot": "iac-20261126-0500",
                                      "facts": {"vmid": 101}}]}}})
    assert [(r.address, r.status) for r in recorder.ordered_results()] == [
        ("opnsense.vlan.iot", "changed"), ("opnsense.alias.lan", "ok"), ("proxmox.vm.db", "changed")]
    vlan = store.get_resource("opnsense.vlan.iot")
    assert vlan is not None and vlan.observed == {"device": "vlan0.40", "tag": 40}
    assert vlan.state is ResourceState.PRESENT
    assert recorder.summary("successful")["safety_nets"] == [
        {"endpoint": "fw", "kind": "opnsense_backup", "id": "config-1700000000.1234.xml",
         "restore": "homelab.iac.opnsense_backup revert_to"},
        {"endpoint": "pve", "kind": "proxmox_snapshot", "id": "iac-20261126-0500", "resource": "proxmox.vm.db",
         "restore": "homelab.iac.proxmox_snapshot state=rollback"},
    ]


def test_a_failed_batch_marks_the_failed_item_and_keeps_what_completed_before_it() -> None:
    store = state_store()
    deployment = store.create_deployment({}, PLAN.model_dump(mode="json"))
    recorder = DeploymentRecorder(store, deployment.id, PLAN)
    recorder({"event": "runner_on_failed", "event_data": {"task": _task("fw"), "host": "fw", "res": {
        "failed": True, "msg": "items[1] (alias lan): name already exists", "failed_index": 1,
        "results": [{"index": 0, "changed": True, "facts": {"device": "vlan0.40"}}]}}})
    assert [(r.address, r.status, r.message) for r in recorder.ordered_results()] == [
        ("opnsense.vlan.iot", "changed", ""),
        ("opnsense.alias.lan", "failed", "items[1] (alias lan): name already exists"),
    ]
    assert store.get_resource("opnsense.alias.lan") is None


def test_a_batch_that_crashed_without_saying_where_marks_all_its_resources_failed() -> None:
    store = state_store()
    deployment = store.create_deployment({}, PLAN.model_dump(mode="json"))
    recorder = DeploymentRecorder(store, deployment.id, PLAN)
    recorder({"event": "runner_on_failed", "event_data": {"task": _task("fw"), "host": "fw",
                                                          "res": {"failed": True, "msg": "MODULE FAILURE"}}})
    assert {r.address: r.status for r in recorder.ordered_results()} == {
        "opnsense.vlan.iot": "failed", "opnsense.alias.lan": "failed"}


def _removal(address: str, wave: int) -> Change:
    kind, name = address.rsplit(".", 1)
    spec = {"name": f"{name}-data", "archive": True, "state": "absent"}
    return Change(address=address, kind=kind, name=name, endpoint="docker", module="m", action=Action.DELETE,
                  before={"name": f"{name}-data"}, after=spec, wave=wave)


VOLUMES = Plan(source="t", created_at=datetime.now(UTC), intents=[],
               changes=[_removal("docker.volume.world", 1), _removal("docker.volume.db", 1)],
               waves=[["docker.volume.world", "docker.volume.db"]])


def test_a_removed_volumes_archive_is_recorded_with_how_to_restore_it() -> None:
    store = state_store()
    deployment = store.create_deployment({}, VOLUMES.model_dump(mode="json"))
    recorder = DeploymentRecorder(store, deployment.id, VOLUMES)
    [task] = [group.name for group in task_groups(VOLUMES)]
    world = "/state/archives/volumes/world-data-20261207T142000Z.tar"
    db = "/state/archives/volumes/db-data-20261207T142001Z.tar"
    recorder({"event": "runner_on_failed", "event_data": {"task": task, "host": "docker", "res": {
        "failed": True, "msg": "items[1] (volume db-data): volume is in use (its archive ..., written first, is kept)",
        "failed_index": 1, "archive": db,
        "results": [{"index": 0, "changed": True, "action": "delete", "archive": world, "facts": {}}]}}})
    assert [(r.address, r.status) for r in recorder.ordered_results()] == [
        ("docker.volume.world", "changed"), ("docker.volume.db", "failed")]
    nets = recorder.summary("failed")["safety_nets"]
    assert nets == [
        {"endpoint": "docker", "kind": "docker_volume_archive", "id": world, "resource": "docker.volume.world",
         "restore": "docker volume create world-data && docker run --rm -i -v world-data:/volume busybox "
                    f"tar -xf - -C /volume < {world}"},
        {"endpoint": "docker", "kind": "docker_volume_archive", "id": db, "resource": "docker.volume.db",
         "restore": "docker volume create db-data && docker run --rm -i -v db-data:/volume busybox "
                    f"tar -xf - -C /volume < {db}"},
    ]
    gone = store.get_resource("docker.volume.world")
    assert gone is not None and gone.state is ResourceState.ABSENT


def test_a_check_run_records_what_would_change_and_no_resource() -> None:
    store = state_store()
    deployment = store.create_deployment({}, PLAN.model_dump(mode="json"))
    recorder = DeploymentRecorder(store, deployment.id, PLAN, check=True)
    recorder({"event": "runner_on_ok", "event_data": {"task": _task("fw"), "host": "fw", "res": {
        "changed": True,
        "results": [{"index": 0, "changed": True, "action": "create", "facts": {},
                     "diff": {"before": {}, "after": {"parent": "vtnet2", "tag": 40}}},
                    {"index": 1, "changed": True, "action": "update", "facts": {"name": "lan"}}]}}})
    recorder({"event": "runner_on_failed", "event_data": {"task": _task("pve"), "host": "pve", "res": {
        "failed": True, "msg": "items[0] (vm db): no such storage", "failed_index": 0, "results": []}}})
    assert store.list_resources(include_absent=True) == []  # a check writes no resource version, whatever it reports
    summary = recorder.summary("failed")
    assert summary["check"] is True and summary["changed"] == 0
    assert (summary["would_change"], summary["failed"]) == (1, 2)
    results = summary["results"]
    assert results["opnsense.vlan.iot"] == {"status": "would_change", "message": "",
                                            "diff": {"before": {}, "after": {"parent": "vtnet2", "tag": 40}}}
    # A create that found an object nobody manages: what the apply would refuse, and nothing to put back.
    assert results["opnsense.alias.lan"]["status"] == "failed"
    assert "an apply would not take it over" in results["opnsense.alias.lan"]["message"]
    assert recorder.taken_over == {}
    assert results["proxmox.vm.db"] == {"status": "failed", "message": "items[0] (vm db): no such storage"}
