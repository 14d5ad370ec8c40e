# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""The OPNsense resource classes, one per thing, with the argument spec of the module behind each.

Each class is data for the engine (kind, attributes, identity) plus the few overrides its API
needs: the firewall rule's stable uuid, the reservation's subnet reference, the assignment's
logical name. ``KINDS`` maps the batch's ``kind`` names to (class, argument spec).
"""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from ansible_collections.homelab.iac.plugins.module_utils._opnsense_nat import NAT_KINDS
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_proxy_vpn import (
    HaproxyBackend,
    HaproxyFrontend,
    HaproxyServer,
    WireguardPeer,
    WireguardServer,
)
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_resource import (
    NAMED_RULE_ARGS,
    STATE,
    Attr,
    Kind,
    NamedRule,
    Observed,
    OpnsenseItem,
    require,
    stable_uuid,
)

# A fixed namespace: the same rule name gives the same uuid on every firewall and every run.
RULE_NAMESPACE = uuidlib.UUID("5b0c1c52-8f7e-4a36-9c55-6f2d1d0e7a11")


def rule_uuid(name: str) -> str:
    """The uuid of the filter rule called ``name`` (``setRule`` upserts under it, §1.8)."""
    return stable_uuid(RULE_NAMESPACE, name)


class Vlan(OpnsenseItem):
    """An 802.1Q VLAN device on a parent NIC, identified by (parent, tag)."""

    item_kind = Kind(
        "vlan",
        "interfaces",
        "vlan_settings",
        "Item",
        "vlan",
        "vlans",
        "interfaces/vlan_settings/reconfigure",
        ("vlan", "vlan"),
    )
    attrs = (
        Attr("parent", "if"),
        Attr("tag", "tag", "int"),
        Attr("pcp", "pcp", "int"),
        Attr("proto", "proto"),
        Attr("description", "descr"),
        Attr("device", "vlanif"),
    )
    identity = ("parent", "tag")
    argument_spec: dict[str, dict[str, Any]] = {
        "parent": {"type": "str", "required": True},
        "tag": {"type": "int", "required": True},
        "pcp": {"type": "int", "default": 0},
        "proto": {"type": "str", "default": "", "choices": ["", "802.1q", "802.1ad"]},
        "description": {"type": "str", "default": ""},
        "device": {"type": "str"},
        "state": STATE,
    }

    def generate(self, view: dict[str, Any]) -> dict[str, Any]:
        """No device given: the next free ``vlan0<n>`` (``qinq0<n>`` on a VLAN parent), reference §2.3.

        This is the name OPNsense would pick for an empty ``vlanif``; sending it makes the device
        name in the returned facts exact without reading the VLANs again.
        """
        if view.get("device") is not None:
            return view
        # Search rows show an assigned device as "vlan01 [GUEST]"; the model-level get does not.
        vlans = self.session.cache.items(self.item_kind).values()
        used = {str(item.get("vlanif") or "").split(" ", maxsplit=1)[0] for item in vlans}
        parent = str(view["parent"])
        prefix = "qinq" if parent in used or parent.startswith(("vlan", "qinq")) else "vlan"
        number = 1
        while f"{prefix}0{number}" in used:
            number += 1
        return {**view, "device": f"{prefix}0{number}"}


class InterfaceAssignment(OpnsenseItem):
    """A device assigned as a logical interface (``opt1``...); 26.7+ only, addressing has no API."""

    item_kind = Kind(
        "interface",
        "interfaces",
        "assignment",
        "Item",
        "assignment",
        "interfaces",
        "interfaces/assignment/reconfigure",
        since="26.7",
        feature="interface assignment",
    )
    attrs = (Attr("device", "if"), Attr("description", "descr"), Attr("locked", "lock", "bool"))
    identity = ("device",)
    argument_spec: dict[str, dict[str, Any]] = {
        "device": {"type": "str", "required": True},
        "description": {"type": "str", "required": True},
        "locked": {"type": "bool", "default": False},
        "state": STATE,
    }

    def facts(self, observed: Observed | None) -> dict[str, Any]:
        facts = super().facts(observed)
        if facts:
            facts["identifier"] = facts["uuid"]  # items are keyed by logical name, not uuid
        return facts


class Alias(OpnsenseItem):
    """A firewall alias, identified by its unique name."""

    item_kind = Kind(
        "alias",
        "firewall",
        "alias",
        "Item",
        "alias",
        "aliases",
        "firewall/alias/reconfigure",
        ("alias", "aliases", "alias"),
    )
    attrs = (
        Attr("name", "name"),
        Attr("type", "type"),
        Attr("content", "content", "lines"),
        Attr("description", "description"),
        Attr("enabled", "enabled", "bool"),
    )
    identity = ("name",)
    argument_spec: dict[str, dict[str, Any]] = {
        "name": {"type": "str", "required": True},
        "type": {
            "type": "str",
            "default": "host",
            "choices": [
                "host",
                "network",
                "port",
                "url",
                "urltable",
                "geoip",
                "networkgroup",
                "mac",
                "asn",
                "dynipv6host",
                "authgroup",
                "internal",
                "external",
                "urljson",
            ],
        },
        "content": {"type": "list", "elements": "str", "default": []},
        "description": {"type": "str", "default": ""},
        "enabled": {"type": "bool", "default": True},
        "state": STATE,
    }


class FirewallRule(NamedRule):
    """An MVC filter rule, identified by ``name`` (a fixed uuid) or adopted by ``uuid``."""

    namespace = RULE_NAMESPACE

    item_kind = Kind(
        "firewall_rule",
        "firewall",
        "filter",
        "Rule",
        "rule",
        "filter",
        "firewall/filter/apply",
        ("filter", "rules", "rule"),
    )
    attrs = (
        Attr("description", "description"),
        Attr("sequence", "sequence", "int"),
        Attr("action", "action"),
        Attr("quick", "quick", "bool"),
        Attr("interface", "interface", "set"),
        Attr("direction", "direction"),
        Attr("ipprotocol", "ipprotocol"),
        Attr("protocol", "protocol"),
        Attr("source_net", "source_net", "set"),
        Attr("source_not", "source_not", "bool"),
        Attr("source_port", "source_port"),
        Attr("destination_net", "destination_net", "set"),
        Attr("destination_not", "destination_not", "bool"),
        Attr("destination_port", "destination_port"),
        Attr("log", "log", "bool"),
        Attr("enabled", "enabled", "bool"),
    )
    identity = ()
    argument_spec: dict[str, dict[str, Any]] = {
        **NAMED_RULE_ARGS,
        "action": {"type": "str", "default": "pass", "choices": ["pass", "block", "reject"]},
        "quick": {"type": "bool", "default": True},
        "interface": {"type": "list", "elements": "str", "default": []},
        "direction": {"type": "str", "default": "in", "choices": ["in", "out"]},
        "ipprotocol": {"type": "str", "default": "inet", "choices": ["inet", "inet6", "inet46"]},
        "protocol": {"type": "str", "default": "any"},
        "source_net": {"type": "list", "elements": "str", "default": ["any"]},
        "source_not": {"type": "bool", "default": False},
        "source_port": {"type": "str", "default": ""},
        "destination_net": {"type": "list", "elements": "str", "default": ["any"]},
        "destination_not": {"type": "bool", "default": False},
        "destination_port": {"type": "str", "default": ""},
    }


class DhcpSubnet(OpnsenseItem):
    """A Kea DHCPv4 subnet, identified by its CIDR."""

    item_kind = Kind("dhcp_subnet", "kea", "dhcpv4", "Subnet", "subnet4", "kea", "kea/service/reconfigure")
    attrs = (
        Attr("subnet", "subnet"),
        Attr("pools", "pools", "lines"),
        Attr("description", "description"),
        Attr("autocollect", "option_data_autocollect", "bool"),
        Attr("routers", "option_data.routers", "set"),
        Attr("dns_servers", "option_data.domain_name_servers", "set"),
        Attr("ntp_servers", "option_data.ntp_servers", "set"),
        Attr("domain_name", "option_data.domain_name"),
    )
    identity = ("subnet",)
    argument_spec: dict[str, dict[str, Any]] = {
        "subnet": {"type": "str", "required": True},
        "pools": {"type": "list", "elements": "str", "default": []},
        "description": {"type": "str", "default": ""},
        "autocollect": {"type": "bool", "default": False},
        "routers": {"type": "list", "elements": "str"},
        "dns_servers": {"type": "list", "elements": "str"},
        "ntp_servers": {"type": "list", "elements": "str"},
        "domain_name": {"type": "str"},
        "state": STATE,
    }

    def desired(self) -> dict[str, Any]:
        view = super().desired()
        if view["autocollect"]:
            # The firewall overwrites these on every save while autocollect is on (§5.1).
            view.update(routers=None, dns_servers=None, ntp_servers=None)
        return view

    def facts_known(self, view: dict[str, Any], created: bool) -> bool:
        # With autocollect the firewall rewrites the option data on every save.
        return super().facts_known(view, created) and not view["autocollect"]


class DhcpReservation(OpnsenseItem):
    """A Kea reservation, identified by (subnet CIDR, MAC address)."""

    item_kind = Kind(
        "dhcp_reservation", "kea", "dhcpv4", "Reservation", "reservation", "kea", "kea/service/reconfigure"
    )
    attrs = (
        Attr("subnet", "subnet"),
        Attr("hw_address", "hw_address"),
        Attr("ip_address", "ip_address"),
        Attr("hostname", "hostname"),
        Attr("description", "description"),
    )
    identity = ("subnet", "hw_address")
    argument_spec: dict[str, dict[str, Any]] = {
        "subnet": {"type": "str", "required": True},
        "hw_address": {"type": "str", "required": True, "aliases": ["mac"]},
        "ip_address": {"type": "str", "required": True},
        "hostname": {"type": "str", "default": ""},
        "description": {"type": "str", "default": ""},
        "state": STATE,
    }

    def _subnets(self) -> dict[str, str]:
        return {uuid: str(item.get("subnet")) for uuid, item in self.session.cache.items(DhcpSubnet.item_kind).items()}

    def current(self, observed: Observed) -> dict[str, Any]:
        view = super().current(observed)
        view["subnet"] = self._subnets().get(view["subnet"], view["subnet"])
        view["hw_address"] = view["hw_address"].lower()
        return view

    def desired(self) -> dict[str, Any]:
        view = super().desired()
        view["hw_address"] = view["hw_address"].lower().replace("-", ":")
        return view

    def body(self, view: dict[str, Any]) -> dict[str, Any]:
        by_cidr = {cidr: uuid for uuid, cidr in self._subnets().items()}
        require(view["subnet"] in by_cidr, f"dhcp_reservation {self.label()}: no Kea subnet {view['subnet']} exists")
        body = super().body(view)
        body["reservation"]["subnet"] = by_cidr[view["subnet"]]
        return body

    def check_create(self) -> None:
        # In check mode the subnet may be planned in the same batch; only a real write needs it.
        if not self.session.check_mode:
            self.body(self.desired())


class HostOverride(OpnsenseItem):
    """An Unbound host override (local DNS), identified by (hostname, domain, record type)."""

    item_kind = Kind(
        "host_override",
        "unbound",
        "settings",
        "HostOverride",
        "host",
        "unbound",
        "unbound/service/reconfigure",
        ("unbound", "hosts", "host"),
    )
    attrs = (
        Attr("hostname", "hostname"),
        Attr("domain", "domain"),
        Attr("rr", "rr"),
        Attr("server", "server"),
        Attr("mx", "mx"),
        Attr("mxprio", "mxprio", "int"),
        Attr("description", "description"),
        Attr("enabled", "enabled", "bool"),
    )
    identity = ("hostname", "domain", "rr")
    argument_spec: dict[str, dict[str, Any]] = {
        "hostname": {"type": "str", "required": True},
        "domain": {"type": "str", "required": True},
        "rr": {"type": "str", "default": "A", "choices": ["A", "AAAA", "MX"]},
        "server": {"type": "str", "default": ""},
        "mx": {"type": "str", "default": ""},
        "mxprio": {"type": "int"},
        "description": {"type": "str", "default": ""},
        "enabled": {"type": "bool", "default": True},
        "state": STATE,
    }


#: kind name → resource class, in apply order (what others reference comes first).
KINDS: dict[str, type[OpnsenseItem]] = {
    "vlan": Vlan,
    "interface": InterfaceAssignment,
    "alias": Alias,
    "firewall_rule": FirewallRule,
    **NAT_KINDS,
    "dhcp_subnet": DhcpSubnet,
    "dhcp_reservation": DhcpReservation,
    "host_override": HostOverride,
    "haproxy_server": HaproxyServer,
    "haproxy_backend": HaproxyBackend,
    "haproxy_frontend": HaproxyFrontend,
    "wireguard_server": WireguardServer,
    "wireguard_peer": WireguardPeer,
}

__all__ = ["KINDS", "rule_uuid"]
