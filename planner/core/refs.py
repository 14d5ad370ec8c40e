"""References between resources: one resource's spec naming another's observed facts.

A reference is written in a spec as ``{"ref": "opnsense.vlan.gaming", "output": "device"}``: the device
OPNsense picked for the VLAN, known only once that VLAN exists. The plan orders the producer first; the
renderer turns the reference into a lookup of the producer's registered result, so a later wave reads
what an earlier wave observed without anyone re-rendering by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

__all__ = ["MISSING", "find_output", "is_ref", "ref", "ref_pairs", "refs_in", "resolve_refs"]

MISSING: Any = object()  # what find_output returns for an output the facts do not hold


def ref(address: str, output: str) -> dict[str, str]:
    """A reference to ``output`` in the observed facts of the resource at ``address``."""
    return {"ref": address, "output": output}


def is_ref(value: Any) -> bool:
    """Whether ``value`` is a reference (a mapping of exactly ``ref`` and ``output``, both strings)."""
    return (
        isinstance(value, dict)
        and set(value) == {"ref", "output"}
        and isinstance(value["ref"], str)
        and isinstance(value["output"], str)
    )


def _walk(value: Any) -> Iterator[dict[str, str]]:
    if is_ref(value):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _walk(item)


def refs_in(spec: Any) -> list[str]:
    """The addresses ``spec`` refers to, each once, in order of first appearance."""
    return list(dict.fromkeys(item["ref"] for item in _walk(spec)))


def ref_pairs(spec: Any) -> list[tuple[str, str]]:
    """Every (address, output) ``spec`` refers to, in order."""
    return [(item["ref"], item["output"]) for item in _walk(spec)]


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
    if isinstance(spec, dict):
        return {key: resolve_refs(item, lookup) for key, item in spec.items()}
    if isinstance(spec, list):
        return [resolve_refs(item, lookup) for item in spec]
    return spec
