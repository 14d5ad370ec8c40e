# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""The ``docker volume`` resource for the reconcile engine, and the docker_volume module's logic.

A volume holds data, so this resource is careful: Docker cannot change a volume's driver, options or
labels in place, and recreating it would delete the data, so such a change is refused unless the
task says ``purge: true``. Removing it (``state: absent``) is the explicit way to delete the data; with
``archive: true`` a tar of its contents is written first (``_docker_volume_archive``) and its path returned.
"""

from __future__ import annotations

import time
from typing import Any, NoReturn

from ansible_collections.homelab.iac.plugins.module_utils._docker_common import (
    ADOPT_ARG,
    DockerModuleClient,
    is_managed,
    not_managed,
    string_map,
    with_managed_label,
)
from ansible_collections.homelab.iac.plugins.module_utils._docker_engine import DockerEngine, DockerEngineError
from ansible_collections.homelab.iac.plugins.module_utils._docker_values import InvalidValue
from ansible_collections.homelab.iac.plugins.module_utils._docker_volume_archive import (
    ARCHIVE_ARGUMENT_SPEC,
    ARCHIVE_DIR_ENV,
    archive_path,
    helper_image,
    no_image_error,
    write_archive,
)
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
    **ARCHIVE_ARGUMENT_SPEC,
    **ADOPT_ARG,
}

VolumeInspect = dict[str, Any]


class DockerVolume(Resource[VolumeInspect]):
    """A named Docker volume; every property difference means delete + create, which needs ``purge``.

    With ``adopt`` a volume without the managed label may be removed or recreated too; a recreated one
    keeps the old one's labels (unless the task sets ``labels``) and gains the managed label.
    """

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
        self.adopt = bool(params.get("adopt"))
        self.archive = bool(params.get("archive"))
        self.archive_dir: str | None = params.get("archive_dir") or None
        if self.archive and self.archive_dir is None:
            raise InvalidValue(
                f"archive_dir: archive: true writes the volume's contents to a directory on the controller before "
                f"removing it; set archive_dir or the environment variable {ARCHIVE_DIR_ENV}"
            )
        self._existing: VolumeInspect | None = None
        # The safety net: where the archive goes (decided when a removal is planned) and whether it was written.
        self._archive_path: str | None = None
        self._archive_image: str | None = None
        self._archived = False
        self._removing = False

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
        if not self.adopt and not is_managed(observed.get("Labels")):
            raise not_managed(f"volume {self.name}", "remove or recreate")
        if self.archive and self.archive_dir is not None:
            # Checked before anything is written, so a removal bound to fail leaves no archive either.
            users = self.engine.containers_using_volume(self.name)
            if users:
                raise ReconcileError(
                    f"volume {self.name} is in use by container {', '.join(users)}: remove that first "
                    "(nothing was archived or removed)"
                )
            self._archive_image = helper_image(self.engine.list_images())
            if self._archive_image is None:
                raise no_image_error(self.name)
            self._archive_path = archive_path(self.archive_dir, self.name, time.time())

    def check_create(self) -> None:
        # Only reached for an existing volume when the plan is a replacement.
        if self._existing is not None and not self.purge:
            raise ReconcileError(
                f"volume {self.name}: Docker cannot change a volume's driver, options or labels; recreating it "
                "would delete its data, so nothing was changed. Set purge: true to recreate it (data lost)"
            )

    def create(self) -> None:
        labels = self.labels
        if self.adopt and not self.manage_labels and self._existing is not None:
            labels = with_managed_label(self._existing.get("Labels"))
        self.engine.create_volume(self.name, self.driver, self.driver_options or {}, labels)

    def delete(self, observed: VolumeInspect) -> None:
        self._removing = True
        if self._archive_path is not None and self._archive_image is not None and not self._archived:
            write_archive(self.engine, self.name, self._archive_image, self._archive_path)
            self._archived = True
        try:
            self.engine.remove_volume(self.name)
        except DockerEngineError as exc:
            if not self._archived:
                raise
            raise DockerEngineError(f"{exc} (its archive {self._archive_path}, written first, is kept)") from exc

    def extra_results(self) -> dict[str, Any]:
        """``archive``: the tar written before the removal; ``archive_planned``: the one a check run would write."""
        if self._archived:
            return {"archive": self._archive_path}
        if self._archive_path is not None and not self._removing:
            return {"archive_planned": self._archive_path}
        return {}

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
