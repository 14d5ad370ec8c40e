"""Where a container on a network segment sits: on the VLAN itself (macvlan), or behind its Docker host (bridge).

A segment is a VLAN the firewall routes: its rules, DHCP and DNS name are about addresses on it. A
container is on that VLAN only when its Docker host reaches the VLAN through a NIC and the container
joins a **macvlan** network on that NIC, with the address the plan gives it; the firewall then sees
the container itself. A **bridge** network is private to the Docker host and NATed behind the host's own
address: the container is reached through the ports the host publishes, and the segment's rules govern
the host, not the container.

The inventory says how a Docker endpoint reaches the segments (``networks:`` on the host)::

    nas:
      docker_host: ssh://admin@nas
      networks:
        trunk: eth0          # a trunk: segment VLAN N is the sub-interface eth0.N (the engine creates it)
        access:              # or a NIC per segment, by segment name or VLAN tag; beats the trunk
          gaming: enp4s0

With neither, containers stay on a bridge (the lab's default, and a single-host setup's), and the plan
says so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from planner.errors import IntentError, shown

__all__ = ["Placement", "Uplinks", "parse_uplinks", "place"]

# A Linux interface name (IFNAMSIZ 16, so 15 characters), optionally with a VLAN tag: eth0, enp3s0, bond0.20.
_INTERFACE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,14}$")


@dataclass(frozen=True)
class Uplinks:
    """How one Docker endpoint reaches the segments: a trunk NIC and/or an access NIC per segment."""

    trunk: str | None = None
    access: Mapping[str, str] = field(default_factory=dict)  # segment name or VLAN tag (as text) → NIC

    def parent_for(self, segment: str, vlan: int) -> tuple[str, str] | None:
        """The NIC a macvlan network for ``segment`` (VLAN ``vlan``) sits on, and the inventory entry saying so."""
        for key in (segment, str(vlan)):
            if key in self.access:
                return self.access[key], f"networks.access.{key}"
        if self.trunk is not None:
            return f"{self.trunk}.{vlan}", f"networks.trunk {self.trunk}"
        return None


def parse_uplinks(value: Any, where: str) -> Uplinks:
    """A host's ``networks:`` as ``Uplinks``; IntentError naming the entry and how to write it."""
    example = "write networks: {trunk: eth0} or networks: {access: {gaming: enp4s0}}"
    if value is None:
        return Uplinks()
    if not isinstance(value, Mapping):
        raise IntentError(f"{where}: expected a mapping with trunk and/or access; {example}")
    unknown = sorted(str(key) for key in value if key not in ("trunk", "access"))
    if unknown:
        raise IntentError(f"{where}: {', '.join(unknown)} is not a setting (trunk, access); {example}")
    trunk = value.get("trunk")
    if trunk is not None and not (isinstance(trunk, str) and _INTERFACE.match(trunk) and "." not in trunk):
        raise IntentError(f"{where}.trunk: {shown(trunk)} is not a NIC name (e.g. eth0, enp3s0); the plan adds "
                          "the .<VLAN tag> itself")
    access = value.get("access") or {}
    if not isinstance(access, Mapping):
        raise IntentError(f"{where}.access: expected segment: NIC pairs; {example}")
    for key, nic in access.items():
        if not (isinstance(nic, str) and _INTERFACE.match(nic)):
            raise IntentError(f"{where}.access.{key}: {shown(nic)} is not a NIC name (e.g. enp4s0, eth0.20)")
    return Uplinks(trunk=trunk, access={str(key): nic for key, nic in access.items()})


@dataclass(frozen=True)
class Placement:
    """The placement chosen for one container on a segment, and why (what the plan shows)."""

    driver: Literal["bridge", "macvlan"]
    parent: str | None
    reason: str

    def network_spec(self, name: str, subnet: str, gateway: str) -> dict[str, Any]:
        """The segment's Docker network: on a macvlan the firewall's interface address is the gateway."""
        spec: dict[str, Any] = {"name": name, "driver": self.driver, "subnet": subnet}
        if self.driver == "macvlan":
            spec.update(driver_options={"parent": self.parent}, gateway=gateway)
        return {**spec, "state": "present"}

    def shown(self, *, segment: str, vlan: int, address: str, endpoint: str, published: list[str]) -> dict[str, Any]:
        """What the plan records of it (``Plan.placements``, the table's placement lines)."""
        if self.driver == "macvlan":
            where = (f"on VLAN {vlan} ({segment}) itself at {address}: macvlan on {self.parent} of {endpoint}; "
                     "no host ports published, the firewall's rules and DNS name are about the container")
        else:
            ports = ", ".join(published) or "nothing"
            where = f"behind {endpoint} on a bridge ({address} is private to the host), published on {ports}"
        return {"segment": segment, "driver": self.driver, "parent": self.parent, "address": address,
                "published": [] if self.driver == "macvlan" else published, "summary": f"{where}; {self.reason}"}


def place(
    requested: str | None, uplinks: Uplinks, *, segment: str, vlan: int, endpoint: str, where: str
) -> Placement:
    """Choose the placement: what ``network_driver`` asks for, else macvlan where the inventory declares how
    ``endpoint`` reaches the segment, else a bridge."""
    found = uplinks.parent_for(segment, vlan)
    if requested == "bridge":
        return Placement("bridge", None, "network_driver: bridge asks for it")
    if found is not None:
        parent, entry = found
        return Placement("macvlan", parent, f"{endpoint} declares {entry}")
    if requested == "macvlan":
        raise IntentError(
            f"{where}.network_driver: macvlan needs the NIC through which {endpoint} reaches segment "
            f"{shown(segment)} (VLAN {vlan}); declare it in the inventory under {endpoint}: networks: "
            f"{{access: {{{segment}: NIC}}}} or networks: {{trunk: NIC}}, or leave network_driver out for a bridge"
        )
    return Placement("bridge", None,
                     f"{endpoint} declares no NIC on segment {segment} (networks: in the inventory), so the "
                     "firewall sees the host, not the container")
