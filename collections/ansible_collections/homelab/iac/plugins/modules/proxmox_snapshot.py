#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: proxmox_snapshot
short_description: Create, roll back and remove snapshots of Proxmox VE VMs and containers, with retention
version_added: 0.1.0
description:
  - Makes the snapshot O(snapname) of a VM or container exist (V(present)), not exist (V(absent)), or
    be the state the guest runs from (V(rollback)).
  - A rollback is skipped when the guest already sits on that snapshot with an unchanged config, so a
    rerun does not roll back again.
  - With O(retention), older snapshots whose name starts with O(retention.prefix) are removed after the
    create, keeping the newest O(retention.keep) and dropping those older than O(retention.max_age).
    The snapshot named by O(snapname) is never pruned.
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._proxmox
  - homelab.iac._attributes
options:
  vmid:
    description: Id of the guest. One of O(vmid) or O(name) is required.
    type: int
  name:
    description: Name of the guest (VM name or container hostname), when O(vmid) is not given.
    type: str
  guest_type:
    description: V(qemu) or V(lxc); V(auto) looks the guest up among both.
    type: str
    choices: [auto, qemu, lxc]
    default: auto
  snapname:
    description: Snapshot name (a letter, then letters, digits, C(-) or C(_); 2 to 40 characters).
    type: str
    required: true
  state:
    description: V(present), V(absent) or V(rollback).
    type: str
    choices: [present, absent, rollback]
    default: present
  description:
    description: Snapshot description; compared and updated in place when set.
    type: str
  vmstate:
    description: Save the RAM of a running VM with the snapshot (QEMU only).
    type: bool
    default: false
  retention:
    description: Prune older snapshots after O(state=present).
    type: dict
    suboptions:
      keep:
        description: How many snapshots matching O(retention.prefix) to keep, the newest ones, O(snapname) included.
        type: int
      max_age:
        description: Remove matching snapshots older than this, for example V(7d), V(12h), V(30m).
        type: str
      prefix:
        description: Only snapshots whose name starts with this are pruned. Empty means every snapshot.
        type: str
        default: ""
"""

EXAMPLES = r"""
- name: Nightly snapshot, keep a week of them
  homelab.iac.proxmox_snapshot:
    name: web01
    snapname: "auto-{{ now(utc=true, fmt='%Y%m%d') }}"
    description: nightly
    retention:
      prefix: auto-
      keep: 7

- name: Go back to the snapshot taken before the upgrade
  homelab.iac.proxmox_snapshot:
    vmid: 100
    snapname: before-upgrade
    state: rollback

- name: Remove it afterwards
  homelab.iac.proxmox_snapshot:
    vmid: 100
    snapname: before-upgrade
    state: absent
"""

RETURN = r"""
action:
  description: What was done (or would be done in check mode).
  returned: always
  type: str
  sample: create
  choices: [noop, create, update, delete, rollback]
vmid:
  description: Id of the guest.
  returned: always
  type: int
  sample: 100
guest_type:
  description: V(qemu) or V(lxc).
  returned: always
  type: str
  sample: qemu
pruned:
  description: Snapshots removed (or to be removed in check mode) by O(retention), oldest first.
  returned: always
  type: list
  elements: str
  sample: [auto-20260101]
snapshots:
  description: The guest's snapshots after the change, oldest first (name, snaptime, description, parent).
  returned: always
  type: list
  elements: dict
current_parent:
  description: The snapshot the guest's current state descends from.
  returned: always
  type: str
  sample: before-upgrade
running:
  description: Whether the guest runs.
  returned: always
  type: bool
upids:
  description: Proxmox task ids this run waited for.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.homelab.iac.plugins.module_utils._proxmox_snapshot import run_snapshot_module  # noqa: E402


def main() -> None:
    """Reconcile one snapshot."""
    run_snapshot_module()


if __name__ == "__main__":
    main()
