#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: opnsense_dhcp_subnet
short_description: Create, update or remove a Kea DHCPv4 subnet on OPNsense
version_added: 0.1.0
description:
  - Makes a Kea DHCPv4 subnet match the task, through C(/api/kea/dhcpv4), identified by O(subnet).
  - Kea's model-level C(get) leaves subnets out, so the module reads them with one search.
  - B(Autocollect trap.) While C(option_data_autocollect) is on, OPNsense rewrites the subnet's
    routers, DNS and NTP servers with the firewall's own address on every save. This module turns
    it off by default (O(autocollect=false)) so the options you set stay as written; with
    O(autocollect=true) those three options are not compared.
  - Enabling the Kea service and choosing its interfaces is a global setting outside this module.
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._opnsense
  - homelab.iac._opnsense.APPLY
  - homelab.iac._attributes
options:
  subnet:
    description:
      - The subnet in CIDR form, for example V(10.0.30.0/24). Identifies it.
    type: str
    required: true
  pools:
    description:
      - Address pools, each a V(first-last) range or a CIDR inside O(subnet). Compared as a set.
    type: list
    elements: str
    default: []
  description:
    description:
      - Free-text description.
    type: str
    default: ''
  autocollect:
    description:
      - Let OPNsense fill routers, DNS and NTP servers with its own address (see the description).
    type: bool
    default: false
  routers:
    description:
      - Default gateways handed out (option 3). Not compared when omitted.
    type: list
    elements: str
  dns_servers:
    description:
      - DNS servers handed out (option 6). Not compared when omitted.
    type: list
    elements: str
  ntp_servers:
    description:
      - NTP servers handed out (option 42). Not compared when omitted.
    type: list
    elements: str
  domain_name:
    description:
      - Domain name handed out (option 15). Not compared when omitted.
    type: str
  state:
    description:
      - V(present) creates or updates; V(absent) removes. OPNsense refuses to remove a subnet that
        still has reservations.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: DHCP on the guest VLAN
  homelab.iac.opnsense_dhcp_subnet:
    subnet: 10.0.30.0/24
    pools: [10.0.30.100-10.0.30.199]
    routers: [10.0.30.1]
    dns_servers: [10.0.30.1]
    domain_name: guest.home.arpa
    description: guest
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
  sample: [pools]
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
subnet:
  description: The subnet after the change; empty after removal or before a check-mode create.
  returned: always
  type: dict
  contains:
    uuid:
      description: The subnet's uuid; reservations reference it.
      type: str
      sample: 8c1f0e2d-3b4a-4c5d-8e6f-7a8b9c0d1e2f
    subnet:
      description: The subnet.
      type: str
      sample: 10.0.30.0/24
    pools:
      description: Pools, sorted.
      type: list
      elements: str
      sample: [10.0.30.100-10.0.30.199]
    routers:
      description: Routers handed out.
      type: list
      elements: str
      sample: [10.0.30.1]
    dns_servers:
      description: DNS servers handed out.
      type: list
      elements: str
      sample: [10.0.30.1]
    autocollect:
      description: Whether OPNsense fills the options itself.
      type: bool
      sample: false
"""

from ansible_collections.homelab.iac.plugins.module_utils._opnsense_module import APPLY_ARG, OpnsenseModule  # noqa: E402
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_resources import DhcpSubnet  # noqa: E402


def main() -> None:
    """Reconcile one Kea subnet."""
    OpnsenseModule({**DhcpSubnet.argument_spec, **APPLY_ARG}).run_single(DhcpSubnet, "subnet")


if __name__ == "__main__":
    main()
