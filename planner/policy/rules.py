"""Policy as code: plan-time rules that block a plan, unless an explicit waiver (``--allow RULE``) is recorded.

Rules
-----
``no-guest-to-management`` (default on)
    No *pass* firewall rule from a segment of role ``guest`` or ``iot`` to a segment of role ``management``,
    nor to one of the policy's ``management_networks`` (CIDRs, interface or segment names; default ``lan``).
``no-wan-exposure`` (default on)
    No resource whose meta says ``wan_exposure`` unless the intent asked for it (``wan_exposure_requested``,
    e.g. ``game_server`` with ``expose_wan: true``); and no ``opnsense.firewall_rule`` that passes traffic on
    interface ``wan``, nor port forward or one-to-one NAT there, without that request.
``host-capacity`` (default on)
    Per endpoint, the memory and CPUs of ``docker.container`` (``memory``, ``cpus``), ``proxmox.vm``
    (``memory`` MiB, ``cores`` x ``sockets``) and ``proxmox.lxc`` (``memory`` MiB, ``cores``) planned there,
    plus what is already deployed there and not replaced or removed by the plan, stay within the endpoint's
    capacity. Capacity comes from inventory host vars ``capacity: {memory: 16g, cpus: 8}``
    (:func:`capacities_from_hosts`); an endpoint without a known capacity is not checked. Resources without
    a limit count as zero.
``required-tags`` (off unless a policy file configures it)
    Every resource carries each of ``tags`` (from its intent's ``tags``) and, with ``owner: true``, an owner.

Policy file (``IAC_POLICY`` or ``--policy FILE``; ``policies/default.yaml`` holds the shipped defaults)::

    version: 1
    rules:
      no-guest-to-management:
        management_networks: [lan, 10.0.10.0/24]   # CIDRs, interface or segment names (default [lan])
      no-wan-exposure: {}
      host-capacity: {}
      required-tags:
        tags: [team]        # every resource must carry all of these tags
        owner: true         # and an owner
      # any rule: `enabled: false` turns it off (the plan records which rules ran)

A file's settings are laid over the shipped defaults rule by rule. ``evaluate`` is pure: it takes the
planned resources, what is deployed, the capacities and the waivers, and returns a :class:`PolicyReport`
or raises :class:`~planner.errors.PolicyError` naming every rule broken and the change that broke it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from planner.core.kinds import kind_of, kind_spec
from planner.core.resources import Resource, locate
from planner.core.sizes import memory_mib
from planner.errors import PLAIN, Argument, Fix, PolicyError, Remedy, Wording, shown

__all__ = [
    "DEFAULT_POLICY",
    "RULES",
    "Capacity",
    "Policy",
    "PolicyReport",
    "PolicyViolations",
    "Violation",
    "Waiver",
    "capacities_from_hosts",
    "evaluate",
    "memory_mib",
]

POLICY_VERSION = 1

RULES: dict[str, str] = {
    "no-guest-to-management": "no pass rule from a guest/iot segment to the management network",
    "no-wan-exposure": "nothing reachable from the WAN unless the intent asks for it (expose_wan: true)",
    "host-capacity": "memory and CPUs per endpoint within the capacity given in the inventory",
    "required-tags": "every resource carries the required tags and/or an owner",
}

_UNTRUSTED_ROLES = frozenset({"guest", "iot"})


@dataclass(frozen=True)
class Policy:
    """Which rules run and their settings; ``planner.policy.load`` reads them from a policy file."""

    enabled: frozenset[str] = frozenset({"no-guest-to-management", "no-wan-exposure", "host-capacity"})
    # OPNsense's LAN is the management network unless a policy file says otherwise (segments default to it too)
    management_networks: tuple[str, ...] = ("lan",)
    required_tags: tuple[str, ...] = ()
    require_owner: bool = False
    source: str = "shipped defaults"


DEFAULT_POLICY = Policy()


@dataclass(frozen=True)
class Capacity:
    """What an endpoint can run: memory in MiB and CPUs (cores); ``None`` means not limited."""

    memory_mib: float | None = None
    cpus: float | None = None


class Violation(BaseModel):
    """One rule broken by one change, with what to do about it."""

    model_config = ConfigDict(frozen=True)

    rule: str
    address: str
    change: str  # e.g. "create opnsense.firewall_rule.guest-to-mgmt"
    message: str


class Waiver(BaseModel):
    """A violation accepted explicitly (``--allow RULE``); stored in the plan."""

    model_config = ConfigDict(frozen=True)

    rule: str
    address: str
    change: str = ""
    message: str = ""
    reason: str = ""


class PolicyReport(BaseModel):
    """The rules evaluated, the violations left (empty once a plan is accepted) and the waivers recorded."""

    source: str = ""
    rules: list[str] = Field(default_factory=list)
    violations: list[Violation] = Field(default_factory=list)
    waivers: list[Waiver] = Field(default_factory=list)


class PolicyViolations(PolicyError):
    """The plan breaks rules that were not waived; ``report`` holds every violation (and the waivers).

    Each violation's last remedy is a waiver of its rule, ``Remedy(Fix.ALLOW_RULE, rule)``, worded by the
    adapter after the violation's own (``..., or waive with --allow host-capacity`` on the command line)."""

    def __init__(self, report: PolicyReport) -> None:
        self.report = report
        lines = [f"{v.rule}: {v.change}: {v.message}" for v in report.violations]
        super().__init__(f"the plan breaks policy ({report.source}): " + "; ".join(lines))

    def text(self, wording: Wording = PLAIN) -> str:
        lines = [f"{v.rule}: {v.change}: {v.message}, or {wording.remedy(Remedy(Fix.ALLOW_RULE, v.rule))}"
                 for v in self.report.violations]
        return f"the plan breaks policy ({self.report.source}): " + "; ".join(lines)


def capacities_from_hosts(hosts: Mapping[str, Mapping[str, Any]]) -> dict[str, Capacity]:
    """Capacities from inventory host vars (``{host: vars}``): hosts with ``capacity: {memory: 16g, cpus: 8}``."""
    capacities: dict[str, Capacity] = {}
    for host, host_vars in hosts.items():
        raw = host_vars.get("capacity")
        if raw is None:
            continue
        where = f"inventory host {shown(host)}: capacity"
        if not isinstance(raw, dict) or not raw or set(raw) - {"memory", "cpus"}:
            raise PolicyError(f"{where}: expected a mapping with memory (e.g. 16g) and/or cpus (e.g. 8)")
        try:
            memory = memory_mib(raw["memory"]) if raw.get("memory") is not None else None
        except ValueError as err:
            raise PolicyError(f"{where}.memory: {err}") from None
        cpus = raw.get("cpus")
        if cpus is not None and (isinstance(cpus, bool) or not isinstance(cpus, int | float) or cpus <= 0):
            raise PolicyError(f"{where}.cpus: {shown(cpus)} is not a positive number of CPUs")
        capacities[host] = Capacity(memory_mib=memory, cpus=float(cpus) if cpus is not None else None)
    return capacities


_SETTINGS: dict[str, set[str]] = {
    "no-guest-to-management": {"management_networks"},
    "no-wan-exposure": set(),
    "host-capacity": set(),
    "required-tags": {"tags", "owner"},
}


# --- evaluating ------------------------------------------------------------------------------------------


@dataclass
class _Context:
    """What every rule may read while evaluating one plan."""

    policy: Policy
    resources: Sequence[Resource]
    deployed: Mapping[str, Mapping[str, Any]]
    deployed_endpoints: Mapping[str, str]
    capacities: Mapping[str, Capacity]
    segment_roles: dict[str, str] = field(default_factory=dict)

    def change(self, resource: Resource) -> str:
        """How the plan changes ``resource``, in words: ``create docker.container.a``."""
        before = self.deployed.get(resource.address)
        if resource.spec.get("state") == "absent":
            verb = "delete"
        elif before is None:
            verb = "create"
        else:
            verb = "keep" if dict(before) == resource.spec else "update"
        return f"{verb} {resource.address}"


Rule = Callable[[_Context], Iterator[Violation]]


def _violation(context: _Context, rule: str, resource: Resource, message: str) -> Violation:
    return Violation(rule=rule, address=resource.address, change=context.change(resource), message=message)


def _is_pass_rule(resource: Resource) -> bool:
    return (
        resource.kind == "opnsense.firewall_rule"
        and resource.spec.get("action", "pass") == "pass"
        and resource.spec.get("state", "present") != "absent"
        and resource.spec.get("enabled", True) is not False
    )


def _in_management_networks(destination: Any, policy: Policy) -> str | None:
    """The management network ``destination`` (a segment name, CIDR or address) falls in, if any."""
    if not isinstance(destination, str):
        return None
    if destination in policy.management_networks:
        return destination
    try:
        target = ipaddress.ip_network(destination, strict=False)
    except ValueError:
        return None
    for item in policy.management_networks:
        try:
            network = ipaddress.ip_network(item, strict=False)
        except ValueError:
            continue
        if network.version == target.version and network.overlaps(target):
            return item
    return None


def _no_guest_to_management(context: _Context) -> Iterator[Violation]:
    for resource in context.resources:
        if not _is_pass_rule(resource):
            continue
        meta = resource.meta
        source_role = meta.get("source_role") or context.segment_roles.get(str(meta.get("source_segment")))
        if source_role not in _UNTRUSTED_ROLES:
            continue
        destination_segment = meta.get("destination_segment")
        destination_role = meta.get("destination_role") or context.segment_roles.get(str(destination_segment))
        hit = None
        if destination_role == "management":
            hit = (f"segment {shown(destination_segment)} (role management)" if destination_segment
                   else "role management")
        else:
            # an inverted destination ("everything but X") is not aimed at X
            listed = [] if resource.spec.get("destination_not") else resource.spec.get("destination_net", [])
            for candidate in [destination_segment, *listed]:
                network = _in_management_networks(candidate, context.policy)
                if network is not None:
                    hit = f"management network {network}"
                    break
        if hit is not None:
            yield _violation(
                context, "no-guest-to-management", resource,
                f"it passes traffic from a {source_role} segment ({meta.get('source_segment', '?')}) to {hit}; "
                "remove the rule or make it block",
            )


# What lets the internet in on the interface it names: a pass rule, a port forward, a one-to-one mapping.
_INBOUND_NAT = ("opnsense.nat_port_forward", "opnsense.nat_one_to_one")


def _opens_inbound(resource: Resource) -> bool:
    if resource.kind in _INBOUND_NAT:
        return resource.spec.get("state", "present") != "absent" and resource.spec.get("enabled", True) is not False
    return _is_pass_rule(resource)


def _no_wan_exposure(context: _Context) -> Iterator[Violation]:
    for resource in context.resources:
        if resource.meta.get("wan_exposure_requested") is True:
            continue
        interfaces = resource.spec.get("interface") or []
        interfaces = [interfaces] if isinstance(interfaces, str) else interfaces
        on_wan = _opens_inbound(resource) and "wan" in interfaces
        if resource.meta.get("wan_exposure") is True or on_wan:
            yield _violation(
                context, "no-wan-exposure", resource,
                "it lets traffic in from the WAN, which the intent did not ask for; set expose_wan: true on the "
                "intent if that is wanted",
            )


def _format_mib(value: float) -> str:
    return f"{value / 1024:g} GiB" if value >= 1024 else f"{value:g} MiB"


def _host_capacity(context: _Context) -> Iterator[Violation]:
    planned = {resource.address for resource in context.resources}
    for endpoint, capacity in context.capacities.items():
        here = [r for r in context.resources if r.endpoint == endpoint and kind_spec(r.kind).demand is not None]
        kept = [
            (address, spec)
            for address, spec in context.deployed.items()
            if address not in planned
            and kind_spec(kind_of(address)).demand is not None
            and context.deployed_endpoints.get(address) == endpoint
        ]
        parts = [(r.address, kind_spec(r.kind).demand_of(r.spec), "") for r in here]
        parts += [(address, kind_spec(kind_of(address)).demand_of(spec), " (deployed)") for address, spec in kept]
        memory = sum(demand[0] for _, demand, _ in parts)
        cpus = sum(demand[1] for _, demand, _ in parts)
        over = []
        if capacity.memory_mib is not None and memory > capacity.memory_mib:
            over.append(f"memory {_format_mib(memory)} of {_format_mib(capacity.memory_mib)}")
        if capacity.cpus is not None and cpus > capacity.cpus:
            over.append(f"{cpus:g} CPUs of {capacity.cpus:g}")
        changed = [r for r in here if not context.change(r).startswith(("keep", "delete"))]
        if not over or not changed:
            continue  # nothing in this plan adds load: what is deployed was accepted before
        listing = ", ".join(
            f"{address}{tag} {_format_mib(demand[0])}/{demand[1]:g} CPU" for address, demand, tag in parts
        )
        yield _violation(
            context, "host-capacity", changed[-1],
            f"endpoint {endpoint} would need {' and '.join(over)} ({listing}); lower memory/cpus, move something "
            "to another endpoint, raise `capacity` in the inventory",
        )


def _required_tags(context: _Context) -> Iterator[Violation]:
    policy = context.policy
    for resource in context.resources:
        tags = resource.meta.get("tags") or []
        missing = [tag for tag in policy.required_tags if tag not in tags]
        wants = []
        if missing:
            wants.append(f"tags {', '.join(missing)}")
        if policy.require_owner and not resource.meta.get("owner"):
            wants.append("an owner")
        if wants:
            origin = f"intent {shown(resource.origin)}" if resource.origin else "its intent"
            yield _violation(
                context, "required-tags", resource,
                f"it lacks {' and '.join(wants)} (policy {policy.source}); add `tags:`/`owner:` to {origin}",
            )


_EVALUATORS: dict[str, Rule] = {
    "no-guest-to-management": _no_guest_to_management,
    "no-wan-exposure": _no_wan_exposure,
    "host-capacity": _host_capacity,
    "required-tags": _required_tags,
}


def evaluate(
    resources: Sequence[Resource],
    policy: Policy = DEFAULT_POLICY,
    *,
    deployed: Mapping[str, Mapping[str, Any]] = {},
    deployed_endpoints: Mapping[str, str] = {},
    capacities: Mapping[str, Capacity] = {},
    allow: Collection[str] = (),
) -> PolicyReport:
    """Check ``resources`` (the planned desired state) against ``policy``.

    ``deployed`` maps addresses to the spec last applied (the state store's view); ``deployed_endpoints``
    says where each lives (an address missing there is taken to sit on its backend's only endpoint in this
    plan, if there is exactly one). ``capacities`` maps endpoints to what they can run. ``allow`` names
    rules whose violations are waived: they are recorded in the report's ``waivers``. Raises PolicyError
    when ``allow`` names an unknown rule, or when a violation is not waived (naming every one).
    """
    unknown = sorted(set(allow) - set(RULES))
    if unknown:
        raise PolicyError(f"unknown policy rule; known rules: {', '.join(RULES)}", field=Argument("allow", unknown[0]))
    segment_roles = {
        str(r.meta["segment"]): str(r.meta["segment_role"])
        for r in resources
        if r.meta.get("segment") and r.meta.get("segment_role")
    }
    context = _Context(
        policy=policy,
        resources=resources,
        deployed=deployed,
        deployed_endpoints=locate(deployed, deployed_endpoints, _by_backend(resources)),
        capacities=capacities,
        segment_roles=segment_roles,
    )
    rules = [name for name in RULES if name in policy.enabled]
    report = PolicyReport(source=policy.source, rules=rules)
    for name in rules:
        for violation in _EVALUATORS[name](context):
            if name in allow:
                report.waivers.append(Waiver(**violation.model_dump(), reason=f"--allow {name}"))
            else:
                report.violations.append(violation)
    if report.violations:
        raise PolicyViolations(report)
    return report


def _by_backend(resources: Sequence[Resource]) -> dict[str, list[str]]:
    by_backend: dict[str, list[str]] = {}
    for resource in resources:
        hosts = by_backend.setdefault(resource.backend, [])
        if resource.endpoint not in hosts:
            hosts.append(resource.endpoint)
    return by_backend
