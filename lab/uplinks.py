"""Uplinks: a segment's wire into the lab's Docker host, as a real homelab's switch port would be.

On a real network a Docker host reaches a VLAN through a NIC: an access port of that VLAN, or a trunk
whose ``<nic>.<tag>`` sub-interface carries it. ``iac lab up --uplink gaming=10.0.20.1/24`` makes the
lab's stand-in for that: a veth pair. One end (``iacXXXXn``) is the Docker host's NIC on the segment:
the lab inventory declares it for ``lab-docker`` as ``networks: {access: {gaming: iacXXXXn}}``, so a
container placed on the segment joins a macvlan network on it with an address of its own. The other
end (``iacXXXXnp``) stands for the firewall's interface on the segment and takes the address given
(the segment's gateway), so this machine reaches the container's address on the segment as a host on
the VLAN would, through the pair, never through Docker's port publishing.

This kernel has no 802.1Q support, so a trunk (``eth0.20``) cannot be shown for real here; the
planner's unit tests hold what it asks the engine for in that case.

The pairs are named from the lab home (two labs on one machine never share one), recorded in the
lab's settings, made again by every ``up`` and removed by ``down`` (deleting one end removes both).
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from lab.errors import LabError

__all__ = ["Uplink", "ensure_uplinks", "parse_uplink", "parse_uplinks", "remove_uplinks", "uplink_names"]

_SEGMENT = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
MAX_UPLINKS = 8


@dataclass(frozen=True)
class Uplink:
    """One segment's veth pair: the Docker host's end (``parent``) and the firewall's (``peer``)."""

    segment: str
    parent: str
    peer: str
    address: str | None = None  # the peer's address with its prefix (the segment's gateway), or none

    def to_dict(self) -> dict[str, str | None]:
        return {"segment": self.segment, "parent": self.parent, "peer": self.peer, "address": self.address}


def _prefix(home: Path) -> str:
    """``iac`` and 4 hex digits of the lab home: interface names stay under Linux's 15 characters."""
    return "iac" + hashlib.sha256(str(home.resolve()).encode()).hexdigest()[:4]


def parse_uplink(text: str) -> tuple[str, str | None]:
    """``gaming`` or ``gaming=10.0.20.1/24`` → (segment, address); LabError naming what is wrong."""
    segment, _, address = text.partition("=")
    segment = segment.strip()
    if not _SEGMENT.match(segment):
        raise LabError(
            f"--uplink {text!r}: {segment!r} is not a segment name (lower case letters, digits and -); "
            "write e.g. --uplink gaming=10.0.20.1/24"
        )
    if not address:
        return segment, None
    try:
        if "/" not in address:
            raise ValueError(address)
        interface = ipaddress.IPv4Interface(address.strip())
    except ValueError:
        raise LabError(
            f"--uplink {text!r}: {address!r} is not an IPv4 address with its prefix; write the segment's "
            "gateway, e.g. 10.0.20.1/24"
        ) from None
    if interface.network.prefixlen >= 31:
        raise LabError(f"--uplink {text!r}: /{interface.network.prefixlen} leaves no room for a container")
    return segment, str(interface)


def parse_uplinks(texts: Iterable[str]) -> list[tuple[str, str | None]]:
    """Every ``--uplink`` given, each segment once; LabError naming what is wrong."""
    pairs = [parse_uplink(text) for text in texts]
    segments = [segment for segment, _ in pairs]
    doubled = sorted({segment for segment in segments if segments.count(segment) > 1})
    if doubled:
        raise LabError(f"--uplink names {', '.join(doubled)} more than once; give each segment one uplink")
    if len(pairs) > MAX_UPLINKS:
        raise LabError(f"the lab wires at most {MAX_UPLINKS} segments, not {len(pairs)}")
    return pairs


def uplink_names(home: Path, wanted: Iterable[tuple[str, str | None]]) -> list[Uplink]:
    """The pairs for ``wanted`` (segment, address), numbered in order."""
    prefix = _prefix(home)
    return [Uplink(segment, f"{prefix}{index}", f"{prefix}{index}p", address)
            for index, (segment, address) in enumerate(list(wanted)[:MAX_UPLINKS])]


def _ip(*args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise LabError("the lab wires segments with `ip` (iproute2), which is not installed") from None


def _exists(name: str) -> bool:
    return _ip("link", "show", "dev", name).returncode == 0


def _addresses(name: str) -> set[str]:
    found = _ip("-o", "-4", "addr", "show", "dev", name)
    return {fields[3] for fields in (line.split() for line in found.stdout.splitlines()) if len(fields) > 3}


def _must(result: subprocess.CompletedProcess[str], doing: str) -> None:
    if result.returncode != 0:
        reason = " ".join((result.stderr or result.stdout).split()) or f"exit {result.returncode}"
        raise LabError(f"cannot {doing}: {reason}")


def ensure_uplinks(uplinks: Iterable[Uplink]) -> None:
    """Make every pair exist, up, the peer holding exactly its address; idempotent."""
    for uplink in uplinks:
        if not _exists(uplink.parent):
            _must(_ip("link", "add", uplink.parent, "type", "veth", "peer", "name", uplink.peer),
                  f"create the veth pair {uplink.parent}/{uplink.peer} for segment {uplink.segment}")
        for end in (uplink.parent, uplink.peer):
            _must(_ip("link", "set", "dev", end, "up"), f"bring {end} up")
        present = _addresses(uplink.peer)
        for stale in present - ({uplink.address} if uplink.address else set()):
            _must(_ip("addr", "del", stale, "dev", uplink.peer), f"remove {stale} from {uplink.peer}")
        if uplink.address and uplink.address not in present:
            _must(_ip("addr", "add", uplink.address, "dev", uplink.peer), f"give {uplink.peer} {uplink.address}")


def remove_uplinks(home: Path, keep: Mapping[str, Uplink] = {}) -> None:
    """Delete this lab's pairs, except those in ``keep`` (by parent name)."""
    prefix = _prefix(home)
    listed = _ip("-o", "link", "show")
    for line in listed.stdout.splitlines():
        parts = line.split(":", 2)
        if len(parts) < 2:
            continue
        name = parts[1].strip().split("@", 1)[0]
        if name.startswith(prefix) and not name.endswith("p") and name not in keep:
            _must(_ip("link", "del", "dev", name), f"remove the veth pair {name}")
