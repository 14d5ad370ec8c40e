"""Resources: the typed unit every intent expands into and every module manages.

A resource's ``kind`` is ``<backend>.<thing>`` and maps 1:1 onto a module of the collection
(``docker.container`` ↔ ``homelab.iac.docker_container``). Its ``spec`` is exactly the module's arguments
(without connection options), so what the plan shows is what the playbook runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from planner.core.kinds import module_for

__all__ = ["Resource", "locate", "module_for"]


class Resource(BaseModel):
    """One managed object on one endpoint."""

    model_config = ConfigDict(frozen=True)

    kind: str = Field(pattern=r"^[a-z0-9]+\.[a-z0-9_]+$")
    name: str = Field(min_length=1)
    endpoint: str = Field(min_length=1)
    spec: dict[str, Any]
    depends_on: tuple[str, ...] = ()
    origin: str = ""  # the intent that produced it, for messages
    # Planner-only facts about the resource for policy and messages (segment, segment_role, owner, tags,
    # wan_exposure, ...). Never sent to a module, never part of the spec the plan compares.
    meta: dict[str, Any] = Field(default_factory=dict)

    @property
    def address(self) -> str:
        """Unique name of the resource in a plan and in the state store: ``docker.container.hello``."""
        return f"{self.kind}.{self.name}"

    @property
    def backend(self) -> str:
        return self.kind.split(".", 1)[0]

    @property
    def module(self) -> str:
        """The fully qualified module that manages this kind."""
        return module_for(self.kind)


def locate(
    addresses: Iterable[str], given: Mapping[str, str], by_backend: Mapping[str, Sequence[str]]
) -> dict[str, str]:
    """Where each recorded address lives: as ``given`` (the state store knows), else on its backend's only
    endpoint in ``by_backend``; an address that cannot be placed is left out."""
    located = dict(given)
    for address in addresses:
        if address not in located:
            hosts = by_backend.get(address.split(".", 1)[0], ())
            if len(hosts) == 1:
                located[address] = next(iter(hosts))
    return located
