from __future__ import annotations

import pytest

from planner.core.graph import Graph, GraphError


def test_waves_put_each_vertex_after_its_dependencies() -> None:
    graph = Graph.from_mapping({"vlan": [], "dhcp": ["vlan"], "rule": ["vlan"], "container": ["dhcp", "rule"], "dns": []})
    assert graph.waves() == [["vlan", "dns"], ["dhcp", "rule"], ["container"]]
    assert graph.reverse_order() == ["container", "rule", "dhcp", "dns", "vlan"]


def test_validate_reports_every_problem_at_once() -> None:
    graph = Graph.from_mapping({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["d"], "e": ["ghost"], "f": ["g"], "g": ["f"]})
    problems = graph.validate()
    kinds = sorted(p.kind for p in problems)
    assert kinds == ["cycle", "cycle", "missing_dependency", "self_reference"]
    messages = " | ".join(p.message for p in problems)
    assert "d depends on itself" in messages
    assert "e depends on ghost, which does not exist" in messages
    assert "a -> b -> c -> a" in messages
    assert "f -> g -> f" in messages


def test_waves_refuse_an_invalid_graph_naming_the_cycle() -> None:
    graph = Graph.from_mapping({"a": ["b"], "b": ["a"]})
    with pytest.raises(GraphError, match="a -> b -> a"):
        graph.waves()


def test_walk_skips_downstream_of_a_failure_without_reporting_it_twice() -> None:
    graph = Graph.from_mapping({"net": [], "db": ["net"], "app": ["db"], "dns": []})

    def visit(vertex: str) -> None:
        if vertex == "db":
            raise RuntimeError("database refused")

    result = graph.walk(visit)
    assert result.visited == ["net", "dns"]
    assert result.failed == {"db": "database refused"}
    assert result.skipped == {"app": "db"}
    assert not result.ok


def test_long_chains_do_not_hit_the_recursion_limit() -> None:
    graph = Graph.from_mapping({f"v{i}": [f"v{i - 1}"] if i else [] for i in range(5000)})
    assert graph.validate() == []
    assert len(graph.waves()) == 5000
