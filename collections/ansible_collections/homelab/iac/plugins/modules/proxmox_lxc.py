#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: proxmox_lxc
short_description: Create, configure, power and remove Proxmox VE LXC containers
version_added: 0.1.0
description:
  - Makes an LXC container match the task. It is identified by O(vmid) or, without one, by its unique
    O(hostname) on the node.
  - A missing container is created from O(ostemplate) (see M(homelab.iac.proxmox_storage_content) to
    download one). Without O(vmid), the next free id is used, retrying when a concurrent run took it.
  - An existing container is compared key by key. The C(hwaddr) and C(type) the server adds to NICs are
    never changes, and a changed NIC keeps its C(hwaddr).
  - O(ostemplate), O(storage), O(disk_size), O(unprivileged), O(password) and O(ssh_public_keys) are
    only used at creation; Proxmox cannot change O(unprivileged) and never returns the secrets.
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._proxmox
  - homelab.iac._proxmox.SNAPSHOT
  - homelab.iac._attributes
options:
  hostname:
    description: Hostname. Identifies the container when O(vmid) is not set. Required to create one.
    type: str
  vmid:
    description: Container id.
    type: int
  state:
    description:
      - V(present) creates or updates without touching the power state; V(started) and V(stopped) also
        start or shut down the container; V(absent) removes it.
    type: str
    choices: [present, absent, started, stopped]
    default: present
  ostemplate:
    description: Template volume, for example V(local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst).
    type: str
  storage:
    description: Storage of the root disk.
    type: str
    default: local-lvm
  disk_size:
    description: Root disk size in GiB.
    type: int
    default: 8
  unprivileged:
    description: Create an unprivileged container (recommended).
    type: bool
    default: true
  password:
    description: Root password, set at creation only.
    type: str
  ssh_public_keys:
    description: Public SSH keys for root, set at creation only.
    type: list
    elements: str
  memory:
    description: Memory in MiB.
    type: int
  swap:
    description: Swap in MiB.
    type: int
  cores:
    description: CPU cores.
    type: int
  onboot:
    description: Start the container when the node boots.
    type: bool
  description:
    description: Notes shown in the Proxmox UI.
    type: str
  tags:
    description: Tags, compared as a set.
    type: list
    elements: str
  nesting:
    description: Allow nesting (for example Docker inside the container). The only feature an API token may set.
    type: bool
  nameserver:
    description: DNS servers, space separated.
    type: str
  searchdomain:
    description: DNS search domain.
    type: str
  nics:
    description: Network interfaces in order (C(net0), ...). Only the keys given are compared.
    type: list
    elements: dict
    suboptions:
      name:
        description: Interface name inside the container. Defaults to C(eth<index>).
        type: str
      bridge:
        description: Bridge.
        type: str
        default: vmbr0
      ip:
        description: V(dhcp), V(manual) or an address in CIDR form.
        type: str
        default: dhcp
      gw:
        description: IPv4 gateway.
        type: str
      tag:
        description: VLAN tag.
        type: int
      firewall:
        description: Enable the Proxmox firewall on this interface.
        type: bool
      hwaddr:
        description: Fixed MAC address; when omitted the server generates one and it is kept.
        type: str
  force:
    description: With O(state=absent), remove a running container. Without it, that fails.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: A small Debian container on VLAN 20, running
  homelab.iac.proxmox_lxc:
    hostname: dns01
    ostemplate: local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst
    memory: 512
    cores: 1
    nesting: true
    nics:
      - bridge: vmbr0
        tag: 20
        ip: 10.0.20.53/24
        gw: 10.0.20.1
    ssh_public_keys:
      - ssh-ed25519 AAAAC3Nza... admin@laptop
    state: started

- name: Remove it
  homelab.iac.proxmox_lxc:
    hostname: dns01
    state: absent
    force: true

- name: Change a guest with a snapshot taken first
  homelab.iac.proxmox_lxc:
    hostname: dns01
    memory: 4096
    snapshot_before_change: true
  register: changed_guest

- name: Go back to the state before the change
  homelab.iac.proxmox_snapshot:
    vmid: "{{ changed_guest.container.vmid }}"
    snapname: "{{ changed_guest.snapshot }}"
    state: rollback
  when: changed_guest.snapshot is defined
"""

RETURN = r"""
action:
  description: What the engine did with the config (or would do in check mode); power changes are separate.
  returned: always
  type: str
  sample: create
updated:
  description: Options changed in place.
  returned: always
  type: list
  elements: str
snapshot:
  description:
    - Name of the snapshot taken before the change by O(snapshot_before_change); roll back to it with
      M(homelab.iac.proxmox_snapshot) O(homelab.iac.proxmox_snapshot#module:state=rollback).
  returned: when O(snapshot_before_change) is set and an existing guest's config was changed
  type: str
  sample: iac-20261126-053700
upids:
  description: Proxmox task ids this run waited for.
  returned: always
  type: list
  elements: str
container:
  description: The container after the change; empty after removal and, in check mode, before a create.
  returned: always
  type: dict
  contains:
    vmid:
      description: Container id.
      type: int
      sample: 101
    hostname:
      description: Hostname.
      type: str
    status:
      description: Power status.
      type: str
      sample: running
    rootfs:
      description: Root disk as stored, for example C(local-lvm:vm-101-disk-0,size=8G).
      type: str
    macs:
      description: MAC address per NIC key.
      type: dict
      sample: {"net0": "BC:24:11:AA:BB:CC"}
    nics:
      description: Parsed NICs per key.
      type: dict
    tags:
      description: Tags, sorted.
      type: list
      elements: str
"""

from ansible_collections.homelab.iac.plugins.module_utils._proxmox_lxc import run_lxc_module  # noqa: E402


def main() -> None:
    """Reconcile one LXC container."""
    run_lxc_module()


if __name__ == "__main__":
    main()
