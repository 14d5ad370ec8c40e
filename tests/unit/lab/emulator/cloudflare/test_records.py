"""The Cloudflare emulator's record rules and its DNS answers, without a server."""

from __future__ import annotations

import dns.message
import dns.rcode
import pytest

from lab.emulator.cloudflare.dns_listener import answer, rdata_text
from lab.emulator.cloudflare.records import (
    ApiError,
    check_conflicts,
    filter_records,
    fqdn_in_zone,
    paginate,
    validate_record,
)

ZONE = "example.com"


def _record(name: str, rtype: str = "A", content: str = "192.0.2.1", ttl: int = 1) -> dict:
    return validate_record({"type": rtype, "name": name, "content": content, "ttl": ttl}, ZONE)


def test_names_are_stored_as_lower_case_fqdns() -> None:
    assert fqdn_in_zone("@", ZONE) == ZONE
    assert fqdn_in_zone("WWW", ZONE) == "www.example.com"
    assert fqdn_in_zone("www.example.com.", ZONE) == "www.example.com"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"type": "A", "name": "a", "content": "not-an-ip", "ttl": 1}, 9005),
        ({"type": "A", "name": "a", "content": "192.0.2.1", "ttl": 30}, 9021),
        ({"type": "TXT", "name": "a", "content": "x", "ttl": 1, "proxied": True}, 9041),
        ({"type": "A", "name": "bad name!", "content": "192.0.2.1", "ttl": 1}, 9000),
    ],
)
def test_invalid_records_are_refused_with_the_api_codes(body: dict, code: int) -> None:
    with pytest.raises(ApiError) as refused:
        validate_record(body, ZONE)
    assert refused.value.error["code"] == 1004
    assert refused.value.error["error_chain"][0]["code"] == code


def test_duplicates_and_cname_clashes() -> None:
    existing = [_record("www")]
    with pytest.raises(ApiError) as duplicate:
        check_conflicts(_record("www"), existing)
    assert duplicate.value.error["code"] == 81057
    with pytest.raises(ApiError) as clash:
        check_conflicts(_record("www", "CNAME", "other.example.com"), existing)
    assert clash.value.error["code"] == 81053
    check_conflicts(_record("www", content="192.0.2.2"), existing)  # a second A value is fine


def test_filters_accept_dotted_and_plain_forms() -> None:
    records = [_record("a"), _record("b", "TXT", '"hi"'), _record("ab")]
    assert [r["name"] for r in filter_records(records, {"name.exact": "a.example.com"})] == ["a.example.com"]
    assert [r["name"] for r in filter_records(records, {"name": "A.example.com"})] == ["a.example.com"]
    assert len(filter_records(records, {"name.startswith": "a"})) == 2
    assert len(filter_records(records, {"type": "txt", "name.exact": "a.example.com", "match": "any"})) == 2


def test_pages_past_the_end_are_empty() -> None:
    items = [{"n": i} for i in range(5)]
    page, info = paginate(items, {"page": "3", "per_page": "2"})
    assert page == [{"n": 4}] and info["total_pages"] == 3 and info["total_count"] == 5
    page, info = paginate(items, {"page": "4", "per_page": "2"})
    assert page == [] and info["count"] == 0


def test_listener_answers_authoritatively_and_with_nxdomain() -> None:
    records = [_record("www"), _record("t", "TXT", 'say "hi"')]
    response = answer(dns.message.make_query("www.example.com", "A"), [ZONE], records)
    assert response.rcode() == dns.rcode.NOERROR
    assert [r.to_text() for r in response.answer[0]] == ["192.0.2.1"]
    missing = answer(dns.message.make_query("nope.example.com", "A"), [ZONE], records)
    assert missing.rcode() == dns.rcode.NXDOMAIN
    other = answer(dns.message.make_query("www.example.org", "A"), [ZONE], records)
    assert other.rcode() == dns.rcode.REFUSED
    assert rdata_text(records[1]) == '"say \\"hi\\""'
