#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: proxmox_vm
short_description: Create, clone, configure, power and remove Proxmox VE virtual machines
version_added: 0.1.0
description:
  - Makes a QEMU virtual machine match the task. It is identified by O(vmid) or, without one, by its
    unique O(name) on the node.
  - A missing VM is created from scratch, or cloned from O(clone) (a template or VM, by name or vmid),
    and then configured. Without O(vmid), the next free id is taken from the cluster and the create is
    retried when a concurrent run took the same id.
  - An existing VM is compared key by key with what the server stored. Values the server generates or
    rewrites (NIC MAC addresses, C(local-lvm:32) becoming C(local-lvm:vm-100-disk-0,size=32G), tag
    order) never count as changes. Options left out of the task are not compared.
  - Changing a NIC keeps its MAC address. Disks only grow (with the resize call); asking for a smaller
    disk fails, as Proxmox cannot shrink disks. Disks the task does not list are left alone unless
    O(remove_unlisted_disks=true), which detaches them (they become C(unusedN) volumes, not deleted).
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._proxmox
  - homelab.iac._proxmox.SNAPSHOT
  - homelab.iac._attributes
options:
  name:
    description:
      - VM name (a DNS name). Identifies the VM when O(vmid) is not set; must then be unique on the node.
      - Required to create a VM.
    type: str
  vmid:
    description:
      - VM id. When omitted, the VM is looked up by O(name); a new VM gets the next free id.
    type: int
  state:
    description:
      - V(present) creates or updates the VM without touching its power state; V(started) and
        V(stopped) also start it or shut it down; V(absent) removes it with its disks.
    type: str
    choices: [present, absent, started, stopped]
    default: present
  clone:
    description:
      - Name or vmid of a template or VM to clone when the VM does not exist yet. Ignored for an existing VM.
    type: str
  full:
    description:
      - Full clone (copy the disks) rather than a linked clone. Proxmox defaults to a linked clone for
        templates and a full clone otherwise.
    type: bool
  storage:
    description:
      - Target storage of a full clone, and the default storage of new disks without their own O(disks[].storage).
    type: str
  memory:
    description: Memory in MiB.
    type: int
  cores:
    description: CPU cores per socket.
    type: int
  sockets:
    description: CPU sockets.
    type: int
  cpu:
    description: CPU type, for example V(host) or V(x86-64-v2-AES).
    type: str
  ostype:
    description: Guest OS type, for example V(l26) or V(win11).
    type: str
  scsihw:
    description: SCSI controller model, for example V(virtio-scsi-single).
    type: str
  agent:
    description: Enable the QEMU guest agent.
    type: bool
  onboot:
    description: Start the VM when the node boots.
    type: bool
  description:
    description: Notes shown in the Proxmox UI.
    type: str
  tags:
    description:
      - Tags. Compared as a set (Proxmox lowercases and sorts them), so order does not matter.
    type: list
    elements: str
  disks:
    description:
      - Disks by slot. Only listed slots are compared.
    type: list
    elements: dict
    suboptions:
      slot:
        description: Slot, for example V(scsi0) or V(virtio1).
        type: str
        required: true
      size:
        description: Size in GiB (V(32)) or with a unit (V(32G), V(512M)). Larger than now grows the disk.
        type: str
        required: true
      storage:
        description: Storage of a new disk. Defaults to O(storage). Not compared for existing disks.
        type: str
      options:
        description:
          - Drive options compared and set as given, for example C(ssd=1) and C(discard=on) as a dictionary.
        type: dict
  remove_unlisted_disks:
    description:
      - Detach disks of an existing VM whose slot is not in O(disks). Proxmox keeps their volumes as
        C(unusedN) entries. Without this, unlisted disks are never touched.
    type: bool
    default: false
  nics:
    description:
      - Network interfaces in order (C(net0), C(net1), ...). Only the keys given are compared, so the
        MAC the server generated is kept and never reported as a change.
    type: list
    elements: dict
    suboptions:
      model:
        description: NIC model.
        type: str
        default: virtio
      bridge:
        description: Bridge.
        type: str
        default: vmbr0
      tag:
        description: VLAN tag.
        type: int
      firewall:
        description: Enable the Proxmox firewall on this NIC.
        type: bool
      mac:
        description: Fixed MAC address. When omitted the server generates one and it is kept.
        type: str
      mtu:
        description: MTU.
        type: int
      rate:
        description: Rate limit in MB/s.
        type: str
      link_down:
        description: Disconnect the NIC.
        type: bool
  cloudinit:
    description:
      - Cloud-init settings. Only the keys given are compared.
    type: dict
    suboptions:
      user:
        description: Default user.
        type: str
      password:
        description:
          - Password of the default user. Proxmox never returns it, so it is only set when the VM is created
            or cloned, never compared.
        type: str
      ssh_keys:
        description: Public SSH keys, one per item. Sent percent-encoded as Proxmox requires.
        type: list
        elements: str
      ipconfig:
        description: One entry per NIC, for example V(ip=dhcp) or V(ip=10.0.20.5/24,gw=10.0.20.1).
        type: list
        elements: str
      nameserver:
        description: DNS servers, space separated.
        type: str
      searchdomain:
        description: DNS search domain.
        type: str
      storage:
        description: Storage for the cloud-init drive (C(ide2)), added when the VM is created.
        type: str
  force:
    description:
      - With O(state=absent), stop a running VM before removing it. Without it, removing a running VM fails.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: A VM cloned from a cloud-init template, on VLAN 20, started
  homelab.iac.proxmox_vm:
    name: web01
    clone: debian-12-cloud
    full: true
    storage: local-lvm
    memory: 2048
    cores: 2
    tags: [web, prod]
    nics:
      - bridge: vmbr0
        tag: 20
    disks:
      - slot: scsi0
        size: 32G
    cloudinit:
      user: debian
      ssh_keys:
        - ssh-ed25519 AAAAC3Nza... admin@laptop
      ipconfig:
        - ip=10.0.20.5/24,gw=10.0.20.1
    state: started

- name: Connection options once for every proxmox module of the play
  module_defaults:
    group/homelab.iac.proxmox:
      api_url: https://pve.example.net:8006
      api_token_id: root@pam!ansible
      api_token_secret: "{{ vault_pve_token }}"
  block:
    - name: A VM from scratch
      homelab.iac.proxmox_vm:
        name: builder
        memory: 4096
        scsihw: virtio-scsi-single
        disks:
          - slot: scsi0
            storage: local-lvm
            size: 64
        nics:
          - bridge: vmbr0

- name: Remove a VM, stopping it first
  homelab.iac.proxmox_vm:
    name: web01
    state: absent
    force: true

- name: Change a guest with a snapshot taken first
  homelab.iac.proxmox_vm:
    name: web01
    memory: 4096
    snapshot_before_change: true
  register: changed_guest

- name: Go back to the state before the change
  homelab.iac.proxmox_snapshot:
    vmid: "{{ changed_guest.vm.vmid }}"
    snapname: "{{ changed_guest.snapshot }}"
    state: rollback
  when: changed_guest.snapshot is defined
"""

RETURN = r"""
action:
  description: What the engine did with the config (or would do in check mode); power changes are separate.
  returned: always
  type: str
  sample: update
  choices: [noop, create, update, delete]
updated:
  description: Options changed in place on an existing VM.
  returned: always
  type: list
  elements: str
  sample: [memory, nics]
snapshot:
  description:
    - Name of the snapshot taken before the change by O(snapshot_before_change); roll back to it with
      M(homelab.iac.proxmox_snapshot) O(homelab.iac.proxmox_snapshot#module:state=rollback).
  returned: when O(snapshot_before_change) is set and an existing guest's config was changed
  type: str
  sample: iac-20261126-053700
upids:
  description: Proxmox task ids this run waited for, in order.
  returned: always
  type: list
  elements: str
  sample: ["UPID:pve:000A1B2C:0012D687:66F1A2B3:qmcreate:100:root@pam!ansible:"]
vm:
  description:
    - The VM as Proxmox reports it after the change; empty after removal.
    - In check mode, the VM as it is now (empty when it would be created).
  returned: always
  type: dict
  contains:
    vmid:
      description: VM id.
      type: int
      sample: 100
    node:
      description: Node the VM lives on.
      type: str
      sample: pve
    name:
      description: VM name.
      type: str
      sample: web01
    status:
      description: Power status.
      type: str
      sample: running
    template:
      description: Whether the VM is a template.
      type: bool
      sample: false
    memory:
      description: Memory in MiB.
      type: int
      sample: 2048
    cores:
      description: Cores per socket.
      type: int
      sample: 2
    sockets:
      description: Sockets.
      type: int
      sample: 1
    tags:
      description: Tags, sorted.
      type: list
      elements: str
      sample: [prod, web]
    macs:
      description: MAC address per NIC key.
      type: dict
      sample: {"net0": "BC:24:11:5E:7A:01"}
    nics:
      description: Parsed NICs per key (model, mac, bridge, tag, ...).
      type: dict
      sample: {"net0": {"model": "virtio", "mac": "BC:24:11:5E:7A:01", "bridge": "vmbr0", "tag": 20}}
    disks:
      description: Parsed disks per slot (volume, storage, size_gb, options).
      type: dict
      sample: {"scsi0": {"volume": "local-lvm:vm-100-disk-0", "storage": "local-lvm", "size_gb": 32, "options": {}}}
    upids:
      description: Same as the top-level RV(upids).
      type: list
      elements: str
"""

from ansible_collections.homelab.iac.plugins.module_utils._proxmox_vm import run_vm_module  # noqa: E402


def main() -> None:
    """Reconcile one Proxmox VM."""
    run_vm_module()


if __name__ == "__main__":
    main()
