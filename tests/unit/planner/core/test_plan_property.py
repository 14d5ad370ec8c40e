"""Property: any valid intent set yields an acyclic plan whose waves respect every dependency."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.core.builder import build_plan
from planner.core.plan import Plan
from planner.core.refs import ref, refs_in
from planner.core.resources import Resource
from planner.intents import Endpoints, parse_intents
from planner.intents.base import ExpansionContext, Intent

ENDPOINTS = Endpoints({"docker": ["d1", "d2"], "opnsense": ["fw"]})
GAMES = ["minecraft", "valheim", "factorio", "terraria"]


class GraphIntent(Intent):
    """Test-only intent: expands into an arbitrary acyclic graph (edges as depends_on or as references)."""

    kind: Literal["graph"] = "graph"
    example: ClassVar[str] = ""
    # node i: (the earlier nodes it depends on, whether it names them by reference instead of depends_on)
    nodes: list[tuple[list[int], bool]]
    order: list[int]

    def expand(self, context: ExpansionContext) -> list[Resource]:
        def address(i: int) -> str:
            return f"test.node.{self.name}-{i}"

        resources = []
        for i in self.order:
            deps, by_reference = self.nodes[i]
            spec: dict[str, Any] = {"n": i}
            depends_on: tuple[str, ...] = ()
            if by_reference:
                spec["inputs"] = [ref(address(d), "id") for d in deps]
            else:
                depends_on = tuple(address(d) for d in deps)
            resources.append(Resource(kind="test.node", name=f"{self.name}-{i}", endpoint="d1", spec=spec,
                                      depends_on=depends_on, origin=self.name))
        return resources


@st.composite
def graphs(draw: st.DrawFn, name: str) -> GraphIntent:
    size = draw(st.integers(min_value=1, max_value=12))
    nodes = [
        (sorted(draw(st.sets(st.integers(0, i - 1), max_size=3))) if i else [], draw(st.booleans()))
        for i in range(size)
    ]
    order = draw(st.permutations(list(range(size))))
    return GraphIntent(name=name, nodes=nodes, order=list(order))


@st.composite
def intent_sets(draw: st.DrawFn) -> list[Intent]:
    raw: list[dict[str, Any]] = []
    networks = {f"net{i}": f"172.30.{i}.0/24" for i in range(3)}
    for i in range(draw(st.integers(0, 5))):
        container: dict[str, Any] = {"kind": "container", "name": f"c{i}", "image": "x:1",
                                     "endpoint": draw(st.sampled_from(["d1", "d2"]))}
        if draw(st.booleans()):
            network = draw(st.sampled_from(sorted(networks)))
            container["network"] = {"name": f"{network}-{container['endpoint']}", "subnet": networks[network]}
        if draw(st.booleans()):
            container["ports"] = [f"127.0.0.1:{18000 + i}:80"]
        raw.append(container)
    for i in range(draw(st.integers(0, 2))):
        tag = 20 + i
        raw.append({"kind": "network_segment", "name": f"seg{i}", "vlan": tag, "subnet": f"10.{tag}.0.0/24",
                    "role": draw(st.sampled_from(["guest", "trusted", "iot"])),
                    "isolated": draw(st.booleans())})
        if draw(st.booleans()):
            raw.append({"kind": "game_server", "name": f"game{i}", "game": draw(st.sampled_from(GAMES)),
                        "players": draw(st.integers(1, 40)), "segment": f"seg{i}",
                        "publish_address": f"127.0.0.{i + 1}", "endpoint": "d1"})
    intents: list[Intent] = parse_intents(raw, source="property") if raw else []
    for i in range(draw(st.integers(0 if intents else 1, 2))):
        intents.append(draw(graphs(f"g{i}")))
    return intents


def _assert_well_ordered(plan: Plan) -> None:
    addresses = [address for wave in plan.waves for address in wave]
    assert len(addresses) == len(set(addresses)), "a resource appears in two waves"
    assert sorted(addresses) == sorted(change.address for change in plan.changes)
    for change in plan.changes:
        assert plan.waves[change.wave - 1].count(change.address) == 1
        needed = set(change.depends_on) | set(refs_in(change.after))
        for dependency in needed:
            assert plan.change(dependency).wave < change.wave, f"{change.address} runs before {dependency}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(intent_sets())
def test_any_valid_intent_set_gives_waves_that_respect_every_dependency(intents: list[Intent]) -> None:
    plan = build_plan(intents, ENDPOINTS, {}, source="property")
    _assert_well_ordered(plan)


@settings(max_examples=25, deadline=None)
@given(intent_sets())
def test_planning_what_was_applied_changes_nothing_and_keeps_the_order(intents: list[Intent]) -> None:
    first = build_plan(intents, ENDPOINTS, {}, source="property")
    recorded = {change.address: dict(change.after or {}) for change in first.changes}
    again = build_plan(intents, ENDPOINTS, recorded, source="property")
    assert again.waves == first.waves
    assert again.counts()["noop"] == len(again.changes)
