"""Outputs: what each deployed stack's intents offer a user to copy (an address, a port, a URL, a vmid).

The stacks aggregate keeps the intents a stack declared when it was last applied; each is parsed back and
asked for its outputs (``Intent.outputs``), from its fields and the observed facts recorded of its resources.
Nothing is planned or touched, and the inventory is not read: an intent's endpoint resolves to the one its
resources are recorded on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from planner.core.kinds import backend_of
from planner.errors import Fix, IacError, Remedy, shown
from planner.intents.base import Endpoints, ExpansionContext, Facts, Intent
from planner.intents.catalog import parse_intents
from planner.redact import scrub
from planner.service.context import Ports
from planner.state.records import ResourceRecord, StackRecord

__all__ = ["IntentOutputs", "OutputsReading", "StackOutputs"]

# The inventory group of a backend, where the two names differ.
_GROUPS = {"cert": "certs"}


@dataclass(frozen=True)
class IntentOutputs:
    """One deployed intent and its outputs by name (secrets masked); None is a fact not recorded."""

    name: str
    kind: str
    outputs: dict[str, Any]


@dataclass(frozen=True)
class StackOutputs:
    """One deployed stack: where it was applied from, by which deployment, and its intents' outputs."""

    stack: StackRecord
    intents: list[IntentOutputs]


class OutputsReading:
    """Reads the outputs of deployed stacks from what is recorded."""

    def __init__(self, ports: Ports) -> None:
        self.ports = ports

    def outputs(self, stack: str | None = None) -> list[StackOutputs]:
        """Every deployed stack's outputs, by stack name, or the one ``stack`` names (an error listing the
        deployed stacks when there is none of that name)."""
        store = self.ports.store
        records = store.list_stacks()
        chosen = records if stack is None else [record for record in records if record.name == stack]
        if stack is not None and not chosen:
            known = ", ".join(record.name for record in records) or "none yet"
            raise IacError(f"no deployed stack {shown(stack)} (deployed: {known})", remedy=Remedy(Fix.LIST_STACKS))
        resources = {record.address: record for record in store.list_resources()}
        facts = Facts({address: record.observed for address, record in resources.items()})
        declared = {record.name: _intents(record) for record in records}
        return [_stack_outputs(record, declared, resources, facts) for record in chosen]


def _intents(record: StackRecord) -> list[Intent]:
    return parse_intents([record.intents], source=record.source) if record.intents else []


def _recorded_endpoints(record: StackRecord, resources: dict[str, ResourceRecord]) -> Endpoints:
    """The endpoints the stack's resources are recorded on, by inventory group: each intent's endpoint resolves
    as it did when it was planned, whatever the inventory holds now."""
    by_group: dict[str, list[str]] = {}
    for address in record.addresses:
        resource = resources.get(address)
        if resource is not None:
            backend = backend_of(resource.kind)
            hosts = by_group.setdefault(_GROUPS.get(backend, backend), [])
            if resource.endpoint not in hosts:
                hosts.append(resource.endpoint)
    return Endpoints(by_group, source=f"the resources recorded for stack {record.name}")


def _stack_outputs(
    record: StackRecord, declared: dict[str, list[Intent]], resources: dict[str, ResourceRecord], facts: Facts
) -> StackOutputs:
    intents = declared[record.name]
    siblings = {intent.name: intent for intent in intents}
    others = {name: {intent.name: intent for intent in theirs} for name, theirs in declared.items()
              if name != record.name}
    endpoints = _recorded_endpoints(record, resources)
    found = []
    for intent in intents:
        context = ExpansionContext(endpoints, where=f"stack {record.name}: {intent.name}", siblings=siblings,
                                   stacks=others)
        found.append(IntentOutputs(intent.name, intent.kind, scrub(intent.outputs(context, facts))))
    return StackOutputs(record, found)
