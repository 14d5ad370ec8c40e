"""Images the lab builds locally, because no registry is reachable.

``homelab/busybox:latest`` is a rootfs holding Debian's static busybox, a symlink for every applet
(sh, ls, cat, httpd, nc, wget, ...) and ``/www/index.html`` saying ``hello from homelab-iac``, so
``httpd -f -p 8080 -h /www`` serves a page out of the box. It is imported from an in-memory tar
stream with the docker SDK and rebuilt only when missing, so containers keep their image across
``down``/``up``.

Stand-ins (``STAND_INS``) are the same rootfs tagged under the names the examples use, with a command
that listens where the real image would: ``itzg/minecraft-server:latest`` answers on 25565/tcp (busybox
httpd), so ``examples/minecraft.yaml`` applies without a registry; ``postgres:16`` (5432/tcp) does the same
for ``examples/dev-environment.yaml``. They are labelled
``org.homelab-iac.stand-in=true``; a real image of that name on a real Docker host is never touched.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import time
from pathlib import Path

import docker
import docker.errors

from lab.errors import LabError

__all__ = [
    "BUSYBOX_BINARY",
    "BUSYBOX_IMAGE",
    "HELLO_TEXT",
    "STAND_INS",
    "busybox_rootfs_tar",
    "ensure_busybox_image",
]

BUSYBOX_IMAGE = "homelab/busybox:latest"
BUSYBOX_BINARY = Path("/bin/busybox")
HELLO_TEXT = "hello from homelab-iac"

# Applets linked even when `busybox --list` cannot be asked; the full list is used when it can.
_ESSENTIAL_APPLETS = ("sh", "ls", "cat", "echo", "sleep", "httpd", "nc", "wget", "env", "ps", "kill", "true")

# Image name -> the command of its stand-in (what it listens on, like the real image).
STAND_INS: dict[str, list[str]] = {
    "itzg/minecraft-server:latest": ["httpd", "-f", "-p", "25565", "-h", "/www"],
    "postgres:16": ["httpd", "-f", "-p", "5432", "-h", "/www"],  # examples/dev-environment.yaml's database
}

_PASSWD = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
_GROUP = "root:x:0:\nnogroup:x:65534:\n"


def _applets(busybox: Path) -> list[str]:
    try:
        listed = subprocess.run(
            [str(busybox), "--list"], capture_output=True, text=True, check=True, timeout=10
        ).stdout.split()
    except (OSError, subprocess.SubprocessError):
        listed = []
    # "busybox" itself is the real file; "[[" and "linuxrc" are of no use in a container.
    names = {name for name in listed if "/" not in name} | set(_ESSENTIAL_APPLETS)
    return sorted(names - {"busybox", "linuxrc"})


def _add_dir(tar: tarfile.TarFile, name: str, mode: int = 0o755) -> None:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    info.mode = mode
    info.mtime = int(time.time())
    tar.addfile(info)


def _add_file(tar: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    info.mtime = int(time.time())
    tar.addfile(info, io.BytesIO(data))


def busybox_rootfs_tar(busybox: Path = BUSYBOX_BINARY) -> bytes:
    """A tar of the busybox rootfs, ready for ``docker import``."""
    binary = busybox.read_bytes()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for directory in ("bin", "etc", "root", "www", "var", "usr", "usr/bin", "sbin"):
            _add_dir(tar, directory, 0o700 if directory == "root" else 0o755)
        _add_dir(tar, "tmp", 0o1777)
        _add_file(tar, "bin/busybox", binary, 0o755)
        for applet in _applets(busybox):
            link = tarfile.TarInfo(f"bin/{applet}")
            link.type = tarfile.SYMTYPE
            link.linkname = "busybox"
            link.mode = 0o777
            tar.addfile(link)
        _add_file(tar, "etc/passwd", _PASSWD.encode())
        _add_file(tar, "etc/group", _GROUP.encode())
        _add_file(tar, "www/index.html", f"{HELLO_TEXT}\n".encode())
    return buffer.getvalue()


def _import(client: docker.DockerClient, image: str, busybox: Path, changes: list[str]) -> bool:
    """Import the busybox rootfs as ``image`` unless the engine has it; True when it was built now."""
    try:
        client.images.get(image)
        return False
    except docker.errors.ImageNotFound:
        pass
    if not busybox.exists():
        raise LabError(
            f"{busybox} is missing, needed to build {image}: install busybox-static"
            " (make setup does it when run as root)"
        )
    repository, _, tag = image.partition(":")
    try:
        client.api.import_image_from_data(
            busybox_rootfs_tar(busybox),
            repository=repository,
            tag=tag or "latest",
            changes=[
                "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "LABEL org.homelab-iac.built-by=lab",
                *changes,
            ],
        )
    except docker.errors.APIError as err:
        raise LabError(f"could not import {image} into the lab's dockerd: {err.explanation}") from err
    return True


def ensure_busybox_image(client: docker.DockerClient, busybox: Path = BUSYBOX_BINARY) -> bool:
    """Import ``homelab/busybox:latest`` and the stand-ins unless the engine has them.

    True when ``homelab/busybox:latest`` was built now.
    """
    built = _import(
        client, BUSYBOX_IMAGE, busybox, ['CMD ["/bin/sh"]', "LABEL org.opencontainers.image.title=homelab/busybox"]
    )
    for image, command in STAND_INS.items():
        cmd = "CMD [" + ", ".join(f'"{part}"' for part in command) + "]"
        _import(client, image, busybox, [cmd, "LABEL org.homelab-iac.stand-in=true"])
    return built
