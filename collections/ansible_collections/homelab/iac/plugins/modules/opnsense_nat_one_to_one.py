#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: opnsense_nat_one_to_one
short_description: Create, update or remove an OPNsense one-to-one NAT rule
version_added: 0.1.0
description:
  - Makes a one-to-one NAT rule (Firewall > NAT > One-to-One, the Filter model's C(onetoone)) match the task,
    through C(/api/firewall/one_to_one). It maps an internal address or subnet (O(source_net)) to an
    external one (O(external)) of the same size; V(binat) translates both directions, V(nat) only outgoing
    traffic. The rules are read with the filter rules from C(/api/firewall/filter/get).
  - "B(Identity.) The rule is identified by O(name), from which the module derives a fixed uuid and writes the
    rule under it, or by O(uuid) for a rule made by hand (listed by M(homelab.iac.opnsense_info) with
    C(gather=[nat])). Uuids are derived in a namespace of their own, so a one-to-one rule and a filter rule or
    port forward of the same name never share one."
  - A one-to-one mapping does not open anything; let the traffic in with M(homelab.iac.opnsense_firewall_rule)
    (destination the internal address).
  - Field errors come back with OPNsense's own field name and message, for example C(rule.external) with
    C(External subnet should match internal subnet.).
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._opnsense
  - homelab.iac._opnsense.APPLY
  - homelab.iac._opnsense.NAMED_RULE
  - homelab.iac._attributes
options:
  interface:
    description:
      - The interface the mapping applies on, usually V(wan) (OPNsense's default).
    type: str
    default: wan
  type:
    description:
      - V(binat) maps both directions (and requires O(source_net) to be an address or subnet); V(nat)
        translates outgoing traffic only.
    type: str
    choices: [binat, nat]
    default: binat
  source_net:
    description:
      - The internal address or subnet, for example V(10.0.20.15) or V(10.0.20.0/28) (an alias too with V(nat)).
      - Required by OPNsense to create a rule; not compared when omitted.
    type: str
  source_not:
    description:
      - Invert the source match.
    type: bool
    default: false
  destination_net:
    description:
      - Restrict the mapping to traffic to (or, for V(binat), from) this network; V(any) for all.
    type: str
    default: any
  destination_not:
    description:
      - Invert the destination match.
    type: bool
    default: false
  external:
    description:
      - The external address or subnet, with the prefix length of O(source_net) (a single address for a
        single internal one). V(any) and aliases are refused.
      - Required by OPNsense to create a rule; not compared when omitted.
    type: str
  natreflection:
    description:
      - NAT reflection. V(default) follows the system setting (the API's blank).
    type: str
    choices: [default, enable, disable]
    default: default
"""

EXAMPLES = r"""
- name: Give the mail server its own public address
  homelab.iac.opnsense_nat_one_to_one:
    name: mail-binat
    interface: wan
    source_net: 10.0.20.25
    external: 203.0.113.25

- name: And let SMTP in to it
  homelab.iac.opnsense_firewall_rule:
    name: mail-smtp-in
    interface: [wan]
    protocol: TCP
    destination_net: [10.0.20.25]
    destination_port: smtp
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
  sample: [external]
backup:
  description:
    - Id of the configuration backup holding the state before this change, for
      M(homelab.iac.opnsense_backup) O(homelab.iac.opnsense_backup#module:revert_to).
  returned: when O(backup_before_change=true) and the task wrote a change
  type: str
  sample: config-1795462186.1760.xml
applied:
  description: Areas applied after the change (V(one_to_one)).
  returned: always
  type: list
  elements: str
  sample: [one_to_one]
rule:
  description: The rule after the change, in the module's options; empty after removal or before a
    check-mode create.
  returned: always
  type: dict
  contains:
    uuid:
      description: The rule's uuid, derived from O(name), or O(uuid) when given.
      type: str
      sample: 5e1d3c2b-7a6f-4e8d-9c0b-1a2b3c4d5e6f
    sequence:
      description: Position in the list (also when OPNsense's rule chose it).
      type: int
      sample: 100
    type:
      description: V(binat) or V(nat).
      type: str
      sample: binat
    source_net:
      description: Internal address or subnet.
      type: str
      sample: 10.0.20.25
    external:
      description: External address or subnet.
      type: str
      sample: 203.0.113.25
    enabled:
      description: Whether the rule is active.
      type: bool
      sample: true
"""

from ansible_collections.homelab.iac.plugins.module_utils._opnsense_module import APPLY_ARG, OpnsenseModule  # noqa: E402
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_nat import NatOneToOne  # noqa: E402


def main() -> None:
    """Reconcile one one-to-one NAT rule."""
    OpnsenseModule({**NatOneToOne.argument_spec, **APPLY_ARG}, **NatOneToOne.argument_rules).run_single(
        NatOneToOne, "rule"
    )


if __name__ == "__main__":
    main()
