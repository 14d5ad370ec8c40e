"""A generic dependency graph: vertices by name, edges from dependency to dependent.

Nothing here knows about resources, intents or Ansible. ``validate`` reports every problem at once
(self-references, missing dependencies, cycles); ``waves`` layers the graph so that everything in a wave
depends only on earlier waves; ``walk`` visits vertices in dependency order and, when a visit fails,
skips everything downstream of it without reporting those as failures of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

__all__ = ["Graph", "GraphError", "Problem", "WalkResult"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a graph, in words a user can act on."""

    kind: str  # "self_reference" | "missing_dependency" | "cycle"
    vertices: tuple[str, ...]
    message: str


class GraphError(ValueError):
    """Raised by ``waves`` and ``walk`` on an invalid graph; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(p.message for p in problems))


@dataclass
class WalkResult:
    """What a walk did: visited in order, failed with their errors, skipped because of an upstream failure."""

    visited: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # vertex -> the failed vertex that caused it

    @property
    def ok(self) -> bool:
        return not self.failed


class Graph:
    """A directed graph where ``add(name, depends_on)`` declares that ``name`` needs ``depends_on`` first."""

    def __init__(self) -> None:
        self._deps: dict[str, list[str]] = {}

    @classmethod
    def from_mapping(cls, dependencies: Mapping[str, Iterable[str]]) -> Graph:
        graph = cls()
        for name, deps in dependencies.items():
            graph.add(name, deps)
        return graph

    def add(self, name: str, depends_on: Iterable[str] = ()) -> None:
        """Add a vertex (or more dependencies of an existing one); order of dependencies is kept."""
        deps = self._deps.setdefault(name, [])
        for dep in depends_on:
            if dep not in deps:
                deps.append(dep)

    def __contains__(self, name: object) -> bool:
        return name in self._deps

    def __len__(self) -> int:
        return len(self._deps)

    @property
    def vertices(self) -> list[str]:
        return list(self._deps)

    def dependencies(self, name: str) -> list[str]:
        return list(self._deps[name])

    def dependents(self, name: str) -> list[str]:
        return [v for v, deps in self._deps.items() if name in deps]

    def downstream(self, name: str) -> set[str]:
        """Everything that depends on ``name``, directly or not."""
        seen: set[str] = set()
        stack = [name]
        while stack:
            for dependent in self.dependents(stack.pop()):
                if dependent not in seen:
                    seen.add(dependent)
                    stack.append(dependent)
        return seen

    def validate(self) -> list[Problem]:
        """Every self-reference, missing dependency and cycle, each reported once."""
        problems: list[Problem] = []
        for name, deps in self._deps.items():
            if name in deps:
                problems.append(Problem("self_reference", (name,), f"{name} depends on itself"))
            for dep in deps:
                if dep != name and dep not in self._deps:
                    problems.append(
                        Problem("missing_dependency", (name, dep), f"{name} depends on {dep}, which does not exist")
                    )
        # Only a graph that cannot be ordered has a cycle: Tarjan's search runs when there is one to report.
        for cycle in self._cycles() if self._levels() is None else []:
            path = " -> ".join([*cycle, cycle[0]])
            problems.append(Problem("cycle", tuple(cycle), f"dependency cycle: {path}"))
        return problems

    def _cycles(self) -> list[list[str]]:
        """Strongly connected components with more than one vertex (Tarjan), in a stable order."""
        index: dict[str, int] = {}
        low: dict[str, int] = {}
        on_stack: set[str] = set()
        stack: list[str] = []
        cycles: list[list[str]] = []
        counter = 0

        def edges(v: str) -> list[str]:
            return [d for d in self._deps[v] if d in self._deps and d != v]

        def strongconnect(root: str) -> None:
            nonlocal counter
            # Iterative to stay clear of the recursion limit on long chains.
            work: list[tuple[str, int]] = [(root, 0)]
            while work:
                v, i = work.pop()
                if i == 0:
                    index[v] = low[v] = counter
                    counter += 1
                    stack.append(v)
                    on_stack.add(v)
                succ = edges(v)
                if i < len(succ):
                    work.append((v, i + 1))
                    w = succ[i]
                    if w not in index:
                        work.append((w, 0))
                    elif w in on_stack:
                        low[v] = min(low[v], index[w])
                    continue
                if low[v] == index[v]:
                    component: list[str] = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        component.append(w)
                        if w == v:
                            break
                    if len(component) > 1:
                        cycles.append(sorted(component))
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[v])

        for vertex in self._deps:
            if vertex not in index:
                strongconnect(vertex)
        return cycles

    def _levels(self) -> dict[str, int] | None:
        """Each vertex's wave index, or None when some vertex cannot be ordered (it is on a cycle, depends on
        itself or on a missing vertex, or on such a vertex)."""
        # Kahn's algorithm: linear in vertices + edges, whatever order the vertices were added in.
        dependents: dict[str, list[str]] = {v: [] for v in self._deps}
        waiting = {v: len(deps) for v, deps in self._deps.items()}
        for v, deps in self._deps.items():
            for dep in deps:
                if dep in dependents:  # a missing dependency is never done, so ``v`` stays waiting
                    dependents[dep].append(v)
        ready = [v for v, count in waiting.items() if count == 0]
        # A vertex's level is one past its deepest dependency's: raised as each dependency is done, so it is
        # final when the vertex is ready.
        level = dict.fromkeys(ready, 0)
        for v in ready:  # ``ready`` grows while we walk it
            after = level[v] + 1
            for dependent in dependents[v]:
                if level.get(dependent, 0) < after:
                    level[dependent] = after
                waiting[dependent] -= 1
                if waiting[dependent] == 0:
                    ready.append(dependent)
        return level if len(ready) == len(self._deps) else None

    def waves(self) -> list[list[str]]:
        """Layers in dependency order; a vertex sits in the first wave after all its dependencies.

        Within a wave, vertices keep the order they were added in, so output is deterministic. Raises
        GraphError with every problem (``validate``) when the graph cannot be ordered.
        """
        level = self._levels()
        if level is None:
            raise GraphError(self.validate())
        count = 1 + max(level.values(), default=-1)
        layers: list[list[str]] = [[] for _ in range(count)]
        for v in self._deps:
            layers[level[v]].append(v)
        return layers

    def order(self) -> list[str]:
        """A topological order (wave by wave)."""
        return [v for wave in self.waves() for v in wave]

    def reverse_order(self) -> list[str]:
        """Dependents before their dependencies: the order to undo things in."""
        return [v for wave in reversed(self.waves()) for v in reversed(wave)]

    def walk(self, visit: Callable[[str], None]) -> WalkResult:
        """Visit every vertex in dependency order; an exception fails that vertex and skips its downstream."""
        result = WalkResult()
        for vertex in self.order():
            if vertex in result.skipped:
                continue
            try:
                visit(vertex)
            except Exception as err:  # the caller decides what a failure is; we only propagate its effect
                result.failed[vertex] = str(err)
                for down in self.downstream(vertex):
                    result.skipped.setdefault(down, vertex)
                continue
            result.visited.append(vertex)
        return result
