# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""Discovery for dns_info: the records of a zone as discovery items (``_discovery``).

The provider lists the zone (``DnsProvider.zone_records``: an AXFR for rfc2136, the list-records API
for Cloudflare, the host overrides for OPNsense Unbound); each record's spec is ``DnsRecord``'s
view, so a check-mode run of dns_record with ``name``, ``type``, ``value`` and ``zone`` returns it
as ``diff.before``.

Import id: ``NAME/TYPE`` with NAME absolute without the final dot (``legacy.home.arpa/A``), which
dns_record takes as its ``name`` as it is. Where several records share the name and type (an RRset
of several A records, TXT values...), each one's id is ``NAME/TYPE/VALUE``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ansible_collections.homelab.iac.plugins.module_utils._discovery import discovered, resource_name, unique_names
from ansible_collections.homelab.iac.plugins.module_utils._dns_common import (
    DnsError,
    DnsProvider,
    DnsRecord,
    ObservedRecord,
    RecordSpec,
)


def suggested_name(record: ObservedRecord, zone: str) -> str:
    """``legacy.home.arpa`` A in ``home.arpa`` -> ``legacy-a``; the apex is ``apex``."""
    relative = record.name[: -len(zone) - 1] if record.name.endswith("." + zone) else record.name
    label = "apex" if record.name == zone else relative
    return resource_name(f"{label}-{record.type}", f"record-{record.type}")


def record_items(provider: DnsProvider) -> list[dict[str, Any]]:
    """The provider's records as ``record`` items, in the provider's order; names DNS cannot carry are skipped."""
    listed = provider.zone_records()
    sizes = Counter((record.name, record.type) for _zone, record in listed)
    items = []
    for zone, record in listed:
        try:
            spec = RecordSpec(type=record.type, name=record.name, value=record.value)
        except DnsError:
            continue  # a name or value the dns modules refuse cannot be managed by them either
        import_id = f"{record.name}/{record.type}"
        if sizes[(record.name, record.type)] > 1:
            import_id += f"/{record.value}"
        resource = DnsRecord(provider, spec)
        items.append(discovered("record", import_id, suggested_name(record, zone), False,
                                resource.view(record), {**resource.facts(record), "zone": zone}))  # fmt: skip
    return unique_names(items)
