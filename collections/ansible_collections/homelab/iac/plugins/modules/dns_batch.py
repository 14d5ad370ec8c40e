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
  - Makes every record in O(records) match, in order, through the provider chosen with O(provider),
    in one module process with one API session or DNS connection; the provider is applied once at
    the end (V(opnsense_unbound) reconfigures Unbound once).
  - Each record follows exactly the rules of M(homelab.iac.dns_record) (identity, normalisation,
    options compared only when given); use this module when a play would otherwise run many
    M(homelab.iac.dns_record) tasks, since each task costs far more than an API call.
  - Stops at the first record the provider refuses, naming it (V(records[N])) with the provider's
    message; the records before it stay applied and are reported in RV(results).
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._dns
  - homelab.iac._attributes
options:
  records:
    description:
      - The records, each with the options of M(homelab.iac.dns_record).
    type: list
    elements: dict
    required: true
    suboptions:
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
          - Record content; required with O(records[].state=present).
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
          - V(present) or V(absent) (all records of the type and name when O(records[].value) is omitted).
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
    records:
      - {name: nas, value: 10.0.10.5}
      - {name: mc, value: 10.0.20.7, ttl: 300}
      - {name: www, type: CNAME, value: proxy.home.arpa}
      - {name: old, state: absent}
"""

RETURN = r"""
results:
  description: One entry per record, in input order, with what M(homelab.iac.dns_record) returns.
  returned: always
  type: list
  elements: dict
  sample:
    - name: nas.home.arpa
      action: create
      changed: true
      record: {type: A, name: nas.home.arpa, value: 10.0.10.5, ttl: 3600}
      removed: []
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
