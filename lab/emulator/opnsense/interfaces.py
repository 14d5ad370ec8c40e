"""VLANs (``/api/interfaces/vlan_settings``), interface assignment (26.7) and read-only overviews.

Reference §2. The lab firewall has three NICs: ``vtnet0`` (WAN, DHCP), ``vtnet1`` (LAN,
192.168.1.1/24) and ``vtnet2`` (unassigned). Interface addressing has no API in any release, so
addresses only come from the initial config.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from lab.emulator.opnsense.core import Appliance, Call, Router, UserError, reconfigure
from lab.emulator.opnsense.fields import Integer, Option, Text
from lab.emulator.opnsense.model import Collection, Item

__all__ = ["PHYSICAL_DEVICES", "VlanCollection", "interface_names", "register"]

PHYSICAL_DEVICES = ("vtnet0", "vtnet1", "vtnet2")
# Devices the VLAN parent list leaves out (VlanInterfaceField).
_NOT_PARENTS = ("qinq", "lo", "enc", "pflog", "pfsync", "bridge")
_VLANIF = re.compile(r"^(vlan0|qinq0)[0-9.]*$")


def assignments(app: Appliance) -> dict[str, dict[str, str]]:
    return app.config.setdefault("interfaces", {})


def interface_names(app: Appliance) -> dict[str, str]:
    """Logical interface name → description, e.g. ``{"lan": "LAN", "opt1": "GUEST"}``."""
    return {name: entry.get("descr") or name.upper() for name, entry in assignments(app).items()}


def interface_networks(app: Appliance) -> dict[str, ipaddress.IPv4Interface]:
    """Logical name → configured address (static ones only)."""
    found = {}
    for name, entry in assignments(app).items():
        try:
            found[name] = ipaddress.IPv4Interface(f"{entry['ipaddr']}/{entry['subnet']}")
        except (KeyError, ValueError):
            continue
    return found


def _parents(app: Appliance) -> dict[str, str]:
    vlan_devices = {item["vlanif"] for item in app.config.get("vlans", {}).values()}
    parents = {device: device for device in PHYSICAL_DEVICES if not device.startswith(_NOT_PARENTS)}
    # Not-yet-applied non-QinQ VLAN devices are offered too: that is how QinQ is built.
    for device in sorted(vlan_devices):
        if device.startswith("vlan"):
            parents[device] = device
    return parents


class VlanCollection(Collection):
    key = "vlan"
    section = ("vlans",)
    sort = "vlanif"
    legacy_columns = ("vlanif", "if", "tag", "pcp", "descr")
    fields = {
        "if": Option(_parents, required=True),
        "tag": Integer(required=True, minimum=1, maximum=4094),
        "pcp": Option({str(n): str(n) for n in range(8)}, default="0", required=True),
        "proto": Option({"802.1q": "802.1Q", "802.1ad": "802.1AD"}, blank="Auto"),
        "descr": Text(),
        "vlanif": Text(required=True),
    }

    def prepare(self, app: Appliance, uuid: str, item: Item, posted: dict[str, Any], is_new: bool) -> None:
        if item.get("vlanif"):
            return
        prefix = "qinq" if item.get("if", "").startswith(("vlan", "qinq")) else "vlan"
        used = {other["vlanif"] for key, other in self.items(app).items() if key != uuid}
        number = 1
        while f"{prefix}0{number}" in used:
            number += 1
        item["vlanif"] = f"{prefix}0{number}"

    def validate(self, app: Appliance, uuid: str, item: Item) -> dict[str, list[str]]:
        messages: dict[str, list[str]] = {}
        vlanif = item.get("vlanif", "")
        legacy = f"{item.get('if')}_vlan{item.get('tag')}"
        if vlanif and vlanif != legacy and (not _VLANIF.match(vlanif) or len(vlanif) > 15):
            messages.setdefault("vlanif", []).append(
                "Only a maximum of 15 characters is allowed starting with vlan0 or qinq0 followed by digits and dots."
            )
        if vlanif and vlanif == item.get("if"):
            messages.setdefault("vlanif", []).append("VLAN can not be assigned to itself.")
        for key, other in self.items(app).items():
            if key == uuid:
                continue
            if other["if"] == item.get("if") and other["tag"] == item.get("tag"):
                messages.setdefault("tag", []).append("Tag for this device must be unique.")
            if other["vlanif"] == vlanif:
                messages.setdefault("vlanif", []).append("The device name must be unique.")
        return messages

    def _assigned_as(self, app: Appliance, device: str) -> str | None:
        for name, entry in assignments(app).items():
            if entry.get("if") == device:
                return name
        return None

    def before_set(self, app: Appliance, uuid: str, old: Item, new: Item) -> dict[str, list[str]]:
        if old["vlanif"] != new["vlanif"] and self._assigned_as(app, old["vlanif"]):
            return {"vlanif": ["Interface is assigned, device name can not be changed."]}
        return {}

    def before_delete(self, app: Appliance, uuid: str, item: Item) -> None:
        if any(other["if"] == item["vlanif"] for other in self.items(app).values()):
            raise UserError("This VLAN cannot be deleted because it is used in a QinQ setup.", "VLAN in use")
        if self._assigned_as(app, item["vlanif"]):
            raise UserError("This VLAN cannot be deleted because it is assigned as an interface.", "VLAN in use")

    def row(self, app: Appliance, uuid: str, item: Item) -> dict[str, Any]:
        row = super().row(app, uuid, item)
        assigned = self._assigned_as(app, item["vlanif"])
        if assigned:
            row["vlanif"] = f"{item['vlanif']} [{interface_names(app)[assigned]}]"
        return row


# Interface assignment (26.7: AssignmentController, model NetworkInterface) -----------------------
# Items are keyed by logical name (opt1, ...), not uuid; only device, description and lock exist.

_ASSIGN_KEY = "assignment"


def _devices(app: Appliance) -> dict[str, str]:
    devices = {device: device for device in PHYSICAL_DEVICES}
    for item in app.config.get("vlans", {}).values():
        devices[item["vlanif"]] = f"{item['vlanif']} (VLAN {item['tag']} on {item['if']})"
    return devices


class AssignmentCollection(Collection):
    key = _ASSIGN_KEY
    section = ("interfaces",)
    sort = "identifier"
    fields = {
        "if": Option(_devices, required=True),
        "descr": Text(mask=r"[a-zA-Z0-9_ -]{0,64}", message="Invalid description."),
        "lock": Option({"0": "No", "1": "Yes"}, default="0", required=True),
    }

    def defaults(self, app: Appliance) -> Item:
        return {"if": "", "descr": "", "lock": "0", "enable": "1"}

    def row(self, app: Appliance, uuid: str, item: Item) -> dict[str, Any]:
        row = super().row(app, uuid, item)
        row["identifier"] = uuid
        return row

    def validate(self, app: Appliance, uuid: str, item: Item) -> dict[str, list[str]]:
        for name, other in self.items(app).items():
            if name != uuid and other.get("if") == item.get("if"):
                return {"if": [f"Device already assigned to {name}."]}
        return {}

    def add(self, app: Appliance, call: Call) -> dict[str, Any]:
        if not call.is_post:
            return {"result": "failed"}
        number = 1
        while f"opt{number}" in self.items(app):
            number += 1
        return self._write(app, call, f"opt{number}", None, "assigned")

    def set(self, app: Appliance, call: Call) -> dict[str, Any]:
        old = self.items(app).get(call.params[0])
        if not call.is_post or old is None:
            return {"result": "failed"}  # logical names are not uuids: no upsert here
        return self._write(app, call, call.params[0], old, "updated")

    def before_delete(self, app: Appliance, uuid: str, item: Item) -> None:
        if uuid in ("wan", "lan") or item.get("lock") == "1":
            raise UserError(f"Interface {uuid} is locked or required and cannot be removed.", "Interface in use")
        for rule in app.config.get("filter", {}).get("rules", {}).values():
            if uuid in rule.get("interface", "").split(","):
                raise UserError(f"Interface {uuid} is in use by firewall rules.", "Interface in use")


VLANS = VlanCollection()
ASSIGNMENTS = AssignmentCollection()


def _overview(app: Appliance, call: Call) -> dict[str, Any]:
    rows = []
    vlans = {item["vlanif"]: item for item in app.config.get("vlans", {}).values()}
    for name, entry in sorted(assignments(app).items()):
        network = interface_networks(app).get(name)
        rows.append(
            {
                "identifier": name,
                "device": entry.get("if", ""),
                "description": entry.get("descr", ""),
                "enabled": entry.get("enable", "1") == "1",
                "ipv4": [{"ipaddr": str(network)}] if network else [],
                "vlan_tag": vlans[entry["if"]]["tag"] if entry.get("if") in vlans else None,
            }
        )
    return {"total": len(rows), "rowCount": len(rows), "current": 1, "rows": rows}


def _names(app: Appliance, call: Call) -> dict[str, str]:
    return {entry["if"]: entry.get("descr") or name.upper() for name, entry in assignments(app).items()}


def register(router: Router) -> None:
    VLANS.register(router, "interfaces", "vlan_settings", "Item", toggle=False)
    router.add("interfaces", "vlan_settings", "reconfigure", reconfigure("vlans"))
    router.add(
        "interfaces",
        "vlan_settings",
        "get",
        lambda app, call: {"vlan": {"vlan": {u: VLANS.render(app, i) for u, i in VLANS.items(app).items()}}},
    )
    since_26_7 = lambda series: series >= (26, 7)  # noqa: E731 - a version gate reads best inline
    for command, handler, nparams in (
        ("searchItem", ASSIGNMENTS.search, 0),
        ("getItem", ASSIGNMENTS.get, 0),
        ("addItem", ASSIGNMENTS.add, 0),
        ("setItem", ASSIGNMENTS.set, 1),
        ("delItem", ASSIGNMENTS.delete, 1),
        ("reconfigure", reconfigure("interfaces"), 0),
    ):
        router.add("interfaces", "assignment", command, handler, nparams=nparams, available=since_26_7)
    router.add("interfaces", "overview", "interfacesInfo", _overview)
    router.add("diagnostics", "interface", "getInterfaceNames", _names)
