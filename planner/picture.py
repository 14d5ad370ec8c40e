"""Pictures of a plan's dependency graph: Mermaid (for Markdown and MCP clients), DOT, and SVG via Graphviz."""

from __future__ import annotations

import shutil
import subprocess

from planner.core.kinds import kind_spec
from planner.core.plan import Action, Change, Plan
from planner.errors import IacError, shown

__all__ = ["FORMATS", "draw", "why"]

FORMATS = ("mermaid", "dot", "svg")

_MERMAID_CLASS = {
    Action.CREATE: "fill:#d4f7d4,stroke:#2e7d32",
    Action.UPDATE: "fill:#fff4c2,stroke:#b58900",
    Action.REPLACE: "fill:#ffe0b2,stroke:#ef6c00",
    Action.DELETE: "fill:#ffd6d6,stroke:#c62828",
    Action.NOOP: "fill:#eeeeee,stroke:#9e9e9e",
}
_DOT_COLOUR = {Action.CREATE: "palegreen", Action.UPDATE: "khaki1", Action.REPLACE: "orange",
               Action.DELETE: "mistyrose", Action.NOOP: "gray90"}


def why(change: Change) -> str:
    """Why a change is in the plan, in a few words: what is new, which fields differ, what goes."""
    origin = f" (intent {change.origin})" if change.origin else ""
    if change.action is Action.CREATE:
        return f"new{origin}"
    if change.action is Action.DELETE:
        return f"removed{origin}"
    if change.action is Action.NOOP:
        return "up to date"
    if change.action is Action.IMPORT:
        return "adopted as it is: recorded, nothing written"
    before, after = change.before or {}, change.after or {}
    # Only what the change sets: a field it leaves out is not managed (an adopted object's record has more).
    fields = sorted(key for key in after if key not in before or before[key] != after[key])
    if change.action is Action.REPLACE:
        forcing = kind_spec(change.kind).replaced_by(before, after)
        rest = [name for name in fields if name not in forcing]
        return f"replace: {', '.join(forcing or fields)} changed" + (f"; {', '.join(rest)} too" if rest else "")
    if not fields:  # the record matches the intent, the device does not (found by the plan's refresh)
        return "drifted: the device differs from what was applied"
    return ", ".join(fields[:4]) + (" and more" if len(fields) > 4 else "") + " differ"


def _graph(plan: Plan) -> tuple[list[list[tuple[str, Change]]], list[tuple[str, str]]]:
    """What every picture shows: each wave's changes with their node ids, and the edges dependency → dependent."""
    ids = {change.address: f"r{number}" for number, change in enumerate(plan.changes)}
    by_address = {change.address: change for change in plan.changes}
    waves = [[(ids[address], by_address[address]) for address in wave] for wave in plan.waves]
    edges = [(ids[dep], ids[change.address]) for change in plan.changes for dep in change.depends_on if dep in ids]
    return waves, edges


def to_mermaid(plan: Plan) -> str:
    """The plan as a Mermaid flowchart: a subgraph a wave, a node a change styled by its action."""
    waves, edges = _graph(plan)
    lines = ["flowchart LR"]
    for number, nodes in enumerate(waves, start=1):
        lines.append(f'  subgraph wave{number}["wave {number}"]')
        lines += [f'    {node}["{change.action.value} {change.address}<br/>@{change.endpoint}"]:::{change.action.value}'
                  for node, change in nodes]
        lines.append("  end")
    lines += [f"  {dependency} --> {dependent}" for dependency, dependent in edges]
    lines += [f"  classDef {action.value} {style}" for action, style in _MERMAID_CLASS.items()]
    return "\n".join(lines) + "\n"


def to_dot(plan: Plan) -> str:
    """The plan as a Graphviz digraph: a cluster a wave, a node a change filled by its action."""
    waves, edges = _graph(plan)
    lines = ["digraph plan {", "  rankdir=LR;", '  node [shape=box, style="rounded,filled", fontname="sans-serif"];']
    for number, nodes in enumerate(waves, start=1):
        lines.append(f'  subgraph cluster_wave{number} {{ label="wave {number}"; color=gray70;')
        lines += [f'    {node} [label="{change.action.value} {change.address}\\n@{change.endpoint}", '
                  f"fillcolor={_DOT_COLOUR[change.action]}];" for node, change in nodes]
        lines.append("  }")
    lines += [f"  {dependency} -> {dependent};" for dependency, dependent in edges]
    return "\n".join([*lines, "}"]) + "\n"


def draw(plan: Plan, fmt: str) -> str:
    """The picture in ``fmt`` (one of ``FORMATS``); SVG needs Graphviz's ``dot`` on PATH."""
    if fmt == "mermaid":
        return to_mermaid(plan)
    if fmt == "dot":
        return to_dot(plan)
    if fmt == "svg":
        dot = shutil.which("dot")
        if dot is None:
            raise IacError(
                "--graph svg needs Graphviz's `dot` (apt-get install graphviz); --graph dot or mermaid work without it"
            )
        done = subprocess.run([dot, "-Tsvg"], input=to_dot(plan), capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise IacError(f"dot could not draw the plan: {done.stderr.strip()[:300]}")
        return done.stdout
    raise IacError(f"--graph: {shown(fmt)} is not a picture format; choose one of {', '.join(FORMATS)}")
