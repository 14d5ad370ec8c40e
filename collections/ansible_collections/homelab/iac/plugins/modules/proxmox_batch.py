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
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._proxmox
  - homelab.iac._attributes
options:
  resources:
    description:
      - The resources, applied in order. Each is a dictionary with C(kind) (V(vm), V(lxc), V(template) or
        V(storage_content)) and the options of that kind's module.
    type: list
    elements: dict
    required: true
  stop_on_error:
    description: Stop at the first failing item. Otherwise every item is tried and the failures are reported together.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: A template file, two containers and a VM in one task
  homelab.iac.proxmox_batch:
    resources:
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
"""

RETURN = r"""
results:
  description: One entry per item in order (kind, changed, action, updated, facts; error when it failed).
  returned: always
  type: list
  elements: dict
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
