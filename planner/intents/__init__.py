"""Intents: what the user wants, as validated models, and the catalog of kinds.

The names below load on first use: ``planner.intents.base`` (what the inventory and the plan builder need)
comes without the catalog, which imports every intent kind.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from planner.intents.base import Endpoints, ExpansionContext, Intent
    from planner.intents.catalog import FORMAT_VERSION, INTENT_KINDS, load_intent_file, parse_intents
    from planner.intents.container import ContainerIntent

__all__ = [
    "FORMAT_VERSION",
    "INTENT_KINDS",
    "ContainerIntent",
    "Endpoints",
    "ExpansionContext",
    "Intent",
    "load_intent_file",
    "parse_intents",
]

_HOMES = {
    "Endpoints": "base", "ExpansionContext": "base", "Intent": "base",
    "FORMAT_VERSION": "catalog", "INTENT_KINDS": "catalog", "load_intent_file": "catalog", "parse_intents": "catalog",
    "ContainerIntent": "container",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'planner.intents' has no attribute {name!r}")
    return getattr(import_module(f"planner.intents.{home}"), name)
