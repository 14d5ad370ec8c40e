#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: opnsense_info
short_description: Read an OPNsense firewall's version, health and interfaces; list its VLANs, aliases, rules and NAT
version_added: 0.1.0
description:
  - Returns facts about the firewall without changing anything. Each section costs one or two GET
    requests; C(version) reads C(/api/core/firmware/status) by GET, which never starts the
    network-bound update probe that a POST would.
  - "B(Discovery.) The sections V(vlans), V(aliases), V(rules) and V(nat) list what the firewall holds, made by
    this collection or by hand, as discovery items: C(kind) (the M(homelab.iac.opnsense_batch) item kind),
    C(id) (the import id), C(name) (a suggested resource name), C(managed) (always V(false): OPNsense
    objects carry no mark of who made them), C(spec) and C(facts)."
  - C(spec) is the object's current state exactly as the kind's module returns it in C(diff.before) of a
    check-mode run with only the identity options (M(homelab.iac.opnsense_vlan) with
    O(homelab.iac.opnsense_vlan#module:parent) and O(homelab.iac.opnsense_vlan#module:tag),
    M(homelab.iac.opnsense_alias) with O(homelab.iac.opnsense_alias#module:name),
    M(homelab.iac.opnsense_firewall_rule) with O(homelab.iac.opnsense_firewall_rule#module:uuid), and the NAT
    modules M(homelab.iac.opnsense_nat_port_forward), M(homelab.iac.opnsense_nat_outbound) and
    M(homelab.iac.opnsense_nat_one_to_one) with their O(homelab.iac.opnsense_nat_port_forward#module:uuid));
    C(facts) is what the module returns about it.
  - Import ids are C(PARENT/TAG) for a VLAN (V(vtnet2/77)), the name for an alias and the uuid for a rule of
    any kind (filter, port forward, outbound, one-to-one).
  - Each discovery section is one GET (V(nat) two), the model-level read the modules make (for rules
    C(/api/firewall/filter/get), which holds every MVC rule in every release; C(searchRule) lists only
    floating rules from 25.1.5 on). Aliases OPNsense defines itself (V(bogons), V(bogonsv6), V(virusprot),
    V(sshlockout), the C(__*) interface and captive portal aliases) are left out; rules it generates are not
    part of the rule model and never listed. Rules of the legacy Firewall > Rules pages are not visible to the API.
  - The V(nat) section lists port forwards (kind V(nat_port_forward), from C(/api/firewall/d_nat/get)), then
    outbound rules (V(nat_outbound)) and one-to-one rules (V(nat_one_to_one)), both from
    C(/api/firewall/filter/get) (shared with V(rules) when both are gathered), each sorted by sequence. The
    automatic rows OPNsense shows in its NAT pages (anti-lockout, automatic outbound NAT) are not rules of
    the model and never listed. A release without the port-forward API (before 26.1) lists no port
    forwards and the other two.
  - A 401 or 403 answer means a key or privilege problem and fails the task with that message.
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._opnsense
  - homelab.iac._attributes
attributes:
  check_mode:
    support: full
    details: Reads only, so check mode changes nothing.
  diff_mode:
    support: none
  idempotent:
    support: full
options:
  gather:
    description:
      - Sections to read.
    type: list
    elements: str
    choices: [version, health, interfaces, vlans, aliases, rules, nat]
    default: [version, health, interfaces]
"""

EXAMPLES = r"""
- name: Which release runs here?
  homelab.iac.opnsense_info:
    gather: [version]
  register: fw

- name: Require 26.7 for interface assignment
  ansible.builtin.assert:
    that: fw.opnsense.version.series is version('26.7', '>=')

- name: What is on the firewall, made by hand or not
  homelab.iac.opnsense_info:
    gather: [vlans, aliases, rules]
  register: found

- name: Read one of those rules the way the rule module sees it (writes nothing)
  homelab.iac.opnsense_firewall_rule:
    uuid: "{{ found.opnsense.rules[0].id }}"
  check_mode: true
  diff: true
  register: rule

- name: Its diff.before is the listed spec
  ansible.builtin.assert:
    that: rule.diff.before == found.opnsense.rules[0].spec

- name: The port forwards made by hand, with their uuids
  homelab.iac.opnsense_info:
    gather: [nat]
  register: nat

- name: Show them
  ansible.builtin.debug:
    msg: "{{ nat.opnsense.nat | selectattr('kind', 'equalto', 'nat_port_forward') | map(attribute='id') | list }}"
"""

RETURN = r"""
opnsense:
  description: The gathered sections.
  returned: always
  type: dict
  contains:
    version:
      description: Product name, version, series, nickname and architecture.
      returned: when gathered
      type: dict
      sample: {"product": "OPNsense", "version": "26.7.1", "series": "26.7", "nickname": "Witty Wolf", "arch": "amd64"}
    health:
      description: Host name, component versions, and whether each service runs.
      returned: when gathered
      type: dict
      sample: {"name": "OPNsense.lab.internal", "versions": ["OPNsense 26.7.1-amd64"], "services": {"unbound": true}}
    interfaces:
      description: Assigned interfaces with device, description, IPv4 addresses and VLAN tag.
      returned: when gathered
      type: list
      elements: dict
      sample:
        - {"identifier": "lan", "device": "vtnet1", "description": "LAN", "enabled": true,
           "ipv4": ["192.168.1.1/24"], "vlan_tag": null}
    vlans:
      description: VLANs as discovery items, sorted by parent and tag.
      returned: when gathered
      type: list
      elements: dict
      contains: &discovery
        kind:
          description: The M(homelab.iac.opnsense_batch) item kind (V(vlan), V(alias), V(firewall_rule),
            V(nat_port_forward), V(nat_outbound), V(nat_one_to_one)).
          type: str
          sample: vlan
        id:
          description: Import id (V(PARENT/TAG), the alias name, the rule uuid).
          type: str
          sample: vtnet2/77
        name:
          description: Suggested resource name (lower case, letters, digits and C(-); unique in the section).
          type: str
          sample: lab-guests
        managed:
          description: Whether the object carries homelab-iac's mark; OPNsense has none, so always V(false).
          type: bool
          sample: false
        spec:
          description: Current state as the kind's module shows it in C(diff.before) (its options).
          type: dict
          sample: {"parent": "vtnet2", "tag": 77, "pcp": 0, "proto": "", "description": "Lab guests",
                   "device": "vlan01"}
        facts:
          description: What the kind's module returns about the object (its uuid and options).
          type: dict
          sample: {"uuid": "0f9c6a1e-4a8e-4b1d-9a37-2c55f0d8e6b1", "parent": "vtnet2", "tag": 77, "device": "vlan01"}
    aliases:
      description: User-defined aliases as discovery items, sorted by name.
      returned: when gathered
      type: list
      elements: dict
      contains: *discovery
    rules:
      description: MVC filter rules as discovery items, sorted by sequence.
      returned: when gathered
      type: list
      elements: dict
      contains: *discovery
    nat:
      description: Port forwards, then outbound and one-to-one NAT rules, as discovery items, each kind sorted
        by sequence.
      returned: when gathered
      type: list
      elements: dict
      contains: *discovery
"""

from ansible_collections.homelab.iac.plugins.module_utils._opnsense_client import OpnsenseError  # noqa: E402
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_discovery import (  # noqa: E402
    DISCOVERY_SECTIONS,
    discover,
)
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_info import INFO_SECTIONS, gather_info  # noqa: E402
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_module import OpnsenseModule  # noqa: E402


def main() -> None:
    """Gather facts and list objects."""
    choices = [*INFO_SECTIONS, *DISCOVERY_SECTIONS]
    client = OpnsenseModule({"gather": {"type": "list", "elements": "str", "choices": choices,
                                        "default": list(INFO_SECTIONS)}})  # fmt: skip
    gather = client.params["gather"]
    try:
        info = gather_info(client.api, gather)
        for section in DISCOVERY_SECTIONS:
            if section in gather:
                info[section] = discover(client.session, section)
    except OpnsenseError as exc:
        client.fail(str(exc))
    client.module.exit_json(changed=False, opnsense=info)


if __name__ == "__main__":
    main()
