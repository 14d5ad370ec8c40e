# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""DNS records across providers: one record model, one identity rule, one reconcile path.

A record is identified by type + name, and also by content for the multi-value types (A, AAAA,
TXT, MX, NS, PTR), where several records share a name; a CNAME is single-valued, so its content
is an in-place update. ``ttl``, ``proxied``, ``comment`` and ``priority`` are compared only when
the task sets them (``None`` = not managed), so leaving one out never resets it.

Contents are normalised before comparing, because providers echo them differently: names lose
their trailing dot and case, AAAA is compressed, TXT is compared as its unquoted text (Cloudflare
may store ``"x"`` or ``x``; DNS splits long strings into 255-byte chunks).

Providers (``_cloudflare_provider``, ``_rfc2136_provider``, ``_dns_unbound``) implement
``DnsProvider``; ``DnsRecord`` plugs a provider into the generic reconcile engine.
"""

from __future__ import annotations

import abc
import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ansible_collections.homelab.iac.plugins.module_utils._reconcile import Field, ReconcileError, Resource

RECORD_TYPES = ("A", "AAAA", "CNAME", "TXT", "MX", "NS", "PTR")
SINGLE_VALUED = frozenset({"CNAME"})
NAME_CONTENT = frozenset({"CNAME", "MX", "NS", "PTR"})
_LABEL = re.compile(r"^(\*|[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)$")


class DnsError(ReconcileError):
    """A refusal worded for the user, carrying the provider's own message."""


def fqdn(name: str, zone: str | None = None) -> str:
    """Lower-case, no trailing dot; ``@`` or a relative name is completed with ``zone``."""
    name = name.strip().lower()
    if name.endswith("."):
        return name.rstrip(".")
    if zone:
        zone = zone.strip().rstrip(".").lower()
        if name in ("", "@"):
            return zone
        if name != zone and not name.endswith("." + zone):
            return f"{name}.{zone}"
    return name


def listed(rtype: str, name: str, zone: str) -> bool:
    """Whether discovery lists a record: a type the modules manage, and no NS at the zone's apex (nor SOA)."""
    return rtype in RECORD_TYPES and not (rtype == "NS" and name == zone)


def check_name(name: str) -> None:
    """Refuse names DNS cannot carry, before any provider sees them."""
    labels = name.split(".")
    if not name or len(name) > 253 or not all(_LABEL.match(label) for label in labels) or "*" in labels[1:]:
        raise DnsError(f"name {name!r} is not a valid DNS name")


def txt_text(content: str) -> str:
    """The logical text of TXT content given quoted (zone syntax, maybe several strings) or raw."""
    content = content.strip()
    if not (content.startswith('"') and content.endswith('"') and len(content) >= 2):
        return content
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', content)
    return "".join(re.sub(r"\\(.)", r"\1", part) for part in parts)


def txt_quoted(text: str) -> str:
    """Zone-syntax TXT for ``text``: quoted, escaped, split into 255-byte character strings."""
    escaped = [text[i : i + 255] for i in range(0, len(text), 255)] or [""]
    return " ".join('"' + chunk.replace("\\", "\\\\").replace('"', '\\"') + '"' for chunk in escaped)


def normalise_content(rtype: str, content: str) -> str:
    """The comparable form of a record's content; raises DnsError for malformed addresses."""
    content = str(content).strip()
    if rtype == "A":
        try:
            return str(ipaddress.IPv4Address(content))
        except ValueError:
            raise DnsError(f"value {content!r} is not an IPv4 address (type A)") from None
    if rtype == "AAAA":
        try:
            return str(ipaddress.IPv6Address(content))
        except ValueError:
            raise DnsError(f"value {content!r} is not an IPv6 address (type AAAA)") from None
    if rtype in NAME_CONTENT:
        return content.rstrip(".").lower()
    if rtype == "TXT":
        return txt_text(content)
    return content


@dataclass
class RecordSpec:
    """What the task asks for; ``None`` fields are not managed."""

    type: str
    name: str
    value: str | None = None
    ttl: int | None = None
    proxied: bool | None = None
    comment: str | None = None
    priority: int | None = None

    def __post_init__(self) -> None:
        self.type = self.type.upper()
        if self.type not in RECORD_TYPES:
            raise DnsError(f"type {self.type!r} is not supported (choose from {', '.join(RECORD_TYPES)})")
        check_name(self.name)
        if self.value is not None:
            self.value = normalise_content(self.type, self.value)
        if self.ttl is not None and not 1 <= self.ttl <= 2147483647:
            raise DnsError(f"ttl {self.ttl} is out of range (1 to 2147483647 seconds)")
        if self.priority is not None and not 0 <= self.priority <= 65535:
            raise DnsError(f"priority {self.priority} is out of range (0 to 65535)")

    @property
    def label(self) -> str:
        shown = f" {self.value}" if self.value is not None and self.type not in SINGLE_VALUED else ""
        return f"{self.type} {self.name}{shown}"


@dataclass
class ObservedRecord:
    """A record as a provider reports it, already normalised; ``ref`` is the provider's handle."""

    type: str
    name: str
    value: str
    ttl: int | None = None
    proxied: bool | None = None
    comment: str | None = None
    priority: int | None = None
    ref: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    def facts(self) -> dict[str, Any]:
        shown = {"type": self.type, "name": self.name, "value": self.value, "ttl": self.ttl}
        for key in ("proxied", "comment", "priority"):
            if getattr(self, key) is not None:
                shown[key] = getattr(self, key)
        shown.update(self.extra)
        return shown


class DnsProvider(abc.ABC):
    """What a DNS backend offers the reconcile path. ``writes`` counts write calls for the proofs."""

    name: ClassVar[str]
    #: Optional properties this provider can manage; others given in a task are refused.
    supports: ClassVar[frozenset[str]] = frozenset()
    #: Types holding one record per name (others are identified by their content too).
    single_valued: ClassVar[frozenset[str]] = SINGLE_VALUED

    def __init__(self) -> None:
        self.writes = 0

    @abc.abstractmethod
    def find(self, rtype: str, name: str) -> list[ObservedRecord]:
        """Every record of ``rtype`` at ``name``."""

    @abc.abstractmethod
    def create(self, spec: RecordSpec) -> None:
        """Add one record."""

    @abc.abstractmethod
    def update(self, observed: ObservedRecord, spec: RecordSpec, changed: list[str]) -> None:
        """Change ``changed`` properties of ``observed`` to the managed values of ``spec``."""

    @abc.abstractmethod
    def delete(self, observed: ObservedRecord) -> None:
        """Remove one record."""

    def zone_records(self) -> list[tuple[str, ObservedRecord]]:
        """(zone, record) for every record of the zone (or zones) this provider serves that the modules manage.

        For discovery (dns_info): record types outside ``RECORD_TYPES``, the SOA and the apex NS records
        are left out. Providers that cannot list a zone refuse.
        """
        raise DnsError(f"provider {self.name} cannot list records")

    def finish(self) -> list[str]:
        """Apply pending work once per run (e.g. reconfigure a service); returns what was applied."""
        return []

    def close(self) -> None:  # noqa: B027 - an optional hook; most providers hold nothing to release
        """Release connections."""


class DnsRecord(Resource[ObservedRecord]):
    """One record through one provider, in the reconcile engine."""

    kind = "dns record"
    fields = (
        Field("value"),
        Field("ttl"),
        Field("proxied"),
        Field("comment"),
        Field("priority"),
    )

    def __init__(self, provider: DnsProvider, spec: RecordSpec) -> None:
        self.provider = provider
        self.spec = spec
        unsupported = [
            key
            for key in ("ttl", "proxied", "comment")
            if getattr(spec, key) is not None and key not in provider.supports
        ]
        if unsupported:
            raise DnsError(f"provider {provider.name} cannot manage {', '.join(unsupported)}")

    def read(self) -> ObservedRecord | None:
        found = self.provider.find(self.spec.type, self.spec.name)
        if self.spec.type in self.provider.single_valued or self.spec.value is None:
            return found[0] if found else None
        return next((record for record in found if record.value == self.spec.value), None)

    def current(self, observed: ObservedRecord) -> dict[str, Any]:
        return {
            "value": observed.value,
            "ttl": observed.ttl,
            "proxied": observed.proxied,
            "comment": observed.comment,
            "priority": observed.priority,
        }

    def desired(self) -> dict[str, Any]:
        spec = self.spec
        return {
            "value": spec.value,
            "ttl": spec.ttl,
            "proxied": spec.proxied,
            "comment": spec.comment,
            "priority": spec.priority,
        }

    def check_create(self) -> None:
        if self.spec.value is None:
            raise DnsError(f"{self.spec.label}: value is required to create the record")

    def create(self) -> None:
        self.provider.create(self.spec)

    def update(self, observed: ObservedRecord, changed: list[str]) -> None:
        self.provider.update(observed, self.spec, changed)

    def delete(self, observed: ObservedRecord) -> None:
        self.provider.delete(observed)

    def facts(self, observed: ObservedRecord | None) -> dict[str, Any]:
        return observed.facts() if observed is not None else {}
