# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""The ``docker volume`` resource for the reconcile engine, and the docker_volume module's logic.

A volume holds data, so this resource is careful: Docker cannot change a volume's driver, options or
labels in place, and recreating it would delete the data, so such a change is refused unless the
task says ``purge: true``. Removing it (``state: absent``) is the explicit way to delete the data.
"""

from __future__ import annotations

from typing import Any, NoReturn

from ansible_collections.homelab.iac.plugins.module_utils._docker_common import (
    DockerModuleClient,
    is_managed,
    not_managed,
    string_map,
    with_managed_label,
)
from ansible_collections.homelab.iac.plugins.module_utils._docker_engine import DockerEngine
from ansible_collections.homelab.iac.plugins.module_utils._reconcile import (
    Field,
    ReconcileError,
    Resource,
)

VOLUME_ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    "name": {"type": "str", "required": True},
    "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
    "driver": {"type": "str", "default": "local"},
    "driver_options": {"type": "dict"},
    "labels": {"type": "dict"},
    "purge": {"type": "bool", "default": False},
}

VolumeInspect = dict[str, Any]


class DockerVolume(Resource[VolumeInspect]):
    """A named Docker volume; every property difference means delete + create, which needs ``purge``."""

    kind = "docker volume"
    fields = (
        Field("driver", replace=True),
        Field("driver_options", replace=True),
        Field("labels", replace=True),
    )

    def __init__(self, engine: DockerEngine, params: dict[str, Any]) -> None:
        self.engine = engine
        self.name: str = params["name"]
        self.driver: str = params.get("driver") or "local"
        self.purge = bool(params.get("purge"))
        self.driver_options = None if params.get("driver_options") is None else string_map(params["driver_options"])
        # Unset labels are not compared; whatever the task says, the managed label is added.
        self.manage_labels = params.get("labels") is not None
        self.labels = with_managed_label(params.get("labels"))
        self._existing: VolumeInspect | None = None

    def read(self) -> VolumeInspect | None:
        self._existing = self.engine.inspect_volume(self.name)
        return self._existing

    def current(self, observed: VolumeInspect) -> dict[str, Any]:
        return {
            "driver": observed.get("Driver"),
            "driver_options": string_map(observed.get("Options")),
            "labels": string_map(observed.get("Labels")),
        }

    def desired(self) -> dict[str, Any]:
        return {
            "driver": self.driver,
            "driver_options": self.driver_options,
            "labels": dict(self.labels) if self.manage_labels else None,
        }

    def check_delete(self, observed: VolumeInspect) -> None:
        if not is_managed(observed.get("Labels")):
            raise not_managed(f"volume {self.name}", "remove or recreate")

    def check_create(self) -> None:
        # Only reached for an existing volume when the plan is a replacement.
        if self._existing is not None and not self.purge:
            raise ReconcileError(
                f"volume {self.name}: Docker cannot change a volume's driver, options or labels; recreating it "
                "would delete its data, so nothing was changed. Set purge: true to recreate it (data lost)"
            )

    def create(self) -> None:
        self.engine.create_volume(self.name, self.driver, self.driver_options or {}, self.labels)

    def delete(self, observed: VolumeInspect) -> None:
        self.engine.remove_volume(self.name)

    def facts(self, observed: VolumeInspect | None) -> dict[str, Any]:
        if observed is None:
            return {}
        return {
            "name": observed.get("Name"),
            "driver": observed.get("Driver"),
            "driver_options": string_map(observed.get("Options")),
            "mountpoint": observed.get("Mountpoint"),
            "scope": observed.get("Scope"),
            "labels": string_map(observed.get("Labels")),
        }


def run_volume_module() -> NoReturn:
    """Everything homelab.iac.docker_volume does, so the module file stays documentation + main()."""
    client = DockerModuleClient(VOLUME_ARGUMENT_SPEC)
    client.reconcile(DockerVolume, client.params["state"], facts_key="volume", reasons_key="replaced_because")
