"""Resources: the typed unit every intent expands into and every module manages.

A resource's ``kind`` is ``<backend>.<thing>`` and maps 1:1 onto a module of the collection
(``docker.container`` ↔ ``homelab.iac.docker_container``). Its ``spec`` is exactly the module's arguments
(without connection options), so what the plan shows is what the playbook runs.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from planner.core.kinds import OfKind, backend_of, module_for

__all__ = ["Resource", "locate", "module_for"]


_KIND = re.compile(r"^[a-z0-9]+\.[a-z0-9_]+$")


@functools.lru_cache(maxsize=256)  # a plan has a few kinds and many resources of each
def _is_kind(text: str) -> bool:
    return _KIND.match(text) is not None


@dataclass(frozen=True, slots=True)
class Resource(OfKind):
    """One managed object on one endpoint.

    A plain frozen dataclass, not a pydantic model: a plan of 100,000 resources makes twice as many of them
    (every intent expands its own copy of a shared network), and a model's per-instance dict and set of
    fields tripled their memory. Its fields are checked here instead; ``spec``, ``meta`` and
    ``depends_on`` are copied (the caller's dicts stay the caller's), as the model did.
    """

    kind: str
    name: str
    endpoint: str
    spec: dict[str, Any]
    depends_on: tuple[str, ...] = ()
    origin: str = ""  # the intent that produced it, for messages
    # Planner-only facts about the resource for policy and messages (segment, segment_role, owner, tags,
    # wan_exposure, ...). Never sent to a module, never part of the spec the plan compares.
    meta: dict[str, Any] = field(default_factory=dict)
    # The endpoint, when an intent fans out over several (``endpoints: [a, b]``): part of the address then.
    qualifier: str = ""
    # Unique name of the resource in a plan and in the state store: ``docker.container.hello``, or
    # ``docker.container.node-exporter@nas-docker`` for one copy of a fanned-out intent.
    address: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        kind = self.kind
        if not isinstance(kind, str) or not _is_kind(kind):
            raise ValueError(f"resource kind {kind!r} is not <backend>.<thing>, e.g. docker.container")
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"resource {kind} needs a non-empty name, got {self.name!r}")
        if not isinstance(self.endpoint, str) or not self.endpoint:
            raise ValueError(f"resource {kind} needs a non-empty endpoint, got {self.endpoint!r}")
        # Frozen: the checked and copied values are set the way dataclasses itself sets them.
        setattr_ = object.__setattr__
        setattr_(self, "spec", dict(self.spec))
        setattr_(self, "meta", dict(self.meta))
        setattr_(self, "depends_on", tuple(self.depends_on))
        setattr_(self, "address", f"{kind}.{self.name}@{self.qualifier}" if self.qualifier else f"{kind}.{self.name}")


def locate(
    addresses: Iterable[str], given: Mapping[str, str], by_backend: Mapping[str, Sequence[str]]
) -> dict[str, str]:
    """Where each recorded address lives: as ``given`` (the state store knows), else on its backend's only
    endpoint in ``by_backend``; an address that cannot be placed is left out."""
    located = dict(given)
    for address in addresses:
        if address not in located:
            hosts = by_backend.get(backend_of(address), ())
            if len(hosts) == 1:
                located[address] = next(iter(hosts))
    return located
