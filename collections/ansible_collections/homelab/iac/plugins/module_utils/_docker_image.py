# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""The ``docker image`` resource for the reconcile engine, and the docker_image module's logic.

An image comes from one of three sources: a local build context (a directory with a Dockerfile),
a ``docker save``/``docker load`` archive, or a registry pull. Idempotency needs to know whether
the image is already the one the source would give without building or loading it:

- build: a digest of the context (every file's path, mode and content, plus Dockerfile name, build
  args and labels) is stored as a label on the image; a different digest means a rebuild;
- load: the archive's image id is the sha256 of the image config inside it, read from the tar;
- pull: an image that is present is left alone (there is no registry to compare with offline).
"""

from __future__ import annotations

import hashlib
import json
import os
import tarfile
from typing import Any, NoReturn

from ansible_collections.homelab.iac.plugins.module_utils._docker_common import (
    DockerModuleClient,
    is_managed,
    not_managed,
    string_map,
    with_managed_label,
)
from ansible_collections.homelab.iac.plugins.module_utils._docker_container_views import normalise_image_name
from ansible_collections.homelab.iac.plugins.module_utils._docker_engine import DockerEngine, DockerEngineError
from ansible_collections.homelab.iac.plugins.module_utils._docker_values import InvalidValue
from ansible_collections.homelab.iac.plugins.module_utils._reconcile import Field, ReconcileError, Resource

IMAGE_ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    "name": {"type": "str", "required": True},
    "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
    "source": {"type": "str", "choices": ["build", "load", "pull"]},
    "build": {
        "type": "dict",
        "options": {
            "path": {"type": "path", "required": True},
            "dockerfile": {"type": "str"},
            "args": {"type": "dict"},
        },
    },
    "load_path": {"type": "path"},
    "labels": {"type": "dict"},
}

CONTEXT_LABEL = "io.homelab-iac.context-digest"
ImageInspect = dict[str, Any]


def context_digest(path: str, dockerfile: str | None, args: dict[str, str], labels: dict[str, str]) -> str:
    """sha256 over everything that decides what a build produces."""
    if not os.path.isdir(path):
        raise InvalidValue(f"build.path: {path} is not a directory")
    if not os.path.isfile(os.path.join(path, dockerfile or "Dockerfile")):
        raise InvalidValue(f"build.dockerfile: {dockerfile or 'Dockerfile'} not found in {path}")
    digest = hashlib.sha256()
    digest.update(json.dumps([dockerfile, sorted(args.items()), sorted(labels.items())]).encode())
    for root, dirs, files in os.walk(path):
        dirs.sort()
        for name in sorted(files):
            full = os.path.join(root, name)
            digest.update(os.path.relpath(full, path).encode() + b"\0")
            digest.update(oct(os.stat(full).st_mode & 0o7777).encode() + b"\0")
            with open(full, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
    return "sha256:" + digest.hexdigest()


def archive_image_id(path: str) -> tuple[str, list[str]]:
    """The image id and repo tags in a ``docker save`` archive (first image of its manifest)."""
    try:
        with tarfile.open(path) as archive:
            manifest = json.load(archive.extractfile("manifest.json"))  # type: ignore[arg-type]
            entry = manifest[0]
            config = archive.extractfile(entry["Config"])
            if config is None:
                raise KeyError(entry["Config"])
            image_id = "sha256:" + hashlib.sha256(config.read()).hexdigest()
    except (OSError, tarfile.TarError, KeyError, IndexError, ValueError) as exc:
        raise InvalidValue(f"load_path: {path} is not a docker save archive: {exc}") from exc
    return image_id, list(entry.get("RepoTags") or [])


class DockerImage(Resource[ImageInspect]):
    """A local image name, made present from a build context, an archive or a registry."""

    kind = "docker image"
    fields = (Field("source_digest", replace=True),)

    def __init__(self, engine: DockerEngine, params: dict[str, Any]) -> None:
        self.engine = engine
        self.name = normalise_image_name(params["name"])
        self.state = params.get("state") or "present"
        self.build = params.get("build")
        self.load_path = params.get("load_path")
        self.source = params.get("source") or ("build" if self.build else "load" if self.load_path else "pull")
        if self.source == "build" and not self.build:
            raise InvalidValue("build: required when source is build")
        if self.source == "load" and not self.load_path:
            raise InvalidValue("load_path: required when source is load")
        self.labels = with_managed_label(params.get("labels"))
        if params.get("labels") and self.source != "build":
            raise InvalidValue("labels: only a build can label an image; loaded and pulled images keep theirs")
        self._existing: ImageInspect | None = None

    def _wanted_digest(self) -> str | None:
        if self.source == "build" and self.build:
            return context_digest(
                self.build["path"], self.build.get("dockerfile"), string_map(self.build.get("args")), self.labels
            )
        if self.source == "load" and self.load_path:
            return archive_image_id(self.load_path)[0]
        return None

    def read(self) -> ImageInspect | None:
        image = self.engine.inspect_image(self.name)
        # inspect also matches ids and digests; only the exact tag counts as "this image".
        if image is not None and self.name not in (image.get("RepoTags") or []):
            image = None
        self._existing = image
        return image

    def current(self, observed: ImageInspect) -> dict[str, Any]:
        if self.source == "build":
            digest = ((observed.get("Config") or {}).get("Labels") or {}).get(CONTEXT_LABEL)
        elif self.source == "load":
            digest = observed.get("Id")
        else:
            digest = None
        return {"source_digest": digest}

    def desired(self) -> dict[str, Any]:
        return {"source_digest": self._wanted_digest()}

    def check_delete(self, observed: ImageInspect) -> None:
        if is_managed((observed.get("Config") or {}).get("Labels")):
            return
        # Reloading a changed archive only moves the name to the archive's image; anything else
        # would take a name (or an image) homelab.iac did not make.
        if self.state == "present" and self.source == "load":
            return
        raise not_managed(f"image {self.name}", "remove or rebuild", made="built", adoptable=False)

    def create(self) -> None:
        if self.source == "build" and self.build:
            labels = {**self.labels, CONTEXT_LABEL: self._wanted_digest() or ""}
            self.engine.build_image(
                self.build["path"], self.name, self.build.get("dockerfile"), string_map(self.build.get("args")), labels
            )
        elif self.source == "load" and self.load_path:
            image_id, tags = archive_image_id(self.load_path)
            self.engine.load_image(self.load_path)
            if self.name not in tags:
                self.engine.tag_image(image_id, self.name)
        else:
            try:
                self.engine.pull_image(self.name)
            except DockerEngineError as exc:
                raise ReconcileError(
                    f"image {self.name} is not on the Docker host and could not be pulled (is a registry "
                    f"reachable?): {exc}"
                ) from exc
        if self.engine.inspect_image(self.name) is None:
            raise ReconcileError(f"image {self.name} is still missing after the {self.source}")

    def replace(self, observed: ImageInspect, reasons: list[str]) -> None:
        # Build or load over the name: the old image loses the tag; containers using it keep it.
        self.create()

    def delete(self, observed: ImageInspect) -> None:
        self.engine.remove_image(self.name)

    def facts(self, observed: ImageInspect | None) -> dict[str, Any]:
        if observed is None:
            return {}
        return {
            "id": observed.get("Id"),
            "name": self.name,
            "tags": list(observed.get("RepoTags") or []),
            "size": observed.get("Size"),
            "created": observed.get("Created"),
            "labels": dict((observed.get("Config") or {}).get("Labels") or {}),
        }


def run_image_module() -> NoReturn:
    """Everything homelab.iac.docker_image does, so the module file stays documentation + main()."""
    client = DockerModuleClient(IMAGE_ARGUMENT_SPEC, mutually_exclusive=[("build", "load_path")])
    client.reconcile(DockerImage, client.params["state"], facts_key="image", reasons_key="replaced_because")
