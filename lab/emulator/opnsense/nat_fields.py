"""Field types the NAT models use: ports, single network values, protocols, descriptions, strict text.

Each mirrors one OPNsense field type (``PortField``, ``NetworkAliasField``, ``NetworkField``,
``ProtocolField``, ``DescriptionField``, ``TextField``/``StrictTextField``) with the messages it gives;
see docs/reference/opnsense-nat.md for the sources.
"""

from __future__ import annotations

import re
from typing import Any

from lab.emulator.opnsense.core import Appliance
from lab.emulator.opnsense.fields import REQUIRED, Field, Option, is_ip
from lab.emulator.opnsense.firewall import ACCEPTED_PORT_NAMES, PORT_NAMES, PROTOCOLS, alias_names
from lab.emulator.opnsense.interfaces import interface_names

__all__ = ["Description", "Network", "NetworkSegment", "Port", "Protocol", "StrictText", "is_subnet"]

_PORT_NUMBER = re.compile(r"[1-9][0-9]{0,4}")
#: PortField's own message, for port fields the model gives none.
PORT_MESSAGE = (
    "Please specify a valid port number (1-65535). A service name is also possible (" + ", ".join(PORT_NAMES) + ")."
)


def is_subnet(value: str) -> bool:
    """Util::isSubnet: an address, a slash and a prefix length in range; host bits may be set."""
    address, slash, prefix = value.partition("/")
    if not slash or not prefix.isdigit() or not is_ip(address):
        return False
    return int(prefix) <= (128 if ":" in address else 32)


def _port_number(value: str) -> bool:
    return bool(_PORT_NUMBER.fullmatch(value)) and int(value) <= 65535


class Port(Field):
    """PortField with well-known names: one port, a name or ``any``, an ``a-b`` range (a < b), a port alias."""

    def __init__(self, message: str | None = None, ranges: bool = True, alias: bool = True) -> None:
        super().__init__(message=message or PORT_MESSAGE)
        self.ranges = ranges
        self.alias = alias

    def clean(self, raw: Any) -> str:
        value = super().clean(raw)
        name = value.strip().lower()
        return name if name in ACCEPTED_PORT_NAMES else value

    def valid(self, value: str, app: Appliance) -> bool:
        if value in ACCEPTED_PORT_NAMES or _port_number(value):
            return True
        if self.alias and alias_names(app).get(value) == "port":
            return True
        low, dash, high = value.partition("-")
        return self.ranges and bool(dash) and _port_number(low) and _port_number(high) and int(low) < int(high)


class Network(Field):
    """NetworkAliasField, one value: ``any``, ``(self)``, an interface's net or address (``lan``, ``lanip``),
    a non-port alias, an IP or a CIDR."""

    @staticmethod
    def is_address(value: str) -> bool:
        return is_ip(value) or is_subnet(value)

    @staticmethod
    def is_ipv4(value: str) -> bool:
        return is_ip(value) and ":" not in value

    def check(self, value: str, app: Appliance) -> list[str]:
        if value == "":
            return [REQUIRED] if self.required else []
        return [] if self.valid(value, app) else [f"{value} is not a valid source IP address or alias."]

    def valid(self, value: str, app: Appliance) -> bool:
        names = interface_names(app)
        if value in ("any", "(self)") or value in names or (value.endswith("ip") and value[:-2] in names):
            return True
        aliases = alias_names(app)
        return (value in aliases and aliases[value] != "port") or self.is_address(value)


class NetworkSegment(Field):
    """NetworkField without the ``any`` wildcard: an address or a CIDR, stored trimmed and lower-case."""

    def __init__(self, required: bool = False) -> None:
        super().__init__(required=required, message="Please specify a valid network segment or IP address.")

    def clean(self, raw: Any) -> str:
        return super().clean(raw).strip().lower()

    def valid(self, value: str, app: Appliance) -> bool:
        return is_ip(value) or is_subnet(value)


class Protocol(Option):
    """ProtocolField: upper-case names with a required ``any`` (Filter), or lower-case with ``""`` for any (DNat)."""

    def __init__(self, lower: bool) -> None:
        names = [name for name in PROTOCOLS if name != "any"]
        if lower:
            super().__init__({name.lower(): name for name in names}, blank="any")
        else:
            super().__init__({"any": "any", **{name: name for name in names}}, default="any", required=True)
        self.lower = lower

    def clean(self, raw: Any) -> str:
        value = super().clean(raw)
        if value.lower() == "any":
            return "any"  # 'any' escapes ChangeCase
        return value.lower() if self.lower else value.upper()


class Description(Field):
    """DescriptionField: one line, 1-255 bytes."""

    def check(self, value: str, app: Appliance) -> list[str]:
        if value == "":
            return []
        messages = []
        if "\n" in value or "\r" in value:
            messages.append("Text may not contain newlines.")
        elif any(char in value for char in "\0\v\f"):
            messages.append("Text may not contain special control characters.")
        if "\n" in value or not 1 <= len(value.encode()) <= 255:
            messages.append("Description should be a string between 1 and 255 characters.")
        return messages


class StrictText(Field):
    """TextField with an optional mask that becomes a StrictTextField (no spaces, newlines, control characters)
    from ``strict_since`` on."""

    def __init__(self, mask: str | None = None, strict_since: tuple[int, int] | None = None) -> None:
        super().__init__()
        self.mask = re.compile(mask) if mask else None
        self.strict_since = strict_since

    def check(self, value: str, app: Appliance) -> list[str]:
        if value == "":
            return []
        messages = []
        if self.strict_since is not None and app.series >= self.strict_since:
            if " " in value or "\t" in value:
                messages.append("Text may not contain spaces or tabs.")
            elif "\n" in value or "\r" in value:
                messages.append("Text may not contain newlines.")
            elif any(char in value for char in "\0\v\f"):
                messages.append("Text may not contain special control characters.")
        if self.mask is not None and not self.mask.fullmatch(value):
            messages.append("Text does not validate.")
        return messages
