"""docker_volume and docker_image decisions against the fake engine."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.homelab.iac.plugins.module_utils._docker_image import (
    DockerImage,
    archive_image_id,
    context_digest,
)
from ansible_collections.homelab.iac.plugins.module_utils._docker_values import InvalidValue
from ansible_collections.homelab.iac.plugins.module_utils._docker_volume import DockerVolume
from ansible_collections.homelab.iac.plugins.module_utils._reconcile import (
    Action,
    Outcome,
    ReconcileError,
    Reconciler,
)
from ansible_collections.homelab.iac.tests.unit.plugins.module_utils.docker_fakes import FullFakeDockerEngine


@pytest.fixture
def engine() -> FullFakeDockerEngine:
    return FullFakeDockerEngine()


def volume(engine: Any, check_mode: bool = False, state: str = "present", **params: Any) -> Outcome:
    args = {"name": "data", "driver": "local", "purge": False, **params}
    return Reconciler(DockerVolume(engine, args), check_mode).run(state)


def image(engine: Any, check_mode: bool = False, state: str = "present", **params: Any) -> Outcome:
    args = {"name": "homelab/app", "state": state, **params}
    return Reconciler(DockerImage(engine, args), check_mode).run(state)


def test_volume_create_rerun_and_remove(engine: FullFakeDockerEngine) -> None:
    created = volume(engine, labels={"app": "mc"})
    assert created.action is Action.CREATE and created.facts["labels"]["app"] == "mc"
    writes = list(engine.writes)
    assert volume(engine, labels={"app": "mc"}).action is Action.NOOP and engine.writes == writes
    assert volume(engine, state="absent").action is Action.DELETE and engine.volumes == {}


def test_volume_change_keeps_the_data_unless_purged(engine: FullFakeDockerEngine) -> None:
    volume(engine, labels={"app": "mc"})
    with pytest.raises(ReconcileError, match="would delete its data.*purge: true"):
        volume(engine, check_mode=True, labels={"app": "other"})
    writes = list(engine.writes)
    with pytest.raises(ReconcileError, match="purge: true"):
        volume(engine, labels={"app": "other"})
    assert engine.writes == writes
    replaced = volume(engine, labels={"app": "other"}, purge=True)
    assert (replaced.action, replaced.replaced_because) == (Action.REPLACE, ["labels"])


def test_unmanaged_volume_is_never_removed(engine: FullFakeDockerEngine) -> None:
    engine.volumes["data"] = {"Name": "data", "Driver": "local", "Labels": None}
    with pytest.raises(ReconcileError, match="volume data was not created by homelab.iac"):
        volume(engine, state="absent")


def test_build_is_idempotent_per_context_digest(engine: FullFakeDockerEngine, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM homelab/busybox:latest\n")
    built = image(engine, build={"path": str(tmp_path)}, labels={"app": "x"})
    assert built.action is Action.CREATE and built.facts["name"] == "homelab/app:latest"
    assert image(engine, build={"path": str(tmp_path)}, labels={"app": "x"}).action is Action.NOOP
    (tmp_path / "index.html").write_text("new page\n")
    rebuilt = image(engine, check_mode=True, build={"path": str(tmp_path)}, labels={"app": "x"})
    assert (rebuilt.action, rebuilt.replaced_because) == (Action.REPLACE, ["source_digest"])
    assert image(engine, state="absent").action is Action.DELETE


def test_context_digest_sees_content_mode_args_and_labels(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    first = context_digest(str(tmp_path), None, {}, {})
    assert context_digest(str(tmp_path), None, {"V": "1"}, {}) != first
    assert context_digest(str(tmp_path), None, {}, {"a": "b"}) != first
    (tmp_path / "Dockerfile").chmod(0o600)
    assert context_digest(str(tmp_path), None, {}, {}) != first
    with pytest.raises(InvalidValue, match="build.dockerfile: Other not found"):
        context_digest(str(tmp_path), "Other", {}, {})


def test_archive_image_id_is_the_config_digest(tmp_path: Path) -> None:
    archive = tmp_path / "image.tar"
    config = json.dumps({"config": {}}).encode()
    manifest = json.dumps([{"Config": "abc.json", "RepoTags": ["homelab/app:1"], "Layers": []}]).encode()
    with tarfile.open(archive, "w") as tar:
        for name, data in (("abc.json", config), ("manifest.json", manifest)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    image_id, tags = archive_image_id(str(archive))
    assert image_id.startswith("sha256:") and len(image_id) == 71 and tags == ["homelab/app:1"]
    (tmp_path / "junk.tar").write_bytes(b"not a tar")
    with pytest.raises(InvalidValue, match="load_path: .* is not a docker save archive"):
        archive_image_id(str(tmp_path / "junk.tar"))


def test_pull_failure_is_explained_and_unmanaged_images_stay(engine: FullFakeDockerEngine) -> None:
    with pytest.raises(ReconcileError, match="could not be pulled .*pull access denied"):
        image(engine, name="homelab/none:1")
    assert image(engine, name="homelab/busybox").action is Action.NOOP
    with pytest.raises(ReconcileError, match="was not built by homelab.iac"):
        image(engine, name="homelab/busybox", state="absent")
    with pytest.raises(InvalidValue, match="labels: only a build"):
        image(engine, labels={"a": "b"})
