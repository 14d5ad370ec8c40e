"""``network_segment``: a VLAN with its interface, DHCP, local domain and a baseline firewall policy.

The segment's fields live in ``SegmentFields`` so other intents (``game_server``, ``dev_environment``)
accept the same fields inline; ``segment_resources`` is the one expansion both paths use.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from planner.core.refs import ref
from planner.core.resources import Resource
from planner.errors import shown
from planner.intents.base import ExpansionContext, Facts, Intent, StackRef, intent_meta

__all__ = [
    "INTERNAL_NETWORKS",
    "INTERNAL_NETWORKS_ALIAS",
    "InlineSegment",
    "NetworkSegmentIntent",
    "Segment",
    "SegmentFields",
    "SegmentRole",
    "firewall_rule",
    "resolve_segment",
    "segment_for",
    "segment_outputs",
    "segment_resources",
    "wan_rule",
]

SegmentRole = Literal["trusted", "guest", "iot", "dmz", "management"]

# The private ranges every internal segment lives in; one alias shared by all segments' rules.
INTERNAL_NETWORKS_ALIAS = "iac_internal_networks"
INTERNAL_NETWORKS = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]

# Lab default: the emulated firewall's unassigned NIC (vtnet0 is WAN, vtnet1 LAN). Set `parent` to your
# trunk NIC (igc1, ix0, lagg0, ...) on a real firewall.
DEFAULT_PARENT = "vtnet2"


def _network(value: str) -> ipaddress.IPv4Network:
    try:
        network = ipaddress.IPv4Network(value, strict=True)
    except ipaddress.AddressValueError:
        raise ValueError(f"{shown(value)} is not an IPv4 network; write it like 10.0.20.0/24") from None
    except ValueError:
        try:
            hint = f"; did you mean {ipaddress.IPv4Network(value, strict=False)}?"
        except ValueError:
            hint = "; write it like 10.0.20.0/24"
        raise ValueError(f"{shown(value)} is not a network address (host bits are set){hint}") from None
    if network.prefixlen > 29:
        raise ValueError(f"{shown(value)} is too small for a segment; use a /29 or larger, e.g. a /24")
    return network


def _address_in(value: str, network: ipaddress.IPv4Network | None, what: str) -> ipaddress.IPv4Address:
    try:
        address = ipaddress.IPv4Address(value)
    except ValueError:
        raise ValueError(f"{shown(value)} is not an IPv4 address") from None
    if network is not None:
        if address not in network:
            raise ValueError(f"{what} {value} is outside the segment's subnet {network}")
        if address in (network.network_address, network.broadcast_address):
            raise ValueError(f"{what} {value} is the network or broadcast address of {network}; pick a host")
    return address


def _subnet_of(info: ValidationInfo) -> ipaddress.IPv4Network | None:
    subnet = info.data.get("subnet")
    return ipaddress.IPv4Network(subnet) if isinstance(subnet, str) else None


class SegmentFields(BaseModel):
    """The fields of a network segment, shared by ``network_segment`` and inline ``segment:`` mappings."""

    vlan: int = Field(description="VLAN tag, 1-4094.")
    subnet: str = Field(description="IPv4 network of the segment in CIDR form, e.g. 10.0.20.0/24.")
    gateway: str | None = Field(
        default=None, description="Firewall address on the segment (gateway, DNS); default: the first host."
    )
    dhcp_range: str | None = Field(
        default=None,
        description="DHCP pool as FIRST-LAST; default: the upper half of the subnet (without the broadcast).",
    )
    domain: str | None = Field(default=None, description="Local DNS domain; default: <name>.home.arpa.")
    role: SegmentRole = Field(
        default="guest", description="trusted, guest, iot, dmz or management; policy rules read it."
    )
    isolated: bool = Field(
        default=False, description="When true the segment reaches only the internet, no other internal network."
    )
    parent: str = Field(
        default=DEFAULT_PARENT,
        pattern=r"^[a-z][a-z0-9_.]*$",
        description=f"Physical parent NIC of the VLAN on the firewall; default {DEFAULT_PARENT} (the lab's free NIC).",
    )
    management: str = Field(
        default="lan",
        description="The management network the segment must not reach: an interface name (lan), alias or CIDR.",
    )
    endpoint: str | None = Field(default=None, description="OPNsense endpoint; default: the only one there is.")

    @field_validator("vlan")
    @classmethod
    def _vlan(cls, value: int) -> int:
        if not 1 <= value <= 4094:
            raise ValueError(f"VLAN tag {shown(value)} is outside 1-4094 (0 and 4095 are reserved); pick a free tag")
        return value

    @field_validator("subnet")
    @classmethod
    def _subnet(cls, value: str) -> str:
        return str(_network(value))

    @field_validator("gateway")
    @classmethod
    def _gateway(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            _address_in(value, _subnet_of(info), "gateway")
        return value

    @field_validator("dhcp_range")
    @classmethod
    def _dhcp_range(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return value
        first, sep, last = value.replace(" ", "").partition("-")
        if not sep:
            raise ValueError(f"{shown(value)} is not a range; write it like 10.0.20.100-10.0.20.199")
        network = _subnet_of(info)
        low = _address_in(first, network, "dhcp_range start")
        high = _address_in(last, network, "dhcp_range end")
        if low > high:
            raise ValueError(f"{shown(value)}: the start is after the end")
        gateway = info.data.get("gateway") or (str(network.network_address + 1) if network else None)
        if gateway and low <= ipaddress.IPv4Address(gateway) <= high:
            raise ValueError(f"{shown(value)} contains the gateway {gateway}; start the pool after it")
        return f"{low}-{high}"


class InlineSegment(SegmentFields):
    """A segment written inline in another intent: the network_segment fields plus its name."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,30}$", description="Name of the segment.")


@dataclass(frozen=True)
class Segment:
    """A segment with every default filled in and its endpoint resolved: what expansions build on."""

    name: str
    vlan: int
    network: ipaddress.IPv4Network
    gateway: ipaddress.IPv4Address
    pool: tuple[ipaddress.IPv4Address, ipaddress.IPv4Address]
    domain: str
    role: str
    isolated: bool
    parent: str
    management: str
    endpoint: str

    @property
    def vlan_address(self) -> str:
        return f"opnsense.vlan.{self.name}"

    @property
    def interface_address(self) -> str:
        return f"opnsense.interface.{self.name}"

    @property
    def dhcp_address(self) -> str:
        return f"opnsense.dhcp_subnet.{self.name}"

    def interface(self) -> dict[str, str]:
        """A reference to the segment's logical interface name (``optN``), known once it is assigned."""
        return ref(self.interface_address, "identifier")

    def host(self, number: int) -> ipaddress.IPv4Address:
        return self.network.network_address + number

    def check_address(self, value: str, field_path: str) -> ipaddress.IPv4Address:
        """``value`` as a host of this segment that is not its gateway; ValueError naming the problem."""
        address = _address_in(value, self.network, field_path)
        if address == self.gateway:
            raise ValueError(f"{field_path} {value} is the segment's gateway; pick another host")
        return address

    def meta(self) -> dict[str, str]:
        return {"segment": self.name, "segment_role": self.role}


def resolve_segment(fields: SegmentFields, name: str, context: ExpansionContext) -> Segment:
    """Fill in the defaults of ``fields`` (gateway, pool, domain) and resolve the OPNsense endpoint."""
    network = ipaddress.IPv4Network(fields.subnet)
    gateway = ipaddress.IPv4Address(fields.gateway) if fields.gateway else network.network_address + 1
    if fields.dhcp_range:
        first, _, last = fields.dhcp_range.partition("-")
        pool = (ipaddress.IPv4Address(first), ipaddress.IPv4Address(last))
    else:
        half = network.num_addresses // 2
        pool = (network.network_address + half, network.broadcast_address - 1)
        if gateway >= pool[0]:
            pool = (gateway + 1, pool[1])
    endpoint = context.endpoints.resolve("opnsense", fields.endpoint, context.where)
    return Segment(
        name=name, vlan=fields.vlan, network=network, gateway=gateway, pool=pool,
        domain=fields.domain or f"{name}.home.arpa", role=fields.role, isolated=fields.isolated,
        parent=fields.parent, management=fields.management, endpoint=endpoint,
    )


def firewall_rule(
    name: str, endpoint: str, spec: dict[str, Any], meta: dict[str, Any], origin: str,
    depends_on: tuple[str, ...] = (),
) -> Resource:
    """An ``opnsense.firewall_rule`` named ``name`` (its stable identity on the firewall)."""
    return Resource(
        kind="opnsense.firewall_rule", name=name, endpoint=endpoint,
        spec={"name": name, **spec, "state": "present"}, meta=meta, origin=origin, depends_on=depends_on,
    )


def wan_rule(name: str, endpoint: str, intent: Intent, protocol: str, port: str, what: str) -> Resource:
    """Allow the internet to ``port`` on the firewall itself (a frontend, a VPN); built only when asked for."""
    return firewall_rule(
        f"{name}-wan", endpoint,
        {"interface": ["wan"], "source_net": ["any"], "destination_net": ["wanip"], "protocol": protocol,
         "destination_port": port, "description": f"{name}: {what}", "sequence": 150, "action": "pass"},
        intent_meta(intent, source_segment="internet", source_role="wan", destination_segment="firewall",
                    destination_role="firewall", wan_exposure=True, wan_exposure_requested=True),
        intent.name,
    )


def segment_resources(segment: Segment, intent: Intent) -> list[Resource]:
    """VLAN → interface → Kea subnet, the internal-networks alias, and the segment's baseline rules.

    Rules on the segment's interface, first match wins: allow DNS to the firewall; block the management
    network (unless this is the management segment); allow (or, when isolated, block) other internal
    networks; allow the internet (everything that is not internal).
    """
    origin = intent.name
    meta = intent_meta(intent, **segment.meta())
    endpoint = segment.endpoint
    vlan = Resource(
        kind="opnsense.vlan", name=segment.name, endpoint=endpoint, origin=origin, meta=meta,
        spec={"parent": segment.parent, "tag": segment.vlan, "description": f"{segment.name} ({segment.role})",
              "state": "present"},
    )
    interface = Resource(
        kind="opnsense.interface", name=segment.name, endpoint=endpoint, origin=origin, meta=meta,
        spec={"device": ref(vlan.address, "device"), "description": segment.name.upper().replace("-", "_"),
              "state": "present"},
    )
    dhcp = Resource(
        kind="opnsense.dhcp_subnet", name=segment.name, endpoint=endpoint, origin=origin, meta=meta,
        depends_on=(interface.address,),
        spec={
            "subnet": str(segment.network),
            "pools": [f"{segment.pool[0]}-{segment.pool[1]}"],
            "routers": [str(segment.gateway)],
            "dns_servers": [str(segment.gateway)],
            "domain_name": segment.domain,
            "description": f"{segment.name} segment",
            "state": "present",
        },
    )
    alias = Resource(
        kind="opnsense.alias", name=INTERNAL_NETWORKS_ALIAS, endpoint=endpoint, origin=origin,
        spec={"name": INTERNAL_NETWORKS_ALIAS, "type": "network", "content": list(INTERNAL_NETWORKS),
              "description": "Private networks (homelab-iac baseline policy)", "state": "present"},
    )
    on_segment = {"interface": [segment.interface()], "source_net": [segment.interface()]}

    def rule_meta(destination: str, role: str) -> dict[str, Any]:
        return intent_meta(
            intent, **segment.meta(), source_segment=segment.name, source_role=segment.role,
            destination_segment=destination, destination_role=role, wan_exposure=False,
        )

    rules = [
        firewall_rule(
            f"{segment.name}-dns", endpoint,
            {**on_segment, "description": f"{segment.name}: DNS to the firewall", "sequence": 100,
             "action": "pass", "protocol": "TCP/UDP", "destination_net": ["(self)"], "destination_port": "53"},
            rule_meta("firewall", "firewall"), origin,
        )
    ]
    if segment.role != "management":
        rules.append(firewall_rule(
            f"{segment.name}-block-management", endpoint,
            {**on_segment, "description": f"{segment.name}: no access to the management network",
             "sequence": 200, "action": "block", "destination_net": [segment.management]},
            rule_meta("management", "management"), origin,
        ))
    internal_action = "block" if segment.isolated else "pass"
    rules.append(firewall_rule(
        f"{segment.name}-{internal_action}-internal", endpoint,
        {**on_segment, "sequence": 300, "action": internal_action,
         "description": f"{segment.name}: {'no access to' if segment.isolated else 'reach'} other internal networks",
         "destination_net": [INTERNAL_NETWORKS_ALIAS]},
        rule_meta("internal", "internal"), origin, depends_on=(alias.address,),
    ))
    rules.append(firewall_rule(
        f"{segment.name}-internet", endpoint,
        {**on_segment, "description": f"{segment.name}: internet access", "sequence": 400, "action": "pass",
         "destination_net": [INTERNAL_NETWORKS_ALIAS], "destination_not": True},
        rule_meta("internet", "wan"), origin, depends_on=(alias.address,),
    ))
    return [vlan, interface, dhcp, alias, *rules]


class NetworkSegmentIntent(SegmentFields, Intent):
    """A VLAN segment on OPNsense: interface, Kea DHCP, local domain and a baseline firewall policy."""

    summary: ClassVar[str] = (
        "A VLAN on OPNsense with its interface, Kea DHCP range, local domain and a baseline firewall policy "
        "(internet yes, management no, other segments only unless isolated)."
    )
    example: ClassVar[str] = """\
kind: network_segment
name: gaming
vlan: 20
subnet: 10.0.20.0/24
role: guest
isolated: true
# gateway: 10.0.20.1                    # default: the first host
# dhcp_range: 10.0.20.128-10.0.20.254   # default: the upper half of the subnet
# domain: gaming.home.arpa              # default: <name>.home.arpa
# parent: vtnet2                        # the firewall's trunk NIC (lab: vtnet2)
"""

    kind: Literal["network_segment"]
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,30}$", description="Name of the segment (also the VLAN's).")

    def segment(self, context: ExpansionContext) -> Segment:
        return resolve_segment(self, self.name, context)

    def expand(self, context: ExpansionContext) -> list[Resource]:
        return segment_resources(self.segment(context), self)

    def outputs(self, context: ExpansionContext, facts: Facts) -> dict[str, Any]:
        return segment_outputs(self.segment(context), facts)


def segment_outputs(segment: Segment, facts: Facts) -> dict[str, Any]:
    """A segment's outputs: its VLAN, addressing and domain, and the device and logical interface (``optN``)
    the firewall gave it (known once applied)."""
    return {
        "vlan": segment.vlan, "subnet": str(segment.network), "gateway": str(segment.gateway),
        "dhcp_range": f"{segment.pool[0]}-{segment.pool[1]}", "domain": segment.domain, "role": segment.role,
        "device": facts.get(segment.vlan_address, "device"),
        "interface": facts.get(segment.interface_address, "identifier"),
    }


def segment_for(
    value: str | StackRef | InlineSegment, intent: Intent, context: ExpansionContext, field_path: str = "segment"
) -> tuple[Segment, list[Resource]]:
    """The segment an intent lives on, and the resources to create when it is written inline.

    A name refers to a ``network_segment`` intent of the same file (which creates the segment itself),
    ``{stack, name}`` to one another stack deployed (which owns it); a mapping creates the segment as part
    of ``intent``.
    """
    if isinstance(value, str | StackRef):
        sibling = context.declared(value, "network_segment", field_path)
        assert isinstance(sibling, NetworkSegmentIntent)
        return sibling.segment(context), []
    segment = resolve_segment(value, value.name, context)
    return segment, segment_resources(segment, intent)
