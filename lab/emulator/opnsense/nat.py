"""NAT: port forwards (``/api/firewall/d_nat``), outbound NAT (``source_nat``) and one-to-one NAT (``one_to_one``).

Facts and their sources: docs/reference/opnsense-nat.md (opnsense/core at 25.7.5, 26.1.5 and 26.7.1). Port forwards are
their own model (DNat, config ``nat/rule``), 26.1+ only; outbound and one-to-one rules are the Filter model's
``snatrules`` and ``onetoone``, so they show in ``filter/get`` and the filter's savepoint/revert covers them,
while it does not cover port forwards. Every ``apply`` reloads the whole ruleset.

A port forward with ``pass: rule`` ("Register rule") makes OPNsense generate a pass rule at ruleset
generation; the Filter model never holds it, ``filter/searchRule`` lists it read-only (``generated_rules``).
A target outside every interface network is accepted, as the real API accepts it.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

from lab.emulator.opnsense.core import Appliance, Call, InternalError, Router
from lab.emulator.opnsense.fields import Bool, Field, Integer, Option, Text
from lab.emulator.opnsense.firewall import (
    FILTER_PARTS,
    GENERATED_RULES,
    filter_get,
    register_filter_base,
)
from lab.emulator.opnsense.interfaces import assignments, interface_names
from lab.emulator.opnsense.model import Collection, Item, natural
from lab.emulator.opnsense.nat_fields import Description, Network, NetworkSegment, Port, Protocol, StrictText

__all__ = ["ONE_TO_ONE", "OUTBOUND", "PORT_FORWARDS", "generated_rules", "register"]

_SEQUENCE = "Sequence shall be between 1 and 999999."
_TCP_UDP = ("tcp", "udp", "tcp/udp")
_MAPPED_PORT = "Please specify a valid port number, well-known name, alias or range."
_RULE_PORT = "Please specify a valid portnumber, name, alias or range."
#: The tag a revision of a port forward carries: $_SERVER['SCRIPT_NAME'] of the API dispatcher.
_CHANGED_BY = "/api/api.php made changes"
_STAMP = ("username", "time", "description")


def _since(major: int, minor: int) -> Callable[[tuple[int, int]], bool]:
    return lambda series: series >= (major, minor)


def _next_sequence(items: dict[str, Item]) -> str:
    # FilterSequenceField (DNatSequenceField alike): the highest sequence, at least 1, plus 100.
    sequences = [int(item["sequence"]) for item in items.values() if item.get("sequence", "").isdigit()]
    return str(max([1, *sequences]) + 100)


def _family(value: str) -> str:
    return "inet6" if ":" in value else "inet"


def network_meta(app: Appliance, names: str) -> list[dict[str, Any]]:
    """``alias_meta_<field>`` of a search row: what each comma item of a network or port value names."""
    known: dict[str, str] = {"any": "any", "(self)": "This Firewall"}
    word = "network" if app.series >= (26, 7) else "net"
    for name, descr in interface_names(app).items():
        known[name] = f"{descr} {word}"
        known[f"{name}ip"] = f"{descr} address"
    aliases = {item["name"]: item for item in app.config.get("aliases", {}).values()}
    meta = []
    for name in (part.strip() for part in names.split(",")):
        if name in aliases:
            meta.append({"description": aliases[name]["description"], "value": name, "%value": name, "isAlias": True})
        else:
            meta.append({"value": name, "%value": known.get(name, name), "isAlias": False, "description": ""})
    return meta


def _grid_extras(app: Appliance, row: dict[str, Any], columns: tuple[str, ...]) -> dict[str, Any]:
    row["category_colors"] = []  # no categories are modelled
    for column in columns:
        if row.get(column):
            row[f"alias_meta_{column}"] = network_meta(app, row[column])
    return row


# Port forwards (DNat) ---------------------------------------------------------------------------------


class PortForwardCollection(Collection):
    """``nat/rule``: the DNat model behind ``/api/firewall/d_nat`` (26.1+)."""

    key = "rule"
    section = ("nat", "rules")
    sort = "sequence"
    fields = {
        "sequence": Integer(required=True, minimum=1, maximum=999999, message=_SEQUENCE),
        "disabled": Bool("0", required=False),
        "nordr": Bool("0", required=False),
        "interface": Option(interface_names, multiple=True),
        "ipprotocol": Option({"inet": "IPv4", "inet6": "IPv6", "inet46": "IPv4+IPv6"}, blank="any"),
        "protocol": Protocol(lower=True),
        "source.network": Network(),
        "source.port": Port(message=_MAPPED_PORT),
        "source.not": Bool("0", required=False),
        "destination.network": Network(),
        "destination.port": Port(message=_MAPPED_PORT),
        "destination.not": Bool("0", required=False),
        "target": Network(),
        "local-port": Port(message="Please specify a valid port number or alias.", ranges=False),
        "poolopts": Option(
            {
                "round-robin": "Round Robin",
                "round-robin sticky-address": "Round Robin with Sticky Address",
                "random": "Random",
                "random sticky-address": "Random with Sticky Address",
                "source-hash": "Source Hash",
                "bitmask": "Bitmask",
            },
            blank="Default",
        ),
        "log": Bool("0", required=False),
        "category": Option(lambda app: {}, multiple=True),  # category names; no categories exist in the lab
        "descr": Description(),
        "tag": StrictText(strict_since=(26, 7)),
        "tagged": StrictText(strict_since=(26, 7)),
        "nosync": Bool("0", required=False),
        "natreflection": Option({"purenat": "Enable", "disable": "Disable"}, blank="Use system default"),
        "pass": Option({"pass": "Pass", "rule": "Register rule"}, blank="Manual"),
        "associated-rule-id": Text(),
        **{f"{stamp}.{part}": Text() for stamp in ("created", "updated") for part in _STAMP},
    }

    def defaults(self, app: Appliance) -> Item:
        item = super().defaults(app)
        item["sequence"] = _next_sequence(self.items(app))
        return item

    def prepare(self, app: Appliance, uuid: str, item: Item, posted: dict[str, Any], is_new: bool) -> None:
        # setRule/addRule drop a posted "created"; setBaseHook stamps "updated" (and "created" once).
        old = self.items(app).get(uuid) or self.defaults(app)
        stamp = {"username": "root", "time": f"{time.time():.2f}", "description": _CHANGED_BY}
        for part, value in stamp.items():
            item[f"created.{part}"] = old.get(f"created.{part}", "") or value
            item[f"updated.{part}"] = value
        item["associated-rule-id"] = ""  # DNatAssociatedRuleField flushes whatever is posted

    def validate(self, app: Appliance, uuid: str, item: Item) -> dict[str, list[str]]:
        messages: dict[str, list[str]] = {}
        for port in ("source.port", "destination.port", "local-port"):
            if item[port] and item["protocol"] not in _TCP_UDP:
                messages.setdefault(port, []).append("Ports are only valid for TCP or UDP type rules.")
        for address in ("source.network", "destination.network", "target"):
            value, wanted = item[address], item["ipprotocol"]
            if Network.is_address(value) and wanted in ("inet", "inet6") and _family(value) != wanted:
                messages.setdefault(address, []).append("Address type should match selected TCP/IP protocol version.")
        if app.series >= (26, 7) and item["nordr"] == "1":
            if item["target"]:
                messages.setdefault("target", []).append("Target must be empty when No RDR is set.")
            if item["local-port"]:
                messages.setdefault("local-port", []).append("Port must be empty when No RDR is set.")
        return messages

    def render(self, app: Appliance, item: Item) -> dict[str, Any]:
        rendered = super().render(app, item)
        for side in ("source", "destination"):
            rendered[side]["address"] = item.get(f"{side}.network", "")  # volatile mirror of network
        rendered["categories"] = ""  # volatile category uuids
        return rendered

    def row(self, app: Appliance, uuid: str, item: Item) -> dict[str, Any]:
        row = super().row(app, uuid, item)
        row["categories"] = ""
        if app.series >= (26, 7):
            row["sort_order"] = f"400000.0{int(item['sequence'] or 0):06d}"
            row["prio_group"] = "400000"
        columns = ("source.network", "source.port", "destination.network", "destination.port", "target", "local-port")
        return _grid_extras(app, row, columns)

    def search(self, app: Appliance, call: Call) -> dict[str, Any]:
        # The anti-lockout rows go in front of every page after paging, uncounted (DNatController).
        result = super().search(app, call)
        result["rows"] = [*anti_lockout_rows(app), *result["rows"]]
        return result

    def toggle(self, app: Appliance, call: Call) -> dict[str, Any]:
        """The opposite toggle: ``disabled``, answered without ``changed``, saved even when unchanged."""
        item = self.items(app).get(call.params[0]) if call.is_post else None
        if item is None:
            return {"result": "failed"}
        wanted = call.params[1] if len(call.params) > 1 else None
        item["disabled"] = wanted if wanted in ("0", "1") else ("0" if item["disabled"] == "1" else "1")
        app.save(f"{self.key} {call.params[0]} toggled")
        return {"result": "Disabled" if item["disabled"] == "1" else "Enabled"}


def anti_lockout_rows(app: Appliance) -> list[dict[str, Any]]:
    """The automatic rows a port-forward search shows: the GUI ports on the first of lan/optN/wan."""
    candidates = sorted(name for name in assignments(app) if name == "lan" or name == "wan" or name.startswith("opt"))
    if not candidates:
        return []
    interface = candidates[0]
    rows: list[dict[str, Any]] = []
    for index, port in enumerate(("80", "443")):  # https GUI plus its http redirect, sorted as PHP sorts them
        row: dict[str, Any] = {
            "uuid": f"lockout_{index}",
            "ipprotocol": "",
            "protocol": "tcp",
            "%protocol": "TCP",
            "disabled": "0",
            "nordr": "1",
            "interface": interface,
            "%interface": interface_names(app)[interface],
            "destination.network": f"{interface}ip",
            "destination.port": port,
            "alias_meta_destination.port": network_meta(app, port),
            "alias_meta_destination.network": network_meta(app, f"{interface}ip"),
            "descr": "Anti-Lockout Rule",
        }
        if app.series >= (26, 7):
            row.update(is_automatic=True, sort_order=f"100000.0{index:06d}", prio_group="100000")
        else:
            row["category"] = "Automatically generated rules"
        rows.insert(0, row)  # array_unshift, one after the other
    return rows


def generated_rules(app: Appliance) -> list[dict[str, Any]]:
    """The pass rules "Register rule" port forwards generate, as list_non_mvc_rules.php gives them to
    ``filter/searchRule`` (which translates the display fields).

    filter.lib.inc registers them at priority 500000, after every user rule, from the saved config;
    the filter model never holds them.
    """
    if app.series < (26, 1):
        return []
    rows = []
    forwards = sorted(PORT_FORWARDS.items(app).items(), key=lambda pair: int(pair[1]["sequence"] or 0))
    for sequence, (uuid, rule) in enumerate(
        ((uuid, rule) for uuid, rule in forwards if rule["disabled"] != "1" and rule["pass"] == "rule"), start=1
    ):
        port = rule["local-port"] or rule["destination.port"]
        low, dash, high = rule["destination.port"].partition("-")
        if rule["local-port"] and dash and low.isdigit() and high.isdigit() and rule["local-port"].isdigit():
            port = f"{rule['local-port']}-{int(high) - int(low) + int(rule['local-port'])}"
        rows.append(
            {
                "uuid": hashlib.md5(uuid.encode()).hexdigest(),  # a rule label (hash), not a model uuid
                "enabled": "1",
                "action": "pass",
                "%action": "pass",
                "direction": "in",
                "%direction": "in",
                "interface": rule["interface"],
                "ipprotocol": rule["ipprotocol"],
                "%ipprotocol": rule["ipprotocol"],
                "protocol": rule["protocol"],
                "%protocol": rule["protocol"].upper(),
                "source_net": rule["source.network"],
                "source_not": rule["source.not"] or "0",
                "source_port": rule["source.port"],
                "destination_net": rule["target"],
                "destination_not": "0",
                "destination_port": port,
                "description": rule["descr"],
                "log": rule["log"] == "1",
                "ref": "",
                "legacy": True,
                "is_automatic": True,
                "sort_order": f"500000.1{sequence:06d}",
                "category_colors": [],
            }
        )
    return rows


# The Filter model's NAT sections --------------------------------------------------------------------


class FilterNatCollection(Collection):
    """A NAT section of the Filter model (``filter.<section>.rule``), toggled on ``enabled``."""

    sort = "sequence"
    meta_columns: tuple[str, ...] = ()

    def fields_in(self, app: Appliance) -> dict[str, Field]:
        fields = dict(self.fields)
        if app.series < (26, 1):
            fields["sequence"] = Integer(
                default="1", required=True, minimum=1, maximum=99999, message="Provide a valid sequence for sorting."
            )
        return fields

    def defaults(self, app: Appliance) -> Item:
        item = super().defaults(app)
        if app.series >= (26, 1):
            item["sequence"] = _next_sequence(self.items(app))
        return item

    def _sort_order(self, app: Appliance, item: Item, target: dict[str, Any]) -> None:
        if app.series >= (26, 7):  # volatile fields of 26.7 (SourceNatRuleField)
            target["sort_order"] = f"400000.0{int(item.get('sequence') or 0):06d}"
            target["prio_group"] = "400000"

    def render(self, app: Appliance, item: Item) -> dict[str, Any]:
        rendered = super().render(app, item)
        self._sort_order(app, item, rendered)
        return rendered

    def row(self, app: Appliance, uuid: str, item: Item) -> dict[str, Any]:
        row = super().row(app, uuid, item)
        self._sort_order(app, item, row)
        return _grid_extras(app, row, self.meta_columns) if app.series >= (26, 1) else row


def _categories() -> Option:
    return Option(lambda app: {}, multiple=True, message="Related category not found.")


class OutboundNatCollection(FilterNatCollection):
    """``filter.snatrules.rule``: outbound NAT (``/api/firewall/source_nat``)."""

    key = "rule"
    section = ("filter", "snatrules")
    meta_columns = ("source_net", "source_port", "destination_net", "destination_port", "target", "target_port")
    fields = {
        "enabled": Bool("1"),
        "nonat": Bool("0"),
        "sequence": Integer(required=True, minimum=1, maximum=999999, message=_SEQUENCE),
        "interface": Option(interface_names, default="lan", required=True),
        "ipprotocol": Option({"inet": "IPv4", "inet6": "IPv6"}, default="inet", required=True),
        "protocol": Protocol(lower=False),
        "source_net": Network(default="any", required=True),
        "source_not": Bool("0"),
        "source_port": Port(message=_RULE_PORT),
        "destination_net": Network(default="any", required=True),
        "destination_not": Bool("0"),
        "destination_port": Port(message=_RULE_PORT),
        "target": Network(),
        "target_port": Port(alias=False),
        "log": Bool("0"),
        "categories": _categories(),
        "tagged": StrictText(mask=r"[0-9a-zA-Z.,_\-]{0,512}", strict_since=(26, 7)),
        "description": Description(),
    }

    def fields_in(self, app: Appliance) -> dict[str, Field]:
        fields = super().fields_in(app)
        if app.series >= (26, 1):
            fields["staticnatport"] = Bool("0", required=False)
        if app.series >= (26, 7):
            fields["nosync"] = Bool("0")
            fields["tag"] = StrictText(mask=r"[0-9a-zA-Z.,_\-]{0,512}", strict_since=(26, 7))
        else:
            fields["target"] = Network(default="wanip", required=True)
        return fields

    def validate(self, app: Appliance, uuid: str, item: Item) -> dict[str, list[str]]:
        messages: dict[str, list[str]] = {}
        tcp_udp = item["protocol"] in ("TCP", "UDP", "TCP/UDP")
        for side in ("source", "destination"):
            if item[f"{side}_port"] and not tcp_udp:
                messages.setdefault(f"{side}_port", []).append(
                    f"{side.capitalize()} ports are only valid for tcp or udp type rules."
                )
        for side in ("destination", "source"):
            value = item[f"{side}_net"]
            if Network.is_address(value) and _family(value) != item["ipprotocol"]:
                messages.setdefault(f"{side}_net", []).append(
                    f"{side.capitalize()} address type should match selected TCP/IP protocol version."
                )
        if app.series >= (26, 7) and item["target"] == "any":
            messages.setdefault("target", []).append("Target address cannot be any.")
        if Network.is_address(item["target"]) and _family(item["target"]) != item["ipprotocol"]:
            messages.setdefault("target", []).append(
                "Target address type should match selected TCP/IP protocol version."
            )
        if item["target_port"] and not tcp_udp:
            messages.setdefault("target_port", []).append("Target ports are only valid for tcp or udp type rules.")
        return messages

    def row(self, app: Appliance, uuid: str, item: Item) -> dict[str, Any]:
        if app.series < (26, 1):  # 25.7 searches only these columns
            full = super().row(app, uuid, item)
            return {k: v for k, v in full.items() if k.lstrip("%") in ("uuid", "enabled", "sequence", "description")}
        return super().row(app, uuid, item)

    # 26.7 lists by the outbound NAT mode: manual rules in hybrid/advanced, synthetic ones in automatic/hybrid,
    # sorted by sort_order (manual 400000.x before automatic 500000.x).
    def row_filter(self, app: Appliance, call: Call, uuid: str, item: Item) -> bool:
        return app.series < (26, 7) or snat_mode(app) in ("hybrid", "advanced")

    def extra_rows(self, app: Appliance, call: Call) -> list[dict[str, Any]]:
        if app.series < (26, 7) or snat_mode(app) not in ("automatic", "hybrid"):
            return []
        return automatic_outbound_rows(app)

    def sort_key(self, row: dict[str, Any]) -> Any:
        return natural(row["sort_order"]) if "sort_order" in row else super().sort_key(row)


class OneToOneCollection(FilterNatCollection):
    """``filter.onetoone.rule``: one-to-one NAT (``/api/firewall/one_to_one``)."""

    key = "rule"
    section = ("filter", "onetoone")
    meta_columns = ("source_net", "destination_net")
    fields = {
        "enabled": Bool("1"),
        "log": Bool("0"),
        "sequence": Integer(required=True, minimum=1, maximum=999999, message=_SEQUENCE),
        "interface": Option(interface_names, default="wan", required=True),
        "type": Option({"binat": "BINAT", "nat": "NAT"}, default="binat", required=True),
        "source_net": Network(required=True),
        "source_not": Bool("0"),
        "destination_net": Network(default="any", required=True),
        "destination_not": Bool("0"),
        "external": NetworkSegment(required=True),
        "natreflection": Option({"enable": "Enable", "disable": "Disable"}, blank="Default"),
        "categories": _categories(),
        "description": Description(),
    }

    def validate(self, app: Appliance, uuid: str, item: Item) -> dict[str, list[str]]:
        messages: dict[str, list[str]] = {}
        families: dict[str, str] = {}
        prefixes: dict[str, str] = {}
        for name in ("source_net", "destination_net", "external"):
            if Network.is_address(item[name]):
                families[name] = _family(item[name])
                default = "32" if families[name] == "inet" else "128"
                prefixes[name] = f"{item[name]}/{default}".split("/")[1]
        if len(set(families.values())) > 1:
            for name in families:
                messages.setdefault(name, []).append("IP protocol families should match.")
        if item["type"] == "binat" and item["enabled"] == "1":
            if "source_net" not in families:
                messages.setdefault("source_net", []).append("For BINAT rules only addresses or subnets are allowed.")
            elif prefixes.get("external") != prefixes["source_net"]:
                messages.setdefault("external", []).append("External subnet should match internal subnet.")
        return messages


PORT_FORWARDS = PortForwardCollection()
OUTBOUND = OutboundNatCollection()
ONE_TO_ONE = OneToOneCollection()

_SNAT_MODES = {
    "automatic": "Automatic Source NAT rule generation",
    "hybrid": "Hybrid Source NAT rule generation",
    "advanced": "Manual Source NAT rule generation",
    "disabled": "Disable Source NAT rule generation",
}
_SNAT_MODE = Option(_SNAT_MODES, default="automatic", required=True)


def snat_mode(app: Appliance) -> str:
    """``nat/outbound/mode`` as SNatModeField reads it: anything unknown is ``automatic``."""
    mode = str(app.config.get("nat", {}).get("outbound_mode", ""))
    return mode if mode in _SNAT_MODES else "automatic"


def automatic_outbound_rows(app: Appliance) -> list[dict[str, Any]]:
    """26.7's synthetic automatic outbound rows: per WAN (DHCP/PPPoE or a gateway), ISAKMP and the rest."""
    wans, sources = [], []
    for name, entry in assignments(app).items():
        address = entry.get("ipaddr", "")
        if address not in ("dhcp", "pppoe") and not Network.is_ipv4(address):
            continue
        if address in ("dhcp", "pppoe") or entry.get("gateway", "") not in ("", "none"):
            wans.append(name)
        else:
            sources.append(name)
    names = interface_names(app)
    rows: list[dict[str, Any]] = []
    for wan in wans:
        for uuid, port, static, text in (
            (f"automatic_isakmp_{wan}", "500", "1", "Auto created rule for ISAKMP"),
            (f"automatic_{wan}", "", "0", "Auto created rule"),
        ):
            sequence = len(rows) + 1
            rows.append(
                {
                    "uuid": uuid, "enabled": "1", "nonat": "0", "nosync": "0", "sequence": str(sequence),
                    "interface": wan, "%interface": names[wan], "ipprotocol": "inet", "%ipprotocol": "IPv4",
                    "protocol": "any", "%protocol": "*", "source_net": ",".join(sources), "source_not": "0",
                    "source_port": "", "destination_net": "any", "destination_not": "0", "destination_port": port,
                    "target": f"{wan}ip", "target_port": "", "staticnatport": static, "log": "0", "categories": "",
                    "tag": "", "tagged": "", "description": text, "is_automatic": True,
                    "sort_order": f"500000.0{sequence:06d}", "prio_group": "500000",
                }
            )  # fmt: skip
    return rows


def _filter_parts(app: Appliance) -> dict[str, Any]:
    parts: dict[str, Any] = {
        "snatrules": {"rule": {uuid: OUTBOUND.render(app, item) for uuid, item in OUTBOUND.items(app).items()}},
        "onetoone": {"rule": {uuid: ONE_TO_ONE.render(app, item) for uuid, item in ONE_TO_ONE.items(app).items()}},
    }
    if app.series >= (26, 7):
        parts["general"] = {"snat_mode": _SNAT_MODE.render(snat_mode(app), app)}
    return parts


def _source_nat_get(app: Appliance, call: Call) -> Any:
    if app.series < (26, 7):
        return filter_get(app, call)  # the whole Filter model, as filter/get
    if call.is_post:
        return []
    return {"filter": {"general": {"snat_mode": _SNAT_MODE.render(snat_mode(app), app)}}}


def _source_nat_set(app: Appliance, call: Call) -> dict[str, Any]:
    """26.7: ``set`` only takes ``filter.general.snat_mode`` (stored as ``nat/outbound/mode``)."""
    general = (call.body.get("filter") or {}).get("general") if call.is_post else None
    if not isinstance(general, dict):
        return {"result": "failed"}
    mode = _SNAT_MODE.clean(general.get("snat_mode", snat_mode(app)))
    messages = _SNAT_MODE.check(mode, app)
    if messages:
        return {"result": "failed", "validations": {"filter.general.snat_mode": messages[0]}}
    app.config.setdefault("nat", {})["outbound_mode"] = mode
    app.save("filter general updated")
    return {"result": "saved"}


def _dnat_get(app: Appliance, call: Call) -> Any:
    if call.is_post:
        return []
    rules = {uuid: PORT_FORWARDS.render(app, item) for uuid, item in PORT_FORWARDS.items(app).items()}
    return {"DNat": {"rule": rules}}


def _dnat_revert(app: Appliance, call: Call) -> dict[str, str]:
    """FilterBaseController::revertAction on the DNat model, which has no rollback(): a PHP fatal."""
    if not call.is_post:
        return {"status": "error"}
    if app.backup(f"config-{call.params[0]}.xml") is None:
        return {"status": "unknown (or removed) savepoint"}
    raise InternalError("Call to undefined method OPNsense\\Firewall\\DNat::rollback()")


def register(router: Router) -> None:
    since_26_1 = _since(26, 1)
    for command, handler, nparams in (
        ("searchRule", PORT_FORWARDS.search, 0),
        ("getRule", PORT_FORWARDS.get, 0),
        ("addRule", PORT_FORWARDS.add, 0),
        ("setRule", PORT_FORWARDS.set, 1),
        ("delRule", PORT_FORWARDS.delete, 1),
        ("toggleRule", PORT_FORWARDS.toggle, 1),
        ("get", _dnat_get, 0),
    ):
        router.add("firewall", "d_nat", command, handler, nparams=nparams, available=since_26_1)
    register_filter_base(router, "d_nat", available=since_26_1, revert=_dnat_revert)

    OUTBOUND.register(router, "firewall", "source_nat", "Rule")
    router.add("firewall", "source_nat", "get", _source_nat_get)
    router.add("firewall", "source_nat", "set", _source_nat_set, available=_since(26, 7))
    register_filter_base(router, "source_nat")

    ONE_TO_ONE.register(router, "firewall", "one_to_one", "Rule")
    router.add("firewall", "one_to_one", "get", filter_get)
    register_filter_base(router, "one_to_one")

    # Module-level hooks: every emulator in a process registers its routes, the hooks go in once.
    if _filter_parts not in FILTER_PARTS:
        FILTER_PARTS.append(_filter_parts)
    if generated_rules not in GENERATED_RULES:
        GENERATED_RULES.append(generated_rules)
