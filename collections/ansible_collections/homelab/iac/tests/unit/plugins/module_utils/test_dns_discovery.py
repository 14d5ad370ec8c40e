"""dns_info's records: import ids, suggested names, specs equal to a check-mode dns_record read, and the
rfc2136 zone transfer (SOA and apex NS left out, TXT joined, MX priority) without a network."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import dns.message
import dns.rrset
import dns.xfr
import pytest
from ansible_collections.homelab.iac.plugins.module_utils import _rfc2136_provider
from ansible_collections.homelab.iac.plugins.module_utils._cloudflare_provider import CloudflareProvider
from ansible_collections.homelab.iac.plugins.module_utils._dns_common import DnsError, ObservedRecord, RecordSpec
from ansible_collections.homelab.iac.plugins.module_utils._dns_discovery import record_items
from ansible_collections.homelab.iac.plugins.module_utils._dns_module import apply_record
from ansible_collections.homelab.iac.plugins.module_utils._rfc2136_provider import Rfc2136Provider
from ansible_collections.homelab.iac.tests.unit.plugins.module_utils.test_dns_common import MemoryProvider

ZONE = "home.arpa"


class ZoneProvider(MemoryProvider):
    """The in-memory provider, listing its records as one zone."""

    def zone_records(self) -> list[tuple[str, ObservedRecord]]:
        return [(ZONE, record) for record in self.records]


@pytest.fixture
def provider() -> ZoneProvider:
    fake = ZoneProvider()
    fake.records = [
        ObservedRecord("A", "legacy.home.arpa", "192.0.2.44", 300),
        ObservedRecord("A", "multi.home.arpa", "192.0.2.1", 60),
        ObservedRecord("A", "multi.home.arpa", "192.0.2.2", 60),
        ObservedRecord("MX", ZONE, "mail.home.arpa", 3600, priority=10),
        ObservedRecord("TXT", "bad name!.home.arpa", "x", 60),
    ]
    return fake


def test_records_are_listed_by_name_and_type(provider: ZoneProvider) -> None:
    items = record_items(provider)
    assert [(i["kind"], i["id"], i["name"], i["managed"]) for i in items] == [
        ("record", "legacy.home.arpa/A", "legacy-a", False),
        ("record", "multi.home.arpa/A/192.0.2.1", "multi-a", False),
        ("record", "multi.home.arpa/A/192.0.2.2", "multi-a-2", False),
        ("record", "home.arpa/MX", "apex-mx", False),
    ]  # the name DNS cannot carry is not listed
    assert items[0]["spec"] == {"value": "192.0.2.44", "ttl": 300, "proxied": None, "comment": None, "priority": None}
    assert items[0]["facts"] == {"type": "A", "name": "legacy.home.arpa", "value": "192.0.2.44", "ttl": 300,
                                 "zone": ZONE}  # fmt: skip


def test_a_check_mode_record_read_returns_the_listed_spec_and_writes_nothing(provider: ZoneProvider) -> None:
    for item in record_items(provider):
        name, rtype = item["id"].split("/")[:2]
        spec = RecordSpec(type=rtype, name=name, value=item["spec"]["value"])
        read = apply_record(provider, spec, "present", exclusive=False, check_mode=True)
        assert (read["action"], read["diff"]["before"]) == ("noop", item["spec"])
    assert provider.writes == 0


def _answer(*rrsets: dns.rrset.RRset) -> Any:
    message = dns.message.Message()
    message.answer.extend(rrsets)
    return message


def test_rfc2136_lists_the_zone_by_a_signed_transfer(monkeypatch: pytest.MonkeyPatch) -> None:
    soa = dns.rrset.from_text("home.arpa.", 300, "IN", "SOA", "ns1.home.arpa. hostmaster.home.arpa. 7 3600 600 604800 300")
    messages = [
        _answer(soa, dns.rrset.from_text("home.arpa.", 300, "IN", "NS", "ns1.home.arpa."),
                dns.rrset.from_text("ns1.home.arpa.", 300, "IN", "A", "127.0.0.1"),
                dns.rrset.from_text("sub.home.arpa.", 300, "IN", "NS", "ns.elsewhere.example."),
                dns.rrset.from_text("legacy.home.arpa.", 120, "IN", "A", "192.0.2.44", "192.0.2.45"),
                dns.rrset.from_text("note.home.arpa.", 60, "IN", "TXT", '"hello " "world"'),
                dns.rrset.from_text("home.arpa.", 300, "IN", "MX", "20 mail.home.arpa."),
                dns.rrset.from_text("_sip._tcp.home.arpa.", 300, "IN", "SRV", "0 5 5060 sip.home.arpa.")),
        _answer(soa),
    ]  # fmt: skip
    asked: dict[str, Any] = {}

    def xfr(where: str, zone: str, **kwargs: Any) -> Any:
        asked.update(where=where, zone=zone, **kwargs)
        return iter(messages)

    monkeypatch.setattr(_rfc2136_provider.dns.query, "xfr", xfr)
    provider = Rfc2136Provider("127.0.0.1", 5353, "ddns-key", "c2VjcmV0c2VjcmV0c2VjcmV0", zone=ZONE)
    listed = [(zone, record.type, record.name, record.value, record.ttl, record.priority)
              for zone, record in provider.zone_records()]  # fmt: skip
    assert listed == [
        (ZONE, "A", "ns1.home.arpa", "127.0.0.1", 300, None),
        (ZONE, "NS", "sub.home.arpa", "ns.elsewhere.example", 300, None),
        (ZONE, "A", "legacy.home.arpa", "192.0.2.44", 120, None),
        (ZONE, "A", "legacy.home.arpa", "192.0.2.45", 120, None),
        (ZONE, "TXT", "note.home.arpa", "hello world", 60, None),
        (ZONE, "MX", ZONE, "mail.home.arpa", 300, 20),
    ]
    assert (asked["where"], asked["zone"], asked["port"]) == ("127.0.0.1", "home.arpa.", 5353)
    assert asked["keyname"] == "ddns-key"
    assert asked["relativize"] is False and asked["keyring"] is not None


def test_rfc2136_needs_a_zone_and_says_when_the_transfer_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(DnsError, match="set zone"):
        Rfc2136Provider("127.0.0.1").zone_records()

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise dns.xfr.TransferError(5)

    monkeypatch.setattr(_rfc2136_provider.dns.query, "xfr", refused)
    with pytest.raises(DnsError, match=r"refused to transfer zone home.arpa \(AXFR\).*allow-transfer"):
        Rfc2136Provider("127.0.0.1", zone=ZONE).zone_records()


def test_cloudflare_lists_every_page_of_the_zone_and_leaves_out_the_apex_ns() -> None:
    provider = CloudflareProvider("token", zone="example.com")
    record = SimpleNamespace
    pages = [record(type="A", name="www.example.com", content="203.0.113.7", ttl=1, proxied=True, comment=None,
                    priority=None, id="a" * 32),
             record(type="NS", name="example.com", content="ns1.example.net", ttl=86400, proxied=False, comment=None,
                    priority=None, id="b" * 32),
             record(type="CAA", name="example.com", content='0 issue "pebble"', ttl=1, proxied=False, comment=None,
                    priority=None, id="c" * 32)]  # fmt: skip
    asked: list[dict[str, Any]] = []
    provider.client = SimpleNamespace(  # type: ignore[assignment]
        zones=SimpleNamespace(list=lambda **kw: [SimpleNamespace(name="example.com", id="z" * 32)]),
        dns=SimpleNamespace(records=SimpleNamespace(list=lambda **kw: asked.append(kw) or iter(pages))),
        close=lambda: None,
    )
    [(zone, www)] = provider.zone_records()
    assert (zone, www.name, www.value, www.proxied, www.extra) == (
        "example.com", "www.example.com", "203.0.113.7", True, {"id": "a" * 32, "zone_id": "z" * 32})
    assert asked == [{"zone_id": "z" * 32, "per_page": 100}]
