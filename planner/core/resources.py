"""Resources: the typed unit every intent expands into and every module manages.

A resource's ``kind`` is ``<backend>.<thing>`` and maps 1:1 onto a module of the collection
(``docker.container`` ↔ ``homelab.iac.docker_container``). Its ``spec`` is exactly the module's arguments
(without connection options), so what the plan shows is what the playbook runs.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Resource", "module_for"]


def module_for(kind: str) -> str:
    """The fully qualified module that manages a kind: ``docker.container`` → ``homelab.iac.docker_container``."""
    return "homelab.iac." + kind.replace(".", "_")


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
