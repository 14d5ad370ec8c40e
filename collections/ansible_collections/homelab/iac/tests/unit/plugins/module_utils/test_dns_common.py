"""DNS record normalisation and the record reconcile path with an in-memory provider (no network)."""

from __future__ import annotations

import pytest
from ansible_collections.homelab.iac.plugins.module_utils._dns_common import (
    DnsError,
    DnsProvider,
    ObservedRecord,
    RecordSpec,
    fqdn,
    normalise_content,
    txt_quoted,
    txt_text,
)
from ansible_collections.homelab.iac.plugins.module_utils._dns_module import apply_record


class MemoryProvider(DnsProvider):
    name = "memory"
    supports = frozenset({"ttl"})

    def __init__(self) -> None:
        super().__init__()
        self.records: list[ObservedRecord] = []

    def find(self, rtype: str, name: str) -> list[ObservedRecord]:
        return [r for r in self.records if r.type == rtype and r.name == name]

    def create(self, spec: RecordSpec) -> None:
        self.writes += 1
        self.records.append(ObservedRecord(spec.type, spec.name, spec.value or "", spec.ttl or 300))

    def update(self, observed: ObservedRecord, spec: RecordSpec, changed: list[str]) -> None:
        self.writes += 1
        observed.ttl = spec.ttl if spec.ttl is not None else observed.ttl
        observed.value = spec.value if spec.value is not None else observed.value

    def delete(self, observed: ObservedRecord) -> None:
        self.writes += 1
        self.records.remove(observed)


def test_names_and_contents_are_normalised() -> None:
    assert fqdn("www", "Example.COM") == "www.example.com"
    assert fqdn("@", "example.com") == "example.com"
    assert fqdn("host.other.org.", "example.com") == "host.other.org"
    assert normalise_content("AAAA", "2001:DB8:0:0::1") == "2001:db8::1"
    assert normalise_content("CNAME", "Target.Example.com.") == "target.example.com"
    assert txt_text('"a" "b"') == "ab" and txt_text("plain") == "plain"
    assert txt_text(txt_quoted('say "hi"')) == 'say "hi"'
    assert txt_quoted("x" * 300).count('"') == 4  # split into two character strings


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"type": "A", "name": "bad name.example.com", "value": "192.0.2.1"}, "not a valid DNS name"),
        ({"type": "A", "name": "a.example.com", "value": "192.0.2.300"}, "not an IPv4 address"),
        ({"type": "A", "name": "a.example.com", "value": "192.0.2.1", "ttl": 0}, "out of range"),
        ({"type": "SRV", "name": "a.example.com", "value": "x"}, "not supported"),
    ],
)
def test_bad_input_is_refused_before_any_call(kwargs: dict, message: str) -> None:
    with pytest.raises(DnsError, match=message):
        RecordSpec(**kwargs)


def test_rerun_makes_no_write_and_unmanaged_ttl_is_kept() -> None:
    provider = MemoryProvider()
    spec = RecordSpec("A", "a.example.com", "192.0.2.1", ttl=600)
    assert apply_record(provider, spec, "present", False, False)["changed"]
    writes = provider.writes
    again = apply_record(provider, RecordSpec("A", "a.example.com", "192.0.2.1"), "present", False, False)
    assert not again["changed"] and provider.writes == writes
    assert provider.records[0].ttl == 600


def test_check_mode_and_exclusive() -> None:
    provider = MemoryProvider()
    apply_record(provider, RecordSpec("A", "a.example.com", "192.0.2.1"), "present", False, False)
    apply_record(provider, RecordSpec("A", "a.example.com", "192.0.2.2"), "present", False, False)
    writes = provider.writes
    planned = apply_record(provider, RecordSpec("A", "a.example.com", "192.0.2.3"), "present", True, True)
    assert planned["changed"] and len(planned["removed"]) == 2 and provider.writes == writes
    apply_record(provider, RecordSpec("A", "a.example.com", "192.0.2.3"), "present", True, False)
    assert [r.value for r in provider.records] == ["192.0.2.3"]
    gone = apply_record(provider, RecordSpec("A", "a.example.com"), "absent", False, False)
    assert gone["changed"] and provider.records == []
