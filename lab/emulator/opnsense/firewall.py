"""Firewall filter rules and aliases: ``/api/firewall/filter/*`` and ``/api/firewall/alias/*``.

Reference §3 and §4, modelled on 26.7 (sequence 1-999999 defaulting to max + 100, multi-value
networks, ``inet46``). Savepoint/rollback exist up to 26.1 only; in 25.7 mode the savepoint's
revision is printed with two decimals while the backup keeps four, so ``revert`` does not find
it, which is the real defect of §3.7 (core #10721) reproduced on purpose.
"""

from __future__ import annotations

import copy
import ipaddress
import re
from collections.abc import Callable
from typing import Any

from lab.emulator.opnsense.core import Appliance, Call, Handler, Router, UserError, reconfigure
from lab.emulator.opnsense.fields import Bool, Field, Integer, Option, Text, is_cidr, is_ip, split_csv
from lab.emulator.opnsense.interfaces import interface_names
from lab.emulator.opnsense.model import Collection, Item

__all__ = [
    "ALIASES",
    "FILTER_PARTS",
    "GENERATED_RULES",
    "RULES",
    "filter_get",
    "register",
    "register_filter_base",
]

PROTOCOLS = ("any", "TCP", "UDP", "TCP/UDP", "ICMP", "IPV6-ICMP", "ESP", "AH", "GRE", "IGMP", "OSPF", "PIM", "SCTP")
#: PortField's well-known services (name → port), as the "A service name is also possible" message lists them.
PORT_NAMES = {
    "afs3-fileserver": 7000, "aol": 5190, "auth": 113, "avt-profile-1": 5004, "cvsup": 5999, "domain": 53,
    "ftp": 21, "hbci": 3000, "http": 80, "https": 443, "igmpv3lite": 465, "imap": 143, "imaps": 993,
    "ipsec-msft": 10000, "ipsec-nat-t": 4500, "isakmp": 500, "l2f": 1701, "ldap": 389, "microsoft-ds": 445,
    "ms-streaming": 1755, "ms-wbt-server": 3389, "msnp": 1863, "nat-stun-port": 3478, "netbios-dgm": 138,
    "netbios-ns": 137, "netbios-ssn": 139, "nntp": 119, "ntp": 123, "openvpn": 1194, "pop3": 110, "pop3s": 995,
    "pptp": 1723, "radius": 1812, "radius-acct": 1813, "rfb": 5900, "sip": 5060, "smtp": 25, "snmp": 161,
    "snmptrap": 162, "ssh": 22, "submission": 587, "telnet": 23, "teredo": 3544, "tftp": 69, "urd": 465,
    "wins": 1512,
}  # fmt: skip
#: The names a PortField accepts: PHP's ``['any'] + names`` union keeps "any" at index 0 and so drops the
#: first well-known name (afs3-fileserver), which the message still lists.
ACCEPTED_PORT_NAMES = frozenset({"any", *PORT_NAMES} - {"afs3-fileserver"})
_ALIAS_NAME = re.compile(r"^(?!_[_0-9])[A-Za-z_][A-Za-z0-9_]{0,30}$")
_RESERVED = {"any", "in", "out", "pass", "block", "table", "all", "self", "tcp", "udp", "http", "https", "ssh", "icmp"}


def alias_names(app: Appliance) -> dict[str, str]:
    return {item["name"]: item["type"] for item in app.config.get("aliases", {}).values()}


def _interfaces(app: Appliance) -> dict[str, str]:
    return interface_names(app)


def _valid_port(value: str, app: Appliance) -> bool:
    if value == "" or value in ACCEPTED_PORT_NAMES or alias_names(app).get(value) == "port":
        return True
    low, dash, high = value.partition("-")
    if not low.isdigit() or (dash and not high.isdigit()):
        return False
    if dash:
        return 1 <= int(low) < int(high) <= 65535
    return 1 <= int(low) <= 65535


class PortField(Field):
    def valid(self, value: str, app: Appliance) -> bool:
        return _valid_port(value, app)


class NetworkAliasField(Field):
    """``any``, ``(self)``, interface names (``lan``/``lanip``), aliases, IPs and CIDRs, comma-separated."""

    def valid(self, value: str, app: Appliance) -> bool:
        interfaces = set(_interfaces(app))
        allowed = {"any", "(self)"} | interfaces | {f"{name}ip" for name in interfaces} | set(alias_names(app))
        return all(part in allowed or is_ip(part) or is_cidr(part) for part in split_csv(value))


def _family(value: str) -> int | None:
    try:
        return ipaddress.ip_network(value, strict=False).version
    except ValueError:
        return None


_LEGACY_ACTIONS = {"block": "Block", "pass": "Pass", "reject": "Reject"}
_LEGACY_DIRECTIONS = {"in": "In", "out": "Out", "any": "Any"}
_LEGACY_FAMILIES = {"inet": "IPv4", "inet6": "IPv6", "inet46": ""}


class RuleCollection(Collection):
    key = "rule"
    section = ("filter", "rules")
    sort = "sequence"
    legacy_columns = ("enabled", "sequence", "description", "action")
    fields = {
        "enabled": Bool("1"),
        "sequence": Integer(
            required=True, minimum=1, maximum=999999, message="Sequence shall be between 1 and 999999."
        ),
        "action": Option({"pass": "Pass", "block": "Block", "reject": "Reject"}, default="pass", required=True),
        "quick": Bool("1"),
        "interface": Option(_interfaces, multiple=True),
        "interfacenot": Bool("0"),
        "direction": Option({"in": "In", "out": "Out"}, default="in", required=True),
        "ipprotocol": Option({"inet": "IPv4", "inet6": "IPv6", "inet46": "IPv4+IPv6"}, default="inet", required=True),
        "protocol": Option({name: name for name in PROTOCOLS}, default="any", required=True),
        "statetype": Option(
            {k: k for k in ("keep", "sloppy", "modulate", "synproxy", "none")}, default="keep", required=True
        ),
        "source_net": NetworkAliasField("any", message="Please specify a valid network, host or alias."),
        "source_not": Bool("0"),
        "source_port": PortField(message="Please specify a valid portnumber, name, alias or range"),
        "destination_net": NetworkAliasField("any", message="Please specify a valid network, host or alias."),
        "destination_not": Bool("0"),
        "destination_port": PortField(message="Please specify a valid portnumber, name, alias or range"),
        "gateway": Option({}, message="Specify a valid gateway from the list matching the networks ip protocol."),
        "log": Bool("0"),
        "categories": Text(),
        "description": Text(),
    }

    def defaults(self, app: Appliance) -> Item:
        item = super().defaults(app)
        sequences = [int(rule["sequence"]) for rule in self.items(app).values() if rule["sequence"].isdigit()]
        item["sequence"] = str(min(999999, max(sequences, default=0) + 100))
        return item

    def validate(self, app: Appliance, uuid: str, item: Item) -> dict[str, list[str]]:
        messages: dict[str, list[str]] = {}
        tcp_udp = item["protocol"] in ("TCP", "UDP", "TCP/UDP")
        for side in ("source", "destination"):
            if item[f"{side}_port"] not in ("", "any") and not tcp_udp:
                messages.setdefault(f"{side}_port", []).append(
                    f"{side.capitalize()} ports are only valid for tcp or udp type rules."
                )
            nets = split_csv(item[f"{side}_net"])
            if "any" in nets and len(nets) > 1:
                messages.setdefault(f"{side}_net", []).append("Any can not be combined with other aliases")
            if item[f"{side}_not"] == "1" and len(nets) > 1:
                messages.setdefault(f"{side}_net", []).append("Inverting sources is only allowed for single targets")
            wanted = {"inet": {4}, "inet6": {6}, "inet46": {4, 6}}.get(item["ipprotocol"], {4})
            if any(_family(net) not in (None, *wanted) for net in nets if is_ip(net) or is_cidr(net)):
                messages.setdefault(f"{side}_net", []).append(
                    f"{side.capitalize()} address type should match selected TCP/IP protocol version."
                )
        if item["interfacenot"] == "1" and len(split_csv(item["interface"])) != 1:
            messages.setdefault("interfacenot", []).append("Inverting interfaces is only allowed for single targets.")
        return messages

    def extra_rows(self, app: Appliance, call: Call) -> list[dict[str, Any]]:
        # Internal rules: 26.7 always merges them in, 26.1 only with show_all=1 (FilterController).
        if app.series < (26, 7) and not call.arg("show_all"):
            return []
        rows = [row for generate in GENERATED_RULES for row in generate(app)]
        wanted = set(split_csv(str(call.arg("interface") or "")))
        if wanted:
            rows = [row for row in rows if not row["interface"] or wanted & set(split_csv(row["interface"]))]
        # Then legacy fields are translated for display, the interface to its description included.
        names = _interfaces(app)
        shown = {"%action": _LEGACY_ACTIONS, "%direction": _LEGACY_DIRECTIONS, "%ipprotocol": _LEGACY_FAMILIES}
        for row in rows:
            row["interface"] = ",".join(names.get(name, name) for name in split_csv(row["interface"]))
            for column, texts in shown.items():
                row[column] = texts.get(row[column], row[column])
        return rows

    def row_filter(self, app: Appliance, call: Call, uuid: str, item: Item) -> bool:
        # 25.1.5+: without ``interface`` only floating rules (no or several interfaces) are listed.
        interfaces = split_csv(item["interface"])
        wanted = call.arg("interface")
        if not wanted:
            return len(interfaces) != 1
        return len(interfaces) == 1 and interfaces[0] in str(wanted).split(",")


class AliasContent(Field):
    """Newline list validated per alias type (AliasContentField)."""

    def check(self, value: str, app: Appliance) -> list[str]:
        return []  # validated by the collection, which knows the type


class AliasCollection(Collection):
    key = "alias"
    section = ("aliases",)
    sort = "name"
    legacy_columns = ("enabled", "name", "description", "type", "content")
    fields = {
        "enabled": Bool("1"),
        "name": Text(required=True),
        "type": Option(
            {
                k: k.capitalize()
                for k in (
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
                )
            },
            default="alert",
            required=True,
        ),
        "proto": Option({"IPv4": "IPv4", "IPv6": "IPv6"}, multiple=True),
        "content": AliasContent(),
        "counters": Bool("0"),
        "updatefreq": Text(mask=r"[0-9]*(\.[0-9]+)?", message="Update frequency should be a number."),
        "categories": Text(),
        "description": Text(),
    }

    def render(self, app: Appliance, item: Item) -> dict[str, Any]:
        rendered = super().render(app, item)
        entries = {line: {"value": line, "selected": 1} for line in item["content"].split("\n") if line}
        for other in self.items(app).values():
            if other["name"] != item["name"] and other["name"] not in entries:
                entries[other["name"]] = {"value": other["name"], "selected": 0, "description": other["description"]}
        rendered["content"] = entries
        return rendered

    def validate(self, app: Appliance, uuid: str, item: Item) -> dict[str, list[str]]:
        messages: dict[str, list[str]] = {}
        name = item["name"]
        if name and (not _ALIAS_NAME.match(name) or name.lower() in _RESERVED):
            messages["name"] = [
                "The name must be less than 32 characters long and may only consist of the following"
                " characters: a-z, A-Z, 0-9, _"
            ]
        if any(key != uuid and other["name"] == name for key, other in self.items(app).items()):
            messages.setdefault("name", []).append("An alias with this name already exists.")
        others = alias_names(app)
        check = {
            "host": lambda v: is_ip(v.lstrip("!")) or bool(re.fullmatch(r"[A-Za-z0-9.-]+", v)) or v in others,
            "network": lambda v: is_cidr(v.lstrip("!")) or is_ip(v.lstrip("!")) or v in others,
            "port": lambda v: _valid_port(v.replace(":", "-"), app),
            "networkgroup": lambda v: others.get(v) in ("network", "host", "networkgroup"),
            "mac": lambda v: bool(re.fullmatch(r"([0-9a-fA-F]{2}[:-]){1,5}[0-9a-fA-F]{2}", v)),
            "asn": lambda v: v.isdigit(),
            "geoip": lambda v: bool(re.fullmatch(r"[A-Z]{2}", v)),
        }.get(item["type"])
        if check is not None:
            for entry in filter(None, item["content"].split("\n")):
                if not check(entry):
                    messages.setdefault("content", []).append(
                        f'Entry "{entry}" is not a valid {item["type"]} address or alias.'
                    )
        return messages

    def _referrers(self, app: Appliance, name: str) -> list[str]:
        found = []
        for uuid, rule in RULES.items(app).items():
            for column in ("source_net", "destination_net", "source_port", "destination_port"):
                if name in split_csv(rule[column]):
                    found.append(f"Firewall - {rule['description'] or uuid} {{filter.rules.rule.{uuid}}}")
                    break
        for uuid, other in self.items(app).items():
            if other["name"] != name and name in other["content"].split("\n"):
                found.append(f"Alias - {other['name']} {{alias.aliases.alias.{uuid}}}")
        return found

    def before_delete(self, app: Appliance, uuid: str, item: Item) -> None:
        users = self._referrers(app, item["name"])
        if users:
            raise UserError(f"Cannot delete alias. Currently in use by {', '.join(users)}", "Alias in use")

    def after_write(self, app: Appliance, uuid: str, old: Item | None, new: Item | None) -> None:
        # Alias::refactor: a rename rewrites every reference to the old name.
        if old is None or new is None or old["name"] == new["name"]:
            return
        for rule in RULES.items(app).values():
            for column in ("source_net", "destination_net", "source_port", "destination_port"):
                rule[column] = ",".join(
                    new["name"] if part == old["name"] else part for part in rule[column].split(",")
                )
        for other in self.items(app).values():
            lines = other["content"].split("\n")
            other["content"] = "\n".join(new["name"] if line == old["name"] else line for line in lines)


RULES = RuleCollection()
ALIASES = AliasCollection()

#: The Filter model's other parts (``general``, ``snatrules``, ``onetoone``), added by the areas serving
#: them (nat.py); each gives ``{part: rendered}`` for ``filter/get``.
FILTER_PARTS: list[Callable[[Appliance], dict[str, Any]]] = []
#: Rules OPNsense generates from other areas' config (a port forward's "Register rule"), which
#: ``filter/searchRule`` lists read-only next to the model's own; each gives search rows.
GENERATED_RULES: list[Callable[[Appliance], list[dict[str, Any]]]] = []


def filter_get(app: Appliance, call: Call) -> Any:
    """The Filter model's ``get``: rules and every NAT section (also ``one_to_one/get``)."""
    if call.is_post:
        return []
    rules = {uuid: RULES.render(app, item) for uuid, item in RULES.items(app).items()}
    model: dict[str, Any] = {"rules": {"rule": rules}}
    model.update({name: {"rule": {}} for name in ("snatrules", "npt", "onetoone")})
    for part in FILTER_PARTS:
        model.update(part(app))
    return {"filter": model}


def _alias_get(app: Appliance, call: Call) -> Any:
    if call.is_post:
        return []
    aliases = {uuid: ALIASES.render(app, item) for uuid, item in ALIASES.items(app).items()}
    return {"alias": {"aliases": {"alias": aliases}}}


def _apply(app: Appliance, call: Call) -> dict[str, str]:
    if not call.is_post:
        return {"status": "error"}
    if call.params and app.series <= (26, 1):
        app.state.setdefault("rollback_timers", {})[call.params[0]] = True
    app.apply("filter")
    return {"status": "OK\n\n"}


def _savepoint(app: Appliance, call: Call) -> dict[str, str]:
    if not call.is_post:
        return {"status": "error"}
    backup_id = app.save("savepoint")
    stamp = float(backup_id[len("config-") : -len(".xml")])
    revision = f"{stamp:.2f}" if app.series >= (25, 7) else f"{stamp:.4f}"
    return {"status": "ok", "retention": "60", "revision": revision}


def _cancel_rollback(app: Appliance, call: Call) -> dict[str, Any]:
    timers = app.state.setdefault("rollback_timers", {})
    return {"status": "\n\n" if timers.pop(call.params[0], None) else None}


def _revert(app: Appliance, call: Call) -> dict[str, str]:
    if not call.is_post:
        return {"status": "error"}
    saved = app.backup(f"config-{call.params[0]}.xml")
    if saved is None:
        return {"status": "unknown (or removed) savepoint"}
    app.config["filter"] = copy.deepcopy(saved.get("filter", {}))  # only the Filter section
    app.save("revert filter")
    app.apply("filter")
    return {"status": "ok"}


def _alias_uuid(app: Appliance, call: Call) -> Any:
    for uuid, item in ALIASES.items(app).items():
        if item["name"] == call.params[0]:
            return {"uuid": uuid}
    return []


def register_filter_base(
    router: Router,
    controller: str,
    available: Callable[[tuple[int, int]], bool] = lambda series: True,
    revert: Handler = _revert,
) -> None:
    """What every FilterBaseController child inherits: ``apply`` (the whole ruleset: filter, NAT) and,
    up to 26.1, the savepoint family (removed in 26.7, core #10411). ``available`` gates the controller."""
    until_26_1 = lambda series: available(series) and series <= (26, 1)  # noqa: E731
    router.add("firewall", controller, "apply", _apply, available=available)
    router.add("firewall", controller, "savepoint", _savepoint, available=until_26_1)
    router.add("firewall", controller, "cancelRollback", _cancel_rollback, nparams=1, available=until_26_1)
    router.add("firewall", controller, "revert", revert, nparams=1, available=until_26_1)


def register(router: Router) -> None:
    RULES.register(router, "firewall", "filter", "Rule")
    router.add("firewall", "filter", "get", filter_get)
    register_filter_base(router, "filter")
    ALIASES.register(router, "firewall", "alias", "Item")
    router.add("firewall", "alias", "get", _alias_get)
    router.add("firewall", "alias", "getAliasUUID", _alias_uuid, nparams=1)
    router.add("firewall", "alias", "reconfigure", reconfigure("aliases"))
