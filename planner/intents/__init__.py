"""Intents: what the user wants, as validated models, and the catalog of kinds."""

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
