#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: opnsense_batch
short_description: Reconcile many OPNsense resources in one task
version_added: 0.1.0
description:
  - Applies a list of resources of any kind the single-resource modules cover, in one module
    process with one HTTP session. An Ansible task costs far more than an API call, so a batch of
    hundreds of rules runs in about the time of one task.
  - Existing items are read once per area (kinds served by one model read share it), each
    changed item costs one write, and each touched area is applied once at the end (for example
    one C(firewall/filter/apply) for all rules). A run that changes nothing makes no write call.
  - The returned facts of written items need no second read. The uuid of a new item comes from
    OPNsense's answer, the other values are the ones sent. When a VLAN has no C(device) or a rule
    no C(sequence), the module picks the value OPNsense would generate (the next free
    C(vlan0<n>), C(qinq0<n>) on a VLAN parent; the highest sequence plus 100) and sends it.
  - Kinds whose stored values cannot be known from what was sent are read once more after the
    apply, for example a new WireGuard instance (its number), a Kea subnet with C(autocollect), or
    a new item with an option left unset (its default).
  - Items run in dependency order whatever their order in O(items). Creates and updates run as
    VLANs, interfaces, aliases, rules, port forwards, outbound NAT rules, one-to-one NAT rules, DHCP
    subnets, reservations, host overrides, HAProxy servers, backends, frontends, WireGuard instances,
    peers; removals run in reverse. So an alias is there before the rule or port forward that uses it.
  - Each NAT area has its apply call (C(firewall/d_nat/apply), C(firewall/source_nat/apply),
    C(firewall/one_to_one/apply)), made once when the area changed, like C(firewall/filter/apply) for the
    rules. Outbound and one-to-one rules are read with the filter rules in one C(firewall/filter/get).
  - Each item takes exactly the options of its single-resource module (see there), plus C(kind).
  - When an item fails, the task fails naming it, for example C(items[3] (firewall_rule name=web\)),
    with OPNsense's field and message, and returns RV(failed_index) and RV(results) for the items that
    completed before it. Items not yet run are not run.
  - OPNsense saves each item the moment it is written, so the items completed before a failure are
    already in the saved configuration. The module still applies their areas (one apply each) before
    failing, so the running firewall always matches the saved configuration, RV(applied) says which
    areas were applied, and RV(results) is exactly what a rollback has to undo. With O(backup_before_change)
    RV(backup) names the configuration to revert to instead.
  - If an area's apply itself fails, the others are still applied; the task fails with the apply's
    message, RV(results) holds every item (all were saved) and RV(failed_index) is null.
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._opnsense
  - homelab.iac._opnsense.APPLY
  - homelab.iac._attributes
options:
  items:
    description:
      - The resources. Each is a dict with a C(kind) key and the options of that kind's module,
        including C(state).
      - "C(kind) is one of V(vlan) (M(homelab.iac.opnsense_vlan)), V(interface)
        (M(homelab.iac.opnsense_interface)), V(alias) (M(homelab.iac.opnsense_alias)), V(firewall_rule)
        (M(homelab.iac.opnsense_firewall_rule)), V(dhcp_subnet) (M(homelab.iac.opnsense_dhcp_subnet)),
        V(nat_port_forward) (M(homelab.iac.opnsense_nat_port_forward)), V(nat_outbound)
        (M(homelab.iac.opnsense_nat_outbound)), V(nat_one_to_one) (M(homelab.iac.opnsense_nat_one_to_one)),
        V(dhcp_reservation) (M(homelab.iac.opnsense_dhcp_reservation)), V(host_override)
        (M(homelab.iac.opnsense_host_override)), V(haproxy_server) (M(homelab.iac.opnsense_haproxy_server)),
        V(haproxy_backend) (M(homelab.iac.opnsense_haproxy_backend)), V(haproxy_frontend)
        (M(homelab.iac.opnsense_haproxy_frontend)), V(wireguard_server)
        (M(homelab.iac.opnsense_wireguard_server)) or V(wireguard_peer) (M(homelab.iac.opnsense_wireguard_peer))."
      - Each item is validated against its kind's options; an unknown option or kind fails the task
        before anything is written.
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: The guest network in one task
  homelab.iac.opnsense_batch:
    items:
      - kind: vlan
        parent: vtnet1
        tag: 30
        description: guest
      - kind: alias
        name: guest_dns
        type: host
        content: [10.0.30.1]
      - kind: firewall_rule
        name: guest-dns
        interface: [opt1]
        protocol: TCP/UDP
        destination_net: [guest_dns]
        destination_port: "53"
      - kind: dhcp_subnet
        subnet: 10.0.30.0/24
        pools: [10.0.30.100-10.0.30.199]
      - kind: nat_port_forward
        name: minecraft-in
        interface: [wan]
        protocol: tcp
        destination_net: wanip
        destination_port: "25565"
        target: 10.0.30.10
        filter_rule: register
      - kind: host_override
        hostname: minecraft
        domain: home.arpa
        server: 10.0.30.10
  register: guest

- name: Record the configuration backup before the change
  homelab.iac.opnsense_batch:
    backup_before_change: true
    items:
      - kind: firewall_rule
        name: allow-mc
        interface: [opt1]
        protocol: TCP
        destination_port: "25565"
  register: change

- name: Go back to the configuration before it (then apply the areas)
  homelab.iac.opnsense_backup:
    revert_to: "{{ change.backup }}"
  when: change.backup is defined
"""

RETURN = r"""
results:
  description:
    - One entry per item, in the order of O(items). On failure, only the items that completed before it.
  returned: always
  type: list
  elements: dict
  contains:
    index:
      description: The item's position in O(items).
      type: int
      sample: 0
    kind:
      description: The item's kind.
      type: str
      sample: firewall_rule
    action:
      description: What was done (or would be done in check mode).
      type: str
      choices: [noop, create, update, delete]
      sample: create
    changed:
      description: Whether the item changed.
      type: bool
      sample: true
    updated:
      description: Options changed in place.
      type: list
      elements: str
      sample: []
    facts:
      description: The item after the change, as the single-resource module returns it.
      type: dict
      sample: {"uuid": "3f8a2c1e-5b6d-4e7f-8a9b-0c1d2e3f4a5b", "sequence": 100}
    diff:
      description: Before and after of the item; only in diff mode.
      type: dict
      returned: in diff mode
failed_index:
  description:
    - Position in O(items) of the item that failed; null when an apply failed after every item was saved.
  returned: failure
  type: int
  sample: 3
backup:
  description:
    - Id of the configuration backup holding the state before this run's first write, for
      M(homelab.iac.opnsense_backup) O(homelab.iac.opnsense_backup#module:revert_to). Also returned on failure.
  returned: when O(backup_before_change=true) and the run wrote a change
  type: str
  sample: config-1795462186.1760.xml
applied:
  description: Areas applied at the end, in order.
  returned: always
  type: list
  elements: str
  sample: [aliases, filter, d_nat]
requests:
  description: HTTP requests this run made (reads are GETs, writes are POSTs including applies).
  returned: always
  type: dict
  sample: {"reads": 3, "writes": 2}
"""

from ansible_collections.homelab.iac.plugins.module_utils._opnsense_module import APPLY_ARG, OpnsenseModule  # noqa: E402


def main() -> None:
    """Reconcile every item, applying each area once."""
    # Items carry the options of their kind, which the batch validates per kind itself.
    OpnsenseModule({"items": {"type": "list", "elements": "dict", "required": True}, **APPLY_ARG}).run_batch()


if __name__ == "__main__":
    main()
