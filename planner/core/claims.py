"""Conflicts: what cannot coexist on one endpoint — a VLAN tag, an overlapping subnet, an identifying name,
a vmid, a host port — among the planned resources and against what is deployed at other addresses.

What each kind claims comes from its ``KindSpec.claims``; this module only indexes and compares.
"""

from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import Sequence
from typing import Any, NamedTuple

from planner.core.kinds import kind_spec
from planner.intents.container import parse_port

__all__ = ["Claim", "clashes"]

_ANY_ADDRESS = {"0.0.0.0", "::"}


class Claim(NamedTuple):
    """What one resource takes on its endpoint: VLAN tag, subnet, identifying name, vmid, host ports.

    A named tuple, not a frozen dataclass: every planned resource makes one, and a frozen dataclass sets each
    field through ``object.__setattr__``.
    """

    address: str
    endpoint: str
    deployed: bool
    tag: int | None = None
    subnet: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None
    subnet_kind: str = ""
    identity: tuple[str, str] | None = None
    vmid: int | None = None
    ports: tuple[tuple[str, int, str], ...] = ()

    @classmethod
    def of(cls, address: str, kind: str, endpoint: str, spec: dict[str, Any], *, deployed: bool) -> Claim:
        claims = kind_spec(kind).claims
        subnet = None
        if claims.subnet and isinstance(spec.get(claims.subnet), str):
            with contextlib.suppress(ValueError):
                subnet = ipaddress.ip_network(spec[claims.subnet], strict=False)
        name = spec.get(claims.name) if claims.name else None
        identity = (kind, name) if isinstance(name, str) else None
        ports: list[tuple[str, int, str]] = []
        for port in (spec.get(claims.ports) or ()) if claims.ports else ():
            try:
                ip, host, _, proto = parse_port(port)
            except (ValueError, TypeError, AttributeError):
                continue
            ports.append((ip, host, proto))
        return cls(address, endpoint, deployed, _int(spec, claims.tag), subnet, kind if subnet else "", identity,
                   _int(spec, claims.vmid), tuple(ports))

    def side(self) -> str:
        return f"deployed {self.address}" if self.deployed else self.address


def _int(spec: dict[str, Any], field: str | None) -> int | None:
    if not field:
        return None
    value = spec.get(field)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _network_key(
    endpoint: str, kind: str, subnet: ipaddress.IPv4Network | ipaddress.IPv6Network
) -> tuple[str, str, int, int, int]:
    """A subnet as plain integers (version, prefix length, network address): supernets are then found by
    shifting bits, not by building ``ipaddress`` objects and hashing them, which costs microseconds each."""
    return endpoint, kind, subnet.version, subnet.prefixlen, int(subnet.network_address)


def clashes(claims: Sequence[Claim]) -> list[str]:
    """Every pair of claims that cannot coexist (at least one of them planned), each pair once.

    Indexed by what is claimed, so it stays linear: a plan of 10,000 resources must not compare 50 million
    pairs. Overlapping subnets are found by looking up each subnet's supernets (at most 128 lookups).
    """
    problems: list[str] = []
    reported: set[tuple[str, str]] = set()

    def report(new: Claim, other: Claim, what: str) -> None:
        if new.deployed and other.deployed:
            return  # two deployed resources are not this plan's business
        if new.deployed:
            new, other = other, new
        pair = (new.address, other.address)
        if pair in reported or pair[::-1] in reported:
            return
        reported.add(pair)
        problems.append(f"{new.address} and {other.side()} on {new.endpoint} {what}")

    seen: dict[tuple[Any, ...], Claim] = {}

    def holder(key: tuple[Any, ...], item: Claim) -> Claim | None:
        """Who claimed ``key`` before ``item``, if anyone (the message is made only for a clash)."""
        first = seen.setdefault(key, item)
        return first if first is not item else None

    networks: dict[tuple[str, str, int, int, int], list[Claim]] = {}
    for item in claims:
        if item.tag is not None and (first := holder(("tag", item.endpoint, item.tag), item)) is not None:
            report(first, item, f"both use VLAN tag {item.tag}; pick another tag")
        if item.identity is not None:
            kind, name = item.identity
            if (first := holder(("name", item.endpoint, kind, name), item)) is not None:
                report(first, item, f"are both {kind} named {name!r}; rename one")
        if item.vmid is not None and (first := holder(("vmid", item.endpoint, item.vmid), item)) is not None:
            report(first, item, f"both use vmid {item.vmid}; pick another vmid")
        for ip, port, proto in item.ports:
            if (first := holder(("port", item.endpoint, ip, port, proto), item)) is not None:
                report(first, item, f"both publish {ip}:{port}/{proto}; give one another host port")
        if item.subnet is not None:
            networks.setdefault(_network_key(item.endpoint, item.subnet_kind, item.subnet), []).append(item)
    ports_any: dict[tuple[str, int, str], list[Claim]] = {}
    for item in claims:
        for ip, port, proto in item.ports:
            if ip in _ANY_ADDRESS:
                ports_any.setdefault((item.endpoint, port, proto), []).append(item)
    for item in claims:  # a wildcard publish clashes with any address on the same port
        for ip, port, proto in item.ports:
            for other in ports_any.get((item.endpoint, port, proto), []):
                if other is not item:
                    report(other, item, f"both publish {ip}:{port}/{proto}; give one another host port")
    for (endpoint, kind, version, length, number), holders in networks.items():
        bits = 32 if version == 4 else 128
        for prefix in range(length, -1, -1):
            wider = number >> (bits - prefix) << (bits - prefix)  # the supernet's network address
            for other in networks.get((endpoint, kind, version, prefix, wider), []):
                for item in holders:
                    if other is not item:
                        same = "both use" if other.subnet == item.subnet else "overlap:"
                        what = f"{same} subnet {item.subnet} / {other.subnet}; give one another subnet"
                        report(item, other, what)
    return problems
