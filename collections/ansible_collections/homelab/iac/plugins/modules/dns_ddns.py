#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: dns_ddns
short_description: Keep a DNS name pointed at an address given or read from a local interface
version_added: 0.1.0
description:
  - Dynamic DNS through any provider of M(homelab.iac.dns_record) - the name ends up holding exactly
    one A (or AAAA) record, the address; other values of that type at the name are removed.
  - The address is O(value), or read from the local interface O(interface) with C(ip -j addr)
    (a global-scope address first; IPv6 link-local addresses are never used). No outside service
    is asked for the public address.
  - Nothing is written when the record already holds the address, so the task can run from a timer.
  - O(state=absent) removes the record again - only O(value) when given, otherwise every address of
    O(type) at O(name) (O(interface) is not read then). This is how a deployment that published the
    name undoes it.
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._dns
  - homelab.iac._attributes
options:
  name:
    description:
      - Record name; absolute, or relative to O(zone).
    type: str
    required: true
  state:
    description:
      - V(present) publishes the address, V(absent) removes it (nothing to do when it is gone).
    type: str
    choices: [present, absent]
    default: present
  type:
    description:
      - V(A) for an IPv4 address, V(AAAA) for IPv6.
    type: str
    choices: [A, AAAA]
    default: A
  value:
    description:
      - The address. With O(state=present) exactly one of O(value) and O(interface) is required;
        with O(state=absent) it limits the removal to this address.
    type: str
  interface:
    description:
      - Local interface to read the address from, for example V(eth0) or V(wan0).
    type: str
  ttl:
    description:
      - TTL in seconds (short TTLs suit dynamic addresses). Not managed when omitted.
    type: int
  proxied:
    description:
      - Cloudflare proxying. Not managed when omitted.
    type: bool
  comment:
    description:
      - Record comment. Not managed when omitted.
    type: str
requirements:
  - the C(ip) command (iproute2) when O(interface) is used
"""

EXAMPLES = r"""
- name: Keep home.example.com at the WAN address
  homelab.iac.dns_ddns:
    provider: cloudflare
    name: home.example.com
    interface: wan0
    ttl: 120

- name: Point the VPN endpoint at an address another task found
  homelab.iac.dns_ddns:
    provider: rfc2136
    server: 10.0.0.53
    key_name: ddns-key
    zone: home.arpa
    name: vpn
    value: "{{ wan_address }}"

- name: Stop publishing the VPN endpoint
  homelab.iac.dns_ddns:
    provider: rfc2136
    server: 10.0.0.53
    key_name: ddns-key
    zone: home.arpa
    name: vpn
    state: absent
"""

RETURN = r"""
address:
  description: The address published (with O(state=absent), the one removed; empty when all were).
  returned: always
  type: str
  sample: 198.51.100.23
source:
  description: Where the address came from, V(value) or V(interface <name>); V(every address) for a removal of all.
  returned: always
  type: str
  sample: interface wan0
previous:
  description: The values the name held before the run.
  returned: always
  type: list
  elements: str
  sample: [198.51.100.9]
action:
  description: What was done to the record (V(noop) when the address was already published, or already gone).
  returned: always
  type: str
  sample: update
record:
  description: The record after the run; empty before a check-mode create.
  returned: always
  type: dict
  sample: {type: A, name: home.example.com, value: 198.51.100.23, ttl: 120}
applied:
  description: Services reconfigured after the change.
  returned: always
  type: list
  elements: str
  sample: []
"""

from ansible_collections.homelab.iac.plugins.module_utils._dns_tasks import run_ddns  # noqa: E402


def main() -> None:
    """Publish the address."""
    run_ddns()


if __name__ == "__main__":
    main()
