# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""The ``rfc2136`` DNS provider: reads with (TSIG-signed) queries, writes with RFC 2136 updates.

Works with any server that takes dynamic updates (BIND, Knot, PowerDNS). Signed queries also pick
the server's view, so with BIND views the same key that may update a copy of a zone is the one
that reads it. Traps from shared/reference/dns-and-certs.md §4: update names are passed absolute
(a relative name is taken relative to the zone), TXT rdata is quoted zone syntax, a CNAME next to
other data is silently ignored by BIND (refused here first), and TTLs belong to the whole RRset.
"""

from __future__ import annotations

import traceback
from typing import Any

from ansible_collections.homelab.iac.plugins.module_utils._dns_common import (
    DnsError,
    DnsProvider,
    ObservedRecord,
    RecordSpec,
    listed,
    normalise_content,
    txt_quoted,
)

try:
    import dns.exception
    import dns.message
    import dns.name
    import dns.query
    import dns.rcode
    import dns.rdatatype
    import dns.tsig
    import dns.tsigkeyring
    import dns.update
    import dns.xfr
except ImportError:
    DNSPYTHON_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    DNSPYTHON_IMPORT_ERROR = None

DEFAULT_TTL = 3600


class Rfc2136Provider(DnsProvider):
    """One authoritative server, one TSIG key."""

    name = "rfc2136"
    supports = frozenset({"ttl"})

    def __init__(
        self,
        server: str,
        port: int = 53,
        key_name: str | None = None,
        key_secret: str | None = None,
        key_algorithm: str = "hmac-sha256",
        zone: str | None = None,
        protocol: str = "tcp",
        timeout: int = 10,
    ) -> None:
        super().__init__()
        if DNSPYTHON_IMPORT_ERROR is not None:
            raise DnsError("the Python library dnspython (>= 2.0) is required for provider rfc2136")
        if not server:
            raise DnsError("provider rfc2136 needs server (or $DNS_SERVER)")
        self.server, self.port, self.protocol, self.timeout = server, port, protocol, timeout
        self.keyring: Any = None
        self.key_name = key_name
        self.algorithm = key_algorithm
        if key_name and key_secret:
            try:
                self.keyring = dns.tsigkeyring.from_text({key_name: (key_algorithm, key_secret)})
            except (ValueError, dns.exception.DNSException) as exc:
                raise DnsError(f"TSIG key {key_name!r} is unusable: {exc}") from None
        self.zone = zone.rstrip(".").lower() if zone else None

    # Transport -----------------------------------------------------------------------------------
    def _send(self, message: Any, what: str) -> Any:
        send = dns.query.tcp if self.protocol == "tcp" else dns.query.udp
        try:
            response = send(message, self.server, port=self.port, timeout=self.timeout)
        except dns.tsig.PeerError as exc:
            raise DnsError(
                f"{self.server}:{self.port} rejected the TSIG signature to {what} ({type(exc).__name__}: {exc});"
                " check key_name, key_secret and key_algorithm"
            ) from None
        except (OSError, dns.exception.DNSException) as exc:
            raise DnsError(f"cannot {what} at {self.server}:{self.port}: {type(exc).__name__}: {exc}") from None
        return response

    def _query(self, name: str, rtype: str) -> Any:
        query = dns.message.make_query(name + ".", rtype)
        if self.keyring is not None:
            query.use_tsig(self.keyring, keyname=self.key_name, algorithm=self.algorithm)
        return self._send(query, f"query {rtype} {name}")

    def zone_of(self, name: str) -> str:
        """The given zone, or the closest enclosing zone the server is authoritative for (SOA walk)."""
        if self.zone:
            if name != self.zone and not name.endswith("." + self.zone):
                raise DnsError(f"{name!r} is not inside zone {self.zone!r}")
            return self.zone
        labels = name.split(".")
        for start in range(len(labels)):
            candidate = ".".join(labels[start:])
            response = self._query(candidate, "SOA")
            if any(
                rrset.rdtype == dns.rdatatype.SOA and rrset.name.to_text().rstrip(".") == candidate
                for rrset in response.answer
            ):
                self.zone = candidate
                return candidate
        raise DnsError(f"{self.server}:{self.port} is not authoritative for any zone holding {name!r}")

    # Records -------------------------------------------------------------------------------------
    def find(self, rtype: str, name: str) -> list[ObservedRecord]:
        self.zone_of(name)
        response = self._query(name, rtype)
        rcode = response.rcode()
        if rcode not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
            raise DnsError(
                f"{self.server}:{self.port} answered {dns.rcode.to_text(rcode)} to a query for {rtype} {name}"
            )
        found = []
        for rrset in response.answer:
            if dns.rdatatype.to_text(rrset.rdtype) != rtype:
                continue
            for rdata in rrset:
                found.append(self._observed(rtype, name, rrset.ttl, rdata))
        return found

    def zone_records(self) -> list[tuple[str, ObservedRecord]]:
        """The zone by AXFR (signed with the key, which also picks the BIND view), in zone order."""
        if not self.zone:
            raise DnsError("provider rfc2136 lists the records of one zone (a zone transfer): set zone")
        what = f"transfer zone {self.zone} (AXFR)"
        found: list[tuple[str, ObservedRecord]] = []
        seen: set[tuple[str, str, str]] = set()
        try:
            for message in dns.query.xfr(
                self.server, self.zone + ".", port=self.port, timeout=self.timeout, lifetime=self.timeout,
                keyring=self.keyring, keyname=self.key_name, keyalgorithm=self.algorithm, relativize=False,
            ):  # fmt: skip
                for rrset in message.answer:
                    rtype = dns.rdatatype.to_text(rrset.rdtype)
                    name = rrset.name.to_text().rstrip(".").lower()
                    if not listed(rtype, name, self.zone):
                        continue
                    for rdata in rrset:
                        record = self._observed(rtype, name, rrset.ttl, rdata)
                        if (rtype, name, record.ref) not in seen:
                            seen.add((rtype, name, record.ref))
                            found.append((self.zone, record))
        except dns.tsig.PeerError as exc:
            raise DnsError(
                f"{self.server}:{self.port} rejected the TSIG signature to {what} ({type(exc).__name__}: {exc});"
                " check key_name, key_secret and key_algorithm"
            ) from None
        except dns.xfr.TransferError as exc:
            raise DnsError(
                f"{self.server}:{self.port} refused to {what}: {exc} (the server must allow transfers to this key,"
                " BIND: allow-transfer { key NAME; })"
            ) from None
        except (OSError, dns.exception.DNSException) as exc:
            raise DnsError(f"cannot {what} at {self.server}:{self.port}: {type(exc).__name__}: {exc}") from None
        return found

    @staticmethod
    def _observed(rtype: str, name: str, ttl: int, rdata: Any) -> ObservedRecord:
        priority = None
        if rtype == "MX":
            priority, value = rdata.preference, rdata.exchange.to_text()
        elif rtype == "TXT":
            value = "".join(part.decode() for part in rdata.strings)
        else:
            value = rdata.to_text()
        return ObservedRecord(rtype, name, normalise_content(rtype, value), ttl, priority=priority, ref=rdata.to_text())

    @staticmethod
    def _rdata(spec: RecordSpec, value: str, priority: int | None) -> str:
        if spec.type == "TXT":
            return txt_quoted(value)
        if spec.type in ("CNAME", "NS", "PTR"):
            return value + "."
        if spec.type == "MX":
            return f"{priority if priority is not None else 10} {value}."
        return value

    def _update(self, name: str, what: str, build: Any) -> None:
        zone = self.zone_of(name)
        update = dns.update.UpdateMessage(
            zone + ".", keyring=self.keyring, keyname=self.key_name, keyalgorithm=self.algorithm
        )
        build(update)
        self.writes += 1
        response = self._send(update, what)
        rcode = response.rcode()
        if rcode != dns.rcode.NOERROR:
            hint = (
                " (the key may not update this zone, or the update was unsigned)" if rcode == dns.rcode.REFUSED else ""
            )
            raise DnsError(f"{self.server}:{self.port} answered {dns.rcode.to_text(rcode)} to {what}{hint}")

    def create(self, spec: RecordSpec) -> None:
        self.zone_of(spec.name)
        if spec.type == "CNAME":
            others = [t for t in ("A", "AAAA", "TXT", "MX") if self.find(t, spec.name)]
            if others:
                raise DnsError(f"cannot add CNAME {spec.name}: the name already has {', '.join(others)} records")
        ttl = spec.ttl if spec.ttl is not None else (self._rrset_ttl(spec) or DEFAULT_TTL)
        rdata = self._rdata(spec, spec.value or "", spec.priority)
        self._update(spec.name, f"add {spec.label}", lambda u: u.add(spec.name + ".", ttl, spec.type, rdata))

    def _rrset_ttl(self, spec: RecordSpec) -> int | None:
        # Adding to an RRset with another TTL would silently change the siblings' TTL; keep theirs.
        existing = self.find(spec.type, spec.name)
        return existing[0].ttl if existing else None

    def update(self, observed: ObservedRecord, spec: RecordSpec, changed: list[str]) -> None:
        ttl = spec.ttl if spec.ttl is not None else (observed.ttl or DEFAULT_TTL)
        value = spec.value if spec.value is not None else observed.value
        priority = spec.priority if spec.priority is not None else observed.priority
        new = self._rdata(spec, value, priority)
        name = spec.name + "."
        if changed == ["ttl"]:
            # The TTL is the RRset's: re-add every member with the new TTL in one message.
            members = [record.ref for record in self.find(spec.type, spec.name)]
            self._update(
                spec.name,
                f"set the TTL of {spec.label}",
                lambda u: [u.delete(name, spec.type), *(u.add(name, ttl, spec.type, m) for m in members)],
            )
            return
        self._update(
            spec.name,
            f"update {spec.label}",
            lambda u: (u.delete(name, spec.type, observed.ref), u.add(name, ttl, spec.type, new)),
        )

    def delete(self, observed: ObservedRecord) -> None:
        self._update(
            observed.name,
            f"delete {observed.type} {observed.name}",
            lambda u: u.delete(observed.name + ".", observed.type, observed.ref),
        )
