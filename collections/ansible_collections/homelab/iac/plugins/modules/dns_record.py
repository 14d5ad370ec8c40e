#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: dns_record
short_description: Create, update or remove a DNS record on Cloudflare, an RFC 2136 server or OPNsense Unbound
version_added: 0.1.0
description:
  - Makes one DNS record match the task, through the provider chosen with O(provider).
  - Identity is O(type) + O(name), plus O(value) for the types that may hold several values at one
    name (A, AAAA, TXT, MX, NS, PTR). A V(CNAME) has one value, so a new O(value) updates it in place.
  - O(ttl), O(proxied), O(comment) and O(priority) are compared only when given, so leaving one
    out never resets it.
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._dns
  - homelab.iac._dns.RECORD
  - homelab.iac._attributes
"""

EXAMPLES = r"""
- name: Publish the game server on Cloudflare
  homelab.iac.dns_record:
    provider: cloudflare
    name: mc.example.com
    type: A
    value: 203.0.113.7
    ttl: 300
    proxied: false

- name: Internal name through a TSIG-signed dynamic update
  homelab.iac.dns_record:
    provider: rfc2136
    server: 10.0.0.53
    key_name: ddns-key
    key_secret: "{{ vault_ddns_secret }}"
    zone: home.arpa
    name: nas
    value: 10.0.10.5

- name: Remove every TXT record at a name
  homelab.iac.dns_record:
    provider: cloudflare
    name: _acme-challenge.example.com
    type: TXT
    state: absent
"""

RETURN = r"""
action:
  description: What was done (or would be done in check mode).
  returned: always
  type: str
  choices: [noop, create, update, delete]
  sample: create
record:
  description: The record after the change; empty after removal or before a check-mode create.
  returned: always
  type: dict
  sample:
    type: A
    name: mc.example.com
    value: 203.0.113.7
    ttl: 300
    proxied: false
    id: 372e67954025e0ba6aaa6d586b9e0b59
removed:
  description: Records removed by O(exclusive) or a valueless O(state=absent).
  returned: always
  type: list
  elements: dict
  sample: [{"value": "203.0.113.6", "ttl": 300}]
applied:
  description: Services reconfigured after the change (V(unbound) for O(provider=opnsense_unbound)).
  returned: always
  type: list
  elements: str
  sample: []
"""

from ansible_collections.homelab.iac.plugins.module_utils._dns_module import RECORD_ARGS, DnsModule  # noqa: E402


def main() -> None:
    """Reconcile one record."""
    dns = DnsModule(RECORD_ARGS, required_if=[("state", "present", ("value",))])
    run = dns.run_items(dns.provider, [dns.params], dns.params["zone"])
    result = run.results[0]
    extra = {"diff": result["diff"]} if dns.diff_mode else {}
    dns.exit(
        run, action=result["action"], record=result["record"], removed=result["removed"], applied=run.applied, **extra
    )


if __name__ == "__main__":
    main()
