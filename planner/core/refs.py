"""References between resources: one resource's spec naming another's observed facts.

A reference is written in a spec as ``{"ref": "opnsense.vlan.gaming", "output": "device"}``: the device
OPNsense picked for the VLAN, known only once that VLAN exists. The plan orders the producer first; the
renderer turns the reference into a lookup of the producer's registered result, so a later wave reads
what an earlier wave observed without anyone re-rendering by hand. A check-mode run creates nothing, so
there the lookup of a producer that does not exist yet reads :data:`KNOWN_AFTER_APPLY` (as Terraform shows
it) and the consumer's module reports what it would do with it; the modules refuse it outside check mode.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeGuard

__all__ = ["KNOWN_AFTER_APPLY", "MISSING", "find_output", "is_ref", "ref", "ref_pairs", "refs_in", "renamed_refs",
           "resolve_refs"]

# Tuples, not ``dict | list``: that expression builds a new union each time, and these run per value.
_CONTAINERS = (dict, list, tuple)
_NESTED = (dict, list)

MISSING: Any = object()  # what find_output returns for an output the facts do not hold

#: What a reference reads in a check-mode run when its producer does not exist yet (the collection's
#: ``_client.KNOWN_AFTER_APPLY`` is the same string: a module refuses it outside check mode).
KNOWN_AFTER_APPLY = "(known after apply)"


def ref(address: str, output: str) -> dict[str, str]:
    """A reference to ``output`` in the observed facts of the resource at ``address``."""
    return {"ref": address, "output": output}


def is_ref(value: Any) -> TypeGuard[dict[str, str]]:
    """Whether ``value`` is a reference (a mapping of exactly ``ref`` and ``output``, both strings)."""
    return (
        isinstance(value, dict)
        and len(value) == 2
        and isinstance(value.get("ref"), str)
        and isinstance(value.get("output"), str)
    )


def _collect(value: dict[str, Any] | list[Any] | tuple[Any, ...], found: list[dict[str, str]]) -> None:
    """Append every reference in ``value`` to ``found``, depth first; scalars and empty containers are never
    visited (a plan's specs are mostly scalars, and this runs once per resource)."""
    items: Iterable[Any] = value
    if isinstance(value, dict):
        if len(value) == 2 and is_ref(value):  # the length first: most mappings are no reference
            found.append(value)
            return
        items = value.values()
    for item in items:
        if isinstance(item, _CONTAINERS) and item:
            _collect(item, found)


def _refs(spec: Any) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    if isinstance(spec, _CONTAINERS):
        _collect(spec, found)
    return found


def refs_in(spec: Any) -> list[str]:
    """The addresses ``spec`` refers to, each once, in order of first appearance."""
    return list(dict.fromkeys(item["ref"] for item in _refs(spec)))


def ref_pairs(spec: Any) -> list[tuple[str, str]]:
    """Every (address, output) ``spec`` refers to, in order."""
    return [(item["ref"], item["output"]) for item in _refs(spec)]


def find_output(observed: Any, output: str) -> Any:
    """``output`` in recorded facts — at the top, or under the kind-named key a single module returns
    (``{"vlan": {"device": ...}}``) — else :data:`MISSING`."""
    if not isinstance(observed, dict):
        return MISSING
    if output in observed:
        return observed[output]
    for value in observed.values():
        if isinstance(value, dict) and output in value:
            return value[output]
    return MISSING


def resolve_refs(spec: Any, lookup: Any) -> Any:
    """``spec`` with every reference replaced by ``lookup(address, output)``."""
    if is_ref(spec):
        return lookup(spec["ref"], spec["output"])
    # Only mappings and lists are visited: most values are scalars, and this runs for every resource.
    if isinstance(spec, dict):
        return {key: resolve_refs(item, lookup) if isinstance(item, _NESTED) else item
                for key, item in spec.items()}
    if isinstance(spec, list):
        return [resolve_refs(item, lookup) if isinstance(item, _NESTED) else item for item in spec]
    return spec


def renamed_refs(spec: Any, renames: Mapping[str, str]) -> Any:
    """``spec`` with every reference to an address ``renames`` names pointing at its new address; ``spec``
    itself when it refers to none of them."""
    if not any(address in renames for address in refs_in(spec)):
        return spec
    return resolve_refs(spec, lambda address, output: ref(renames.get(address, address), output))
