#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: dns_info
short_description: List the DNS records of a zone on Cloudflare, an RFC 2136 server or OPNsense Unbound
version_added: 0.1.0
description:
  - "Reads, never changes. Lists the records of O(zone), made by homelab-iac or by hand, so they can be
    imported, as discovery items - C(kind) (the M(homelab.iac.dns_batch) item kind V(record)), C(id) (the
    import id), C(name) (a suggested resource name such as V(legacy-a)), C(managed) (always V(false): DNS
    records carry no mark of who made them), C(spec) and C(facts)."
  - C(spec) is the record's current state exactly as M(homelab.iac.dns_record) returns it in
    C(diff.before) of a check-mode run with O(homelab.iac.dns_record#module:name) (the record's name from
    its C(id)), O(homelab.iac.dns_record#module:type), O(homelab.iac.dns_record#module:value) (from
    C(spec.value)) and O(zone); C(facts) is what that module returns as C(record), plus the C(zone).
  - B(Import ids.) C(NAME/TYPE), NAME absolute without the final dot, for example V(legacy.home.arpa/A);
    M(homelab.iac.dns_record) takes that NAME as its O(homelab.iac.dns_record#module:name) as it is.
    Where several records share a name and type (an RRset of several A records, several TXT values),
    each record's id is C(NAME/TYPE/VALUE).
  - V(rfc2136) reads the zone with one zone transfer (AXFR) signed with O(key_name), so the server must
    allow transfers to that key (BIND C(allow-transfer { key NAME; })); the key also selects the BIND view
    whose copy of the zone is listed. O(zone) is required.
  - V(cloudflare) reads the list-records API of O(zone), page by page, or of every zone the token sees
    when O(zone) is not set.
  - V(opnsense_unbound) lists the Unbound host overrides (of O(zone) when set; each override's domain is
    its zone).
  - Only the types the dns modules manage are listed (A, AAAA, CNAME, TXT, MX, NS, PTR); the SOA and the
    NS records at the zone apex are left out.
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._dns
attributes:
  check_mode:
    description: Reads only, so check mode runs it as usual.
    support: full
  diff_mode:
    description: Never changes anything, so there is no diff.
    support: none
  idempotent:
    description: Never changes anything.
    support: full
"""

EXAMPLES = r"""
- name: Every record of the internal zone, as BIND's view for the key holds it
  homelab.iac.dns_info:
    provider: rfc2136
    server: 10.0.0.53
    key_name: ddns-key
    key_secret: "{{ vault_ddns_secret }}"
    zone: home.arpa
  register: zone

- name: Read one of them the way dns_record does (writes nothing); diff.before is its spec
  homelab.iac.dns_record:
    provider: rfc2136
    server: 10.0.0.53
    key_name: ddns-key
    key_secret: "{{ vault_ddns_secret }}"
    zone: home.arpa
    name: "{{ zone.records[0].facts.name }}"
    type: "{{ zone.records[0].facts.type }}"
    value: "{{ zone.records[0].spec.value }}"
  check_mode: true
  diff: true

- name: The records of a Cloudflare zone
  homelab.iac.dns_info:
    provider: cloudflare
    zone: example.com
  register: public
"""

RETURN = r"""
records:
  description: The records as discovery items, in the provider's order.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: The M(homelab.iac.dns_batch) item kind, V(record).
      type: str
      sample: record
    id:
      description: Import id, C(NAME/TYPE) (C(NAME/TYPE/VALUE) where the name holds several records of the type).
      type: str
      sample: legacy.home.arpa/A
    name:
      description: Suggested resource name (lower case, letters, digits and C(-); unique in the list).
      type: str
      sample: legacy-a
    managed:
      description: Whether the record carries homelab-iac's mark; DNS has none, so always V(false).
      type: bool
      sample: false
    spec:
      description: Current state as M(homelab.iac.dns_record) shows it in C(diff.before).
      type: dict
      sample: {"value": "192.0.2.44", "ttl": 300, "proxied": false, "comment": "", "priority": null}
    facts:
      description: What M(homelab.iac.dns_record) returns as C(record) (type, name, value, ttl; the
        Cloudflare C(id) and C(zone_id)), plus the C(zone).
      type: dict
      sample: {"type": "A", "name": "legacy.home.arpa", "value": "192.0.2.44", "ttl": 300, "zone": "home.arpa"}
"""

from ansible_collections.homelab.iac.plugins.module_utils._dns_common import DnsError  # noqa: E402
from ansible_collections.homelab.iac.plugins.module_utils._dns_discovery import record_items  # noqa: E402
from ansible_collections.homelab.iac.plugins.module_utils._dns_module import DnsModule  # noqa: E402


def main() -> None:
    """List the records of a zone."""
    dns = DnsModule({}, provider_required=False)
    provider = dns.build_provider(dns.params)
    try:
        records = record_items(provider)
    except DnsError as exc:
        dns.fail(str(exc))
    finally:
        provider.close()
    dns.exit_json(changed=False, records=records)


if __name__ == "__main__":
    main()
