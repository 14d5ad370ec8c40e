#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: opnsense_interface
short_description: Assign a device (such as a VLAN) as an OPNsense interface
version_added: 0.1.0
description:
  - Assigns a device, for example the VLAN device returned by M(homelab.iac.opnsense_vlan), as a
    logical interface through C(/api/interfaces/assignment), which exists from OPNsense 26.7 on.
    On older releases the task fails saying that interface assignment through the API needs OPNsense 26.7
    and naming the release the firewall runs.
  - The assignment is identified by O(device). OPNsense picks the logical name (V(opt1), V(opt2),
    ...), returned in RV(interface.identifier).
  - B(Interface addressing has no API in any OPNsense release.) This module does not set IP
    addresses; give the new interface its address in the web interface (Interfaces > [name]) and
    treat the addressed interface as a prerequisite you confirm, as the homelab-iac planner does.
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._opnsense
  - homelab.iac._opnsense.APPLY
  - homelab.iac._attributes
options:
  device:
    description:
      - Device to assign, for example V(vlan01) or V(vtnet2). Identifies the assignment.
    type: str
    required: true
  description:
    description:
      - Interface description shown in the web interface, for example V(GUEST).
    type: str
    required: true
  locked:
    description:
      - Lock the interface against removal in the web interface.
    type: bool
    default: false
  state:
    description:
      - V(present) assigns or updates; V(absent) removes the assignment. OPNsense refuses to remove
        an interface that firewall rules still use.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: A VLAN, assigned as the GUEST interface
  module_defaults:
    group/homelab.iac.opnsense:
      api_url: "{{ api_url }}"
      ca_cert: "{{ ca_cert }}"
  block:
    - name: VLAN 30 on the LAN NIC
      homelab.iac.opnsense_vlan:
        parent: vtnet1
        tag: 30
      register: guest_vlan

    - name: Assign it
      homelab.iac.opnsense_interface:
        device: "{{ guest_vlan.vlan.device }}"
        description: GUEST
      register: guest_if
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
  description: Areas applied after the change (V(interfaces)).
  returned: always
  type: list
  elements: str
  sample: [interfaces]
interface:
  description: The assignment after the change; empty after removal or before a check-mode create.
  returned: always
  type: dict
  contains:
    identifier:
      description: Logical interface name, used by firewall rules and DHCP.
      type: str
      sample: opt1
    uuid:
      description: The same logical name (assignments are keyed by it, not by a uuid).
      type: str
      sample: opt1
    device:
      description: Assigned device.
      type: str
      sample: vlan01
    description:
      description: Interface description.
      type: str
      sample: GUEST
    locked:
      description: Whether the interface is locked.
      type: bool
      sample: false
"""

from ansible_collections.homelab.iac.plugins.module_utils._opnsense_module import APPLY_ARG, OpnsenseModule  # noqa: E402
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_resources import InterfaceAssignment  # noqa: E402


def main() -> None:
    """Reconcile one interface assignment."""
    OpnsenseModule({**InterfaceAssignment.argument_spec, **APPLY_ARG}).run_single(InterfaceAssignment, "interface")


if __name__ == "__main__":
    main()
