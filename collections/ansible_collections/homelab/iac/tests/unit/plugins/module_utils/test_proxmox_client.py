"""Task waits, vmid allocation and the VM resource against an in-memory API (no network)."""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.homelab.iac.plugins.module_utils._proxmox_common import (
    ProxmoxError,
    TaskWaiter,
    allocate_vmid,
    api_message,
)
from ansible_collections.homelab.iac.plugins.module_utils._proxmox_vm import ProxmoxVm
from ansible_collections.homelab.iac.plugins.module_utils._reconcile import Action, Reconciler

UPID = "UPID:pve:00000001:00000002:66F1A2B3:qmclone:100:root@pam!iac:"


class FakePve:
    """Answers GETs from a path -> value table; records every write."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.writes: list[tuple[str, str, dict[str, Any]]] = []
        self.gets: list[str] = []

    def get(self, path: str, **params: Any) -> Any:
        self.gets.append(path)
        value = self.answers[path]
        return value(params) if callable(value) else value

    def _write(self, method: str, path: str, params: dict[str, Any]) -> Any:
        self.writes.append((method, path, params))
        handler = self.answers.get(f"{method} {path}")
        return handler(params) if callable(handler) else handler

    def post(self, path: str, **params: Any) -> Any:
        return self._write("POST", path, params)

    def put(self, path: str, **params: Any) -> Any:
        return self._write("PUT", path, params)

    def delete(self, path: str, **params: Any) -> Any:
        return self._write("DELETE", path, params)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_wait_backs_off_and_returns_on_ok() -> None:
    states = iter([{"status": "running"}] * 3 + [{"status": "stopped", "exitstatus": "OK"}])
    api = FakePve({f"nodes/pve/tasks/{UPID}/status": lambda params: next(states)})
    clock = Clock()
    assert TaskWaiter(api, 10, clock.sleep, lambda: clock.now).wait(UPID, "clone")["exitstatus"] == "OK"
    assert clock.sleeps == [0.1, 0.15000000000000002, 0.22500000000000003]


def test_failed_task_and_timeout_messages() -> None:
    api = FakePve({f"nodes/pve/tasks/{UPID}/status": {"status": "stopped", "exitstatus": "VM 100 already running"}})
    with pytest.raises(ProxmoxError, match="^start failed: VM 100 already running$"):
        TaskWaiter(api, 10).wait(UPID, "start")
    api = FakePve({f"nodes/pve/tasks/{UPID}/status": {"status": "running"},
                   f"nodes/pve/tasks/{UPID}/log": [{"n": 2, "t": "create full clone of drive scsi0"},
                                                   {"n": 1, "t": "starting"}]})
    clock = Clock()
    with pytest.raises(ProxmoxError) as timeout:
        TaskWaiter(api, 1, clock.sleep, lambda: clock.now).wait(UPID, "cloning")
    assert "timed out after 1s waiting for cloning" in str(timeout.value)
    assert str(timeout.value).endswith("last task log lines: starting | create full clone of drive scsi0")


def test_vmid_allocation_retries_when_a_racer_took_the_id() -> None:
    ids = iter([105, 106])
    api = FakePve({"cluster/nextid": lambda p: next(ids)})
    attempts: list[int] = []

    def create(vmid: int) -> str:
        attempts.append(vmid)
        if vmid == 105:
            raise ProxmoxError("unable to create VM 105 - VM 105 already exists on node 'pve'")
        return UPID

    assert allocate_vmid(api, create) == (106, UPID) and attempts == [105, 106]


def test_api_message_joins_field_errors() -> None:
    assert api_message("Parameter verification failed.", {"memory": "too low\n"}) == (
        "Parameter verification failed. (memory: too low)")


def _vm_api() -> FakePve:
    config = {"name": "web01", "memory": "2048", "cores": 2, "net0": "virtio=BC:24:11:00:00:01,bridge=vmbr0,tag=20",
              "scsi0": "local-lvm:vm-100-disk-0,size=32G", "tags": "prod;web", "digest": "d" * 40}
    return FakePve({"nodes/pve/qemu": [{"vmid": 100, "name": "web01", "status": "running"}],
                    "nodes/pve/qemu/100/config": config})


PARAMS = {"name": "web01", "vmid": None, "memory": 2048, "cores": 2, "tags": ["web", "prod"],
          "nics": [{"model": "virtio", "bridge": "vmbr0", "tag": 20, "mac": None}],
          "disks": [{"slot": "scsi0", "size": "32G", "storage": "local-lvm", "options": None}]}


def test_rewritten_values_make_no_change_and_no_write() -> None:
    api = _vm_api()
    outcome = Reconciler(ProxmoxVm(api, TaskWaiter(api, 5), "pve", dict(PARAMS)), check_mode=False).run("present")
    assert outcome.action is Action.NOOP and api.writes == []
    assert outcome.facts["macs"] == {"net0": "BC:24:11:00:00:01"} and outcome.facts["vmid"] == 100


def test_update_keeps_mac_and_check_mode_writes_nothing() -> None:
    params = {**PARAMS, "nics": [{"model": "virtio", "bridge": "vmbr0", "tag": 30}]}
    api = _vm_api()
    outcome = Reconciler(ProxmoxVm(api, TaskWaiter(api, 5), "pve", dict(params)), check_mode=True).run("present")
    assert outcome.action is Action.UPDATE and outcome.updated == ["nics"] and api.writes == []
    api.answers["POST nodes/pve/qemu/100/config"] = None  # finished within the request: no UPID
    Reconciler(ProxmoxVm(api, TaskWaiter(api, 5), "pve", dict(params)), check_mode=False).run("present")
    assert api.writes == [("POST", "nodes/pve/qemu/100/config",
                           {"digest": "d" * 40, "net0": "virtio=BC:24:11:00:00:01,bridge=vmbr0,tag=30"})]


def test_clone_then_configure_sets_only_differences_and_the_password() -> None:
    done = {"status": "stopped", "exitstatus": "OK"}
    api = FakePve({
        "nodes/pve/qemu": [{"vmid": 9000, "name": "tpl", "status": "stopped", "template": 1}],
        "cluster/nextid": 105,
        f"nodes/pve/tasks/{UPID}/status": done,
        "POST nodes/pve/qemu/9000/clone": UPID,
        "POST nodes/pve/qemu/105/config": None,
    })

    def after_clone(params: dict[str, Any]) -> str:
        api.answers["nodes/pve/qemu"] = [*api.answers["nodes/pve/qemu"], {"vmid": 105, "name": "web", "status": "stopped"}]
        api.answers["nodes/pve/qemu/105/config"] = {"name": "web", "memory": "2048", "digest": "e" * 40,
                                                    "net0": "virtio=BC:24:11:00:00:09,bridge=vmbr0"}
        return UPID

    api.answers["POST nodes/pve/qemu/9000/clone"] = after_clone
    params = {"name": "web", "vmid": None, "clone": "tpl", "memory": 4096, "nics": [{"model": "virtio", "bridge": "vmbr0"}],
              "cloudinit": {"password": "pw", "user": None}}
    outcome = Reconciler(ProxmoxVm(api, TaskWaiter(api, 5), "pve", params), check_mode=False).run("present")
    assert outcome.action is Action.CREATE and outcome.facts["vmid"] == 105
    assert [w[:2] for w in api.writes] == [("POST", "nodes/pve/qemu/9000/clone"), ("POST", "nodes/pve/qemu/105/config")]
    assert api.writes[1][2] == {"digest": "e" * 40, "memory": 4096, "cipassword": "pw"}
