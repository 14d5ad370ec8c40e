#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: opnsense_nat_port_forward
short_description: Create, update or remove an OPNsense port forward (destination NAT)
version_added: 0.1.0
description:
  - Makes a port forward (Firewall > NAT > Destination NAT) match the task, through
    C(/api/firewall/d_nat), which exists from OPNsense 26.1 on. On an older release the task fails
    saying that port forwarding through the API needs OPNsense 26.1 and naming the release the
    firewall runs.
  - "B(Identity.) The port forward is identified by O(name), not by its free-text description. The module
    derives a fixed uuid from O(name) and writes the rule under that uuid (C(setRule) creates an item under
    a well-formed unknown uuid), so editing the description in the web interface does not lose it and the
    same task gives the same uuid on every firewall. The uuid is derived in a namespace of its own: a port
    forward, an outbound rule and a filter rule all called V(web) are three different uuids, never one
    object under three names."
  - B(Adopting a port forward made by hand.) With O(uuid) the task addresses the rule OPNsense created in
    the web interface; M(homelab.iac.opnsense_info) with C(gather=[nat]) lists every NAT rule with its uuid.
    A check-mode run with only O(uuid) changes nothing and returns the rule's current options as
    C(diff.before).
  - "B(The filter rule.) A redirect only rewrites the destination; the packet filter still has to let the
    traffic in. O(filter_rule) says how: V(manual) (the default, and what OPNsense's form advises) creates no
    filter rule, so add one with M(homelab.iac.opnsense_firewall_rule) whose destination is O(target) and
    whose port is O(local_port); V(register) has OPNsense generate a pass rule from this port forward (on
    its interface, from its source to O(target) port O(local_port)) at the end of the rule set, where rules
    of your own with a higher priority can still block it; V(pass) passes the traffic on the redirect
    itself, with no filter rule at all (not shown in the rules list)."
  - Field errors come back with OPNsense's own field name and message, for example
    C(rule.destination.port) with C(Please specify a valid port number, well-known name, alias or range.).
    Where a model field is named otherwise than its option, the option says so; O(description) is the
    model's C(descr), and O(enabled) is stored inverted, as C(disabled).
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
      - Logical interfaces the traffic arrives on, usually V([wan]). Empty means every interface.
      - Compared as a set.
    type: list
    elements: str
    default: []
  ipprotocol:
    description:
      - Address family. V(any) is the model's blank (the form's default); V(inet46) is IPv4 and IPv6.
    type: str
    choices: [any, inet, inet6, inet46]
    default: any
  protocol:
    description:
      - Protocol, for example V(any), V(tcp), V(udp) or V(tcp/udp). Any letter case is accepted; OPNsense
        stores it in lower case, and so does the result. Ports need V(tcp), V(udp) or V(tcp/udp).
    type: str
    default: any
  source_net:
    description:
      - Where the traffic comes from (the API's C(source.network)); V(any), an alias, an address, a CIDR or an
        interface network such as V(lan).
    type: str
    default: any
  source_port:
    description:
      - Source port or range (C(source.port)); empty for any.
    type: str
    default: ''
  source_not:
    description:
      - Invert the source match (C(source.not)).
    type: bool
    default: false
  destination_net:
    description:
      - The address the traffic is sent to (C(destination.network)), usually V(wanip), the WAN address.
    type: str
    default: any
  destination_port:
    description:
      - Destination port or range on the firewall (C(destination.port)), for example V(443) or V(8000-8010);
        a number, a well-known name such as V(https), a port alias or C(low-high). Empty for any.
    type: str
    default: ''
  destination_not:
    description:
      - Invert the destination match (C(destination.not)).
    type: bool
    default: false
  target:
    description:
      - The internal address (or alias) the traffic is redirected to. Needed unless O(nordr) is set.
    type: str
    default: ''
  local_port:
    description:
      - Port on O(target) (the API's C(local-port)); a number, well-known name or port alias. For a
        destination range it is the first port of the target range. Empty keeps the destination port.
    type: str
    default: ''
  natreflection:
    description:
      - NAT reflection (reaching the forward from inside by its outside address). V(default) follows the
        system setting; V(purenat) enables it (the form's "Enable"); V(disable) turns it off.
    type: str
    choices: [default, purenat, disable]
    default: default
  filter_rule:
    description:
      - How the forwarded traffic gets through the packet filter (the API's C(pass)); see the description.
      - V(manual) (the API's blank) makes no filter rule, V(register) (the API's V(rule), "Register rule")
        lets OPNsense generate one, V(pass) passes it on the redirect itself.
    type: str
    choices: [manual, pass, register]
    default: manual
  nordr:
    description:
      - Do not redirect (C(no rdr)), so traffic matching this rule is excluded from the port forwards below it.
    type: bool
    default: false
  poolopts:
    description:
      - How traffic is spread when O(target) is an alias of several addresses. V(default) is OPNsense's.
    type: str
    choices: [default, round-robin, round-robin sticky-address, random, random sticky-address, source-hash, bitmask]
    default: default
notes:
  - Requires OPNsense 26.1 or later. Port forwards made on the legacy NAT pages of older releases become
    visible to this API only after OPNsense migrated them.
"""

EXAMPLES = r"""
- name: Forward HTTPS on the WAN address to the web server, with a filter rule OPNsense generates
  homelab.iac.opnsense_nat_port_forward:
    name: web-https
    interface: [wan]
    protocol: tcp
    destination_net: wanip
    destination_port: "443"
    target: 10.0.20.15
    local_port: "8443"
    filter_rule: register
  register: forward

- name: The same traffic let in by a filter rule of our own instead (filter_rule manual)
  homelab.iac.opnsense_firewall_rule:
    name: web-https-in
    interface: [wan]
    protocol: TCP
    destination_net: [10.0.20.15]
    destination_port: "8443"

- name: Read a port forward made by hand (check mode changes nothing; diff.before holds its options)
  homelab.iac.opnsense_nat_port_forward:
    uuid: 4f1c2b3a-9d8e-4f70-a1b2-c3d4e5f6a7b8
  check_mode: true
  diff: true
  register: handmade

- name: Remove the forward
  homelab.iac.opnsense_nat_port_forward:
    name: web-https
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
  sample: [local_port]
backup:
  description:
    - Id of the configuration backup holding the state before this change, for
      M(homelab.iac.opnsense_backup) O(homelab.iac.opnsense_backup#module:revert_to).
  returned: when O(backup_before_change=true) and the task wrote a change
  type: str
  sample: config-1795462186.1760.xml
applied:
  description: Areas applied after the change (V(d_nat)).
  returned: always
  type: list
  elements: str
  sample: [d_nat]
rule:
  description: The port forward after the change, in the module's options; empty after removal or before a
    check-mode create.
  returned: always
  type: dict
  contains:
    uuid:
      description: The rule's uuid, derived from O(name), or O(uuid) when given.
      type: str
      sample: 8d5e0a1b-3c2f-4e6d-9a7b-1c0d2e3f4a5b
    sequence:
      description: Position in the list (also when OPNsense's rule chose it).
      type: int
      sample: 100
    description:
      description: Description.
      type: str
      sample: web-https
    enabled:
      description: Whether the rule is active.
      type: bool
      sample: true
    interface:
      description: Interfaces, sorted.
      type: list
      elements: str
      sample: [wan]
    protocol:
      description: Protocol as OPNsense stores it (lower case).
      type: str
      sample: tcp
    destination_net:
      description: Destination.
      type: str
      sample: wanip
    destination_port:
      description: Destination port or range.
      type: str
      sample: "443"
    target:
      description: Redirect target.
      type: str
      sample: 10.0.20.15
    local_port:
      description: Port on the target.
      type: str
      sample: "8443"
    filter_rule:
      description: How the traffic passes the filter (V(manual), V(pass) or V(register)).
      type: str
      sample: register
"""

from ansible_collections.homelab.iac.plugins.module_utils._opnsense_module import APPLY_ARG, OpnsenseModule  # noqa: E402
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_nat import NatPortForward  # noqa: E402


def main() -> None:
    """Reconcile one port forward."""
    OpnsenseModule({**NatPortForward.argument_spec, **APPLY_ARG}, **NatPortForward.argument_rules).run_single(
        NatPortForward, "rule"
    )


if __name__ == "__main__":
    main()
