#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: opnsense_firewall_rule
short_description: Create, update or remove an OPNsense firewall filter rule
version_added: 0.1.0
description:
  - Makes a filter rule of OPNsense's MVC rule set ("Automation" / "Rules [new]") match the task,
    through C(/api/firewall/filter). Rules made on the legacy Firewall > Rules pages are not
    visible to the API and are never touched.
  - B(Identity.) The rule is identified by O(name), not by its free-text description. The module
    derives a fixed uuid from O(name) and writes the rule under that uuid (OPNsense's C(setRule)
    creates an item under a well-formed unknown uuid). Editing the description in the web interface
    therefore does not lose the rule, and the same task gives the same uuid on every firewall.
  - "B(Adopting a rule made by hand.) A rule created in the web interface has a uuid OPNsense chose, which
    no name derives. With O(uuid) the task addresses that rule directly: it is read, compared and updated
    under that uuid, and O(state=absent) deletes it. M(homelab.iac.opnsense_info) with
    C(gather=[rules]) lists every rule with its uuid. A check-mode run with only O(uuid) changes nothing
    and returns the rule's current options as C(diff.before)."
  - B(Ordering.) Rules are evaluated by priority group (floating, group, interface) and, inside a
    group, by O(sequence). Set O(sequence) explicitly where order matters; when omitted, OPNsense
    appends the rule (highest sequence + 100) and the sequence is not compared.
  - Field errors come back with OPNsense's own field name and message, for example
    C(rule.destination_port) with C(Please specify a valid portnumber, name, alias or range).
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._opnsense
  - homelab.iac._opnsense.APPLY
  - homelab.iac._opnsense.NAMED_RULE
  - homelab.iac._attributes
options:
  action:
    description:
      - What a matching packet gets.
    type: str
    choices: [pass, block, reject]
    default: pass
  quick:
    description:
      - First match wins. Without it the last matching rule decides.
    type: bool
    default: true
  interface:
    description:
      - Logical interface names (V(lan), V(opt1), ...). None or several make the rule floating.
    type: list
    elements: str
    default: []
  direction:
    description:
      - Traffic direction on the interface.
    type: str
    choices: [in, out]
    default: in
  ipprotocol:
    description:
      - Address family.
    type: str
    choices: [inet, inet6, inet46]
    default: inet
  protocol:
    description:
      - Protocol, for example V(any), V(TCP), V(UDP), V(TCP/UDP) or V(ICMP) (case-insensitive).
    type: str
    default: any
  source_net:
    description:
      - Sources; V(any), V((self)), an interface name (V(lan) for its network, V(lanip) for its address),
        alias names, addresses or CIDRs. Compared as a set.
    type: list
    elements: str
    default: [any]
  source_not:
    description:
      - Invert the source match.
    type: bool
    default: false
  source_port:
    description:
      - Source port, range (V(1024-65535)), well-known name or port alias; empty for any. Needs TCP or UDP.
    type: str
    default: ''
  destination_net:
    description:
      - Destinations, in the same forms as O(source_net). Compared as a set.
    type: list
    elements: str
    default: [any]
  destination_not:
    description:
      - Invert the destination match.
    type: bool
    default: false
  destination_port:
    description:
      - Destination port, range, well-known name or port alias; empty for any. Needs TCP or UDP.
    type: str
    default: ''
"""

EXAMPLES = r"""
- name: Read a rule made by hand (check mode changes nothing; diff.before holds its options)
  homelab.iac.opnsense_firewall_rule:
    uuid: 9c1f5f0e-2b7d-4c9a-8e61-3f0a5d2c7b14
  check_mode: true
  diff: true
  register: handmade

- name: Take it over - from now on the task decides its port
  homelab.iac.opnsense_firewall_rule:
    uuid: 9c1f5f0e-2b7d-4c9a-8e61-3f0a5d2c7b14
    description: "{{ handmade.diff.before.description }}"
    interface: "{{ handmade.diff.before.interface }}"
    protocol: TCP
    destination_port: "8443"

- name: Allow the LAN to reach the web servers over HTTPS
  homelab.iac.opnsense_firewall_rule:
    name: lan-to-web-https
    description: LAN to web servers (HTTPS)
    sequence: 100
    interface: [lan]
    protocol: TCP
    destination_net: [web_servers]
    destination_port: "443"

- name: Block the guest VLAN from the management network, before anything else on opt1
  homelab.iac.opnsense_firewall_rule:
    name: guest-no-mgmt
    sequence: 10
    action: block
    interface: [opt1]
    destination_net: [192.168.1.0/24]
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
  sample: [destination_port]
backup:
  description:
    - Id of the configuration backup holding the state before this change, for
      M(homelab.iac.opnsense_backup) O(homelab.iac.opnsense_backup#module:revert_to).
  returned: when O(backup_before_change=true) and the task wrote a change
  type: str
  sample: config-1795462186.1760.xml
applied:
  description: Areas applied after the change (V(filter)).
  returned: always
  type: list
  elements: str
  sample: [filter]
rule:
  description: The rule after the change; empty after removal or before a check-mode create.
  returned: always
  type: dict
  contains:
    uuid:
      description: The rule's uuid, derived from O(name), or O(uuid) when given.
      type: str
      sample: 3f8a2c1e-5b6d-4e7f-8a9b-0c1d2e3f4a5b
    sequence:
      description: Sequence inside the priority group (also when OPNsense chose it).
      type: int
      sample: 100
    description:
      description: Description.
      type: str
      sample: LAN to web servers (HTTPS)
    interface:
      description: Interfaces, sorted.
      type: list
      elements: str
      sample: [lan]
    action:
      description: Rule action.
      type: str
      sample: pass
    protocol:
      description: Protocol.
      type: str
      sample: TCP
    source_net:
      description: Sources, sorted.
      type: list
      elements: str
      sample: [any]
    destination_net:
      description: Destinations, sorted.
      type: list
      elements: str
      sample: [web_servers]
    destination_port:
      description: Destination port.
      type: str
      sample: "443"
    enabled:
      description: Whether the rule is active.
      type: bool
      sample: true
"""

from ansible_collections.homelab.iac.plugins.module_utils._opnsense_module import APPLY_ARG, OpnsenseModule  # noqa: E402
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_resources import FirewallRule  # noqa: E402


def main() -> None:
    """Reconcile one filter rule."""
    OpnsenseModule({**FirewallRule.argument_spec, **APPLY_ARG}, **FirewallRule.argument_rules).run_single(
        FirewallRule, "rule"
    )


if __name__ == "__main__":
    main()
