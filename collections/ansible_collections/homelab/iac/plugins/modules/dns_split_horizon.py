#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: dns_split_horizon
short_description: One DNS name with an internal answer and a public answer, kept consistent
version_added: 0.1.0
description:
  - Publishes O(name) twice - O(internal.value) where the LAN resolves (a BIND internal view via
    V(rfc2136) and its key, or OPNsense Unbound) and O(public.value) where the internet resolves
    (Cloudflare, or a BIND external view).
  - Each side holds exactly its one answer of O(type) (other values are removed), with the same O(ttl);
    O(state=absent) removes the name from both sides.
  - Each side takes the task's connection options (and C(module_defaults) of C(group/homelab.iac.dns))
    and overrides any of them in its own dict. Two sides that would write to the same provider and
    view are refused, since one answer would overwrite the other.
  - Every record goes through the reconcile path of M(homelab.iac.dns_record).
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._dns
  - homelab.iac._attributes
options:
  name:
    description:
      - The name, absolute or relative to the zone of each side.
    type: str
    required: true
  type:
    description:
      - Record type of both answers.
    type: str
    choices: [A, AAAA, CNAME]
    default: A
  ttl:
    description:
      - TTL of both answers. Not managed when omitted.
    type: int
  state:
    description:
      - V(present) publishes both answers, V(absent) removes the name from both sides.
    type: str
    choices: [present, absent]
    default: present
  internal:
    description:
      - The internal answer and where it lives.
    type: dict
    required: true
    suboptions: &side
      value:
        description:
          - The answer (an address, or a target name for V(CNAME)). Required with O(state=present).
        type: str
      proxied:
        description:
          - Cloudflare proxying of this answer. Not managed when omitted.
        type: bool
      comment:
        description:
          - Comment of this answer (Cloudflare, OPNsense). Not managed when omitted.
        type: str
      provider:
        description:
          - Provider of this side; the task's O(provider) when omitted.
        type: str
        choices: [cloudflare, rfc2136, opnsense_unbound]
      zone:
        description:
          - Zone of this side; the task's O(zone) when omitted.
        type: str
      server:
        description:
          - RFC 2136 server of this side; the task's O(server) when omitted.
        type: str
      port:
        description:
          - Port of the RFC 2136 server of this side; the task's O(port) when omitted.
        type: int
      key_name:
        description:
          - TSIG key of this side (with BIND views, the key selects the view); the task's O(key_name) when omitted.
        type: str
      key_secret:
        description:
          - Secret of this side's TSIG key; the task's O(key_secret) when omitted.
        type: str
      cloudflare_api_token:
        description:
          - Cloudflare token of this side; the task's O(cloudflare_api_token) when omitted.
        type: str
      cloudflare_base_url:
        description:
          - Cloudflare API base URL of this side; the task's O(cloudflare_base_url) when omitted.
        type: str
      opnsense_api_url:
        description:
          - OPNsense URL of this side; the task's O(opnsense_api_url) when omitted.
        type: str
      opnsense_api_key:
        description:
          - OPNsense API key of this side; the task's O(opnsense_api_key) when omitted.
        type: str
      opnsense_api_secret:
        description:
          - OPNsense API secret of this side; the task's O(opnsense_api_secret) when omitted.
        type: str
  public:
    description:
      - The public answer and where it lives; same keys as O(internal).
    type: dict
    required: true
    suboptions: *side
"""

EXAMPLES = r"""
- name: nas answers 10.0.10.5 inside, the router's public address outside
  homelab.iac.dns_split_horizon:
    name: nas.example.com
    ttl: 300
    internal:
      provider: opnsense_unbound
      value: 10.0.10.5
    public:
      provider: cloudflare
      value: 198.51.100.23
      proxied: false

- name: Two BIND views selected by TSIG key
  homelab.iac.dns_split_horizon:
    provider: rfc2136
    server: 10.0.0.53
    zone: home.example.com
    name: www
    internal:
      key_name: internal-key
      key_secret: "{{ vault_internal_key }}"
      value: 192.168.1.10
    public:
      key_name: ddns-key
      key_secret: "{{ vault_ddns_key }}"
      value: 203.0.113.10
"""

RETURN = r"""
name:
  description: The fully qualified name.
  returned: always
  type: str
  sample: nas.example.com
internal:
  description: What was done on the internal side, as M(homelab.iac.dns_record) returns it.
  returned: always
  type: dict
  sample: {action: noop, changed: false, record: {type: A, name: nas.example.com, value: 10.0.10.5}, removed: []}
public:
  description: What was done on the public side.
  returned: always
  type: dict
  sample: {action: update, changed: true, record: {type: A, name: nas.example.com, value: 198.51.100.23}, removed: []}
applied:
  description: Services reconfigured after the change.
  returned: always
  type: list
  elements: str
  sample: [unbound]
"""

from ansible_collections.homelab.iac.plugins.module_utils._dns_tasks import run_split_horizon  # noqa: E402


def main() -> None:
    """Reconcile both answers."""
    run_split_horizon()


if __name__ == "__main__":
    main()
