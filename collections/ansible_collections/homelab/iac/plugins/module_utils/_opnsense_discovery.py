# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""Discovery for opnsense_info: VLANs, aliases and filter rules as discovery items (``_discovery``).

Each section is one read, the very one the modules make (the model-level ``get`` of its area,
reference §1.5 and §3.3: ``filter/get`` holds every MVC rule in every release, where
``searchRule`` lists only floating rules from 25.1.5 on). Its spec is the kind's resource view, so
a check-mode run of the kind's module with the identity options returns it as ``diff.before``.

Left out: the aliases OPNsense itself defines. They are static children of the alias model
(``static_aliases/core.json``: bogons, bogonsv6, virusprot, sshlockout) and dynamic ones
(``__<if>_network``, ``__captiveportal_zone_<n>``), keyed by their name instead of a uuid. Rules
OPNsense generates (anti-lockout, the default deny...) are not in the MVC model at all.
"""

from __future__ import annotations

import re
from typing import Any

from ansible_collections.homelab.iac.plugins.module_utils._discovery import discovered, resource_name, unique_names
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_resource import OpnsenseItem, Session
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_resources import Alias, FirewallRule, Vlan

DISCOVERY_SECTIONS = ("vlans", "aliases", "rules")
#: Aliases every OPNsense has (static_aliases/core.json in opnsense/core).
BUILTIN_ALIASES = frozenset({"bogons", "bogonsv6", "virusprot", "sshlockout"})
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def builtin_alias(key: str, item: dict[str, Any]) -> bool:
    """Whether an alias of the model is OPNsense's own (static or dynamic) rather than a user's."""
    name = str(item.get("name") or key)
    return name in BUILTIN_ALIASES or name.startswith("__") or not _UUID.match(key.lower())


def _vlan(session: Session, uuid: str, item: dict[str, Any]) -> dict[str, Any] | None:
    view = Vlan(session, {}).current((uuid, item))
    resource = Vlan(session, {"parent": view["parent"], "tag": view["tag"]})
    name = resource_name(view["description"], f"vlan-{view['tag']}")
    return _item(resource, "vlan", f"{view['parent']}/{view['tag']}", name, uuid, item)


def _alias(session: Session, uuid: str, item: dict[str, Any]) -> dict[str, Any] | None:
    if builtin_alias(uuid, item):
        return None
    name = str(item.get("name") or "")
    resource = Alias(session, {"name": name})
    return _item(resource, "alias", name, resource_name(name, "alias"), uuid, item)


def _rule(session: Session, uuid: str, item: dict[str, Any]) -> dict[str, Any] | None:
    resource = FirewallRule(session, {"uuid": uuid})
    name = resource_name(item.get("description"), f"rule-{uuid[:8]}")
    return _item(resource, "firewall_rule", uuid, name, uuid, item)


def _item(
    resource: OpnsenseItem, kind: str, import_id: str, name: str, uuid: str, item: dict[str, Any]
) -> dict[str, Any]:
    observed = (uuid, item)
    return discovered(kind, import_id, name, False, resource.view(observed), resource.facts(observed))


_SECTIONS = {"vlans": (Vlan, _vlan), "aliases": (Alias, _alias), "rules": (FirewallRule, _rule)}


def _order(section: str, entry: dict[str, Any]) -> tuple[Any, ...]:
    spec = entry["spec"]
    if section == "vlans":
        return (spec["parent"], spec["tag"] or 0)
    if section == "rules":
        return (spec["sequence"] or 0, entry["id"])
    return (entry["id"],)


def discover(session: Session, section: str) -> list[dict[str, Any]]:
    """The discovery items of one section (``vlans``, ``aliases`` or ``rules``), one read each."""
    cls, build = _SECTIONS[section]
    items = []
    for uuid, item in session.cache.items(cls.item_kind).items():
        entry = build(session, uuid, item)
        if entry is not None:
            items.append(entry)
    return unique_names(sorted(items, key=lambda entry: _order(section, entry)))
