#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: opnsense_nat_outbound
short_description: Create, update or remove an OPNsense outbound NAT (source NAT) rule
version_added: 0.1.0
description:
  - Makes an outbound NAT rule (Firewall > NAT > Source NAT, the Filter model's C(snatrules)) match the
    task, through C(/api/firewall/source_nat). The rules are read with the filter rules from
    C(/api/firewall/filter/get), the one read that holds them in every release (on 26.7
    C(source_nat/get) returns only the outbound NAT mode).
  - "B(Identity.) The rule is identified by O(name), from which the module derives a fixed uuid and writes the
    rule under it, or by O(uuid) for a rule made by hand (listed by M(homelab.iac.opnsense_info) with
    C(gather=[nat])). Uuids are derived in a namespace of their own, so an outbound rule and a filter rule or
    port forward of the same name never share one."
  - "B(The outbound NAT mode.) OPNsense 26.7 applies manual outbound rules only when the mode is
    V(hybrid) or V(advanced); in the default V(automatic) mode (and in V(disabled)) it generates its own
    rules and ignores these. The module then warns; set the mode on Firewall > NAT > Source NAT.
    Earlier releases always apply manual rules."
  - Field errors come back with OPNsense's own field name and message, for example C(rule.target) with
    C(Target address cannot be any.).
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._opnsense
  - homelab.iac._opnsense.APPLY
  - homelab.iac._opnsense.NAMED_RULE
  - homelab.iac._attributes
options:
  nonat:
    description:
      - Do not NAT, so traffic matching this rule leaves untranslated (an exception to the rules below it).
    type: bool
    default: false
  interface:
    description:
      - The interface the traffic leaves through, usually V(wan). The default V(lan) is OPNsense's own.
    type: str
    default: lan
  ipprotocol:
    description:
      - Address family.
    type: str
    choices: [inet, inet6]
    default: inet
  protocol:
    description:
      - Protocol, for example V(any), V(TCP), V(UDP) or V(TCP/UDP) (case-insensitive; OPNsense stores upper case,
        V(any) in lower case). Ports need TCP or UDP.
    type: str
    default: any
  source_net:
    description:
      - The traffic's source; V(any), an alias, an address, a CIDR or an interface network such as V(lan).
    type: str
    default: any
  source_not:
    description:
      - Invert the source match.
    type: bool
    default: false
  source_port:
    description:
      - Source port or range; empty for any.
    type: str
    default: ''
  destination_net:
    description:
      - The traffic's destination, in the same forms as O(source_net).
    type: str
    default: any
  destination_not:
    description:
      - Invert the destination match.
    type: bool
    default: false
  destination_port:
    description:
      - Destination port or range; empty for any.
    type: str
    default: ''
  target:
    description:
      - The address the source is translated to, for example V(wanip) or an address or alias. V(any) is refused.
      - Not compared when omitted; a new rule then gets OPNsense's default, the interface's address (26.7;
        earlier releases require a target and default to V(wanip)). An empty string means the interface
        address on 26.7.
    type: str
  target_port:
    description:
      - Translated source port or range; empty keeps the port (or picks a random one).
    type: str
    default: ''
  staticnatport:
    description:
      - Keep the source port as it is (static port).
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Translate the lab VLAN's traffic to the WAN address
  homelab.iac.opnsense_nat_outbound:
    name: lab-out
    interface: wan
    source_net: 10.0.30.0/24
    target: wanip

- name: But leave traffic to the VPN untranslated (runs first)
  homelab.iac.opnsense_nat_outbound:
    name: lab-to-vpn
    sequence: 10
    interface: wan
    nonat: true
    source_net: 10.0.30.0/24
    destination_net: 10.99.0.0/24
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
  sample: [target]
backup:
  description:
    - Id of the configuration backup holding the state before this change, for
      M(homelab.iac.opnsense_backup) O(homelab.iac.opnsense_backup#module:revert_to).
  returned: when O(backup_before_change=true) and the task wrote a change
  type: str
  sample: config-1795462186.1760.xml
applied:
  description: Areas applied after the change (V(source_nat)).
  returned: always
  type: list
  elements: str
  sample: [source_nat]
rule:
  description: The rule after the change, in the module's options; empty after removal or before a
    check-mode create.
  returned: always
  type: dict
  contains:
    uuid:
      description: The rule's uuid, derived from O(name), or O(uuid) when given.
      type: str
      sample: 2b7c9d1e-4f3a-4b5c-8d6e-7f8a9b0c1d2e
    sequence:
      description: Position in the list (also when OPNsense's rule chose it).
      type: int
      sample: 100
    description:
      description: Description.
      type: str
      sample: lab-out
    interface:
      description: Outgoing interface.
      type: str
      sample: wan
    source_net:
      description: Source.
      type: str
      sample: 10.0.30.0/24
    target:
      description: Translation address (also when OPNsense chose it).
      type: str
      sample: wanip
    enabled:
      description: Whether the rule is active.
      type: bool
      sample: true
"""

from ansible_collections.homelab.iac.plugins.module_utils._opnsense_module import APPLY_ARG, OpnsenseModule  # noqa: E402
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_nat import NatOutbound  # noqa: E402


def main() -> None:
    """Reconcile one outbound NAT rule."""
    OpnsenseModule({**NatOutbound.argument_spec, **APPLY_ARG}, **NatOutbound.argument_rules).run_single(
        NatOutbound, "rule"
    )


if __name__ == "__main__":
    main()
