"""Plans: what will change, as data.

A plan is built by a short list of named steps (expand intents, merge duplicates, check conflicts, order,
diff against recorded state). It is stored before anything runs and applied exactly as stored.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from planner.errors import ConflictError
from planner.graph import Graph
from planner.intents.base import Endpoints, ExpansionContext, Intent
from planner.intents.container import parse_port
from planner.resources import Resource

__all__ = ["Action", "Change", "Plan", "build_plan", "expand_intents"]

PLAN_FORMAT = 1


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    NOOP = "noop"


class Change(BaseModel):
    """One resource in a plan: what it is, what happens to it, and the before/after of its spec."""

    address: str
    kind: str
    name: str
    endpoint: str
    module: str
    action: Action
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    depends_on: list[str] = Field(default_factory=list)
    wave: int
    origin: str = ""


class Plan(BaseModel):
    """A stored, ordered set of changes; ``waves`` lists addresses wave by wave."""

    format: int = PLAN_FORMAT
    source: str
    created_at: datetime
    intents: list[dict[str, Any]]
    changes: list[Change]
    waves: list[list[str]]

    def counts(self) -> dict[str, int]:
        """How many changes of each action, every action present (zero included)."""
        seen = Counter(change.action for change in self.changes)
        return {action.value: seen.get(action, 0) for action in Action}

    def change(self, address: str) -> Change:
        for change in self.changes:
            if change.address == address:
                return change
        raise KeyError(address)

    @property
    def endpoints(self) -> list[str]:
        return sorted({change.endpoint for change in self.changes})


def expand_intents(intents: Sequence[Intent], endpoints: Endpoints) -> list[Resource]:
    """Step 1: every intent's resources, in intent order."""
    resources: list[Resource] = []
    for intent in intents:
        context = ExpansionContext(endpoints=endpoints, where=f"intent {intent.name!r}")
        resources.extend(intent.expand(context))
    return resources


def _merge_duplicates(resources: Sequence[Resource]) -> list[Resource]:
    """Step 2: two intents may ask for the same resource; identical asks merge, different ones conflict."""
    merged: dict[str, Resource] = {}
    for resource in resources:
        seen = merged.get(resource.address)
        if seen is None:
            merged[resource.address] = resource
        elif seen.spec != resource.spec or seen.endpoint != resource.endpoint:
            raise ConflictError(
                f"{resource.address} is defined differently by intents {seen.origin!r} and {resource.origin!r}; "
                "make the two definitions equal or give one another name"
            )
    return list(merged.values())


def _check_conflicts(resources: Sequence[Resource]) -> None:
    """Step 3: things that cannot coexist on one endpoint (the same host port, the same subnet)."""
    ports: dict[tuple[str, str, int, str], str] = {}
    subnets: dict[tuple[str, str], str] = {}
    for resource in resources:
        for port in resource.spec.get("ports", []) if resource.kind == "docker.container" else []:
            ip, host, _, proto = parse_port(port)
            key = (resource.endpoint, ip, host, proto)
            if key in ports:
                raise ConflictError(
                    f"{resource.address} and {ports[key]} both publish {ip}:{host}/{proto}; give one another host port"
                )
            ports[key] = resource.address
        subnet = resource.spec.get("subnet") if resource.kind == "docker.network" else None
        if subnet:
            if (resource.endpoint, subnet) in subnets:
                raise ConflictError(
                    f"{resource.address} and {subnets[(resource.endpoint, subnet)]} both use subnet {subnet}; "
                    "give one another subnet"
                )
            subnets[(resource.endpoint, subnet)] = resource.address


def _order(resources: Sequence[Resource]) -> list[list[str]]:
    """Step 4: the dependency graph, validated, in waves."""
    graph = Graph()
    for resource in resources:
        graph.add(resource.address, resource.depends_on)
    problems = graph.validate()
    if problems:
        raise ConflictError("; ".join(problem.message for problem in problems))
    return graph.waves()


def _decide(resource: Resource, recorded: Mapping[str, Any] | None) -> Action:
    """Step 5: compare with what was last applied."""
    if recorded is None:
        return Action.CREATE
    return Action.NOOP if dict(recorded) == resource.spec else Action.UPDATE


def build_plan(
    intents: Sequence[Intent],
    endpoints: Endpoints,
    recorded: Mapping[str, Mapping[str, Any]],
    *,
    source: str,
    now: datetime | None = None,
) -> Plan:
    """Turn intents into a plan; ``recorded`` maps addresses to the spec last applied (from the state store)."""
    resources = _merge_duplicates(expand_intents(intents, endpoints))
    _check_conflicts(resources)
    waves = _order(resources)
    wave_of = {address: number for number, wave in enumerate(waves, start=1) for address in wave}
    by_address = {resource.address: resource for resource in resources}
    changes = []
    for address in [a for wave in waves for a in wave]:
        resource = by_address[address]
        before = recorded.get(address)
        changes.append(
            Change(
                address=address,
                kind=resource.kind,
                name=resource.name,
                endpoint=resource.endpoint,
                module=resource.module,
                action=_decide(resource, before),
                before=dict(before) if before is not None else None,
                after=dict(resource.spec),
                depends_on=list(resource.depends_on),
                wave=wave_of[address],
                origin=resource.origin,
            )
        )
    return Plan(
        source=source,
        created_at=now or datetime.now(UTC),
        intents=[intent.model_dump(mode="json", exclude_defaults=False) for intent in intents],
        changes=changes,
        waves=waves,
    )
