#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: proxmox_info
short_description: Read the version, nodes, guests and storage of a Proxmox VE cluster
version_added: 0.1.0
description:
  - Returns facts about the cluster without changing anything.
  - Guests are read from the node's own listings, so a guest created a moment ago already has its name.
  - "B(Discovery.) V(guest_specs) lists the node's VMs and containers, made by homelab-iac or by hand, as
    discovery items: C(kind) (the M(homelab.iac.proxmox_batch) item kind V(vm) or V(lxc)), C(id) (the
    import id: the vmid as a string), C(name) (a suggested resource name from the guest's name),
    C(managed) (always V(false): Proxmox guests carry no mark of who made them), C(spec) and C(facts)."
  - C(spec) is the guest's current configuration exactly as M(homelab.iac.proxmox_vm) (or
    M(homelab.iac.proxmox_lxc)) returns it in C(diff.before) of a check-mode run with only
    O(homelab.iac.proxmox_vm#module:vmid) and O(homelab.iac.proxmox_vm#module:name)
    (O(homelab.iac.proxmox_lxc#module:hostname)); C(facts) is what that module returns (MACs, disks,
    status...). It costs one config read per guest, so it is not gathered by default. Templates are not
    listed (M(homelab.iac.proxmox_template) manages them).
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._proxmox
  - homelab.iac._attributes
options:
  gather:
    description: Which sections to read; fewer sections mean fewer API calls.
    type: list
    elements: str
    choices: [version, nodes, guests, storage, guest_specs]
    default: [version, nodes, guests, storage]
"""

EXAMPLES = r"""
- name: What runs on the node
  homelab.iac.proxmox_info:
    gather: [guests]
  register: pve

- name: Names of the running guests
  ansible.builtin.debug:
    msg: "{{ pve.guests | selectattr('status', 'eq', 'running') | map(attribute='name') }}"

- name: Every VM and container as proxmox_vm / proxmox_lxc see them
  homelab.iac.proxmox_info:
    gather: [guest_specs]
  register: found

- name: Read VM 120 the way proxmox_vm does (writes nothing); diff.before is its listed spec
  homelab.iac.proxmox_vm:
    vmid: 120
    name: legacy-vm
  check_mode: true
  diff: true
"""

RETURN = r"""
version:
  description: C(GET /version).
  returned: when V(version) is gathered
  type: dict
  sample: {"version": "8.4.1", "release": "8.4", "repoid": "2a5fa54a8503f96d"}
nodes:
  description: Cluster nodes (node, status, cpu, maxcpu, mem, maxmem, uptime, ...), sorted by name.
  returned: when V(nodes) is gathered
  type: list
  elements: dict
guests:
  description: VMs and containers of the node, sorted by vmid.
  returned: when V(guests) is gathered
  type: list
  elements: dict
  contains:
    vmid:
      description: Guest id.
      type: int
      sample: 100
    type:
      description: V(qemu) or V(lxc).
      type: str
    name:
      description: Name (VM name or container hostname).
      type: str
    status:
      description: Power status.
      type: str
      sample: running
    template:
      description: Whether the guest is a template.
      type: bool
    tags:
      description: Tags, sorted.
      type: list
      elements: str
storage:
  description: Storage of the node (storage, type, content, total, used, avail, ...).
  returned: when V(storage) is gathered
  type: list
  elements: dict
guest_specs:
  description: VMs and containers of the node (no templates) as discovery items, sorted by vmid.
  returned: when V(guest_specs) is gathered
  type: list
  elements: dict
  contains:
    kind:
      description: The M(homelab.iac.proxmox_batch) item kind, V(vm) or V(lxc).
      type: str
      sample: vm
    id:
      description: Import id, the vmid as a string.
      type: str
      sample: "120"
    name:
      description: Suggested resource name (lower case, letters, digits and C(-); unique in the list).
      type: str
      sample: legacy-vm
    managed:
      description: Whether the guest carries homelab-iac's mark; Proxmox has none, so always V(false).
      type: bool
      sample: false
    spec:
      description: Current configuration as the kind's module shows it in C(diff.before).
      type: dict
      sample: {"name": "legacy-vm", "memory": 1024, "cores": 2, "sockets": 1, "cpu": null, "ostype": "l26",
               "scsihw": null, "description": null, "agent": false, "onboot": false, "tags": [],
               "nics": {"net0": {"model": "virtio", "bridge": "vmbr0", "mac": "BC:24:11:00:00:01"}},
               "disks": {}, "cloudinit": {"user": null, "ssh_keys": [], "ipconfig": [], "nameserver": null,
               "searchdomain": null}}
    facts:
      description: What the kind's module returns about the guest (vmid, node, status, MACs, disks...).
      type: dict
      sample: {"vmid": 120, "node": "pve", "name": "legacy-vm", "status": "stopped"}
"""

from ansible_collections.homelab.iac.plugins.module_utils._proxmox_info import run_info_module  # noqa: E402


def main() -> None:
    """Read facts about the cluster."""
    run_info_module()


if __name__ == "__main__":
    main()
