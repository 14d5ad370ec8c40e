"""The intent catalog and the file format.

An intent file is YAML or JSON. Its versioned form is ``{version: 1, stack: NAME, intents: [...], moved:
[{from: ADDRESS, to: ADDRESS}]}``; a single intent mapping (with ``kind``) or a plain list of intents is
accepted too, and a YAML file may hold several documents. Every file is a stack: the one its ``stack``
names, else the file's stem. Every error names the file and the field path (``intents[0].ports[1]``) and
says what to do.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from planner.core.perf import without_cyclic_gc
from planner.errors import Fix, IntentError, Remedy, shorten, shown
from planner.intents.base import Intent
from planner.intents.container import ContainerIntent
from planner.intents.dev import DevEnvironmentIntent
from planner.intents.game import GameServerIntent
from planner.intents.machines import LxcIntent, VmIntent
from planner.intents.network import NetworkSegmentIntent
from planner.intents.primitives import CertificateIntent, DnsRecordIntent, StackIntent, VlanIntent
from planner.intents.vpn import VpnAccessIntent
from planner.intents.web import WebAppIntent

__all__ = [
    "FORMAT_VERSION", "INTENT_KINDS", "IntentFile", "Moved", "load_intent_file", "load_stack_file", "parse_intents",
    "parse_stack", "stack_name",
]

FORMAT_VERSION = 1

INTENT_KINDS: dict[str, type[Intent]] = {
    "network_segment": NetworkSegmentIntent,
    "game_server": GameServerIntent,
    "web_app": WebAppIntent,
    "dev_environment": DevEnvironmentIntent,
    "vpn_access": VpnAccessIntent,
    "vlan": VlanIntent,
    "vm": VmIntent,
    "lxc": LxcIntent,
    "container": ContainerIntent,
    "stack": StackIntent,
    "dns_record": DnsRecordIntent,
    "certificate": CertificateIntent,
}


_STACK_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_ADDRESS = re.compile(r"^[a-z0-9]+\.[a-z0-9_]+\.[A-Za-z0-9_.:@-]+$")


@dataclass(frozen=True)
class Moved:
    """``moved: [{from, to}]``: the resource recorded at ``source`` is the one this file now calls ``target``."""

    source: str
    target: str


@dataclass(frozen=True)
class IntentFile:
    """What an intent file declares: its stack, its intents, and the addresses it renamed."""

    stack: str
    intents: list[Intent]
    moved: list[Moved] = field(default_factory=list)


def stack_name(text: str) -> str:
    """The stack a file called ``text`` (its stem) is, when it names none: lower case, anything but letters,
    digits, ``-`` and ``_`` made a ``-`` (``My Game.yaml`` → ``my-game``)."""
    name = re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-_")[:63]
    return name or "default"


def load_intent_file(path: str | Path) -> list[Intent]:
    """Read and validate an intent file; raises ``IntentError`` naming the file and field on bad input."""
    return load_stack_file(path).intents


def load_stack_file(path: str | Path) -> IntentFile:
    """Read and validate an intent file as the stack it is; ``IntentError`` naming the file and field on bad input."""
    import yaml  # only reading a file needs a YAML parser; the core and the MCP path do not

    from planner.documents import LimitExceeded, load_json, load_yaml_all

    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise IntentError(f"{file}: no such file; give the path of an intent file, e.g. examples/hello.yaml") from None
    except (OSError, UnicodeDecodeError) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)  # without the path again
        raise IntentError(f"{file}: cannot read it ({reason})") from None
    try:
        documents = [load_json(text)] if file.suffix == ".json" else load_yaml_all(text)
    except LimitExceeded as err:
        raise IntentError(f"{file}: {err}") from None
    except (yaml.YAMLError, json.JSONDecodeError) as err:
        detail = " ".join(str(err).split())
        raise IntentError(f"{file}: not valid YAML/JSON: {detail}") from None
    return parse_stack(documents, source=str(file), default_stack=stack_name(file.stem))


@dataclass
class _Raw:
    """The accepted shapes flattened: ``(path, raw intent)`` pairs, the stack named, the moves."""

    intents: list[tuple[str, Any]] = field(default_factory=list)
    stack: str | None = None
    moved: list[Moved] = field(default_factory=list)


def _stack_of(value: Any, source: str, path: str, seen: str | None) -> str:
    if not isinstance(value, str) or not _STACK_NAME.match(value):
        raise IntentError(f"{shown(value)} is not a stack name; use lower-case letters, digits, '-' and '_' "
                          "(up to 63), e.g. stack: gaming", source=source, field=path)
    if seen is not None and value != seen:
        raise IntentError(f"{shown(value)} differs from stack {shown(seen)} named before; a file is one stack",
                          source=source, field=path)
    return value


def _moves(value: Any, source: str, path: str) -> list[Moved]:
    if not isinstance(value, list):
        raise IntentError("expected a list of {from: ADDRESS, to: ADDRESS}", source=source, field=path)
    moves: list[Moved] = []
    for index, item in enumerate(value):
        where = f"{path}[{index}]"
        if not isinstance(item, dict) or set(item) != {"from", "to"}:
            raise IntentError("expected a mapping with exactly `from` and `to` (resource addresses, e.g. "
                              "docker.container.old)", source=source, field=where)
        for key in ("from", "to"):
            if not isinstance(item[key], str) or not _ADDRESS.match(item[key]):
                raise IntentError(f"{shown(item[key])} is not a resource address (kind.name, e.g. "
                                  "docker.container.web); `iac state list` shows them", source=source,
                                  field=f"{where}.{key}")
        if item["from"] == item["to"]:
            raise IntentError("`from` and `to` are the same address; remove the entry", source=source, field=where)
        moves.append(Moved(item["from"], item["to"]))
    return moves


def _raw_intents(documents: Iterable[Any], source: str) -> _Raw:
    """Flatten the accepted shapes into ``(path, raw intent)`` pairs, with the stack and moves named."""
    raw = _Raw()
    found = raw.intents
    for number, doc in enumerate(documents):
        prefix = "" if number == 0 else f"document {number + 1}: "
        if isinstance(doc, list):
            found += [(f"{prefix}[{i}]", item) for i, item in enumerate(doc)]
        elif isinstance(doc, dict) and "kind" in doc:
            found.append((f"{prefix}intent", doc))
        elif isinstance(doc, dict):
            version = doc.get("version", FORMAT_VERSION)
            if version != FORMAT_VERSION:
                raise IntentError(
                    f"{source}: {prefix}version: {shown(version)} is not supported; this homelab-iac reads version "
                    f"{FORMAT_VERSION}"
                )
            unknown = sorted(set(doc) - {"version", "stack", "intents", "moved"})
            if unknown:
                raise IntentError(
                    f"{source}: {prefix}{unknown[0]}: unknown top-level key; a file holds `version`, `stack`, "
                    "`intents` and `moved`"
                )
            if "stack" in doc:
                raw.stack = _stack_of(doc["stack"], source, f"{prefix}stack", raw.stack)
            if "moved" in doc:
                raw.moved += _moves(doc["moved"], source, f"{prefix}moved")
            items = doc.get("intents")
            if not isinstance(items, list) or not items:
                raise IntentError(f"{source}: {prefix}intents: expected a non-empty list of intents")
            found += [(f"{prefix}intents[{i}]", item) for i, item in enumerate(items)]
        else:
            raise IntentError(
                f"{source}: {prefix}expected a mapping with `intents` (or one intent with `kind`), "
                f"got {type(doc).__name__}"
            )
    if not found:
        raise IntentError("the file holds no intents", source=source, remedy=Remedy(Fix.LIST_KINDS))
    return raw


def _field_path(base: str, loc: tuple[int | str, ...]) -> str:
    path = base
    for part in loc:  # a key is the user's text: a 5,000-character one is cut like any echoed value
        path += f"[{part}]" if isinstance(part, int) else f".{shorten(part)}"
    return path


def _explain(err: ValidationError, base: str, source: str, kind: str) -> IntentError:
    first = err.errors(include_url=False)[0]
    message = first["msg"].removeprefix("Value error, ")
    remedy = None
    if first["type"] == "missing":
        message = "required field is missing"
    elif first["type"] == "extra_forbidden":
        message, remedy = "unknown field", Remedy(Fix.SHOW_FIELDS, kind)
    more = len(err.errors()) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return IntentError(message + suffix, source=source, field=_field_path(base, tuple(first["loc"])), remedy=remedy)


def _unknown_kind(kind: Any, path: str, source: str) -> IntentError:
    known = ", ".join(INTENT_KINDS)
    if kind is None:
        return IntentError(f"required field is missing; known kinds: {known}", source=source, field=f"{path}.kind")
    close = difflib.get_close_matches(kind, INTENT_KINDS, n=3) if isinstance(kind, str) else []
    hint = f"did you mean {', '.join(close)}? " if close else ""
    return IntentError(f"unknown intent kind {shown(kind)}; {hint}known kinds: {known}", source=source,
                       field=f"{path}.kind")


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _share_fields_sets(model: BaseModel, shared: dict[frozenset[str], set[str]]) -> None:
    """Give ``model`` and the models it holds the one set of field names in ``shared`` equal to their own.

    Pydantic keeps, per model, the set of fields the input gave (728 bytes for six names, a third of a
    container intent's memory), and thousands of intents give the same few fields. Intents are never
    assigned to once parsed, and pydantic only reads the set otherwise (``model_copy`` copies it first).
    """
    names = model.__pydantic_fields_set__
    object.__setattr__(model, "__pydantic_fields_set__", shared.setdefault(frozenset(names), names))
    fields = model.__dict__
    for name in names:  # a nested model was given, so it is among the fields set
        value = fields[name]
        # Scalars are skipped by their exact type: isinstance(value, BaseModel) goes through ABCMeta's hook.
        if type(value) is list:
            for item in value:
                if type(item) not in _SCALARS and isinstance(item, BaseModel):
                    _share_fields_sets(item, shared)
        elif type(value) not in _SCALARS and isinstance(value, BaseModel):
            _share_fields_sets(value, shared)


def parse_intents(documents: Iterable[Any], source: str = "<intents>") -> list[Intent]:
    """Validate already-parsed documents into intent models."""
    return parse_stack(documents, source).intents


@without_cyclic_gc  # thousands of small models, none cyclic: see planner.core.perf
def parse_stack(documents: Iterable[Any], source: str = "<intents>", default_stack: str = "default") -> IntentFile:
    """Validate already-parsed documents into the stack they declare (``default_stack`` when they name none)."""
    intents: list[Intent] = []
    names: dict[str, str] = {}
    fields_sets: dict[frozenset[str], set[str]] = {}
    found = _raw_intents(documents, source)
    for path, raw in found.intents:
        if not isinstance(raw, dict):
            raise IntentError("expected a mapping with `kind` and `name`", source=source, field=path)
        kind = raw.get("kind")
        if not isinstance(kind, str) or kind not in INTENT_KINDS:
            raise _unknown_kind(kind, path, source)
        model = INTENT_KINDS[kind]
        try:
            intent = model.model_validate(raw)
        except ValidationError as err:
            raise _explain(err, path, source, kind) from None
        _share_fields_sets(intent, fields_sets)
        if intent.name in names:
            raise IntentError(f"{shown(intent.name)} is already used by {names[intent.name]}", source=source,
                              field=f"{path}.name")
        names[intent.name] = path
        intents.append(intent)
    return IntentFile(found.stack or default_stack, intents, _acyclic(found.moved, source))


def _acyclic(moves: list[Moved], source: str) -> list[Moved]:
    """``moves`` when no address is moved twice and no chain of moves comes back to where it began."""
    onto: dict[str, str] = {}
    for index, move in enumerate(moves):
        if move.source in onto:
            raise IntentError(f"{move.source} is moved twice (to {onto[move.source]} and to {move.target}); keep "
                              "one", source=source, field=f"moved[{index}]")
        onto[move.source] = move.target
    for start in onto:
        seen, address = [start], onto[start]
        while address in onto:
            if address == start:
                cycle = " -> ".join([*seen, start])
                raise IntentError(f"the moves form a cycle ({cycle}); a move goes from an old address to a new one",
                                  source=source, field="moved")
            seen.append(address)
            address = onto[address]
    return moves
