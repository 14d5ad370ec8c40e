"""Kea DHCPv4 (``/api/kea/*``) and Unbound host overrides (``/api/unbound/*``): reference §5.1 and §6.

Kea's model-level ``get`` leaves subnets and reservations out, so clients must search them; and
while a subnet's ``option_data_autocollect`` is 1, every save of the model rewrites its routers,
DNS and NTP servers with the firewall's own address inside the subnet (the idempotency trap).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from lab.emulator.opnsense.core import Appliance, Call, Router, UserError, reconfigure
from lab.emulator.opnsense.fields import AsList, Bool, Field, Integer, Option, Text, is_cidr, is_ip
from lab.emulator.opnsense.interfaces import interface_names, interface_networks
from lab.emulator.opnsense.model import Collection, Item

__all__ = ["HOSTS", "RESERVATIONS", "SUBNETS", "register"]

_MAC = re.compile(r"^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$")
_DOMAIN = re.compile(
    r"^(?:(?:[a-zA-Z0-9_]|[a-zA-Z0-9_][a-zA-Z0-9_\-]*[a-zA-Z0-9_])\.)*(?:[a-zA-Z0-9_]|[a-zA-Z0-9_][a-zA-Z0-9_\-]*[a-zA-Z0-9_])$"
)


class Pools(Field):
    def check(self, value: str, app: Appliance) -> list[str]:
        messages = []
        for entry in filter(None, (line.strip() for line in value.split("\n"))):
            start, dash, end = entry.partition("-")
            ok = is_cidr(entry) if not dash else is_ip(start.strip()) and is_ip(end.strip())
            if not ok:
                messages.append(f'Entry "{entry}" is not a valid range or subnet.')
        return messages


def _subnet_options(app: Appliance) -> dict[str, str]:
    return {uuid: item["subnet"] for uuid, item in app.config["kea"]["subnets"].items()}


class SubnetCollection(Collection):
    key = "subnet4"
    section = ("kea", "subnets")
    sort = "subnet"
    legacy_columns = ("subnet", "pools", "description")
    fields = {
        "subnet": Text(required=True),
        "next_server": Text(),
        "option_data_autocollect": Bool("1"),
        "option_data.domain_name_servers": AsList(item=is_ip, message="Please specify a valid IP address."),
        "option_data.domain_search": Text(),
        "option_data.routers": AsList(item=is_ip, message="Please specify a valid IP address."),
        "option_data.static_routes": Text(),
        "option_data.domain_name": Text(),
        "option_data.ntp_servers": AsList(item=is_ip, message="Please specify a valid IP address."),
        "option_data.time_servers": AsList(item=is_ip),
        "option_data.tftp_server_name": Text(),
        "option_data.boot_file_name": Text(),
        "option_data.v6_only_preferred": Text(),
        "match-client-id": Bool("1"),
        "pools": Pools(),
        "description": Text(),
    }

    def validate(self, app: Appliance, uuid: str, item: Item) -> dict[str, list[str]]:
        if item["subnet"] and not is_cidr(item["subnet"]):
            return {"subnet": ["Invalid subnet."]}
        messages: dict[str, list[str]] = {}
        network = ipaddress.ip_network(item["subnet"], strict=False) if item["subnet"] else None
        for entry in filter(None, (line.strip() for line in item["pools"].split("\n"))):
            start = entry.split("-")[0].split("/")[0].strip()
            if network is not None and is_ip(start) and ipaddress.ip_address(start) not in network:
                messages.setdefault("pools", []).append(f'Entry "{entry}" is not a valid range or subnet.')
        return messages

    def after_write(self, app: Appliance, uuid: str, old: Item | None, new: Item | None) -> None:
        autocollect(app)


def autocollect(app: Appliance) -> None:
    """KeaDhcpv4::setNodes: option data of autocollect subnets follows the firewall's own address."""
    addresses = interface_networks(app)
    for subnet in app.config["kea"]["subnets"].values():
        if subnet.get("option_data_autocollect") != "1" or not is_cidr(subnet["subnet"]):
            continue
        network = ipaddress.ip_network(subnet["subnet"], strict=False)
        own = [str(address.ip) for address in addresses.values() if address.ip in network]
        if own:
            for name in ("routers", "domain_name_servers", "ntp_servers"):
                subnet[f"option_data.{name}"] = own[0]


class ReservationCollection(Collection):
    key = "reservation"
    section = ("kea", "reservations")
    sort = "hw_address"
    legacy_columns = ("subnet", "ip_address", "hw_address", "hostname", "description")
    fields = {
        "subnet": Option(_subnet_options, required=True),
        "ip_address": Text(required=True),
        "hw_address": Text(required=True),
        "hostname": Text(mask=r"[a-zA-Z0-9.-]{0,253}", message="A valid hostname must be specified."),
        "description": Text(),
    }

    def validate(self, app: Appliance, uuid: str, item: Item) -> dict[str, list[str]]:
        messages: dict[str, list[str]] = {}
        if item["hw_address"] and not _MAC.match(item["hw_address"]):
            messages["hw_address"] = ["Invalid MAC address."]
        subnet = app.config["kea"]["subnets"].get(item["subnet"])
        if item["ip_address"]:
            if not is_ip(item["ip_address"]):
                messages["ip_address"] = ["Please specify a valid IP address."]
            elif subnet and ipaddress.ip_address(item["ip_address"]) not in ipaddress.ip_network(
                subnet["subnet"], strict=False
            ):
                messages["ip_address"] = ["Address not in specified subnet"]
        for key, other in self.items(app).items():
            if key == uuid:
                continue
            if other["ip_address"] == item["ip_address"]:
                messages.setdefault("ip_address", []).append("Duplicate entry exists")
            if other["subnet"] == item["subnet"] and other["hw_address"].lower() == item["hw_address"].lower():
                messages.setdefault("hw_address", []).append("Duplicate entry exists")
        return messages


class SubnetsWithReservations(SubnetCollection):
    def before_delete(self, app: Appliance, uuid: str, item: Item) -> None:
        for key, reservation in app.config["kea"]["reservations"].items():
            if reservation["subnet"] == uuid:
                raise UserError(
                    f"Item in use by: Kea DHCPv4 - {reservation['hw_address']}"
                    f" {{dhcpv4.reservations.reservation.{key}}}",
                    "Item in use by",
                )


SUBNETS = SubnetsWithReservations()
RESERVATIONS = ReservationCollection()

_GENERAL_FIELDS: dict[str, Field] = {
    "enabled": Bool("0"),
    "manual_config": Bool("0"),
    "interfaces": Option(interface_names, multiple=True),
    "valid_lifetime": Integer("4000", minimum=0),
    "fwrules": Bool("1"),
    "dhcp_socket_type": Option({"raw": "Raw", "udp": "UDP"}, default="raw", required=True),
}


def _kea_get(app: Appliance, call: Call) -> Any:
    if call.is_post:
        return []
    general = app.config["kea"]["general"]
    rendered = {name: spec.render(general.get(name, spec.default), app) for name, spec in _GENERAL_FIELDS.items()}
    ha = {"enabled": "0", "this_server_name": "", "max_unacked_clients": "2"}
    return {"dhcpv4": {"general": rendered, "ha": ha}}  # subnets and reservations left out (§1.5)


def _kea_set(app: Appliance, call: Call) -> dict[str, Any]:
    posted = call.body.get("dhcpv4")
    if not call.is_post or not isinstance(posted, dict):
        return {"result": "failed"}
    general = dict(app.config["kea"]["general"])
    for name, spec in _GENERAL_FIELDS.items():
        if name in posted.get("general", {}):
            general[name] = spec.clean(posted["general"][name])
    messages = {
        f"dhcpv4.general.{n}": m[0]
        for n, s in _GENERAL_FIELDS.items()
        if (m := s.check(general.get(n, s.default), app))
    }
    if messages:
        return {"result": "failed", "validations": messages}
    app.config["kea"]["general"] = general
    autocollect(app)
    app.save("kea general settings")
    return {"result": "saved"}


class HostOverrideCollection(Collection):
    key = "host"
    section = ("unbound", "hosts")
    sort = "hostname"
    legacy_columns = ("enabled", "hostname", "domain", "rr", "mxprio", "mx", "server", "description")
    fields = {
        "enabled": Bool("1"),
        "hostname": Text(
            mask=r"(\*|[a-zA-Z0-9_-]+(\.[a-zA-Z0-9_-]+)*)?", message="A valid hostname must be specified."
        ),
        "domain": Text(required=True),
        "rr": Option(
            {"A": "A (IPv4 address)", "AAAA": "AAAA (IPv6 address)", "MX": "MX (Mail server)"},
            default="A",
            required=True,
        ),
        "mxprio": Integer(minimum=0, maximum=65535),
        "mx": Text(),
        "server": Text(),
        "ttl": Integer(minimum=0, maximum=2147483647),
        "description": Text(),
    }

    def validate(self, app: Appliance, uuid: str, item: Item) -> dict[str, list[str]]:
        messages: dict[str, list[str]] = {}
        if item["domain"] and not _DOMAIN.match(item["domain"]):
            messages["domain"] = ["A valid domain must be specified."]
        if item["rr"] in ("A", "AAAA"):
            if not item["server"]:
                messages["server"] = ["The field IP address is required."]
            elif not is_ip(item["server"]) or ipaddress.ip_address(item["server"]).version != (
                4 if item["rr"] == "A" else 6
            ):
                messages["server"] = [
                    "A valid IP address must be specified."
                    if not is_ip(item["server"])
                    else f"The address type does not match record type {item['rr']}."
                ]
        if item["rr"] == "MX" and (not item["mx"] or not item["mxprio"]):
            messages["mx"] = ["MX records require a host and priority."]
        return messages


HOSTS = HostOverrideCollection()


def _status(area: str, enabled: Any) -> Any:
    def status(app: Appliance, call: Call) -> dict[str, str]:
        return {"status": "running" if enabled(app) else "disabled"}

    return status


def register(router: Router) -> None:
    SUBNETS.register(router, "kea", "dhcpv4", "Subnet", toggle=False)
    RESERVATIONS.register(router, "kea", "dhcpv4", "Reservation", toggle=False)
    router.add("kea", "dhcpv4", "get", _kea_get)
    router.add("kea", "dhcpv4", "set", _kea_set)
    router.add("kea", "service", "reconfigure", reconfigure("kea"))
    router.add(
        "kea", "service", "status", _status("kea", lambda app: app.running["kea"]["general"].get("enabled") == "1")
    )
    HOSTS.register(router, "unbound", "settings", "HostOverride")
    router.add(
        "unbound",
        "settings",
        "get",
        lambda app, call: (
            []
            if call.is_post
            else {"unbound": {"hosts": {"host": {u: HOSTS.render(app, i) for u, i in HOSTS.items(app).items()}}}}
        ),
    )
    router.add("unbound", "service", "reconfigure", reconfigure("unbound"))
    router.add("unbound", "service", "status", _status("unbound", lambda app: True))
