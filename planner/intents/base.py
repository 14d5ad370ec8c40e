"""The base every intent kind builds on, and the context an intent expands in."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from planner.core.kinds import backend_of
from planner.core.refs import MISSING, find_output
from planner.core.resources import Resource
from planner.errors import IntentError, shown
from planner.intents.placement import Uplinks

__all__ = [
    "Endpoints", "ExpansionContext", "Facts", "Intent", "IpAddressText", "Ipv4AddressText", "StackRef", "given",
    "intent_meta", "stack_refs",
]


def _checked_by(parse: Callable[[str], object]) -> AfterValidator:
    def check(value: str) -> str:
        parse(value)  # its ValueError names what is wrong with the address
        return value

    return AfterValidator(check)


#: A field holding an IP address (either family) or an IPv4 address, kept as the text the user wrote.
IpAddressText = Annotated[str, _checked_by(ipaddress.ip_address)]
Ipv4AddressText = Annotated[str, _checked_by(ipaddress.IPv4Address)]


@dataclass(frozen=True)
class Endpoints:
    """The endpoints the inventory offers, by backend: ``{"docker": ["lab-docker"]}``."""

    by_backend: Mapping[str, Sequence[str]] = field(default_factory=dict)
    source: str = "the inventory"
    # How each Docker endpoint reaches the network segments (its ``networks:``); absent: it declares none.
    networks: Mapping[str, Uplinks] = field(default_factory=dict)

    def uplinks(self, endpoint: str) -> Uplinks:
        """What ``endpoint`` declares of the segments it reaches (nothing: an empty ``Uplinks``)."""
        return self.networks.get(endpoint) or Uplinks()

    def resolve(self, backend: str, wanted: str | None, where: str) -> str:
        """The endpoint to use for ``backend``: the one named, or the only one there is."""
        hosts = list(self.by_backend.get(backend, ()))
        if wanted is not None:
            if wanted not in hosts:
                known = ", ".join(hosts) or "none"
                raise IntentError(
                    f"{where}.endpoint: {shown(wanted)} is not a {backend} endpoint in {self.source} "
                    f"(known: {known}); name one of those or add the host to group {shown(backend)}"
                )
            return wanted
        if len(hosts) == 1:
            return hosts[0]
        if not hosts:
            raise IntentError(
                f"{where}: no {backend} endpoint in {self.source}; run `iac lab up` for the lab "
                f"or add a host to group {shown(backend)}"
            )
        raise IntentError(f"{where}.endpoint: several {backend} endpoints ({', '.join(hosts)}); name one")


class StackRef(BaseModel):
    """``{stack: NAME, name: NAME}``: an intent that another stack declared and deployed, read from state."""

    model_config = ConfigDict(extra="forbid")

    stack: str = Field(description="The stack (intent file) that declares it; `iac stacks` lists them.")
    name: str = Field(description="The intent's name in that stack.")


def stack_refs(value: Any) -> Iterator[StackRef]:
    """Every ``StackRef`` inside an intent (or a list of them), depth first."""
    if isinstance(value, StackRef):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from stack_refs(getattr(value, name))
    elif isinstance(value, list):
        for item in value:
            yield from stack_refs(item)


@dataclass(frozen=True)
class ExpansionContext:
    """What an intent may know while expanding: the endpoints, and where it sits in its file."""

    endpoints: Endpoints
    where: str = "intent"
    # Every intent of the same file by name, so one intent can build on another (a game server on the
    # network segment defined next to it).
    siblings: Mapping[str, Intent] = field(default_factory=dict)
    # Other stacks' deployed intents, by stack and then by name: what a ``StackRef`` names.
    stacks: Mapping[str, Mapping[str, Intent]] = field(default_factory=dict)

    def declared(self, value: str | StackRef, kind: str, field_path: str) -> Intent:
        """The intent ``value`` names: a sibling by its name, or another stack's by ``{stack, name}``."""
        if isinstance(value, str):
            return self.sibling(value, kind, field_path)
        intents = self.stacks.get(value.stack)
        if intents is None:
            known = ", ".join(sorted(self.stacks)) or "none"
            raise IntentError(
                f"{self.where}.{field_path}.stack: no deployed stack {shown(value.stack)} (deployed: {known}); "
                "apply that stack first, or name one `iac stacks` lists"
            )
        found = intents.get(value.name)
        if found is None or found.kind != kind:
            listed = ", ".join(sorted(name for name, other in intents.items() if other.kind == kind)) or "none"
            raise IntentError(
                f"{self.where}.{field_path}.name: stack {shown(value.stack)} declares no {kind} named "
                f"{shown(value.name)} (it declares: {listed})"
            )
        return found

    def sibling(self, name: str, kind: str, field_path: str) -> Intent:
        """The intent ``name`` of ``kind`` in the same file, or an error naming ``field_path``."""
        found = self.siblings.get(name)
        if found is None or found.kind != kind:
            known = sorted(other.name for other in self.siblings.values() if other.kind == kind)
            listed = ", ".join(known) or "none"
            raise IntentError(
                f"{self.where}.{field_path}: no {kind} intent named {shown(name)} in this file (known: {listed}); "
                f"add one, or write the {kind} fields inline as a mapping"
            )
        return found


@dataclass(frozen=True)
class Facts:
    """What applying told about resources: the observed facts recorded for each address (a VLAN's device, an
    interface's identifier, a guest's vmid), which an intent's outputs read where its fields cannot say."""

    by_address: Mapping[str, dict[str, Any]] = field(default_factory=dict)

    def get(self, address: str, output: str) -> Any:
        """Fact ``output`` of the resource at ``address`` (at the top of its facts or under its kind's key, as
        references find it), or None when none is recorded."""
        found = find_output(self.by_address.get(address), output)
        return None if found is MISSING else found


class Intent(BaseModel):
    """Base of every intent kind. Subclasses set ``kind`` to a Literal and implement ``expand``."""

    model_config = ConfigDict(extra="forbid")

    summary: ClassVar[str] = ""
    example: ClassVar[str] = ""
    details: ClassVar[str] = ""  # rules worth knowing beyond the fields (e.g. a sizing rule), shown by `show`

    kind: str
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$", description="Lower-case name, letters, digits, '-'.")
    owner: str | None = Field(default=None, description="Who owns what this intent deploys (policy may require it).")
    tags: list[str] = Field(default_factory=list, description="Free-form tags carried into the plan for policy.")

    def expand(self, context: ExpansionContext) -> list[Resource]:
        """The resources this intent needs, with their dependencies."""
        raise NotImplementedError

    def fanned_out(self, endpoints: Endpoints, where: str) -> list[tuple[str, Intent]]:
        """One ``(endpoint, copy)`` per endpoint an intent fans out over (``endpoints: [a, b]``), each copy
        on its own endpoint; empty for an intent on one endpoint (all kinds but those with ``endpoints``)."""
        return []

    def outputs(self, context: ExpansionContext, facts: Facts) -> dict[str, Any]:
        """What a user would copy once this intent is applied (an address, a port, a URL, a DNS name, an id),
        by name: computed from its fields as ``expand`` computes them and, where only the apply can know (an
        assigned vmid, an interface identifier), read from ``facts``; None for a fact not recorded."""
        raise NotImplementedError

    def sole_resource(
        self, context: ExpansionContext, kind: str, spec: dict[str, Any], endpoint: str | None
    ) -> list[Resource]:
        """This intent as one resource of ``kind`` under the intent's name, on ``endpoint`` or on the only
        endpoint of the kind's backend: the whole expansion of an intent that is a single resource."""
        resolved = context.endpoints.resolve(backend_of(kind), endpoint, context.where)
        return [Resource(kind=kind, name=self.name, endpoint=resolved, spec=spec, origin=self.name,
                         meta=intent_meta(self))]


def given(**values: Any) -> dict[str, Any]:
    """The ``values`` that are set (not ``None``): the optional fields a spec or a meta carries only when given."""
    return {key: value for key, value in values.items() if value is not None}


def intent_meta(intent: Intent, **extra: Any) -> dict[str, Any]:
    """``Resource.meta`` for a resource of ``intent``: its owner and tags (when set) plus ``extra``."""
    meta: dict[str, Any] = {}
    if intent.owner:
        meta["owner"] = intent.owner
    if intent.tags:
        meta["tags"] = list(intent.tags)
    meta.update(given(**extra))
    return meta
