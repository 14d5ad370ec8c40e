#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: proxmox_template
short_description: Turn a Proxmox VE virtual machine into a template
version_added: 0.1.0
description:
  - Makes an existing VM a template, so M(homelab.iac.proxmox_vm) can clone it (linked clones need a template).
  - A VM that is already a template is left alone. Proxmox refuses VMs with snapshots; a running VM is
    refused unless O(force=true) stops it first.
  - A template cannot be turned back into a VM, so there is no O(ignore:state).
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._proxmox
  - homelab.iac._attributes
options:
  vmid:
    description: Id of the VM. One of O(vmid) or O(name) is required.
    type: int
  name:
    description: Unique name of the VM on the node, when O(vmid) is not given.
    type: str
  force:
    description: Stop a running VM before converting it.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Build a cloud-init template once, then clone it
  block:
    - name: The base VM
      homelab.iac.proxmox_vm:
        name: debian-12-cloud
        vmid: 9000
        memory: 1024
        disks:
          - slot: scsi0
            storage: local-lvm
            size: 4
        cloudinit:
          storage: local-lvm

    - name: Make it a template
      homelab.iac.proxmox_template:
        vmid: 9000
"""

RETURN = r"""
action:
  description: V(update) when the VM was converted, V(noop) when it already was a template.
  returned: always
  type: str
  sample: update
upids:
  description: Proxmox task ids this run waited for.
  returned: always
  type: list
  elements: str
template:
  description: The VM after the change (in check mode, as it is now).
  returned: always
  type: dict
  contains:
    vmid:
      description: VM id.
      type: int
      sample: 9000
    node:
      description: Node.
      type: str
      sample: pve
    name:
      description: VM name.
      type: str
      sample: debian-12-cloud
    template:
      description: Whether the VM is a template.
      type: bool
      sample: true
    disks:
      description: Disk specs by slot; on thin storage they become C(base-<vmid>-disk-N).
      type: dict
      sample: {"scsi0": "local-lvm:base-9000-disk-0,size=4G"}
"""

from ansible_collections.homelab.iac.plugins.module_utils._proxmox_template import run_template_module  # noqa: E402


def main() -> None:
    """Make one VM a template."""
    run_template_module()


if __name__ == "__main__":
    main()
