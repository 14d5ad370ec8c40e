#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: opnsense_wireguard_peer
short_description: Create, update or remove a WireGuard peer on OPNsense
version_added: 0.1.0
description:
  - Makes a WireGuard peer ("client") match the task, through C(/api/wireguard/client),
    identified by O(name).
  - O(servers) names instances made with M(homelab.iac.opnsense_wireguard_server); OPNsense keeps
    the instances' peer lists in step with it.
  - OPNsense requires public keys to be unique ("Public keys should be unique.").
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._opnsense
  - homelab.iac._opnsense.APPLY
  - homelab.iac._attributes
options:
  name:
    description:
      - Peer name. Identifies it.
    type: str
    required: true
  public_key:
    description:
      - The peer's base64 public key.
    type: str
    required: true
  psk:
    description:
      - Pre-shared key. Compared (masked in diffs) when given.
    type: str
  tunnel_address:
    description:
      - Allowed IPs of the peer in CIDR form. Compared as a set.
    type: list
    elements: str
    required: true
  servers:
    description:
      - Names of the instances the peer belongs to. Compared as a set.
    type: list
    elements: str
    default: []
  endpoint:
    description:
      - The peer's public address, if it has a fixed one.
    type: str
    default: ''
  endpoint_port:
    description:
      - The peer's port. Not compared when omitted.
    type: int
  keepalive:
    description:
      - Keepalive interval in seconds, 1 to 86400. Not compared when omitted.
    type: int
  enabled:
    description:
      - Whether it is active.
    type: bool
    default: true
  state:
    description:
      - V(present) creates or updates; V(absent) removes.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: A laptop on the road-warrior VPN
  homelab.iac.opnsense_wireguard_peer:
    name: laptop
    public_key: "{{ laptop_wg_public_key }}"
    tunnel_address: [10.99.0.2/32]
    servers: [roadwarrior]
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
  sample: []
backup:
  description:
    - Id of the configuration backup holding the state before this change, for
      M(homelab.iac.opnsense_backup) O(homelab.iac.opnsense_backup#module:revert_to).
  returned: when O(backup_before_change=true) and the task wrote a change
  type: str
  sample: config-1795462186.1760.xml
applied:
  description: Areas applied after the change (V(wireguard)).
  returned: always
  type: list
  elements: str
  sample: [wireguard]
peer:
  description: The peer after the change (no pre-shared key); empty after removal or before a check-mode create.
  returned: always
  type: dict
  contains:
    uuid:
      description: The peer's uuid.
      type: str
      sample: 8e9f0a1b-2c3d-4e4f-8a5b-6c7d8e9f0a1b
    name:
      description: Peer name.
      type: str
      sample: laptop
    servers:
      description: Instance names, sorted.
      type: list
      elements: str
      sample: [roadwarrior]
    tunnel_address:
      description: Allowed IPs, sorted.
      type: list
      elements: str
      sample: [10.99.0.2/32]
"""

from ansible_collections.homelab.iac.plugins.module_utils._opnsense_module import APPLY_ARG, OpnsenseModule  # noqa: E402
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_proxy_vpn import WireguardPeer  # noqa: E402


def main() -> None:
    """Reconcile one WireGuard peer."""
    OpnsenseModule({**WireguardPeer.argument_spec, **APPLY_ARG}).run_single(WireguardPeer, "peer")


if __name__ == "__main__":
    main()
