"""The plan builder: every plan is made by a recipe, a list of named steps run over one ``Work``.

A step is a small object with a docstring that reads or fills part of the work: the desired resources,
what is recorded, where recorded resources live, the waves, the changes. A recipe reads top to bottom:

- ``PLAN``: expand intents (merging duplicates; one copy per endpoint of a fanned-out intent), resolve
  references, move renamed addresses (``moved:``, and what starts or stops fanning out), converge the
  stack (what it owned and no longer declares is removed, dependents first, before the rest), locate,
  conflicts, order, policy, decide, remove, targets, guard data
- ``DESTROY``: everything the stack owns removed, dependents first (targets: those and what depends on them)
- ``DRIFT`` / ``RECONCILE``: the recorded desired state, ordered; every change a no-op (drift runs it in
  check mode) or, for what drifted, an update back to the recorded spec
- ``RESTORE``: the state as of a past moment, decided against what is live now, then what is live and
  was not there then removed (dependents first), never losing data without a waiver
- ``UNDO``: the inverse of what a failed run changed, in reverse order

A new recipe (import) is a new list of steps, not another hand-built plan. Everything here is
pure: the callers (``planner.service``) load intents, inventory and state and hand them in.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from planner.core.claims import Claim, clashes
from planner.core.graph import Graph, GraphError
from planner.core.kinds import kind_of, kind_spec, module_for
from planner.core.perf import without_cyclic_gc
from planner.core.plan import Action, Change, Plan
from planner.core.refs import refs_in, renamed_refs
from planner.core.resources import Resource, locate
from planner.errors import Argument, ConflictError, Fix, IacError, IntentError, Remedy
from planner.intents.base import Endpoints, ExpansionContext, Intent
from planner.policy.rules import DEFAULT_POLICY, Capacity, Policy, PolicyReport, evaluate

__all__ = [
    "DESTROY",
    "DRIFT",
    "PLAN",
    "RECONCILE",
    "RESTORE",
    "UNDO",
    "Recorded",
    "Step",
    "Work",
    "action_between",
    "before_states",
    "build",
    "build_plan",
    "desired_state_plan",
    "destroy_plan",
    "expand_intents",
    "inverse_plan",
    "reconcile_plan",
    "restore_plan",
]


class Recorded(Protocol):
    """What the builder reads of a recorded resource (``planner.state.records.ResourceRecord`` is one)."""

    @property
    def address(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def endpoint(self) -> str: ...
    @property
    def spec(self) -> dict[str, Any]: ...
    @property
    def dependencies(self) -> list[str]: ...


@dataclass
class Work:
    """What one recipe works on; each step reads some fields and fills others."""

    source: str
    intents: Sequence[Intent] = ()
    endpoints: Endpoints = field(default_factory=Endpoints)
    # The desired state: resources in order (expanded from intents, or taken from records).
    desired: list[Resource] = field(default_factory=list)
    # What was last applied, by address, and where it lives (filled in by Locate where not given).
    recorded: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    recorded_endpoints: Mapping[str, str] = field(default_factory=dict)
    # Live records a restore compares with and removes from; a stack's plan removes what it owned from them.
    live: Sequence[Recorded] = ()
    # The stack planned (None: a plan of no stack, which removes nothing), the stacks owning each recorded
    # address, and the other stacks' deployed intents (what ``{stack, name}`` references name).
    stack: str | None = None
    owners: Mapping[str, Collection[str]] = field(default_factory=dict)
    stacks: Mapping[str, Mapping[str, Intent]] = field(default_factory=dict)
    # What the stack adopted (``iac import``) and has not declared since: not removed for being undeclared.
    adopted: Collection[str] = ()
    destroy: bool = False
    # ``moved: [{from, to}]`` of the intent file: recorded addresses now known by another.
    moves: Sequence[tuple[str, str]] = ()
    moved: list[tuple[str, str]] = field(default_factory=list)  # those that apply: from is recorded, to is not
    # What the plan does, for messages ("restoring would remove ...").
    purpose: str = "restoring"
    policy: Policy = DEFAULT_POLICY
    allow: Collection[str] = ()
    capacities: Mapping[str, Capacity] = field(default_factory=dict)
    allow_data_loss: bool = False
    drifted: Collection[str] = ()
    # Addresses to plan alone, with what they depend on (``--target``); empty: everything.
    targets: Collection[str] = ()
    # An undo: the plan that ran, its before-states and the addresses it touched.
    undoing: Plan | None = None
    rollback_data: Mapping[str, Any] = field(default_factory=dict)
    touched: Collection[str] = ()
    # Filled in by the steps.
    removing: list[Recorded] = field(default_factory=list)  # what the stack owned alone and no longer declares
    waves: list[list[str]] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    report: PolicyReport = field(default_factory=PolicyReport)


class Step(Protocol):
    """One named step of a recipe."""

    def __call__(self, work: Work) -> None: ...


# --- the desired state -----------------------------------------------------------------------------------


def _expanded(
    intents: Sequence[Intent], endpoints: Endpoints, stacks: Mapping[str, Mapping[str, Intent]] = {}
) -> Iterator[Resource]:
    siblings = {intent.name: intent for intent in intents}
    for intent in intents:
        context = ExpansionContext(endpoints=endpoints, where=f"intent {intent.name!r}", siblings=siblings,
                                   stacks=stacks)
        copies = intent.fanned_out(endpoints, context.where)
        if not copies:
            yield from intent.expand(context)
        for endpoint, copy in copies:
            yield from _qualified(copy.expand(context), endpoint)


def _qualified(resources: list[Resource], endpoint: str) -> list[Resource]:
    """One fanned-out copy's resources, each address ending in ``@endpoint``, as do what they depend on and
    refer to among them."""
    renames = {resource.address: f"{resource.address}@{endpoint}" for resource in resources}
    return [replace(resource, qualifier=endpoint, spec=renamed_refs(resource.spec, renames),
                    depends_on=tuple(renames.get(dep, dep) for dep in resource.depends_on))
            for resource in resources]


def expand_intents(intents: Sequence[Intent], endpoints: Endpoints) -> list[Resource]:
    """Every intent's resources, in intent order."""
    return list(_expanded(intents, endpoints))


class Expand:
    """Every intent's resources, in intent order, each address once. Two intents may ask for the same
    resource: identical asks merge, different ones conflict. Merged as each intent expands, so a network
    that thousands of containers declare is not held thousands of times over."""

    def __call__(self, work: Work) -> None:
        merged: dict[str, Resource] = {}
        for resource in _expanded(work.intents, work.endpoints, work.stacks):
            seen = merged.setdefault(resource.address, resource)
            if seen is not resource and (seen.spec != resource.spec or seen.endpoint != resource.endpoint):
                raise ConflictError(
                    f"{resource.address} is defined differently by intents {seen.origin!r} and "
                    f"{resource.origin!r}; make the two definitions equal or give one another name"
                )
        work.desired = list(merged.values())


class ResolveReferences:
    """A resource depends on every resource its spec refers to (``{ref, output}``)."""

    def __call__(self, work: Work) -> None:
        resolved = []
        for resource in work.desired:
            referred = [address for address in refs_in(resource.spec) if address not in resource.depends_on]
            if referred:
                resource = replace(resource, depends_on=(*resource.depends_on, *referred))
            resolved.append(resource)
        work.desired = resolved


@dataclass(frozen=True)
class _Renamed:
    """A recorded resource as ``Move`` sees it: at its new address, or depending on one."""

    address: str
    kind: str
    name: str
    endpoint: str
    spec: dict[str, Any]
    dependencies: list[str]


class Move:
    """``moved: [{from, to}]``: a recorded resource now known by another address is planned under that address
    as it was recorded, so renaming plans no delete and create (the state is renamed when the plan runs). A
    move done already, or of an address never recorded, is nothing to do; onto an address recorded already
    it is an error naming both."""

    def __call__(self, work: Work) -> None:
        moves = [*work.moves, *_fanned_out_moves(work)]
        if not moves:
            return
        recorded, endpoints = dict(work.recorded), dict(work.recorded_endpoints)
        owners = dict(work.owners)
        renames: dict[str, str] = {}
        for source, target in moves:
            if source not in recorded:
                continue
            if target in recorded:
                raise ConflictError(f"moved: {source} -> {target}: {target} is recorded already; remove the entry, "
                                    f"or forget {target} first (`iac state rm {target}`)")
            recorded[target] = recorded.pop(source)
            if source in endpoints:
                endpoints[target] = endpoints.pop(source)
            if source in owners:
                owners[target] = owners.pop(source)
            renames[source] = target
            work.moved.append((source, target))
        work.recorded = {address: renamed_refs(spec, renames) for address, spec in recorded.items()}
        work.recorded_endpoints, work.owners = endpoints, owners
        work.live = [_renamed(record, renames) for record in work.live]


def _fanned_out_moves(work: Work) -> list[tuple[str, str]]:
    """The moves that keep recorded state when an intent starts or stops fanning out: ``X`` on endpoint E
    becomes ``X@E`` (and back), so a copy that was there already is not removed and made again."""
    moves = []
    for resource in work.desired:
        if resource.address in work.recorded:
            continue
        if resource.qualifier:
            plain = resource.address.rsplit("@", 1)[0]
            if plain in work.recorded and work.recorded_endpoints.get(plain) == resource.endpoint:
                moves.append((plain, resource.address))
        elif (qualified := f"{resource.address}@{resource.endpoint}") in work.recorded:
            moves.append((qualified, resource.address))
    return moves


def _renamed(record: Recorded, renames: Mapping[str, str]) -> Recorded:
    """``record`` at its new address, depending on and referring to the new addresses of what it names."""
    address = renames.get(record.address, record.address)
    dependencies = [renames.get(dep, dep) for dep in record.dependencies]
    spec = renamed_refs(record.spec, renames)
    if address == record.address and dependencies == record.dependencies and spec is record.spec:
        return record
    return _Renamed(address, record.kind, address[len(record.kind) + 1:], record.endpoint, spec, dependencies)


class Converge:
    """A stack's plan converges it: what the stack owned alone and no longer declares is removed; what another
    stack also owns is only let go. A resource another stack owns and this one declares differently is a
    conflict naming both (declared alike, it is shared). Every problem at once."""

    def __call__(self, work: Work) -> None:
        if work.stack is None:
            return
        problems = []
        for resource in work.desired:
            others = sorted(stack for stack in work.owners.get(resource.address, ()) if stack != work.stack)
            recorded = work.recorded.get(resource.address)
            if others and recorded is not None and dict(recorded) != resource.spec:
                problems.append(
                    f"{resource.address} is declared by stack {others[0]!r} and differently by stack "
                    f"{work.stack!r}; declare it alike in both (it is then shared) or give one another name"
                )
        if problems:
            raise ConflictError("; ".join(problems))
        declared = set() if work.destroy else {resource.address for resource in work.desired}
        kept = set() if work.destroy else set(work.adopted)
        work.removing = [record for record in work.live if record.address not in declared
                         and record.address not in kept and set(work.owners.get(record.address, ())) == {work.stack}]


class FromRecords:
    """The desired state is what was recorded: each record's spec, with its recorded dependencies among them."""

    def __init__(self, records: Sequence[Recorded]) -> None:
        self.records = records

    def __call__(self, work: Work) -> None:
        known = {record.address for record in self.records}
        work.desired = [
            Resource(
                kind=record.kind, name=record.name, endpoint=record.endpoint, spec=record.spec,
                depends_on=tuple(dep for dep in record.dependencies if dep in known),
            )
            for record in self.records
        ]


class Locate:
    """Where each recorded address lives: as the state store says, else on its backend's only endpoint."""

    def __call__(self, work: Work) -> None:
        work.recorded_endpoints = locate(work.recorded, work.recorded_endpoints, work.endpoints.by_backend)


class CheckConflicts:
    """Things that cannot coexist on one endpoint, among the planned resources and against what is deployed
    at other addresses (each kind's claims). Every problem at once."""

    def __call__(self, work: Work) -> None:
        planned = {resource.address for resource in work.desired} | {record.address for record in work.removing}
        claims = [Claim.of(r.address, r.kind, r.endpoint, r.spec, deployed=False) for r in work.desired]
        claims += [
            Claim.of(address, kind_of(address), work.recorded_endpoints[address], dict(spec), deployed=True)
            for address, spec in work.recorded.items()
            if address not in planned and address in work.recorded_endpoints and spec.get("state") != "absent"
        ]
        problems = clashes(claims)
        if problems:
            raise ConflictError("; ".join(problems))


class Order:
    """The dependency graph, validated (every problem at once), in waves; what is removed goes first,
    dependents before what they depend on. A dependency on a deployed resource this plan does not make (a
    segment another stack owns) is met already; one on a resource being removed is an error naming both."""

    def __call__(self, work: Work) -> None:
        graph = Graph()
        desired = {resource.address for resource in work.desired}
        removed = {record.address for record in work.removing}
        problems = []
        for resource in work.desired:
            met = [dep for dep in resource.depends_on if dep not in desired and dep in work.recorded]
            problems += [f"{resource.address} depends on {dep}, which this plan removes" for dep in met
                         if dep in removed]
            graph.add(resource.address, [dep for dep in resource.depends_on if dep not in met])
        for record in work.live:
            if record.address not in desired and record.address not in removed:
                owner = ", ".join(sorted(work.owners.get(record.address, ()))) or "no stack"
                problems += [f"{record.address} (stack {owner}) depends on {dep}, which this plan removes"
                             for dep in record.dependencies if dep in removed]
        if problems:
            raise ConflictError("; ".join(problems) + "; remove the dependents first (or keep what they need)")
        try:
            work.waves = _removal_waves(work.removing) + graph.waves()
        except GraphError as err:
            raise ConflictError("; ".join(problem.message for problem in err.problems)) from None


def _removal_waves(records: Sequence[Recorded]) -> list[list[str]]:
    """The waves that remove ``records``: dependents first."""
    names = {record.address for record in records}
    graph = Graph()
    for record in records:
        graph.add(record.address, [dep for dep in record.dependencies if dep in names])
    return [list(reversed(wave)) for wave in reversed(graph.waves())]


def _deletion(record: Recorded, wave: int) -> Change:
    return Change.planned(
        record.address, record.kind, record.name, record.endpoint, module_for(record.kind), Action.DELETE,
        dict(record.spec), kind_spec(record.kind).absent_spec(record.spec), [], wave, "",
    )


class CheckPolicy:
    """The policy rules; a violation not waived by ``allow`` stops the plan (PolicyError)."""

    def __call__(self, work: Work) -> None:
        work.report = evaluate(
            work.desired, work.policy, deployed=work.recorded, deployed_endpoints=work.recorded_endpoints,
            capacities=work.capacities, allow=work.allow,
        )


# --- deciding --------------------------------------------------------------------------------------------


def _changes(work: Work, action_of: Any, before_of: Any) -> list[Change]:
    by_address = {resource.address: resource for resource in work.desired}
    kinds = {resource.kind for resource in work.desired}
    modules = {kind: module_for(kind) for kind in kinds}
    sticky = {kind: kind_spec(kind).sticky for kind in kinds}
    changes = []
    for number, wave in enumerate(work.waves, start=1):
        for address in wave:
            resource = by_address.get(address)
            if resource is None:
                continue  # removed: ``Remove`` plans it
            before = before_of(resource)
            if before is not None and sticky[resource.kind]:
                resource = _with_sticky(resource, before, sticky[resource.kind])
            # ``after`` is the resource's own spec, not a copy: the desired resources are this build's and
            # end with it (a plan of 100,000 resources would otherwise hold every spec twice while it is made).
            changes.append(Change.planned(
                address, resource.kind, resource.name, resource.endpoint, modules[resource.kind],
                action_of(resource, before), dict(before) if before is not None else None, resource.spec,
                list(resource.depends_on), number, resource.origin,
            ))
    return changes


def _with_sticky(resource: Resource, before: Mapping[str, Any], fields: tuple[str, ...]) -> Resource:
    """``resource`` keeping the sticky fields its record has (an adopted Docker object's ``adopt: true``)."""
    kept = {name: before[name] for name in fields if name in before and name not in resource.spec}
    return replace(resource, spec={**resource.spec, **kept}) if kept else resource


def action_between(kind: str, before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> Action:
    """What going from ``before`` (None: it does not exist) to ``after`` takes: create, nothing, or a change.

    Nothing, when every field ``after`` sets has that value already: a field ``after`` leaves out is not
    managed, and its module leaves it as it is (an adopted object's record holds every field it has).
    """
    if before is None:
        return Action.CREATE
    if all(name in before and before[name] == value for name, value in after.items()):
        return Action.NOOP
    return _change_between(kind, before, after)


def _change_between(kind: str, before: Mapping[str, Any], after: Mapping[str, Any]) -> Action:
    """An update in place, or a replacement when a field the module cannot change in place differs
    (``KindSpec.replaced_by``)."""
    return Action.REPLACE if kind_spec(kind).replaced_by(before, after) else Action.UPDATE


def _diff(resource: Resource, before: Mapping[str, Any] | None) -> Action:
    return action_between(resource.kind, before, resource.spec)


class Decide:
    """Compare each desired resource with what was last applied: create, update, replace or nothing."""

    def __call__(self, work: Work) -> None:
        work.changes = _changes(work, _diff, lambda resource: work.recorded.get(resource.address))


class Remove:
    """What ``work.removing`` holds, deleted in the waves ``Order`` gave it (before everything else)."""

    def __call__(self, work: Work) -> None:
        if not work.removing:
            return
        wave_of = {address: number for number, wave in enumerate(work.waves, start=1) for address in wave}
        deletions = [_deletion(record, wave_of[record.address]) for record in work.removing]
        work.changes = sorted(deletions + work.changes, key=lambda change: change.wave)


class Target:
    """Only the resources ``work.targets`` names and those they depend on, transitively (``--target``); a
    destroy's targets take what depends on them instead. The rest is left out of the plan, as it is. A
    target the plan does not hold is an error naming the closest."""

    def __call__(self, work: Work) -> None:
        if not work.targets:
            return
        depends_on: dict[str, Sequence[str]] = {resource.address: resource.depends_on for resource in work.desired}
        depends_on.update({record.address: record.dependencies for record in work.removing})
        if work.destroy:  # follow the edges the other way: what depends on a target goes with it
            dependents: dict[str, list[str]] = {address: [] for address in depends_on}
            for address, deps in depends_on.items():
                for dep in deps:
                    dependents.setdefault(dep, []).append(address)
            depends_on = dict(dependents)
        for target in work.targets:
            if target not in depends_on:
                close = difflib.get_close_matches(target, depends_on, n=3)
                known = f"did you mean {', '.join(close)}?" if close else f"it plans {', '.join(sorted(depends_on))}"
                raise IntentError(f"is no resource of this plan; {known}", field=Argument("targets", target))
        keep: set[str] = set()
        pending = list(work.targets)
        while pending:
            address = pending.pop()
            if address not in keep:
                keep.add(address)
                pending.extend(depends_on.get(address, ()))
        work.waves = [kept for kept in ([a for a in wave if a in keep] for wave in work.waves) if kept]
        wave_of = {address: number for number, wave in enumerate(work.waves, start=1) for address in wave}
        work.changes = [change.model_copy(update={"wave": wave_of[change.address]}) for change in work.changes
                        if change.address in keep]


class DecideAgainstLive:
    """Compare each desired resource with what is live now (a restore's way back)."""

    def __call__(self, work: Work) -> None:
        live = {record.address: record.spec for record in work.live}
        work.changes = _changes(work, _diff, lambda resource: live.get(resource.address))


class Keep:
    """Every resource as recorded: a no-op whose before and after are its spec (drift runs it in check mode),
    or, for what ``work.drifted`` names, an update back to it."""

    def __call__(self, work: Work) -> None:
        drifted = set(work.drifted)
        work.changes = _changes(
            work, lambda resource, _: Action.UPDATE if resource.address in drifted else Action.NOOP,
            lambda resource: resource.spec,
        )


class RemoveUndeclared:
    """What is live but not desired is removed after everything else is back, dependents first."""

    def __call__(self, work: Work) -> None:
        keep = {resource.address for resource in work.desired}
        gone = [record for record in work.live if record.address not in keep]
        waves = _removal_waves(gone)
        by_address = {record.address: record for record in gone}
        for number, wave in enumerate(waves, start=len(work.waves) + 1):
            work.changes += [_deletion(by_address[address], number) for address in wave]
        work.waves += waves


class GuardData:
    """Removing what holds data (volumes, disks, whole guests) needs ``allow_data_loss``."""

    def __call__(self, work: Work) -> None:
        lost = [c.address for c in work.changes if c.action is Action.DELETE and kind_spec(c.kind).holds_data]
        if lost and not work.allow_data_loss:
            raise IacError(f"{work.purpose} would remove {', '.join(lost)}, and their data with them",
                           remedy=Remedy(Fix.ALLOW_DATA_LOSS))


class Invert:
    """The inverse of what a run touched, in reverse order: a resource that did not exist before is removed,
    one that existed is restored to its recorded spec. Resources of one wave never depend on each other, so
    the original waves reversed are a safe order."""

    def __call__(self, work: Work) -> None:
        plan = work.undoing
        if plan is None:
            return
        befores: Mapping[str, Any] = work.rollback_data.get("resources", {})
        undo: list[Change] = []
        for change in reversed(plan.changes):
            if change.address not in work.touched:
                continue
            before = (befores.get(change.address) or {}).get("before")
            after = change.after or {}
            if before is None:
                spec, action = kind_spec(change.kind).absent_spec(after), Action.DELETE
            else:  # back to the recorded spec: a replacement again when the run replaced it
                spec = dict(before)
                action = _change_between(change.kind, after, spec)
            undo.append(change.model_copy(update={"action": action, "before": after, "after": spec,
                                                  "depends_on": []}))
        undone = {change.address for change in undo}
        waves = [[a for a in reversed(wave) if a in undone] for wave in reversed(plan.waves)]
        work.waves = [wave for wave in waves if wave]
        wave_of = {address: number for number, wave in enumerate(work.waves, start=1) for address in wave}
        work.changes = sorted((change.model_copy(update={"wave": wave_of[change.address]}) for change in undo),
                              key=lambda change: change.wave)


# --- recipes ---------------------------------------------------------------------------------------------

PLAN: tuple[Step, ...] = (
    Expand(), ResolveReferences(), Move(), Converge(), Locate(), CheckConflicts(), Order(), CheckPolicy(), Decide(),
    Remove(), Target(), GuardData(),
)
DESTROY: tuple[Step, ...] = (Converge(), Order(), Remove(), Target(), GuardData())
DRIFT: tuple[Step, ...] = (Order(), Keep())  # after FromRecords(recorded)
RECONCILE = DRIFT  # the same steps; ``work.drifted`` names what converges
RESTORE: tuple[Step, ...] = (Order(), DecideAgainstLive(), RemoveUndeclared(), GuardData())  # after FromRecords
UNDO: tuple[Step, ...] = (Invert(),)


@without_cyclic_gc
def build(recipe: Iterable[Step], work: Work, *, now: datetime | None = None) -> Plan:
    """Run ``recipe`` over ``work`` and return the plan it made (``work.desired`` is emptied on the way)."""
    for step in recipe:
        step(work)
    planned = {change.address for change in work.changes}
    placements = {resource.address: resource.meta["placement"] for resource in work.desired
                  if "placement" in resource.meta and resource.address in planned}  # fmt: skip
    # The changes hold what the plan needs of the desired resources (their specs are the changes' ``after``):
    # let the rest go before the intents are written out, the largest part of a plan made last.
    work.desired = []
    intents = [intent.model_dump(mode="json", exclude_defaults=False) for intent in work.intents]
    # The steps made every part of the plan as it is typed; validating it again would copy each change's
    # and intent's data once more.
    return Plan.model_construct(source=work.source, created_at=now or datetime.now(UTC), intents=intents,
                                changes=work.changes, waves=work.waves, policy=work.report, stack=work.stack,
                                destroy=work.destroy, targets=sorted(work.targets), moved=work.moved,
                                placements=placements)


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
    targets: Collection[str] = (),
    stack: str | None = None,
    live: Sequence[Recorded] = (),
    owners: Mapping[str, Collection[str]] = {},
    stacks: Mapping[str, Mapping[str, Intent]] = {},
    allow_data_loss: bool = False,
    moves: Sequence[tuple[str, str]] = (),
    adopted: Collection[str] = (),
) -> Plan:
    """Turn intents into a plan (the ``PLAN`` recipe).

    ``recorded`` maps addresses to the spec last applied (from the state store) and ``recorded_endpoints``
    maps them to their endpoint (an address missing there is taken to be on its backend's only endpoint).
    ``policy`` defaults to the shipped rules; ``allow`` names rules to waive (recorded in
    ``Plan.policy.waivers``); ``capacities`` are the endpoints' limits; ``targets``, when given, limits the
    plan to those addresses and what they depend on.

    ``stack`` names the stack the intents are: what it owned (``owners``: address → owning stacks) among the
    ``live`` records and no longer declares is removed, dependents first, the data it holds only with
    ``allow_data_loss``. ``stacks`` are the other stacks' deployed intents, by stack and name; ``moves``
    (``(from, to)``) plan recorded resources under their new addresses; ``adopted`` (what the stack adopted
    and no intent declared since) is kept though undeclared.

    Raises IntentError (an intent that cannot expand), ConflictError (resources that cannot coexist, among
    themselves or with what is deployed; every problem at once) and PolicyError (a rule broken, not waived).
    """
    work = Work(source=source, intents=intents, endpoints=endpoints, recorded=recorded,
                recorded_endpoints=recorded_endpoints, policy=policy or DEFAULT_POLICY, allow=allow,
                capacities=capacities, targets=targets, stack=stack, live=live, owners=owners, stacks=stacks,
                allow_data_loss=allow_data_loss, purpose=f"applying stack {stack!r}", moves=moves, adopted=adopted)
    return build(PLAN, work, now=now)


def destroy_plan(
    stack: str, live: Sequence[Recorded], owners: Mapping[str, Collection[str]], *, source: str,
    targets: Collection[str] = (), allow_data_loss: bool = False, now: datetime | None = None,
) -> Plan:
    """The plan that removes what ``stack`` owns (``DESTROY``), dependents first; with ``targets``, those and
    what depends on them. What another stack also owns is only let go; what another stack's resources
    depend on is refused, naming them."""
    work = Work(source=source, stack=stack, live=live, owners=owners, destroy=True, targets=targets,
                recorded={record.address: record.spec for record in live}, allow_data_loss=allow_data_loss,
                purpose=f"destroying stack {stack!r}")
    return build(DESTROY, work, now=now)


def desired_state_plan(records: Sequence[Recorded], *, source: str) -> Plan:
    """A plan of no-ops whose changes are the recorded specs of ``records``, in their recorded order
    (the ``DRIFT`` recipe)."""
    return build((FromRecords(records), *DRIFT), Work(source=source))


def reconcile_plan(records: Sequence[Recorded], drifted: Collection[str], *, source: str = "reconcile") -> Plan:
    """The recorded desired state, with what ``drifted`` names converging back to it (``RECONCILE``)."""
    return build((FromRecords(records), *RECONCILE), Work(source=source, drifted=drifted))


def restore_plan(
    target: Sequence[Recorded], live: Sequence[Recorded], *, source: str, allow_data_loss: bool = False
) -> Plan:
    """The plan from ``live`` back to ``target`` (``RESTORE``); raises when it would remove data without
    ``allow_data_loss``."""
    return build((FromRecords(target), *RESTORE), Work(source=source, live=live, allow_data_loss=allow_data_loss))


def before_states(plan: Plan, recorded: Mapping[str, Mapping[str, Any] | None]) -> dict[str, Any]:
    """``rollback_data`` for a plan, recorded before it runs: each resource's spec before the run, or
    ``None`` if it did not exist. ``inverse_plan`` reads it back to undo a failed run."""
    resources: dict[str, Any] = {}
    for change in plan.changes:
        before = recorded.get(change.address)
        resources[change.address] = {"before": dict(before) if before is not None else None}
    return {"resources": resources}


def inverse_plan(plan: Plan, rollback_data: Mapping[str, Any], touched: Collection[str]) -> Plan | None:
    """The plan that undoes ``touched`` resources of ``plan`` (``UNDO``); ``None`` when nothing is to undo."""
    work = Work(source=f"rollback of {plan.source}", undoing=plan, rollback_data=rollback_data, touched=touched)
    undo = build(UNDO, work)
    if not undo.changes:
        return None
    return undo.model_copy(update={"intents": plan.intents})
