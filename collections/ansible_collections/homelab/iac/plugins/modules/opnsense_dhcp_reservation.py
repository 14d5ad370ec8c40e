#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: opnsense_dhcp_reservation
short_description: Create, update or remove a Kea DHCPv4 reservation on OPNsense
version_added: 0.1.0
description:
  - Makes a Kea DHCPv4 reservation (a fixed address for a MAC address) match the task, through
    C(/api/kea/dhcpv4), identified by O(subnet) and O(hw_address).
  - O(subnet) is the subnet's CIDR; the module resolves it to the uuid OPNsense stores. The subnet
    must exist (create it first with M(homelab.iac.opnsense_dhcp_subnet), or earlier in the same
    M(homelab.iac.opnsense_batch)).
  - OPNsense checks that O(ip_address) lies inside the subnet and is not reserved twice; such
    errors name the field, for example C(reservation.ip_address) with C(Address not in specified subnet).
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._opnsense
  - homelab.iac._opnsense.APPLY
  - homelab.iac._attributes
options:
  subnet:
    description:
      - CIDR of the Kea subnet the reservation belongs to. Identifies it with O(hw_address).
    type: str
    required: true
  hw_address:
    description:
      - MAC address of the client (case-insensitive). Identifies it with O(subnet).
    type: str
    required: true
    aliases: [mac]
  ip_address:
    description:
      - Reserved IPv4 address inside O(subnet).
    type: str
    required: true
  hostname:
    description:
      - Host name handed to the client.
    type: str
    default: ''
  description:
    description:
      - Free-text description.
    type: str
    default: ''
  state:
    description:
      - V(present) creates or updates; V(absent) removes.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: A fixed address for the Minecraft server
  homelab.iac.opnsense_dhcp_reservation:
    subnet: 10.0.30.0/24
    mac: "52:54:00:12:34:56"
    ip_address: 10.0.30.10
    hostname: minecraft
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
  sample: [ip_address]
backup:
  description:
    - Id of the configuration backup holding the state before this change, for
      M(homelab.iac.opnsense_backup) O(homelab.iac.opnsense_backup#module:revert_to).
  returned: when O(backup_before_change=true) and the task wrote a change
  type: str
  sample: config-1795462186.1760.xml
applied:
  description: Areas applied after the change (V(kea)).
  returned: always
  type: list
  elements: str
  sample: [kea]
reservation:
  description: The reservation after the change; empty after removal or before a check-mode create.
  returned: always
  type: dict
  contains:
    uuid:
      description: The reservation's uuid.
      type: str
      sample: 1d2c3b4a-5f60-4e7d-8c9b-0a1b2c3d4e5f
    subnet:
      description: CIDR of its subnet.
      type: str
      sample: 10.0.30.0/24
    hw_address:
      description: MAC address, lower case.
      type: str
      sample: "52:54:00:12:34:56"
    ip_address:
      description: Reserved address.
      type: str
      sample: 10.0.30.10
    hostname:
      description: Host name.
      type: str
      sample: minecraft
"""

from ansible_collections.homelab.iac.plugins.module_utils._opnsense_module import APPLY_ARG, OpnsenseModule  # noqa: E402
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_resources import DhcpReservation  # noqa: E402


def main() -> None:
    """Reconcile one Kea reservation."""
    OpnsenseModule({**DhcpReservation.argument_spec, **APPLY_ARG}).run_single(DhcpReservation, "reservation")


if __name__ == "__main__":
    main()
