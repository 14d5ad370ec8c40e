"""The lab's DNS side as a user meets it: the Cloudflare emulator through the official SDK, its DNS
listener, the real BIND (views, forwarding) and Pebble's directory."""

from __future__ import annotations

import ssl
import uuid
from typing import Any

import httpx
import pytest

from tests.integration.dns.conftest import DnsLabInfo
from tests.integration.dns.lookup import resolve

pytestmark = pytest.mark.integration


def _zone_id(client: Any, name: str = "example.com") -> str:
    return next(iter(client.zones.list(name=name))).id


def test_sdk_records_are_resolvable_through_the_emulator_listener_and_bind(
    cloudflare_client: Any, dns_lab: DnsLabInfo
) -> None:
    zone_id = _zone_id(cloudflare_client)
    name = f"sdk-{uuid.uuid4().hex[:8]}.example.com"
    record = cloudflare_client.dns.records.create(zone_id=zone_id, type="A", name=name, content="192.0.2.44", ttl=120)
    try:
        assert resolve(dns_lab.public_dns_port, name) == ["192.0.2.44"]
        # BIND forwards the public zone to the listener: what Pebble will see.
        assert resolve(dns_lab.bind_port, name) == ["192.0.2.44"]
    finally:
        cloudflare_client.dns.records.delete(record.id, zone_id=zone_id)
    assert resolve(dns_lab.public_dns_port, name) == []


def test_pagination_ends_with_an_empty_page(cloudflare_client: Any) -> None:
    zone_id = _zone_id(cloudflare_client, "example.net")
    prefix = uuid.uuid4().hex[:6]
    created = [
        cloudflare_client.dns.records.create(
            zone_id=zone_id, type="TXT", name=f"p{prefix}.example.net", content=f'"v{i}"', ttl=1
        )
        for i in range(5)
    ]
    try:
        listed = list(
            cloudflare_client.dns.records.list(zone_id=zone_id, per_page=2, name={"exact": f"p{prefix}.example.net"})
        )
        assert sorted(r.content for r in listed) == [f'"v{i}"' for i in range(5)]
    finally:
        for record in created:
            cloudflare_client.dns.records.delete(record.id, zone_id=zone_id)


def test_duplicate_and_invalid_records_get_cloudflare_codes(cloudflare_client: Any) -> None:
    import cloudflare

    zone_id = _zone_id(cloudflare_client)
    name = f"dup-{uuid.uuid4().hex[:8]}.example.com"
    record = cloudflare_client.dns.records.create(zone_id=zone_id, type="A", name=name, content="192.0.2.1", ttl=1)
    try:
        with pytest.raises(cloudflare.BadRequestError) as duplicate:
            cloudflare_client.dns.records.create(zone_id=zone_id, type="A", name=name, content="192.0.2.1", ttl=1)
        assert duplicate.value.errors[0].code == 81057
        with pytest.raises(cloudflare.BadRequestError) as bad_ttl:
            cloudflare_client.dns.records.create(zone_id=zone_id, type="A", name=name, content="192.0.2.2", ttl=5)
        assert "Invalid TTL" in str(bad_ttl.value)
    finally:
        cloudflare_client.dns.records.delete(record.id, zone_id=zone_id)


def test_wrong_token_is_refused(dns_lab: DnsLabInfo) -> None:
    context = ssl.create_default_context(cafile=dns_lab.ca_cert)
    response = httpx.get(f"{dns_lab.cloudflare_url}/zones", headers={"Authorization": "Bearer nope"}, verify=context)
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == 10000


def test_bind_views_answer_by_tsig_key(dns_lab: DnsLabInfo) -> None:
    key = dns_lab.key("internal-key")
    name = f"www.{dns_lab.zone}"
    assert resolve(dns_lab.bind_port, name, key=key) == ["192.168.1.10"]
    assert resolve(dns_lab.bind_port, name) == ["203.0.113.10"]


def test_pebble_serves_its_directory_with_a_lab_ca_certificate(dns_lab: DnsLabInfo) -> None:
    context = ssl.create_default_context(cafile=dns_lab.ca_cert)
    directory = httpx.get(dns_lab.acme_directory, verify=context).json()
    assert {"newAccount", "newOrder", "newNonce"} <= set(directory)
    root = httpx.get(dns_lab.acme_roots_url, verify=context)
    assert root.text.startswith("-----BEGIN CERTIFICATE-----")
