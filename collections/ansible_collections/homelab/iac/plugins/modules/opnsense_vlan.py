#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: opnsense_vlan
short_description: Create, update or remove a VLAN device on OPNsense
version_added: 0.1.0
description:
  - Makes an 802.1Q VLAN on an OPNsense parent NIC match the task, through
    C(/api/interfaces/vlan_settings).
  - The VLAN is identified by O(parent) and O(tag); everything else is updated in place.
  - When O(device) is not given, the module names the device as OPNsense would (V(vlan01), V(vlan02), ...);
    the name is returned in RV(vlan.device) so later tasks can assign it with
    M(homelab.iac.opnsense_interface).
  - OPNsense refuses to remove a VLAN that is assigned as an interface or is the parent of a QinQ
    VLAN; the task then fails with OPNsense's message and changes nothing.
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._opnsense
  - homelab.iac._opnsense.APPLY
  - homelab.iac._attributes
options:
  parent:
    description:
      - Parent device name such as V(vtnet1), V(igb1) or V(lagg0); not the logical name V(lan).
      - Identifies the VLAN together with O(tag).
    type: str
    required: true
  tag:
    description:
      - VLAN id, 1 to 4094, unique per parent. Identifies the VLAN together with O(parent).
    type: int
    required: true
  pcp:
    description:
      - 802.1p priority code point, 0 to 7.
    type: int
    default: 0
  proto:
    description:
      - VLAN protocol; empty lets OPNsense choose.
    type: str
    choices: ['', 802.1q, 802.1ad]
    default: ''
  description:
    description:
      - Free-text description.
    type: str
    default: ''
  device:
    description:
      - Device name, for example V(vlan0.100). OPNsense requires names that start with C(vlan0)
        (C(qinq0) for QinQ) followed by digits and dots, at most 15 characters.
      - When omitted on create, the module picks the next free name the way OPNsense does (C(vlan0<n>), or
        C(qinq0<n>) on a VLAN parent) and sends it, so the returned name is the stored one; on an existing VLAN
        it is not compared.
      - OPNsense refuses to rename a VLAN that is assigned as an interface.
    type: str
  state:
    description:
      - V(present) creates or updates the VLAN; V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: Connection options once for all opnsense modules of the play
  module_defaults:
    group/homelab.iac.opnsense:
      api_url: "{{ api_url }}"
      ca_cert: "{{ ca_cert }}"
  block:
    - name: A guest VLAN on the LAN NIC
      homelab.iac.opnsense_vlan:
        parent: vtnet1
        tag: 30
        description: guest
      register: guest_vlan

    - name: Show the device OPNsense picked
      ansible.builtin.debug:
        msg: "{{ guest_vlan.vlan.device }}"

- name: Remove it again
  homelab.iac.opnsense_vlan:
    parent: vtnet1
    tag: 30
    state: absent
"""

RETURN = r"""
action:
  description: What was done (or would be done in check mode).
  returned: always
  type: str
  choices: [noop, create, update, delete]
  sample: create
updated:
  description: Options changed in place.
  returned: always
  type: list
  elements: str
  sample: [description]
backup:
  description:
    - Id of the configuration backup holding the state before this change, for
      M(homelab.iac.opnsense_backup) O(homelab.iac.opnsense_backup#module:revert_to).
  returned: when O(backup_before_change=true) and the task wrote a change
  type: str
  sample: config-1795462186.1760.xml
applied:
  description: Areas applied after the change (V(vlans)); empty in check mode, without changes or with O(apply=false).
  returned: always
  type: list
  elements: str
  sample: [vlans]
vlan:
  description: The VLAN as OPNsense reports it after the change; empty after removal or before a check-mode create.
  returned: always
  type: dict
  contains:
    uuid:
      description: The VLAN's uuid in the OPNsense configuration.
      type: str
      sample: 6f1e0f7c-2f5e-4c4e-9d9c-3c1a0b2f4a11
    device:
      description: The VLAN device name.
      type: str
      sample: vlan01
    parent:
      description: Parent device.
      type: str
      sample: vtnet1
    tag:
      description: VLAN id.
      type: int
      sample: 30
    pcp:
      description: Priority code point.
      type: int
      sample: 0
    proto:
      description: VLAN protocol, empty for automatic.
      type: str
      sample: ''
    description:
      description: Description.
      type: str
      sample: guest
"""

from ansible_collections.homelab.iac.plugins.module_utils._opnsense_module import APPLY_ARG, OpnsenseModule  # noqa: E402
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_resources import Vlan  # noqa: E402


def main() -> None:
    """Reconcile one VLAN."""
    OpnsenseModule({**Vlan.argument_spec, **APPLY_ARG}).run_single(Vlan, "vlan")


if __name__ == "__main__":
    main()
