"""homelab.iac.proxmox_* through real ansible-playbook against the lab's Proxmox emulator.

The rhythm is community.docker's: change -> same task again -> assert ``is changed`` / ``is not
changed``, check mode and diff mode. Assertions live in the playbooks (one run per scenario keeps
the suite fast). "A rerun makes no write call" is proven from the emulator's request log, which
the playbook clears and reads around the rerun with the lab admin token.
"""

from __future__ import annotations

import os
import secrets
import ssl
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.integration.proxmox.conftest import PveEndpoint, wait_task

pytestmark = pytest.mark.integration

PROJECT_ROOT = Path(__file__).resolve().parents[3]
ANSIBLE_PLAYBOOK = Path(sys.executable).with_name("ansible-playbook")


@pytest.fixture
def playbook(tmp_path: Path, pve: PveEndpoint) -> Any:
    """Run tasks as one play on localhost with the proxmox connection set once by module_defaults."""
    inventory = tmp_path / "inventory.ini"
    inventory.write_text(f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(PROJECT_ROOT / "collections"), "ANSIBLE_NOCOLOR": "1",
           "ANSIBLE_LOCALHOST_WARNING": "0", "ANSIBLE_RETRY_FILES_ENABLED": "0",
           # The secret travels by environment fallback, as a user's vault-free setup would do it.
           "PROXMOX_TOKEN_SECRET": pve.secret}

    def run(tasks: list[dict[str, Any]]) -> tuple[int, str]:
        play = {
            "hosts": "localhost", "gather_facts": False,
            "vars": {"lab_url": pve.url, "lab_token": pve.admin_token, "lab_ca": pve.ca_cert},
            "module_defaults": {"group/homelab.iac.proxmox": {
                "api_url": pve.url, "api_token_id": pve.token_id, "ca_cert": pve.ca_cert, "node": "pve"}},
            "tasks": tasks,
        }
        path = tmp_path / f"play-{secrets.token_hex(2)}.yml"
        path.write_text(yaml.safe_dump([play], sort_keys=False))
        done = subprocess.run([str(ANSIBLE_PLAYBOOK), "-i", str(inventory), str(path)], env=env,
                              capture_output=True, text=True, timeout=300, check=False)
        return done.returncode, done.stdout + done.stderr

    return run


def _task(name: str, module: str, args: dict[str, Any], **keywords: Any) -> dict[str, Any]:
    return {"name": name, f"homelab.iac.{module}": args, **keywords}


def _assert(name: str, *conditions: str) -> dict[str, Any]:
    return {"name": name, "ansible.builtin.assert": {"that": list(conditions), "quiet": True}}


def _lab(name: str, method: str, path: str, register: str | None = None) -> dict[str, Any]:
    task: dict[str, Any] = {"name": name, "ansible.builtin.uri": {
        "url": "{{ lab_url }}" + path, "method": method, "ca_path": "{{ lab_ca }}",
        "headers": {"X-Lab-Token": "{{ lab_token }}"}, "return_content": True}}
    if register:
        task["register"] = register
    return task


WRITES = "| selectattr('method', 'in', ['POST', 'PUT', 'DELETE']) | list | length == 0"


def test_vm_lifecycle_snapshots_template_and_clone(playbook: Any) -> None:
    vm = {"name": "it-web01", "vmid": 7101, "memory": 1024, "cores": 2, "tags": ["web", "prod"],
          "scsihw": "virtio-scsi-single", "nics": [{"bridge": "vmbr0", "tag": 20}],
          "disks": [{"slot": "scsi0", "size": "8G", "storage": "local-lvm", "options": {"ssd": True}}],
          "cloudinit": {"user": "debian", "ssh_keys": ["ssh-ed25519 AAAAC3 admin@laptop"],
                        "ipconfig": ["ip=10.0.20.5/24,gw=10.0.20.1"], "storage": "local-lvm"}}
    tasks = [
        _task("create in check mode", "proxmox_vm", vm, check_mode=True, register="check_create"),
        _task("create", "proxmox_vm", {**vm, "state": "started"}, diff=True, register="create"),
        _lab("clear the request log", "DELETE", "/__lab/requests"),
        _task("create again", "proxmox_vm", {**vm, "tags": ["prod", "web"], "state": "started"}, register="again"),
        _lab("read the request log", "GET", "/__lab/requests", register="log"),
        _assert("created once with facts; the rerun wrote nothing",
                "check_create is changed and check_create.vm == {}",
                "create is changed and create.action == 'create' and create.diff.before == {}",
                "create.vm.vmid == 7101 and create.vm.status == 'running' and create.vm.tags == ['prod', 'web']",
                "create.vm.macs.net0 is match('BC:24:11:') and create.vm.nics.net0.tag == 20",
                "create.vm.disks.scsi0.volume == 'local-lvm:vm-7101-disk-0' and create.vm.disks.scsi0.size_gb == 8",
                "create.upids | length == 2 and create.upids[0] is match('UPID:pve:.*:qmcreate:7101:')",
                "again is not changed and again.action == 'noop'",
                f"log.json.requests {WRITES}"),
        _task("new VLAN and memory, bigger disk (check)", "proxmox_vm",
              {**vm, "memory": 2048, "nics": [{"bridge": "vmbr0", "tag": 30}],
               "disks": [{"slot": "scsi0", "size": "16G", "storage": "local-lvm", "options": {"ssd": True}}]},
              check_mode=True, diff=True, register="check_update"),
        _task("new VLAN and memory, bigger disk", "proxmox_vm",
              {**vm, "memory": 2048, "nics": [{"bridge": "vmbr0", "tag": 30}],
               "disks": [{"slot": "scsi0", "size": "16G", "storage": "local-lvm", "options": {"ssd": True}}]},
              register="update"),
        _task("shrink the disk", "proxmox_vm",
              {**vm, "disks": [{"slot": "scsi0", "size": "4G"}]}, register="shrink", ignore_errors=True),
        _assert("updates are real differences only; the MAC survives; no shrinking",
                "check_update is changed and check_update.updated == ['memory', 'nics', 'disks']",
                "check_update.diff.before.memory == 1024 and check_update.diff.after.memory == 2048",
                "check_update.vm.memory == 1024",
                "update is changed and update.vm.memory == 2048 and update.vm.nics.net0.tag == 30",
                "update.vm.macs.net0 == create.vm.macs.net0 and update.vm.disks.scsi0.size_gb == 16",
                "shrink is failed and 'cannot shrink' in shrink.msg"),
        _task("stop", "proxmox_vm", {"vmid": 7101, "state": "stopped"}, register="stop"),
        _task("stop again", "proxmox_vm", {"vmid": 7101, "state": "stopped"}, register="stop_again"),
        _assert("power is idempotent", "stop is changed and stop.vm.status == 'stopped'", "stop_again is not changed"),
        _task("snapshot", "proxmox_snapshot", {"vmid": 7101, "snapname": "auto-1", "description": "first"},
              register="snap1"),
        _task("snapshot again", "proxmox_snapshot", {"vmid": 7101, "snapname": "auto-1", "description": "first"},
              register="snap1_again"),
        _task("change memory after the snapshot", "proxmox_vm", {"vmid": 7101, "memory": 4096}),
        _task("rollback", "proxmox_snapshot", {"name": "it-web01", "snapname": "auto-1", "state": "rollback"},
              register="rollback"),
        _task("rollback again", "proxmox_snapshot", {"vmid": 7101, "snapname": "auto-1", "state": "rollback"},
              register="rollback_again"),
        _task("read back", "proxmox_vm", {"vmid": 7101}, register="after_rollback"),
        _task("second and third snapshot, keep two", "proxmox_snapshot",
              {"vmid": 7101, "snapname": "auto-2", "retention": {"prefix": "auto-", "keep": 2}}, register="snap2"),
        _task("third snapshot, keep two", "proxmox_snapshot",
              {"vmid": 7101, "snapname": "auto-3", "retention": {"prefix": "auto-", "keep": 2}}, register="snap3"),
        _task("remove a snapshot", "proxmox_snapshot", {"vmid": 7101, "snapname": "auto-3", "state": "absent"},
              register="unsnap"),
        _task("remove it again", "proxmox_snapshot", {"vmid": 7101, "snapname": "auto-3", "state": "absent"},
              register="unsnap_again"),
        _assert("snapshots: create once, rollback once, retention prunes the oldest",
                "snap1 is changed and snap1.action == 'create' and snap1.snapshots[0].name == 'auto-1'",
                "snap1_again is not changed",
                "rollback is changed and rollback.current_parent == 'auto-1'",
                "rollback_again is not changed and after_rollback.vm.memory == 2048",
                "snap2 is changed and snap2.pruned == []",
                "snap3 is changed and snap3.pruned == ['auto-1']",
                "snap3.snapshots | map(attribute='name') | list == ['auto-2', 'auto-3']",
                "unsnap is changed and unsnap_again is not changed"),
        _task("remove the last snapshot", "proxmox_snapshot", {"vmid": 7101, "snapname": "auto-2", "state": "absent"}),
        _task("make it a template", "proxmox_template", {"name": "it-web01"}, register="tpl"),
        _task("template again", "proxmox_template", {"vmid": 7101}, register="tpl_again"),
        _task("linked clone with a new VLAN", "proxmox_vm",
              {"name": "it-clone01", "clone": "it-web01", "memory": 512, "nics": [{"bridge": "vmbr0", "tag": 40}]},
              register="clone"),
        _task("clone again", "proxmox_vm",
              {"name": "it-clone01", "clone": "it-web01", "memory": 512, "nics": [{"bridge": "vmbr0", "tag": 40}]},
              register="clone_again"),
        _assert("template once; clone gets a free vmid, keeps the disk layout, takes the new settings",
                "tpl is changed and tpl.template.template and tpl_again is not changed",
                "tpl.template.disks.scsi0 is match('local-lvm:base-7101-disk-0')",
                "clone is changed and clone.vm.vmid != 7101 and clone.vm.memory == 512",
                "clone.vm.nics.net0.tag == 40 and clone.vm.macs.net0 == update.vm.macs.net0",
                "clone.vm.disks.scsi0.volume is match('local-lvm:base-7101-disk-0/vm-')",
                "clone_again is not changed and clone_again.vm.vmid == clone.vm.vmid"),
        _task("info", "proxmox_info", {"gather": ["version", "guests"]}, register="info"),
        _assert("info lists both", "info.version.release == '8.4'",
                "info.guests | selectattr('name', 'eq', 'it-clone01') | list | length == 1"),
        _task("remove the clone", "proxmox_vm", {"name": "it-clone01", "state": "absent"}, diff=True,
              register="remove"),
        _task("remove the template", "proxmox_vm", {"vmid": 7101, "state": "absent"}),
        _task("remove again", "proxmox_vm", {"name": "it-clone01", "state": "absent"}, register="remove_again"),
        _assert("removed once", "remove is changed and remove.diff.after == {}", "remove_again is not changed"),
    ]
    code, output = playbook(tasks)
    assert code == 0, output


def test_bad_input_fails_with_the_api_text(playbook: Any, pve: PveEndpoint) -> None:
    tasks = [
        _task("unknown node", "proxmox_vm", {"name": "it-bad", "node": "nope", "memory": 512},
              register="bad_node", ignore_errors=True),
        _task("unknown storage", "proxmox_vm", {"name": "it-bad", "disks": [{"slot": "scsi0", "size": "4",
              "storage": "nosuch"}]}, register="bad_storage", ignore_errors=True),
        _task("unknown template", "proxmox_vm", {"name": "it-bad", "clone": "no-such-template"},
              register="bad_template", ignore_errors=True),
        _task("memory below the minimum", "proxmox_vm", {"name": "it-bad", "memory": 8},
              register="bad_memory", ignore_errors=True),
        _task("a vmid taken by another guest type", "proxmox_vm", {"name": "it-dup", "vmid": 7199},
              register="dup", ignore_errors=True),
        _task("snapshot of a missing guest", "proxmox_snapshot", {"vmid": 7198, "snapname": "x1"},
              register="bad_snap", ignore_errors=True),
        _task("missing connection", "proxmox_info", {"api_url": "", "gather": ["version"]},
              register="no_url", ignore_errors=True),
        _assert("every failure names the cause in the server's words",
                "bad_node is failed and bad_node.msg is match(\"hostname lookup 'nope' failed\")",
                "bad_storage is failed and bad_storage.msg == \"storage 'nosuch' does not exist\"",
                "bad_template is failed and 'no-such-template' in bad_template.msg",
                "bad_memory is failed and bad_memory.msg is match('Parameter verification failed. \\(memory: ')",
                "'minimum value of 16' in bad_memory.msg",
                "dup is failed and dup.msg == \"unable to create VM 7199 - VM 7199 already exists on node 'pve'\"",
                "bad_snap is failed and 'no guest 7198' in bad_snap.msg",
                "no_url is failed and 'api_url' in no_url.msg"),
    ]
    # The LXC that occupies vmid 7199 is made directly, not through our modules.
    headers = {"Authorization": pve.header}
    with httpx.Client(base_url=pve.url + "/api2/json", verify=ssl.create_default_context(cafile=pve.ca_cert),
                      headers=headers) as api:
        wait_task(api, api.post("/nodes/pve/lxc", data={
            "vmid": "7199", "ostemplate": "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst",
            "rootfs": "local-lvm:2"}).json()["data"])
        try:
            code, output = playbook(tasks)
        finally:
            wait_task(api, api.delete("/nodes/pve/lxc/7199").json()["data"])
        assert code == 0, output
        assert 7198 not in [g["vmid"] for g in api.get("/cluster/resources", params={"type": "vm"}).json()["data"]]


def test_templates_and_containers(playbook: Any) -> None:
    ubuntu = {"appliance": "ubuntu-24.04-standard_24.04-2_amd64.tar.zst"}
    ct = {"hostname": "it-ct01", "ostemplate": "local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst",
          "memory": 256, "cores": 1, "nesting": True, "tags": ["dns"], "disk_size": 2,
          "nics": [{"bridge": "vmbr0", "tag": 20, "ip": "10.0.20.53/24", "gw": "10.0.20.1"}],
          "password": "s3cret-pass", "ssh_public_keys": ["ssh-ed25519 AAAAC3 admin@laptop"]}
    tasks = [
        _task("template in check mode", "proxmox_storage_content", ubuntu, check_mode=True, register="check_tpl"),
        _task("template", "proxmox_storage_content", ubuntu, register="tpl"),
        _task("template again", "proxmox_storage_content", ubuntu, register="tpl_again"),
        _task("unknown appliance", "proxmox_storage_content", {"appliance": "nope.tar.zst"}, register="bad_tpl",
              ignore_errors=True),
        _assert("fetched once; the index's own error for a bad name",
                "check_tpl is changed and check_tpl.volume == {}",
                "tpl is changed and tpl.volid == 'local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst'",
                "tpl.upids | length == 1 and tpl.volume.content == 'vztmpl'",
                "tpl_again is not changed",
                "bad_tpl is failed and bad_tpl.msg == 'Parameter verification failed. (template: no such template)'"),
        _task("container", "proxmox_lxc", {**ct, "state": "started"}, diff=True, register="create"),
        _lab("clear the request log", "DELETE", "/__lab/requests"),
        _task("container again", "proxmox_lxc", {**ct, "state": "started"}, register="again"),
        _lab("read the request log", "GET", "/__lab/requests", register="log"),
        _task("new VLAN and memory", "proxmox_lxc",
              {"hostname": "it-ct01", "memory": 512, "nics": [{"bridge": "vmbr0", "tag": 30, "ip": "dhcp"}]},
              diff=True, register="update"),
        _task("remove while running", "proxmox_lxc", {"hostname": "it-ct01", "state": "absent"},
              register="refused", ignore_errors=True),
        _task("remove with force", "proxmox_lxc", {"hostname": "it-ct01", "state": "absent", "force": True},
              register="remove"),
        _task("remove the template", "proxmox_storage_content", {**ubuntu, "state": "absent"}, register="untpl"),
        _assert("container lifecycle",
                "create is changed and create.container.status == 'running' and create.container.unprivileged",
                "create.container.rootfs is match('local-lvm:vm-[0-9]+-disk-0,size=2G')",
                "create.container.macs.net0 is match('BC:24:11:')",
                "again is not changed", f"log.json.requests {WRITES}",
                "update is changed and update.updated == ['memory', 'nics']",
                "update.container.macs.net0 == create.container.macs.net0 and update.container.nics.net0.tag == 30",
                "refused is failed and 'set force: true' in refused.msg",
                "remove is changed and untpl is changed"),
    ]
    code, output = playbook(tasks)
    assert code == 0, output
    assert "s3cret-pass" not in output


def test_batch_matches_single_modules_and_rerun_writes_nothing(playbook: Any) -> None:
    items = [
        {"kind": "vm", "name": "it-batch-vm", "memory": 512, "nics": [{"bridge": "vmbr0", "tag": 50}],
         "disks": [{"slot": "scsi0", "size": "2", "storage": "local-lvm"}], "state": "started"},
        {"kind": "lxc", "hostname": "it-batch-ct", "disk_size": 2,
         "ostemplate": "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst"},
    ]
    tasks = [
        _task("batch in check mode", "proxmox_batch", {"items": items}, check_mode=True, register="check"),
        _task("batch", "proxmox_batch", {"items": items}, register="first"),
        _task("batch again, by the old option name", "proxmox_batch", {"resources": items}, register="again"),
        _task("a bad item names itself", "proxmox_batch", {"items": [{"kind": "vm", "name": "x", "memory": "lots"}]},
              register="bad", ignore_errors=True),
        _task("single module agrees", "proxmox_vm", {k: v for k, v in items[0].items() if k != "kind"},
              register="single"),
        _task("remove both", "proxmox_batch", {"items": [
            {"kind": "vm", "name": "it-batch-vm", "state": "absent", "force": True},
            {"kind": "lxc", "hostname": "it-batch-ct", "state": "absent"}]}, register="gone"),
        _assert("batch behaves like the single modules",
                "check is changed and check.writes == 0 and check.results | map(attribute='action') | list == ['create', 'create']",
                "first is changed and first.results[0].facts.status == 'running' and first.results[1].facts.vmid > 0",
                "again is not changed and again.writes == 0",
                "bad is failed and bad.msg is search(\"^items.0. .vm x.: vm: argument 'memory' is of type str\")",
                "bad.failed_index == 0 and bad.results == []",
                "first.results | map(attribute='index') | list == [0, 1]",
                "single is not changed and single.vm.vmid == first.results[0].facts.vmid",
                "gone is changed and gone.results | map(attribute='action') | list == ['delete', 'delete']"),
    ]
    code, output = playbook(tasks)
    assert code == 0, output


def test_snapshot_before_change_only_when_an_existing_guest_changes(playbook: Any, api: httpx.Client) -> None:
    """Issue #8: the snapshot is taken exactly when a change is made, its name is returned, rollback works."""
    ct = {"hostname": "it-snap-ct", "vmid": 7401, "disk_size": 2, "memory": 512,
          "ostemplate": "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst", "snapshot_before_change": True}
    vm = {"kind": "vm", "name": "it-snap-vm", "vmid": 7402, "memory": 512,
          "disks": [{"slot": "scsi0", "size": "2", "storage": "local-lvm"}]}
    tasks = [
        _task("create: no snapshot", "proxmox_lxc", ct, register="create"),
        _task("unchanged: no snapshot", "proxmox_lxc", {**ct, "snapshot_before_change": "pre-same"}, register="same"),
        _task("change in check mode: no snapshot", "proxmox_lxc", {**ct, "memory": 1024}, check_mode=True,
              register="planned"),
        _task("change: snapshot first", "proxmox_lxc", {**ct, "memory": 1024}, register="changed"),
        _task("the same name again is refused before any change", "proxmox_lxc",
              {**ct, "memory": 2048, "snapshot_before_change": "{{ changed.snapshot }}"}, register="taken",
              ignore_errors=True),
        _task("batch creates a VM: no snapshot", "proxmox_batch", {"items": [{**vm, "snapshot_before_change": "b1"}]},
              register="batch_create"),
        _task("batch changes it: named snapshot", "proxmox_batch",
              {"items": [{**vm, "memory": 768, "snapshot_before_change": "before-768"},
                         {"kind": "lxc", **{k: v for k, v in ct.items() if k != "snapshot_before_change"},
                          "memory": 1024}]},
              register="batch_change"),
        _task("roll the container back", "proxmox_snapshot",
              {"vmid": 7401, "snapname": "{{ changed.snapshot }}", "state": "rollback"}, register="rollback"),
        _task("bad name", "proxmox_lxc", {**ct, "memory": 4096, "snapshot_before_change": "9 lives"},
              register="badname", ignore_errors=True),
        _assert("a snapshot exactly when an existing guest changes",
                "create is changed and create.snapshot is not defined",
                "same is not changed and same.snapshot is not defined",
                "planned is changed and planned.snapshot is not defined",
                "changed is changed and changed.snapshot is match('iac-[0-9]{8}-[0-9]{6}$')",
                "taken is failed and 'already has a snapshot named' in taken.msg",
                "batch_create.results[0].action == 'create' and batch_create.results[0].snapshot is not defined",
                "batch_change.results[0].snapshot == 'before-768' and batch_change.results[0].action == 'update'",
                "batch_change.results[1].snapshot is not defined and not batch_change.results[1].changed",
                "rollback is changed",
                "badname is failed and badname.msg is search('snapshot_before_change: .9 lives. is not a valid')"),
    ]
    try:
        code, output = playbook(tasks)
        assert code == 0, output
        ct_snaps = [s["name"] for s in api.get("/nodes/pve/lxc/7401/snapshot").json()["data"] if s["name"] != "current"]
        vm_snaps = [s["name"] for s in api.get("/nodes/pve/qemu/7402/snapshot").json()["data"] if s["name"] != "current"]
        assert len(ct_snaps) == 1 and ct_snaps[0].startswith("iac-")  # refused and bad names took none
        assert vm_snaps == ["before-768"]
        assert api.get("/nodes/pve/lxc/7401/config").json()["data"]["memory"] == 512  # rolled back
        saved = api.get(f"/nodes/pve/lxc/7401/snapshot/{ct_snaps[0]}/config").json()["data"]
        assert saved["memory"] == 512
    finally:
        for path in ("/nodes/pve/lxc/7401", "/nodes/pve/qemu/7402"):
            answer = api.delete(path, params={"force": 1, "purge": 1})
            if answer.status_code == 200 and answer.json().get("data"):
                wait_task(api, answer.json()["data"])


def test_batch_failure_reports_the_failed_item_and_what_completed(playbook: Any) -> None:
    good = {"kind": "lxc", "hostname": "it-fail-ct", "vmid": 7411, "disk_size": 2,
            "ostemplate": "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst"}
    broken = {"kind": "vm", "name": "it-fail-vm", "clone": "no-such-template"}
    later = {"kind": "lxc", "hostname": "it-fail-ct2", "vmid": 7412, "disk_size": 2,
             "ostemplate": "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst"}
    tasks = [
        _task("stop at the failure", "proxmox_batch", {"items": [good, broken, later]}, register="stopped",
              ignore_errors=True),
        _task("try everything", "proxmox_batch", {"items": [good, broken, later], "stop_on_error": False},
              register="tried", ignore_errors=True),
        _task("clean up", "proxmox_batch", {"items": [{**good, "state": "absent"}, {**later, "state": "absent"}]}),
        _assert("failures name the item and keep what completed",
                "stopped is failed and stopped.failed_index == 1 and stopped.msg is search('^items.1. .vm it-fail-vm.: ')",
                "stopped.results | map(attribute='index') | list == [0] and stopped.results[0].action == 'create'",
                "stopped is changed",
                "tried is failed and tried.failed_index == 1",
                "tried.results | map(attribute='index') | list == [0, 1, 2]",
                "tried.results[1].failed and tried.results[1].action == 'failed'",
                "tried.results[2].action == 'create' and tried.results[0].action == 'noop'"),
    ]
    code, output = playbook(tasks)
    assert code == 0, output
