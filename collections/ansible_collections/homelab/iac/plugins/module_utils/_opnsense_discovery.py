# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""Discovery for opnsense_info: VLANs, aliases, filter and NAT rules as discovery items (``_discovery``).

Each section is one read (``nat`` two), the very one the modules make (the model-level ``get`` of its area,
reference §1.5 and §3.3: ``filter/get`` holds every MVC rule in every release, where
``searchRule`` lists only floating rules from 25.1.5 on; ``nat`` adds ``d_nat/get`` for port
forwards, the outbound and one-to-one rules being in ``filter/get`` too). Its spec is the kind's
resource view, so a check-mode run of the kind's module with the identity options returns it as
``diff.before``. The automatic rows some searches add (anti-lockout, automatic outbound NAT) are
not model items and never listed.

Left out: the aliases OPNsense itself defines. They are static children of the alias model
(``static_aliases/core.json``: bogons, bogonsv6, virusprot, sshlockout) and dynamic ones
(``__<if>_network``, ``__captiveportal_zone_<n>``), keyed by their name instead of a uuid. Rules
OPNsense generates (anti-lockout, the default deny...) are not in the MVC model at all.
"""

from __future__ import annotations

import re
from typing import Any

from ansible_collections.homelab.iac.plugins.module_utils._discovery import discovered, resource_name, unique_names
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_client import OpnsenseError
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_nat import NAT_KINDS
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_resource import NamedRule, OpnsenseItem, Session
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_resources import Alias, FirewallRule, Vlan

DISCOVERY_SECTIONS = ("vlans", "aliases", "rules", "nat")
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
    return _named_rule(FirewallRule, session, uuid, item)


def _named_rule(cls: type[NamedRule], session: Session, uuid: str, item: dict[str, Any]) -> dict[str, Any]:
    """A rule of any rule list, adopted by its uuid; named after its description."""
    resource = cls(session, {"uuid": uuid})
    kind = cls.item_kind.name
    fallback = f"{kind.removeprefix('firewall_').replace('_', '-')}-{uuid[:8]}"
    name = resource_name(resource.current((uuid, item))["description"], fallback)
    return _item(resource, kind, uuid, name, uuid, item)


def _nat(session: Session) -> list[dict[str, Any]]:
    """Port forwards, outbound and one-to-one rules, by kind then sequence.

    A release without the port-forward API (before 26.1) lists the other two: what it cannot
    have is not an error of the listing.
    """
    found = []
    for cls in NAT_KINDS.values():
        try:
            items = session.cache.items(cls.item_kind)
        except OpnsenseError as exc:
            if cls.item_kind.since is not None and exc.status == 404:
                continue
            raise
        rules = [_named_rule(cls, session, uuid, item) for uuid, item in items.items()]
        found += sorted(rules, key=lambda entry: (entry["spec"]["sequence"] or 0, entry["id"]))
    return found


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
    """The discovery items of one section (``vlans``, ``aliases``, ``rules`` or ``nat``), one read each (nat two)."""
    if section == "nat":
        return unique_names(_nat(session))
    cls, build = _SECTIONS[section]
    items = []
    for uuid, item in session.cache.items(cls.item_kind).items():
        entry = build(session, uuid, item)
        if entry is not None:
            items.append(entry)
    return unique_names(sorted(items, key=lambda entry: _order(section, entry)))
