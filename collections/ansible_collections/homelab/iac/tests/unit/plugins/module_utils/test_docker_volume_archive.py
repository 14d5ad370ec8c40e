"""docker_volume's safety net: a tar of the volume written on the controller before it is removed."""

from __future__ import annotations

import os
import stat
import tarfile
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.homelab.iac.plugins.module_utils._docker_batch import apply_all, prepare
from ansible_collections.homelab.iac.plugins.module_utils._docker_engine import DockerEngineError
from ansible_collections.homelab.iac.plugins.module_utils._docker_kinds import KINDS, CachedReads
from ansible_collections.homelab.iac.plugins.module_utils._docker_values import InvalidValue
from ansible_collections.homelab.iac.plugins.module_utils._docker_volume import DockerVolume
from ansible_collections.homelab.iac.plugins.module_utils._docker_volume_archive import (
    ARCHIVE_DIR_ENV,
    archive_name,
    archive_path,
    helper_image,
)
from ansible_collections.homelab.iac.plugins.module_utils._reconcile import Action, ReconcileError, Reconciler
from ansible_collections.homelab.iac.tests.unit.plugins.module_utils.docker_fakes import BUSYBOX, FullFakeDockerEngine

# 2026-12-07 14:20:00 UTC
NOW = 1796653200.0


@pytest.fixture
def engine() -> FullFakeDockerEngine:
    engine = FullFakeDockerEngine()
    engine.create_volume("world", "local", {}, {"io.homelab-iac.managed": "true"})
    engine.volume_files["world"] = {"level.dat": b"seed=42\n", "players.txt": b"alex\n"}
    engine.writes.clear()
    return engine


def removal(engine: Any, archive_dir: Path | None, check_mode: bool = False, **params: Any) -> tuple[Any, DockerVolume]:
    args = {"name": "world", "driver": "local", "purge": False, "archive": True,
            "archive_dir": None if archive_dir is None else str(archive_dir), **params}
    resource = DockerVolume(engine, args)
    return Reconciler(resource, check_mode).run("absent"), resource


def test_the_archive_is_named_after_the_volume_and_the_utc_time(tmp_path: Path) -> None:
    assert archive_name("minecraft-data", NOW) == "minecraft-data-20261207T142000Z.tar"
    first = archive_path(str(tmp_path), "world", NOW)
    Path(first).touch()
    second = archive_path(str(tmp_path), "world", NOW)
    assert (Path(first).name, Path(second).name) == ("world-20261207T142000Z.tar", "world-20261207T142000Z-2.tar")


def test_the_helper_image_is_the_smallest_tagged_local_image() -> None:
    images = [{"Id": "sha256:b", "RepoTags": ["postgres:16"], "Size": 400},
              {"Id": "sha256:a", "RepoTags": ["<none>:<none>"], "Size": 1},
              {"Id": "sha256:c", "RepoTags": ["homelab/busybox:latest", "busybox:1"], "Size": 2}]
    assert helper_image(images) == "busybox:1"
    assert helper_image([{"Id": "sha256:f", "RepoTags": None}, {"Id": "sha256:e"}]) == "sha256:e"
    assert helper_image([]) is None


def test_removing_writes_the_tar_first_and_returns_its_path(engine: FullFakeDockerEngine, tmp_path: Path) -> None:
    archives = tmp_path / "archives" / "volumes"
    outcome, resource = removal(engine, archives)
    assert outcome.action is Action.DELETE and outcome.changed and "world" not in engine.volumes
    assert engine.writes == [("export_volume", f"world via {BUSYBOX}"), ("remove_volume", "world")]
    path = Path(resource.extra_results()["archive"])
    assert path.parent == archives and path.name.startswith("world-") and path.suffix == ".tar"
    with tarfile.open(path) as archive:
        assert sorted(archive.getnames()) == [".", "./level.dat", "./players.txt"]
        level = archive.extractfile("./level.dat")
        assert level is not None and level.read() == b"seed=42\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(archives.stat().st_mode) == 0o700
    assert [p.name for p in archives.iterdir()] == [path.name]  # no .partial left behind


def test_check_mode_names_the_archive_and_writes_nothing(engine: FullFakeDockerEngine, tmp_path: Path) -> None:
    outcome, resource = removal(engine, tmp_path / "archives", check_mode=True)
    assert outcome.action is Action.DELETE and outcome.changed and outcome.facts["name"] == "world"
    planned = resource.extra_results()
    assert list(planned) == ["archive_planned"] and planned["archive_planned"].startswith(str(tmp_path / "archives"))
    assert engine.writes == [] and not (tmp_path / "archives").exists()


def test_removing_an_absent_volume_archives_nothing(engine: FullFakeDockerEngine, tmp_path: Path) -> None:
    removal(engine, tmp_path)
    engine.writes.clear()
    engine.reads.clear()
    again, resource = removal(engine, tmp_path)
    assert again.action is Action.NOOP and not again.changed and resource.extra_results() == {}
    assert engine.writes == [] and engine.reads == [("inspect_volume", "world")]
    assert len(list(tmp_path.iterdir())) == 1


def test_without_archive_nothing_is_archived(engine: FullFakeDockerEngine, tmp_path: Path) -> None:
    outcome, resource = removal(engine, None, archive=False)
    assert outcome.action is Action.DELETE and resource.extra_results() == {}
    assert engine.writes == [("remove_volume", "world")]


def test_archive_without_a_directory_fails_naming_the_option_and_the_variable(engine: FullFakeDockerEngine) -> None:
    with pytest.raises(InvalidValue, match=f"archive_dir: .*set archive_dir or the environment variable {ARCHIVE_DIR_ENV}"):
        removal(engine, None)
    assert "world" in engine.volumes and engine.writes == []


def test_the_directory_defaults_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(ARCHIVE_DIR_ENV, str(tmp_path))
    validated, _hidden = KINDS["volume"].validate({"name": "world", "state": "absent", "archive": True}, "items[0]")
    assert validated["archive_dir"] == str(tmp_path)
    monkeypatch.delenv(ARCHIVE_DIR_ENV)
    validated, _hidden = KINDS["volume"].validate({"name": "world", "state": "absent"}, "items[0]")
    assert (validated["archive"], validated["archive_dir"]) == (False, None)


def test_no_local_image_refuses_before_anything_is_written(engine: FullFakeDockerEngine, tmp_path: Path) -> None:
    engine.images.clear()
    for check_mode in (True, False):
        with pytest.raises(ReconcileError, match="the engine has none .*set archive: false"):
            removal(engine, tmp_path, check_mode=check_mode)
    assert "world" in engine.volumes and engine.writes == [] and list(tmp_path.iterdir()) == []


def test_a_volume_in_use_is_refused_before_it_is_archived(engine: FullFakeDockerEngine, tmp_path: Path) -> None:
    engine.containers["mc"] = {"Name": "/mc", "HostConfig": {"Mounts": [{"Type": "volume", "Source": "world"}]}}
    with pytest.raises(ReconcileError, match="in use by container mc: .*nothing was archived or removed"):
        removal(engine, tmp_path)
    assert engine.writes == [] and list(tmp_path.iterdir()) == []


def test_a_broken_archive_removes_nothing_and_leaves_no_file(
    engine: FullFakeDockerEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def cut_short(name: str, image: str, out: Any) -> None:
        out.write(b"\0" * 100)  # half a tar header

    monkeypatch.setattr(engine, "export_volume", cut_short)
    with pytest.raises(ReconcileError, match="not a whole tar .*nothing was removed"):
        removal(engine, tmp_path)

    def engine_fails(name: str, image: str, out: Any) -> None:
        raise DockerEngineError("No such image: homelab/busybox:latest")

    monkeypatch.setattr(engine, "export_volume", engine_fails)
    with pytest.raises(DockerEngineError, match="No such image"):
        removal(engine, tmp_path)
    assert "world" in engine.volumes and list(tmp_path.iterdir()) == []


def test_an_unwritable_directory_fails_naming_archive_dir(engine: FullFakeDockerEngine, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ReconcileError, match=f"archive_dir: cannot write the archive of volume world to {blocker}"):
        removal(engine, blocker)
    assert "world" in engine.volumes


def test_a_failed_removal_keeps_and_names_the_archive(
    engine: FullFakeDockerEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(name: str) -> None:
        raise DockerEngineError("remove world: volume is in use - [4f1c]")

    monkeypatch.setattr(engine, "remove_volume", refuse)
    resource = DockerVolume(engine, {"name": "world", "archive": True, "archive_dir": str(tmp_path)})
    with pytest.raises(DockerEngineError, match=r"volume is in use - \[4f1c\] \(its archive .*\.tar, written first, is kept\)"):
        Reconciler(resource, False).run("absent")
    assert Path(resource.extra_results()["archive"]).is_file()


def test_a_purged_recreation_is_archived_too(engine: FullFakeDockerEngine, tmp_path: Path) -> None:
    resource = DockerVolume(engine, {"name": "world", "labels": {"app": "mc"}, "purge": True, "archive": True,
                                     "archive_dir": str(tmp_path)})
    outcome = Reconciler(resource, False).run("present")
    assert outcome.action is Action.REPLACE
    assert [kind for kind, _name in engine.writes] == ["export_volume", "remove_volume", "create_volume"]
    assert Path(resource.extra_results()["archive"]).is_file()


def test_batch_items_return_the_archive_beside_their_facts(engine: FullFakeDockerEngine, tmp_path: Path) -> None:
    engine.create_volume("scratch", "local", {}, {"io.homelab-iac.managed": "true"})
    items = [{"kind": "volume", "name": "world", "state": "absent", "archive": True, "archive_dir": str(tmp_path)},
             {"kind": "volume", "name": "scratch", "state": "absent"},
             {"kind": "volume", "name": "gone", "state": "absent", "archive": True, "archive_dir": str(tmp_path)}]
    planned = apply_all(prepare(CachedReads(engine), items)[0], check_mode=True)
    assert planned.results[0]["archive_planned"].startswith(str(tmp_path)) and list(tmp_path.iterdir()) == []
    run = apply_all(prepare(CachedReads(engine), items)[0], check_mode=False)
    assert not run.errors and [r["action"] for r in run.results] == ["delete", "delete", "noop"]
    world, scratch, gone = run.results
    assert Path(world["archive"]).is_file() and world["facts"] == {}
    assert "archive" not in scratch and "archive" not in gone and "archive_planned" not in gone


def test_a_failed_batch_item_returns_its_archive_with_the_failure(
    engine: FullFakeDockerEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(name: str) -> None:
        raise DockerEngineError("volume is in use")

    monkeypatch.setattr(engine, "remove_volume", refuse)
    items = [{"kind": "volume", "name": "world", "state": "absent", "archive": True, "archive_dir": str(tmp_path)}]
    run = apply_all(prepare(CachedReads(engine), items)[0], check_mode=False)
    [error] = run.errors
    assert error.index == 0 and "written first, is kept" in str(error)
    assert os.path.isfile(error.details["archive"])
