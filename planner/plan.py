"""Plans: what will change, as data.

A plan is built by a short list of named steps: expand intents, merge duplicates, resolve references
(a ``{ref, output}`` in a spec makes its producer a dependency), check conflicts (among the planned
resources and against what is deployed), order into waves, check policy (``planner.policy``), and diff
against recorded state. It is stored before anything runs and applied exactly as stored.
"""

from __future__ import annotations

import contextlib
import ipaddress
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from planner.errors import ConflictError
from planner.core.graph import Graph
from planner.intents.base import Endpoints, ExpansionContext, Intent
from planner.intents.container import parse_port
from planner.core.perf import without_cyclic_gc
from planner.policy import DEFAULT_POLICY, Capacity, Policy, PolicyReport, evaluate
from planner.core.refs import refs_in
from planner.core.resources import Resource

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
    # The policy rules evaluated and the waivers (--allow RULE) accepted for this plan.
    policy: PolicyReport = Field(default_factory=PolicyReport)

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
    siblings = {intent.name: intent for intent in intents}
    for intent in intents:
        context = ExpansionContext(endpoints=endpoints, where=f"intent {intent.name!r}", siblings=siblings)
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


def _resolve_references(resources: Sequence[Resource]) -> list[Resource]:
    """Step 3: a resource depends on every resource its spec refers to (``{ref, output}``)."""
    resolved = []
    for resource in resources:
        referred = [address for address in refs_in(resource.spec) if address not in resource.depends_on]
        if referred:
            resource = resource.model_copy(update={"depends_on": (*resource.depends_on, *referred)})
        resolved.append(resource)
    return resolved


def _check_conflicts(
    resources: Sequence[Resource],
    recorded: Mapping[str, Mapping[str, Any]],
    recorded_endpoints: Mapping[str, str],
) -> None:
    """Step 4: things that cannot coexist on one endpoint, among the planned resources and against what is
    deployed at other addresses: a VLAN tag, an overlapping subnet, a name, a host port. Every problem at once."""
    planned = {resource.address for resource in resources}
    claims = [_Claims.of(r.address, r.kind, r.endpoint, r.spec, deployed=False) for r in resources]
    claims += [
        _Claims.of(address, _kind_of(address), recorded_endpoints[address], spec, deployed=True)
        for address, spec in recorded.items()
        if address not in planned and address in recorded_endpoints and spec.get("state") != "absent"
    ]
    problems = _clashes(claims)
    if problems:
        raise ConflictError("; ".join(problems))


def _clashes(claims: Sequence[_Claims]) -> list[str]:
    """Every pair of claims that cannot coexist (at least one of them planned), each pair once.

    Indexed by what is claimed, so it stays linear: a plan of 10,000 resources must not compare 50 million
    pairs. Overlapping subnets are found by looking up each subnet's supernets (at most 128 lookups).
    """
    problems: list[str] = []
    reported: set[tuple[str, str]] = set()

    def report(new: _Claims, other: _Claims, what: str) -> None:
        if new.deployed and other.deployed:
            return  # two deployed resources are not this plan's business
        if new.deployed:
            new, other = other, new
        pair = (new.address, other.address)
        if pair in reported or pair[::-1] in reported:
            return
        reported.add(pair)
        problems.append(f"{new.address} and {other._side()} on {new.endpoint} {what}")

    seen: dict[tuple[Any, ...], _Claims] = {}

    def claim(key: tuple[Any, ...], item: _Claims, what: str) -> None:
        first = seen.setdefault(key, item)
        if first is not item:
            report(first, item, what)

    networks: dict[tuple[Any, ...], list[_Claims]] = {}
    for item in claims:
        if item.tag is not None:
            claim(("tag", item.endpoint, item.tag), item, f"both use VLAN tag {item.tag}; pick another tag")
        if item.identity is not None:
            kind, name = item.identity
            claim(("name", item.endpoint, kind, name), item, f"are both {kind} named {name!r}; rename one")
        if item.vmid is not None:
            claim(("vmid", item.endpoint, item.vmid), item, f"both use vmid {item.vmid}; pick another vmid")
        for ip, port, proto in item.ports:
            what = f"both publish {ip}:{port}/{proto}; give one another host port"
            claim(("port", item.endpoint, ip, port, proto), item, what)
        if item.subnet is not None:
            networks.setdefault((item.endpoint, item.subnet_kind, item.subnet), []).append(item)
    ports_any: dict[tuple[str, int, str], list[_Claims]] = {}
    for item in claims:
        for ip, port, proto in item.ports:
            if ip in _ANY_ADDRESS:
                ports_any.setdefault((item.endpoint, port, proto), []).append(item)
    for item in claims:  # a wildcard publish clashes with any address on the same port
        for ip, port, proto in item.ports:
            for other in ports_any.get((item.endpoint, port, proto), []):
                if other is not item:
                    report(other, item, f"both publish {ip}:{port}/{proto}; give one another host port")
    for (endpoint, kind, subnet), holders in networks.items():
        for prefix in range(subnet.prefixlen, -1, -1):
            wider = subnet.supernet(new_prefix=prefix) if prefix < subnet.prefixlen else subnet
            for other in networks.get((endpoint, kind, wider), []):
                for item in holders:
                    if other is not item:
                        same = "both use" if other.subnet == item.subnet else "overlap:"
                        what = f"{same} subnet {item.subnet} / {other.subnet}; give one another subnet"
                        report(item, other, what)
    return problems


def _kind_of(address: str) -> str:
    return ".".join(address.split(".", 2)[:2])


_ANY_ADDRESS = {"0.0.0.0", "::"}
_SUBNET_KINDS = ("docker.network", "opnsense.dhcp_subnet")
# What identifies a resource on its endpoint besides its address, per kind (the module's identifying field).
_IDENTITY = {
    "docker.container": "name", "docker.network": "name", "docker.volume": "name",
    "opnsense.firewall_rule": "name", "opnsense.alias": "name", "opnsense.interface": "description",
    "proxmox.vm": "name", "proxmox.lxc": "hostname",
}


@dataclass(frozen=True)
class _Claims:
    """What one resource takes on its endpoint: VLAN tag, subnet, identifying name, vmid, host ports."""

    address: str
    endpoint: str
    deployed: bool
    tag: int | None = None
    subnet: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None
    subnet_kind: str = ""
    identity: tuple[str, str] | None = None
    vmid: int | None = None
    ports: tuple[tuple[str, int, str], ...] = ()

    @classmethod
    def of(cls, address: str, kind: str, endpoint: str, spec: Mapping[str, Any], *, deployed: bool) -> _Claims:
        tag = spec.get("tag") if kind == "opnsense.vlan" and isinstance(spec.get("tag"), int) else None
        subnet = None
        if kind in _SUBNET_KINDS and isinstance(spec.get("subnet"), str):
            with contextlib.suppress(ValueError):
                subnet = ipaddress.ip_network(spec["subnet"], strict=False)
        field = _IDENTITY.get(kind)
        identity = (kind, spec[field]) if field and isinstance(spec.get(field), str) else None
        vmid = spec.get("vmid") if kind in ("proxmox.vm", "proxmox.lxc") and isinstance(spec.get("vmid"), int) else None
        ports: list[tuple[str, int, str]] = []
        if kind == "docker.container":
            for port in spec.get("ports") or []:
                with contextlib.suppress(ValueError, TypeError, AttributeError):
                    ip, host, _, proto = parse_port(port)
                    ports.append((ip, host, proto))
        return cls(address, endpoint, deployed, tag, subnet, kind if subnet else "", identity, vmid, tuple(ports))

    def _side(self) -> str:
        return f"deployed {self.address}" if self.deployed else self.address


def _order(resources: Sequence[Resource]) -> list[list[str]]:
    """Step 5: the dependency graph, validated, in waves."""
    graph = Graph()
    for resource in resources:
        graph.add(resource.address, resource.depends_on)
    problems = graph.validate()
    if problems:
        raise ConflictError("; ".join(problem.message for problem in problems))
    return graph.waves()


def _decide(resource: Resource, recorded: Mapping[str, Any] | None) -> Action:
    """Step 7: compare with what was last applied."""
    if recorded is None:
        return Action.CREATE
    return Action.NOOP if dict(recorded) == resource.spec else Action.UPDATE


def _locate_recorded(
    recorded: Mapping[str, Any], given: Mapping[str, str], endpoints: Endpoints
) -> dict[str, str]:
    """Where each recorded address lives: as given (the state store knows), else its backend's only endpoint."""
    located: dict[str, str] = {}
    for address in recorded:
        if address in given:
            located[address] = given[address]
            continue
        hosts = list(endpoints.by_backend.get(address.split(".", 1)[0], ()))
        if len(hosts) == 1:
            located[address] = hosts[0]
    return located


def _check_policy(
    resources: Sequence[Resource],
    policy: Policy,
    *,
    recorded: Mapping[str, Mapping[str, Any]],
    recorded_endpoints: Mapping[str, str],
    capacities: Mapping[str, Capacity],
    allow: Collection[str],
) -> PolicyReport:
    """Step 6: the policy rules; a violation not waived by ``allow`` stops the plan (PolicyError)."""
    return evaluate(
        resources, policy, deployed=recorded, deployed_endpoints=recorded_endpoints,
        capacities=capacities, allow=allow,
    )


@without_cyclic_gc
def build_plan(
    intents: Sequence[Intent],
    endpoints: Endpoints,
    recorded: Mapping[str, Mapping[str, Any]],
    *,
    source: str,
    now: datetime | None = None,
    policy: Policy | None = None,
    allow: Collection[str] = (),
    capacities: Mapping[str, Capacity] = {},
    recorded_endpoints: Mapping[str, str] = {},
) -> Plan:
    """Turn intents into a plan.

    ``recorded`` maps addresses to the spec last applied (from the state store) and ``recorded_endpoints``
    maps them to their endpoint (an address missing there is taken to be on its backend's only endpoint).
    ``policy`` defaults to the shipped rules (``planner.policy.DEFAULT_POLICY``); ``allow`` names rules to
    waive (recorded in ``Plan.policy.waivers``); ``capacities`` are the endpoints' limits
    (``planner.policy.capacities_from_hosts`` reads them from inventory host vars).

    Raises IntentError (an intent that cannot expand), ConflictError (resources that cannot coexist, among
    themselves or with what is deployed; every problem at once) and PolicyError (a rule broken, not waived).
    """
    resources = _resolve_references(_merge_duplicates(expand_intents(intents, endpoints)))
    located = _locate_recorded(recorded, recorded_endpoints, endpoints)
    _check_conflicts(resources, recorded, located)
    waves = _order(resources)
    report = _check_policy(
        resources, policy or DEFAULT_POLICY, recorded=recorded, recorded_endpoints=located,
        capacities=capacities, allow=allow,
    )
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
        policy=report,
    )
