# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""A Docker volume's safety net: a tar of its contents, written on the controller before the volume goes.

The Engine API has no "export a volume" call and no registry may be reachable to pull a helper image, so
the engine exports it through a helper container (``DockerEngine.export_volume``): created - never
started - from an image the engine already has, with the volume mounted read-only at ``/volume``;
``GET /containers/{id}/archive?path=/volume/.`` streams the contents with entries ``./...``, so
``tar -xf ARCHIVE -C MOUNTPOINT`` restores them into a new volume. This file names the archive, picks the
image and writes the file: to ``<name>.partial`` first, renamed only once it reads back as a whole tar, so a
``*.tar`` in the archive directory is always complete.
"""

from __future__ import annotations

import contextlib
import os
import tarfile
import time
from typing import Any

from ansible.module_utils.basic import env_fallback
from ansible_collections.homelab.iac.plugins.module_utils._reconcile import ReconcileError

#: Where ``archive_dir`` defaults from; homelab-iac sets it to ``<IAC_HOME>/archives/volumes`` for its runs.
ARCHIVE_DIR_ENV = "IAC_VOLUME_ARCHIVE_DIR"

ARCHIVE_ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    "archive": {"type": "bool", "default": False},
    "archive_dir": {"type": "path", "fallback": (env_fallback, [ARCHIVE_DIR_ENV])},
}


def archive_name(volume: str, now: float) -> str:
    """``minecraft-data-20261207T142000Z.tar``: the volume and the UTC time of the removal."""
    return f"{volume}-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(now))}.tar"


def archive_path(directory: str, volume: str, now: float) -> str:
    """A path in ``directory`` no archive has yet (``-2``, ``-3``... for two removals in one second)."""
    base = os.path.join(directory, archive_name(volume, now))
    path, number = base, 1
    while os.path.exists(path) or os.path.exists(path + ".partial"):
        number += 1
        path = f"{base[:-len('.tar')]}-{number}.tar"
    return path


def helper_image(images: list[dict[str, Any]]) -> str | None:
    """The local image to make the helper container from, or None when the engine has none.

    The helper is never started, so any image will do: the smallest tagged one (by name, for a stable
    choice among equals), else an untagged one by id.
    """
    tagged = sorted(
        (int(image.get("Size") or 0), tag)
        for image in images
        for tag in (image.get("RepoTags") or [])
        if tag and tag != "<none>:<none>"
    )
    if tagged:
        return tagged[0][1]
    ids = sorted(str(image["Id"]) for image in images if image.get("Id"))
    return ids[0] if ids else None


def no_image_error(volume: str) -> ReconcileError:
    """The refusal when the engine has no image to make the helper container from."""
    return ReconcileError(
        f"volume {volume}: archiving it needs a helper container made from an image already on the engine, "
        "and the engine has none (docker image ls is empty); load or build any image (homelab.iac.docker_image), "
        "or set archive: false to remove the volume without an archive (its data is lost)"
    )


def write_archive(engine: Any, volume: str, image: str, path: str) -> None:
    """Write the tar of ``volume`` to ``path`` (mode 0600; the directory is created 0700 if missing).

    Nothing named ``path`` exists unless the whole archive does: on any failure the partial file is removed.
    """
    directory = os.path.dirname(path) or "."
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        partial = path + ".partial"
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise ReconcileError(f"archive_dir: cannot write the archive of volume {volume} to {directory}: "
                             f"{exc.strerror or exc}") from exc
    try:
        with os.fdopen(descriptor, "wb") as out:
            engine.export_volume(volume, image, out)
        _check_whole(partial, volume)
        os.rename(partial, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial)
        raise


def _check_whole(path: str, volume: str) -> None:
    # A stream cut short still ends the file; reading every header back (seeking over the data) notices.
    try:
        with tarfile.open(path, "r:") as archive:
            archive.getmembers()
    except (tarfile.TarError, OSError) as exc:
        raise ReconcileError(f"volume {volume}: the engine's archive of it is not a whole tar ({exc}); "
                             "nothing was removed") from exc
