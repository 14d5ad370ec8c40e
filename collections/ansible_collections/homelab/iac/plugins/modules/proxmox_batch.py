#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: proxmox_batch
short_description: Apply many Proxmox VE VMs, containers, templates and storage files in one task
version_added: 0.1.0
description:
  - Reconciles a list of resources in order inside one module process with one HTTP session, which is
    much faster than one task per resource. Reads are reused until the next write.
  - Each item takes exactly the options of its single-resource module (M(homelab.iac.proxmox_vm),
    M(homelab.iac.proxmox_lxc), M(homelab.iac.proxmox_template), M(homelab.iac.proxmox_storage_content))
    plus C(kind) and an optional C(node), and is decided by the same code, so the results are the same.
    That includes C(snapshot_before_change) on V(vm) and V(lxc) items, a snapshot of an existing guest
    before its config changes, named in the item's RV(results[].snapshot).
  - When an item fails (with the default O(stop_on_error=true)) the task fails with a message that names
    the item by position, kind and name (C(items[2]), V(vm), V(web01)) followed by Proxmox's error.
    RV(failed_index) is its position and RV(results) holds the items that completed before it; later
    items are not run. Proxmox applies each item as it goes, so those results are exactly what a
    rollback has to undo.
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._proxmox
  - homelab.iac._attributes
options:
  items:
    description:
      - The resources, applied in order. Each is a dictionary with C(kind) (V(vm), V(lxc), V(template) or
        V(storage_content)) and the options of that kind's module, including C(state).
    type: list
    elements: dict
    required: true
    aliases: [resources]
  stop_on_error:
    description:
      - Stop at the first failing item (the batch contract).
      - With V(false) every item is tried. A failed item still gets its entry in RV(results), with
        C(failed=true), C(action=failed) and its C(msg); the task fails at the end with all the messages,
        and RV(failed_index) is the first failed item. The entries without C(failed) completed.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: A template file, two containers and a VM in one task
  homelab.iac.proxmox_batch:
    items:
      - kind: storage_content
        appliance: debian-12-standard_12.7-1_amd64.tar.zst
      - kind: lxc
        hostname: dns01
        ostemplate: local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst
        state: started
      - kind: lxc
        hostname: dns02
        ostemplate: local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst
        state: started
      - kind: vm
        name: web01
        clone: debian-12-cloud
        memory: 2048
        state: started

- name: More memory for both containers, each snapshotted first
  homelab.iac.proxmox_batch:
    items:
      - kind: lxc
        hostname: dns01
        memory: 1024
        snapshot_before_change: true
      - kind: lxc
        hostname: dns02
        memory: 1024
        snapshot_before_change: true
  register: resized
"""

RETURN = r"""
results:
  description:
    - One entry per item that ran, in the order of O(items). After a failure with O(stop_on_error=true),
      only the items that completed before it.
  returned: always
  type: list
  elements: dict
  contains:
    index:
      description: The item's position in O(items).
      type: int
      sample: 0
    kind:
      description: The item's kind.
      type: str
      sample: vm
    changed:
      description: Whether the item changed (config or power state).
      type: bool
      sample: true
    action:
      description: What was done with the config (or would be in check mode); V(failed) for a failed item.
      type: str
      choices: [noop, create, update, delete, failed]
      sample: update
    updated:
      description: Options changed in place.
      type: list
      elements: str
      sample: [memory]
    facts:
      description:
        - The resource after the change, as the single module returns it (RV(homelab.iac.proxmox_vm#module:vm),
          RV(homelab.iac.proxmox_lxc#module:container), ...); empty after removal.
      type: dict
      sample: {"vmid": 100, "name": "web01", "status": "running"}
    snapshot:
      description: Name of the snapshot taken before the change (C(snapshot_before_change)).
      type: str
      returned: when the item set C(snapshot_before_change) and an existing guest's config changed
      sample: iac-20261126-053700
    diff:
      description: Before and after of the item.
      type: dict
      returned: in diff mode
    failed:
      description: True for an item that failed while O(stop_on_error=false).
      type: bool
      returned: for failed items
      sample: true
    msg:
      description: Why the item failed.
      type: str
      returned: for failed items
      sample: "items[1] (vm web01): ..."
failed_index:
  description: Position in O(items) of the (first) failed item.
  returned: failure
  type: int
  sample: 2
upids:
  description: Proxmox task ids this run waited for.
  returned: always
  type: list
  elements: str
writes:
  description: Number of write calls (POST, PUT, DELETE) this run made; 0 when nothing changed.
  returned: always
  type: int
  sample: 0
"""

from ansible_collections.homelab.iac.plugins.module_utils._proxmox_batch import run_batch_module  # noqa: E402


def main() -> None:
    """Reconcile a list of Proxmox resources."""
    run_batch_module()


if __name__ == "__main__":
    main()
