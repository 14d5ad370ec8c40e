# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""The discovery item every ``*_info`` module lists objects as, written once for all backends.

An item says what an object on a device is in the terms of the module that would manage it:

- ``kind``: the batch item kind (``vlan``, ``alias``, ``firewall_rule``, ``network``, ``volume``,
  ``container``, ``vm``, ``lxc``, ``record``);
- ``id``: the import id, the object's identity as text (``vtnet2/77``, an alias or container name,
  a rule uuid, a vmid, ``legacy.home.arpa/A``);
- ``name``: a suggested resource name, lower-case ``[a-z0-9-]``, unique within one listing;
- ``managed``: whether the object carries homelab-iac's own mark (only Docker has one);
- ``spec``: the kind's ``Resource.view()``, the very dict a check-mode run of the kind's module with
  only the identity options returns as ``diff.before``;
- ``facts``: what the kind's module returns about the object (ids, the VLAN device, MACs...).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_NOT_NAME = re.compile(r"[^a-z0-9]+")


def resource_name(text: Any, fallback: str) -> str:
    """``text`` as a resource name (``Lab Guests`` -> ``lab-guests``); ``fallback`` when nothing is left."""
    name = _NOT_NAME.sub("-", str(text or "").lower()).strip("-")
    return name or _NOT_NAME.sub("-", fallback.lower()).strip("-")


def discovered(
    kind: str, import_id: str, name: str, managed: bool, spec: dict[str, Any], facts: dict[str, Any]
) -> dict[str, Any]:
    """One discovery item (see the module docstring)."""
    return {"kind": kind, "id": import_id, "name": name, "managed": managed, "spec": spec, "facts": facts}


def unique_names(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items in order, each suggested name made unique within the listing (``web``, ``web-2``...)."""
    result = list(items)
    taken: set[str] = set()
    for item in result:
        base = name = item["name"]
        number = 2
        while name in taken:
            name = f"{base}-{number}"
            number += 1
        taken.add(name)
        item["name"] = name
    return result
