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
    choices: [version, nodes, guests, storage]
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
"""

from ansible_collections.homelab.iac.plugins.module_utils._proxmox_info import run_info_module  # noqa: E402


def main() -> None:
    """Read facts about the cluster."""
    run_info_module()


if __name__ == "__main__":
    main()
