#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: dns_batch
short_description: Create, update or remove many DNS records in one task, through one provider session
version_added: 0.1.0
description:
  - Makes every record in O(items) match, in order, through the provider chosen with O(provider),
    in one module process with one API session or DNS connection; the provider is applied once at
    the end (V(opnsense_unbound) reconfigures Unbound once).
  - Each record follows exactly the rules of M(homelab.iac.dns_record) (identity, normalisation,
    options compared only when given); use this module when a play would otherwise run many
    M(homelab.iac.dns_record) tasks, since each task costs far more than an API call.
  - Follows the batch contract of every C(homelab.iac.*_batch) module, so the planner renders one task
    per endpoint and wave. Every item is checked before anything is written. The run stops at the
    first record the provider refuses. The message names that item
    (C(items[N] (record TYPE NAME VALUE)) and then the provider's message), RV(failed_index) gives its position,
    and RV(results) lists the items that completed before it (they stay applied), so a caller knows
    exactly what to roll back.
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._dns
  - homelab.iac._attributes
options:
  items:
    description:
      - The records, applied in this order, each with exactly the options of M(homelab.iac.dns_record).
    type: list
    elements: dict
    required: true
    aliases: [records]
    suboptions:
      kind:
        description:
          - The kind of item; DNS has one, V(record) (M(homelab.iac.dns_record)).
        type: str
        choices: [record]
        default: record
      name:
        description:
          - Record name; absolute, or relative to O(zone); V(@) is the apex.
        type: str
        required: true
      type:
        description:
          - Record type.
        type: str
        choices: [A, AAAA, CNAME, TXT, MX, NS, PTR]
        default: A
      value:
        description:
          - Record content; required with O(items[].state=present).
        type: str
      ttl:
        description:
          - TTL in seconds. Not managed when omitted.
        type: int
      proxied:
        description:
          - Cloudflare proxying. Not managed when omitted.
        type: bool
      comment:
        description:
          - Record comment. Not managed when omitted.
        type: str
      priority:
        description:
          - MX preference. Not managed when omitted.
        type: int
      exclusive:
        description:
          - Also remove the other records of the same type and name.
        type: bool
        default: false
      state:
        description:
          - V(present) or V(absent) (all records of the type and name when O(items[].value) is omitted).
        type: str
        choices: [present, absent]
        default: present
"""

EXAMPLES = r"""
- name: Publish the lab's services in one task
  homelab.iac.dns_batch:
    provider: rfc2136
    server: 10.0.0.53
    key_name: ddns-key
    key_secret: "{{ vault_ddns_secret }}"
    zone: home.arpa
    items:
      - {name: nas, value: 10.0.10.5}
      - {name: mc, value: 10.0.20.7, ttl: 300}
      - {name: www, type: CNAME, value: proxy.home.arpa}
      - {name: old, state: absent}

- name: The older option name still works
  homelab.iac.dns_batch:
    provider: cloudflare
    zone: example.com
    records:
      - {kind: record, name: www, type: CNAME, value: example.com, proxied: true}
  register: published

- name: What each item did
  ansible.builtin.debug:
    msg: "{{ published.results | map(attribute='action') | list }}"
"""

RETURN = r"""
results:
  description:
    - One entry per item that ran, in input order. On failure, the items that completed before the
      failing one.
    - C(index) (position in O(items)), C(kind) (V(record)), C(name) (the full name), C(changed),
      C(action) (V(create), V(update), V(delete) or V(noop) when nothing had to change), C(facts) (what
      M(homelab.iac.dns_record) returns as RV(homelab.iac.dns_record#module:record); V({}) when
      absent), C(removed) (records removed by O(items[].exclusive)), and C(diff) (C(before),
      C(after)) in diff mode.
  returned: always
  type: list
  elements: dict
  sample:
    - index: 0
      kind: record
      name: nas.home.arpa
      action: create
      changed: true
      facts: {type: A, name: nas.home.arpa, value: 10.0.10.5, ttl: 3600}
      removed: []
failed_index:
  description: Position in O(items) of the item that failed.
  returned: failure
  type: int
  sample: 3
summary:
  description: How many records were created, updated, deleted or left alone.
  returned: always
  type: dict
  sample: {create: 1, update: 0, delete: 1, noop: 2}
applied:
  description: Services reconfigured once at the end (V(unbound) for O(provider=opnsense_unbound)).
  returned: always
  type: list
  elements: str
  sample: []
"""

from ansible_collections.homelab.iac.plugins.module_utils._dns_tasks import run_batch  # noqa: E402


def main() -> None:
    """Reconcile the records."""
    run_batch()


if __name__ == "__main__":
    main()
