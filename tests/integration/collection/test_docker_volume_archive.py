"""docker_volume's safety net on the lab's engine: removing a volume with archive on writes a tar of it first.

A file is written into a real volume, the volume is removed through the module (and through docker_batch),
and the tar on disk must hold the file - and restore it into a new volume. Check mode writes nothing,
removing an absent volume archives nothing, and the helper container never outlives the task.
"""

from __future__ import annotations

import tarfile
from pathlib import Path
from typing import Any

import docker
import pytest

from tests.integration.collection.playbook_tasks import IMAGE, block, check, task

pytestmark = pytest.mark.integration

HELPER_LABEL = "io.homelab-iac.archive-of"


def _fill(engine: docker.DockerClient, volume: str) -> None:
    """Write a file and a nested one into ``volume`` from a throwaway container."""
    engine.containers.run(IMAGE, ["sh", "-c", "echo 'seed=42' > /v/level.dat && mkdir /v/region && "
                                              "echo r0 > /v/region/r.0.0.mca"],
                          volumes={volume: {"bind": "/v", "mode": "rw"}}, remove=True)


def _read(archive: Path, member: str) -> bytes:
    with tarfile.open(archive) as tar:
        found = tar.extractfile(member)
        assert found is not None, f"{member} is not a file in {archive}: {tar.getnames()}"
        return found.read()


def _helpers(engine: docker.DockerClient) -> list[Any]:
    return engine.containers.list(all=True, filters={"label": HELPER_LABEL})


def test_removing_a_volume_archives_its_contents_first(
    prefix: str, playbook: Any, engine: docker.DockerClient, tmp_path: Path
) -> None:
    vol, archives = f"{prefix}-world", tmp_path / "archives" / "volumes"
    removal = {"name": vol, "state": "absent", "archive": True, "archive_dir": str(archives)}
    code, output = playbook([task("volume", "docker_volume", {"name": vol, "labels": {"app": "mc"}})], {})
    assert code == 0, output
    _fill(engine, vol)
    tasks = [
        task("remove in check mode", "docker_volume", removal, check_mode=True, register="planned"),
        task("remove, archive first", "docker_volume", removal, register="removed"),
        task("remove again", "docker_volume", removal, register="again"),
        check(
            "archived once, named in check mode, nothing on a rerun",
            "planned is changed and planned.action == 'delete' and planned.archive is not defined",
            f"planned.archive_planned.startswith('{archives}/{vol}-') and planned.archive_planned.endswith('Z.tar')",
            "removed is changed and removed.action == 'delete' and removed.volume == {}",
            f"removed.archive.startswith('{archives}/{vol}-') and removed.archive_planned is not defined",
            "again is not changed and again.action == 'noop'",
            "again.archive is not defined and again.archive_planned is not defined",
        ),
        {"name": "report the archive", "ansible.builtin.debug": {"msg": "ARCHIVE={{ removed.archive }}"}},
    ]
    code, output = playbook(block(tasks, [task("cleanup", "docker_volume", {"name": vol, "state": "absent"})]), {})
    assert code == 0, output
    assert engine.volumes.list(filters={"name": vol}) == [] and _helpers(engine) == []
    [archive] = list(archives.iterdir())  # check mode and the rerun wrote nothing, no .partial is left
    assert f"ARCHIVE={archive}" in output
    assert _read(archive, "./level.dat") == b"seed=42\n" and _read(archive, "./region/r.0.0.mca") == b"r0\n"
    assert oct(archive.stat().st_mode & 0o777) == "0o600"

    # The archive restores into a new volume the way the recorded hint says: untarred at the mount point.
    restored = f"{prefix}-restored"
    engine.volumes.create(restored)
    holder = engine.containers.create(IMAGE, ["true"], volumes={restored: {"bind": "/volume", "mode": "rw"}})
    try:
        assert holder.put_archive("/volume", archive.read_bytes())
    finally:
        holder.remove(force=True)
    shown = engine.containers.run(IMAGE, ["cat", "/v/level.dat", "/v/region/r.0.0.mca"],
                                  volumes={restored: {"bind": "/v", "mode": "ro"}}, remove=True)
    assert shown == b"seed=42\nr0\n"


def test_batch_removal_archives_the_volume_items_that_ask(
    prefix: str, playbook: Any, engine: docker.DockerClient, tmp_path: Path
) -> None:
    vol, other, archives = f"{prefix}-db", f"{prefix}-scratch", tmp_path / "archives"
    items = [{"kind": "volume", "name": vol, "state": "absent", "archive": True},
             {"kind": "volume", "name": other, "state": "absent"}]
    from_env = {"IAC_VOLUME_ARCHIVE_DIR": str(archives)}
    tasks = [task("volumes", "docker_batch", {"items": [{"kind": "volume", "name": vol},
                                                        {"kind": "volume", "name": other}]})]
    code, output = playbook(tasks, {})
    assert code == 0, output
    _fill(engine, vol)
    tasks = [
        task("batch removal in check mode", "docker_batch", {"items": items}, check_mode=True, register="planned",
             environment=from_env),
        task("batch removal, archive_dir from the environment", "docker_batch", {"items": items}, register="removed",
             environment=from_env),
        task("batch removal again", "docker_batch", {"items": items}, register="again", environment=from_env),
        check(
            "the archive is the removed item's, the other item and the rerun archive nothing",
            f"planned is changed and planned.results[0].archive_planned.startswith('{archives}/{vol}-')",
            "planned.results[0].archive is not defined and planned.results[1].archive_planned is not defined",
            "removed is changed and removed.results | map(attribute='action') | list == ['delete', 'delete']",
            f"removed.results[0].archive.startswith('{archives}/{vol}-') and removed.results[1].archive is not defined",
            "again is not changed and again.results | selectattr('archive', 'defined') | list == []",
        ),
    ]
    cleanup = [task("cleanup", "docker_batch", {"items": [
        {"kind": "volume", "name": vol, "state": "absent"}, {"kind": "volume", "name": other, "state": "absent"}]})]
    code, output = playbook(block(tasks, cleanup), {})
    assert code == 0, output
    assert engine.volumes.list(filters={"name": prefix}) == [] and _helpers(engine) == []
    [archive] = list(archives.iterdir())
    assert _read(archive, "./level.dat") == b"seed=42\n"


def test_refusals_name_the_problem_and_leave_the_volume(
    prefix: str, playbook: Any, engine: docker.DockerClient, tmp_path: Path
) -> None:
    vol, archives = f"{prefix}-kept", tmp_path / "archives"
    user = {"name": f"{prefix}-user", "image": IMAGE, "command": ["sleep", "3600"], "init": True,
            "volumes": [f"{vol}:/data"]}
    failing = {"ignore_errors": True}
    tasks = [
        task("volume", "docker_volume", {"name": vol}),
        task("archive without a directory", "docker_volume", {"name": vol, "state": "absent", "archive": True},
             register="no_dir", **failing),
        task("a container using it", "docker_container", user),
        task("archive while in use", "docker_volume", {"name": vol, "state": "absent", "archive": True,
             "archive_dir": str(archives)}, register="in_use", **failing),
        task("still there", "docker_volume", {"name": vol}, register="kept"),
        check(
            "refused before anything was written",
            "no_dir is failed and no_dir.msg.startswith('archive_dir: ')",
            "'IAC_VOLUME_ARCHIVE_DIR' in no_dir.msg",
            f"in_use is failed and 'in use by container {user['name']}' in in_use.msg",
            "'nothing was archived or removed' in in_use.msg and in_use.archive is not defined",
            "kept is not changed",
        ),
    ]
    cleanup = [task("cleanup container", "docker_container", {"name": user["name"], "state": "absent"}),
               task("cleanup volume", "docker_volume", {"name": vol, "state": "absent"})]
    code, output = playbook(block(tasks, cleanup), {})
    assert code == 0, output
    assert not archives.exists() and _helpers(engine) == []
