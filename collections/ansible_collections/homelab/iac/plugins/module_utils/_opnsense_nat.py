# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""The NAT rule classes: port forwards (DNat), outbound NAT and one-to-one NAT, with their modules' specs.

All three are rule lists like the filter rules, so each is a ``NamedRule``: identified by a name
turned into a fixed uuid (in a namespace of its own per kind) or adopted by ``uuid``. Port
forwards are their own model (``DNat``, mounted at ``/nat/rule``, OPNsense 26.1+) with nested
``source.*``/``destination.*`` fields, a ``disabled`` flag and lower-cased protocols; outbound
and one-to-one rules are the Filter model's ``snatrules`` and ``onetoone`` lists, spelled like
filter rules. Each controller has its own apply call (all of them reload the packet filter).
"""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from ansible_collections.homelab.iac.plugins.module_utils._opnsense_resource import (
    NAMED_RULE_ARGS,
    Attr,
    Kind,
    NamedRule,
    Observed,
    collapse,
)

#: Where the model leaves a value blank for "any" / "the default", the option says so in a word.
ANY = {"any": ""}
DEFAULT = {"default": ""}

#: Source and destination as outbound and one-to-one rules spell them (single values, Filter model).
_ENDS: dict[str, dict[str, Any]] = {
    "source_net": {"type": "str", "default": "any"},
    "source_not": {"type": "bool", "default": False},
    "destination_net": {"type": "str", "default": "any"},
    "destination_not": {"type": "bool", "default": False},
}


class NatPortForward(NamedRule):
    """A port forward (destination NAT, ``rdr``) of the 26.1+ DNat model.

    ``filter_rule`` is the model's ``pass``: ``manual`` (blank, the GUI's advised default) makes no
    filter rule, ``pass`` lets the redirect itself pass the traffic, ``register`` has OPNsense add
    a pass rule to the target at the end of the rule set.
    """

    namespace = uuidlib.UUID("0e6f9a34-52c1-4b8d-a7e0-3d9c6b1f2a85")
    item_kind = Kind(
        "nat_port_forward",
        "firewall",
        "d_nat",
        "Rule",
        "rule",
        "d_nat",
        "firewall/d_nat/apply",
        ("DNat", "rule"),
        since="26.1",
        feature="port forwarding",
    )
    attrs = (
        Attr("description", "descr"),
        Attr("sequence", "sequence", "int"),
        Attr("enabled", "disabled", "bool", inverted=True),
        Attr("interface", "interface", "set"),
        Attr("ipprotocol", "ipprotocol", values=ANY),
        Attr("protocol", "protocol", values=ANY),
        Attr("source_net", "source.network", values=ANY),
        Attr("source_port", "source.port"),
        Attr("source_not", "source.not", "bool"),
        Attr("destination_net", "destination.network", values=ANY),
        Attr("destination_port", "destination.port"),
        Attr("destination_not", "destination.not", "bool"),
        Attr("target", "target"),
        Attr("local_port", "local-port"),
        Attr("natreflection", "natreflection", values=DEFAULT),
        Attr("filter_rule", "pass", values={"manual": "", "register": "rule"}),
        Attr("nordr", "nordr", "bool"),
        Attr("poolopts", "poolopts", values=DEFAULT),
        Attr("log", "log", "bool"),
    )
    argument_spec: dict[str, dict[str, Any]] = {
        **NAMED_RULE_ARGS,
        "interface": {"type": "list", "elements": "str", "default": []},
        "ipprotocol": {"type": "str", "default": "any", "choices": ["any", "inet", "inet6", "inet46"]},
        "protocol": {"type": "str", "default": "any"},
        "source_net": {"type": "str", "default": "any"},
        "source_port": {"type": "str", "default": ""},
        "source_not": {"type": "bool", "default": False},
        "destination_net": {"type": "str", "default": "any"},
        "destination_port": {"type": "str", "default": ""},
        "destination_not": {"type": "bool", "default": False},
        "target": {"type": "str", "default": ""},
        "local_port": {"type": "str", "default": ""},
        "natreflection": {"type": "str", "default": "default", "choices": ["default", "purenat", "disable"]},
        "filter_rule": {"type": "str", "default": "manual", "choices": ["manual", "pass", "register"]},
        "nordr": {"type": "bool", "default": False},
        "poolopts": {
            "type": "str",
            "default": "default",
            "choices": [
                "default",
                "round-robin",
                "round-robin sticky-address",
                "random",
                "random sticky-address",
                "source-hash",
                "bitmask",
            ],
        },
    }

    def protocol(self, value: str) -> str:
        # DNat's protocol field lower-cases what it stores (ChangeCase lower), "any" included.
        return value.lower()


class NatOutbound(NamedRule):
    """An outbound (source NAT) rule: the Filter model's ``snatrules``."""

    namespace = uuidlib.UUID("6a2d8c47-91b3-4e5f-8c06-b4e7d2a9f130")
    item_kind = Kind(
        "nat_outbound",
        "firewall",
        "source_nat",
        "Rule",
        "rule",
        "source_nat",
        "firewall/source_nat/apply",
        ("filter", "snatrules", "rule"),
        model_controller="filter",
    )
    attrs = (
        Attr("description", "description"),
        Attr("sequence", "sequence", "int"),
        Attr("enabled", "enabled", "bool"),
        Attr("nonat", "nonat", "bool"),
        Attr("interface", "interface"),
        Attr("ipprotocol", "ipprotocol"),
        Attr("protocol", "protocol"),
        Attr("source_net", "source_net"),
        Attr("source_not", "source_not", "bool"),
        Attr("source_port", "source_port"),
        Attr("destination_net", "destination_net"),
        Attr("destination_not", "destination_not", "bool"),
        Attr("destination_port", "destination_port"),
        Attr("target", "target"),
        Attr("target_port", "target_port"),
        Attr("staticnatport", "staticnatport", "bool"),
        Attr("log", "log", "bool"),
    )
    argument_spec: dict[str, dict[str, Any]] = {
        **NAMED_RULE_ARGS,
        "nonat": {"type": "bool", "default": False},
        "interface": {"type": "str", "default": "lan"},
        "ipprotocol": {"type": "str", "default": "inet", "choices": ["inet", "inet6"]},
        "protocol": {"type": "str", "default": "any"},
        **_ENDS,
        "source_port": {"type": "str", "default": ""},
        "destination_port": {"type": "str", "default": ""},
        "target": {"type": "str"},
        "target_port": {"type": "str", "default": ""},
        "staticnatport": {"type": "bool", "default": False},
    }

    def read(self) -> Observed | None:
        if self.params.get("state", "present") == "present":
            self._warn_about_the_mode()
        return super().read()

    def _warn_about_the_mode(self) -> None:
        """26.7 applies manual outbound rules only in hybrid or advanced mode; say so when it is neither.

        The mode comes with the Filter model's ``get`` the rules are read from (``general.snat_mode``,
        26.7 only: earlier releases always apply manual rules), so knowing it costs no request.
        """
        general = (self.session.cache.model(self.item_kind).get("filter") or {}).get("general") or {}
        mode = collapse(general.get("snat_mode"))
        mode = mode[0] if isinstance(mode, list) and mode else mode
        if mode in ("automatic", "disabled"):
            warning = (
                f"outbound NAT mode is {mode}: OPNsense applies manual outbound rules only in hybrid or advanced "
                "mode (Firewall > NAT > Source NAT), so this rule has no effect until the mode is changed"
            )
            if warning not in self.session.warnings:
                self.session.warnings.append(warning)


class NatOneToOne(NamedRule):
    """A one-to-one NAT rule (``binat`` or ``nat``): the Filter model's ``onetoone``."""

    namespace = uuidlib.UUID("c41b7e95-0d28-4a6f-9e3c-58f1a2b6d4e7")
    item_kind = Kind(
        "nat_one_to_one",
        "firewall",
        "one_to_one",
        "Rule",
        "rule",
        "one_to_one",
        "firewall/one_to_one/apply",
        ("filter", "onetoone", "rule"),
        model_controller="filter",
    )
    attrs = (
        Attr("description", "description"),
        Attr("sequence", "sequence", "int"),
        Attr("enabled", "enabled", "bool"),
        Attr("interface", "interface"),
        Attr("type", "type"),
        Attr("source_net", "source_net"),
        Attr("source_not", "source_not", "bool"),
        Attr("destination_net", "destination_net"),
        Attr("destination_not", "destination_not", "bool"),
        Attr("external", "external"),
        Attr("natreflection", "natreflection", values=DEFAULT),
        Attr("log", "log", "bool"),
    )
    argument_spec: dict[str, dict[str, Any]] = {
        **NAMED_RULE_ARGS,
        "interface": {"type": "str", "default": "wan"},
        "type": {"type": "str", "default": "binat", "choices": ["binat", "nat"]},
        **_ENDS,
        "source_net": {"type": "str"},
        "external": {"type": "str"},
        "natreflection": {"type": "str", "default": "default", "choices": ["default", "enable", "disable"]},
    }


NAT_KINDS: dict[str, type[NamedRule]] = {
    "nat_port_forward": NatPortForward,
    "nat_outbound": NatOutbound,
    "nat_one_to_one": NatOneToOne,
}

__all__ = ["NAT_KINDS", "NatOneToOne", "NatOutbound", "NatPortForward"]
