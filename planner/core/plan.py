"""Plans: what will change, as data.

A plan is a small ``Action`` enum and one ``Change(before, after)`` per resource, ordered in waves. It is
stored before anything runs and applied exactly as stored. ``planner.core.builder`` makes plans.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

import pydantic_core
from pydantic import BaseModel, Field

from planner.policy.rules import PolicyReport

__all__ = ["PLAN_FORMAT", "Action", "Change", "Plan"]

PLAN_FORMAT = 1


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    # A change the module can only make by recreating the resource (a KindSpec's replace_fields).
    REPLACE = "replace"
    DELETE = "delete"
    NOOP = "noop"
    # An object that exists (made by hand) and is adopted as it is: recorded, never run (``iac import``).
    IMPORT = "import"


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

    @classmethod
    def planned(
        cls, address: str, kind: str, name: str, endpoint: str, module: str, action: Action,
        before: dict[str, Any] | None, after: dict[str, Any] | None, depends_on: list[str], wave: int, origin: str,
    ) -> Change:
        """A change made of parts the builder already typed, not validated again (nor copied).

        What ``model_construct`` makes when every field is given, without its walk over each field's aliases
        and defaults: that walk was a third of the time of deciding 100,000 changes.
        """
        change = cls.__new__(cls)
        object.__setattr__(change, "__dict__", {
            "address": address, "kind": kind, "name": name, "endpoint": endpoint, "module": module,
            "action": action, "before": before, "after": after, "depends_on": depends_on, "wave": wave,
            "origin": origin,
        })
        # Every field is given, so all changes share one "fields set" (pydantic only reads it, or adds names it
        # already holds); a set of its own costs each change about 700 bytes.
        object.__setattr__(change, "__pydantic_fields_set__", _EVERY_CHANGE_FIELD)
        object.__setattr__(change, "__pydantic_extra__", None)
        object.__setattr__(change, "__pydantic_private__", None)
        return change


_EVERY_CHANGE_FIELD = set(Change.model_fields)


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
    # The stack this plan converges (None: no stack, e.g. a restore), whether it destroys the stack, and the
    # addresses it was limited to (``--target``): what the stack owns once it succeeded follows from them.
    stack: str | None = None
    destroy: bool = False
    targets: list[str] = Field(default_factory=list)
    # Recorded addresses renamed (``moved:``), ``[from, to]``: the state is renamed when the plan runs.
    moved: list[tuple[str, str]] = Field(default_factory=list)
    # Decided against what the endpoints hold now (planner.core.refresh), and the addresses that check found in
    # sync: those of its no-ops need no run.
    refreshed: bool = False
    checked: list[str] = Field(default_factory=list)
    # What an adopted object's endpoint reported of it (facts), by address: recorded as its observed state.
    observed: dict[str, dict[str, Any]] = Field(default_factory=dict)
    # Where each container on a network segment sits (on the VLAN by macvlan, or behind its host on a bridge)
    # and why, by address: segment, driver, parent, address, published, summary.
    placements: dict[str, dict[str, Any]] = Field(default_factory=dict)

    def to_run(self) -> Plan:
        """What applying the plan runs: everything, or for a refreshed plan what differs (its no-ops the check
        found in sync left out, the waves that empties dropped and the rest renumbered); an adoption
        (``import``) never runs: it is recorded."""
        adopting = any(change.action is Action.IMPORT for change in self.changes)
        if not self.refreshed and not adopting:
            return self
        in_sync = set(self.checked)
        kept = {change.address for change in self.changes if change.action is not Action.IMPORT
                and (change.action is not Action.NOOP or change.address not in in_sync)}
        waves = [wave for wave in ([a for a in wave if a in kept] for wave in self.waves) if wave]
        wave_of = {address: number for number, wave in enumerate(waves, start=1) for address in wave}
        changes = [change.model_copy(update={"wave": wave_of[change.address]}) for change in self.changes
                   if change.address in kept]
        return self.model_copy(update={"changes": changes, "waves": waves})

    def counts(self) -> dict[str, int]:
        """How many changes of each action (zero included); ``replace`` and ``import`` only when the plan has
        one, so a plan's summary reads as it always did until those are planned."""
        seen = Counter(change.action for change in self.changes)
        return {action.value: seen.get(action, 0) for action in Action
                if action not in (Action.REPLACE, Action.IMPORT) or seen.get(action)}

    def change(self, address: str) -> Change:
        for change in self.changes:
            if change.address == address:
                return change
        raise KeyError(address)

    @property
    def endpoints(self) -> list[str]:
        return sorted({change.endpoint for change in self.changes})

    def json_chunks(self) -> Iterator[bytes]:
        """``model_dump_json(indent=2)`` as UTF-8, in pieces: the plan's head, then its intents and changes
        a thousand at a time.

        Written whole, the document (about 1 KB per resource) is held twice, in pydantic's buffer and in the
        bytes made from it: 200 MB at once for a plan of 100,000 resources. A JSON string never holds a raw
        newline, so a top-level key is found by its newline and two-space indent, and a list's items are
        indented by prefixing each of their lines.
        """
        head = type(self).__pydantic_serializer__.to_json(self.model_copy(update={"intents": [], "changes": []}),
                                                          indent=2)
        before, rest = head.split(b'\n  "intents": []', 1)
        between, after = rest.split(b'\n  "changes": []', 1)
        yield before + b'\n  "intents": '
        yield from _json_list(self.intents)
        yield between + b'\n  "changes": '
        yield from _json_list(self.changes)
        yield after


def _json_list(items: Sequence[Any], size: int = 1000) -> Iterator[bytes]:
    """A top-level list of ``Plan.json_chunks``, ``size`` items at a time (each chunk dumped as a list of its
    own, then indented one level deeper and joined to the others)."""
    if not items:
        yield b"[]"
        return
    for start in range(0, len(items), size):
        chunk = pydantic_core.to_json(items[start:start + size], indent=2)  # b"[\n  item,\n  item\n]"
        yield (b"," if start else b"[") + chunk[1:-2].replace(b"\n", b"\n  ")
    yield b"\n  ]"
