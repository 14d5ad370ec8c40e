"""The intent catalog and the file format.

An intent file is YAML or JSON. Its versioned form is ``{version: 1, intents: [...]}``; a single intent
mapping (with ``kind``) or a plain list of intents is accepted too, and a YAML file may hold several
documents. Every error names the file and the field path (``intents[0].ports[1]``) and says what to do.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
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

__all__ = ["FORMAT_VERSION", "INTENT_KINDS", "load_intent_file", "parse_intents"]

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


def load_intent_file(path: str | Path) -> list[Intent]:
    """Read and validate an intent file; raises ``IntentError`` naming the file and field on bad input."""
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
    return parse_intents(documents, source=str(file))


def _raw_intents(documents: Iterable[Any], source: str) -> list[tuple[str, Any]]:
    """Flatten the accepted shapes into ``(path, raw intent)`` pairs."""
    found: list[tuple[str, Any]] = []
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
            unknown = sorted(set(doc) - {"version", "intents"})
            if unknown:
                raise IntentError(
                    f"{source}: {prefix}{unknown[0]}: unknown top-level key; a file holds `version` and `intents`"
                )
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
    return found


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


@without_cyclic_gc  # thousands of small models, none cyclic: see planner.core.perf
def parse_intents(documents: Iterable[Any], source: str = "<intents>") -> list[Intent]:
    """Validate already-parsed documents into intent models."""
    intents: list[Intent] = []
    names: dict[str, str] = {}
    fields_sets: dict[frozenset[str], set[str]] = {}
    for path, raw in _raw_intents(documents, source):
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
    return intents
