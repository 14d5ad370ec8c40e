"""A plan's project, rendered once: at plan time, and again at apply only when something it is made of moved.

What goes into a project is the plan, the inventory's hosts and vars, the recorded facts its references
resolve from, the deployment id, and where the collection and Python live. A stamp beside the project keeps
a digest of those inputs and of the files written; an apply whose inputs and files are as stamped runs the
project as it is (no Jinja, no YAML dump), and one whose inventory, facts or files changed (a hand edit of
``site.yml`` included) renders it afresh.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from planner.paths import collections_path

if TYPE_CHECKING:
    from planner.core.plan import Plan
    from planner.service.context import Operation

__all__ = ["render"]


def render(operation: Operation, plan: Plan, out: Path, deployment_id: str) -> Path:
    """Render ``plan`` into ``out`` unless it is there already; references to resources it does not create
    resolve from their recorded facts (under the addresses the plan moves them to)."""
    facts = operation.known_facts()
    for source, target in plan.moved:
        if source in facts and target not in facts:
            facts[target] = facts.pop(source)
    stamp = out.with_name(f"{out.name}.rendered")
    inputs = _inputs_digest(operation, plan, facts, deployment_id)
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == f"{inputs} {_files_digest(out)}\n":
        return out
    from planner.adapters.render import render_project

    render_project(plan, operation.inventory, out, deployment_id=deployment_id, known_facts=facts)
    stamp.write_text(f"{inputs} {_files_digest(out)}\n", encoding="utf-8")
    return out


def _inputs_digest(operation: Operation, plan: Plan, facts: object, deployment_id: str) -> str:
    inventory = operation.inventory
    digest = hashlib.sha256()
    for part in (
        plan.model_dump_json(),
        json.dumps({name: [host.backend, host.vars] for name, host in sorted(inventory.hosts.items())},
                   sort_keys=True, default=str),
        json.dumps(inventory.all_vars, sort_keys=True, default=str),
        json.dumps(facts, sort_keys=True, default=str),
        deployment_id,
        str(collections_path()),
        sys.executable,
    ):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def _files_digest(out: Path) -> str:
    digest = hashlib.sha256()
    if not out.is_dir():
        return "none"
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(out)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
