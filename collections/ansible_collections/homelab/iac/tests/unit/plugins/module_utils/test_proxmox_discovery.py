"""proxmox_info's ``guest_specs``: every VM and container of the node as a discovery item (no templates),
whose spec is the ``diff.before`` of a check-mode proxmox_vm / proxmox_lxc read with ``vmid`` and its name."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible_collections.homelab.iac.plugins.module_utils._proxmox_common import TaskWaiter
from ansible_collections.homelab.iac.plugins.module_utils._proxmox_info import guest_specs
from ansible_collections.homelab.iac.plugins.module_utils._proxmox_lxc import LXC_ARGUMENT_SPEC, ProxmoxContainer
from ansible_collections.homelab.iac.plugins.module_utils._proxmox_vm import VM_ARGUMENT_SPEC, ProxmoxVm
from ansible_collections.homelab.iac.plugins.module_utils._reconcile import Action, Reconciler
from ansible_collections.homelab.iac.tests.unit.plugins.module_utils.test_proxmox_client import FakePve


def _node() -> SimpleNamespace:
    vm = {"name": "Legacy VM", "memory": "1024", "cores": 2, "ostype": "l26", "scsihw": "virtio-scsi-pci",
          "net0": "virtio=BC:24:11:00:00:07,bridge=vmbr0", "scsi0": "local-lvm:vm-120-disk-0,size=8G",
          "digest": "a" * 40}  # fmt: skip
    ct = {"hostname": "legacy-ct", "memory": 512, "swap": 512, "cores": 1, "features": "nesting=1",
          "net0": "name=eth0,bridge=vmbr0,hwaddr=bc:24:11:00:00:08,ip=dhcp,type=veth", "digest": "b" * 40}
    api = FakePve({
        "nodes/pve/qemu": [{"vmid": 120, "name": "Legacy VM", "status": "stopped"},
                           {"vmid": 9000, "name": "debian-tpl", "status": "stopped", "template": 1}],
        "nodes/pve/qemu/120/config": vm,
        "nodes/pve/lxc": [{"vmid": 110, "name": "legacy-ct", "status": "running"}],
        "nodes/pve/lxc/110/config": ct,
    })  # fmt: skip
    return SimpleNamespace(api=api, tasks=TaskWaiter(api, 5), node="pve")


def _validated(spec: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    result = ArgumentSpecValidator(spec).validate(params)
    assert not result.error_messages
    return result.validated_parameters


def test_guests_are_listed_by_vmid_without_templates() -> None:
    node = _node()
    items = guest_specs(node)  # type: ignore[arg-type]
    assert [(i["kind"], i["id"], i["name"], i["managed"]) for i in items] == [
        ("lxc", "110", "legacy-ct", False), ("vm", "120", "legacy-vm", False)]
    ct, vm = items
    assert vm["spec"]["memory"] == 1024 and vm["spec"]["nics"] == {
        "net0": {"model": "virtio", "mac": "BC:24:11:00:00:07", "bridge": "vmbr0"}}
    assert vm["facts"]["macs"] == {"net0": "BC:24:11:00:00:07"} and vm["facts"]["status"] == "stopped"
    assert ct["spec"]["nesting"] is True and ct["facts"]["status"] == "running"
    assert node.api.writes == [] and "nodes/pve/qemu/9000/config" not in node.api.gets


def test_a_check_mode_read_with_vmid_and_name_returns_the_listed_spec() -> None:
    node = _node()
    ct, vm = guest_specs(node)  # type: ignore[arg-type]
    vm_params = _validated(VM_ARGUMENT_SPEC, {"vmid": 120, "name": "Legacy VM"})
    read = Reconciler(ProxmoxVm(node.api, node.tasks, "pve", vm_params), check_mode=True).run("present")
    assert (read.action, read.diff["before"], read.facts) == (Action.NOOP, vm["spec"], vm["facts"])
    ct_params = _validated(LXC_ARGUMENT_SPEC, {"vmid": 110, "hostname": "legacy-ct"})
    read = Reconciler(ProxmoxContainer(node.api, node.tasks, "pve", ct_params), check_mode=True).run("present")
    assert (read.action, read.diff["before"]) == (Action.NOOP, ct["spec"])
    assert node.api.writes == []
