"""The lab's real Docker engine: Debian's dockerd on its own socket, data root and exec root.

It never touches the system's engine: everything lives under ``<lab home>/docker``. ``--bridge=none``
keeps it off ``docker0``, so a developer's demo lab and the test suite's lab run side by side;
user-defined bridge networks and ports published on 127.0.0.1 still work (verified by the
integration tests).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import docker
import docker.errors

from lab import process
from lab.errors import LabError
from lab.images import ensure_busybox_image
from lab.layout import LabLayout
from lab.services import Service, ServiceStatus, wait_started

__all__ = ["DockerEngine", "find_dockerd"]

START_TIMEOUT = 60.0
# dockerd waits for its containers on SIGTERM; containers were stopped before, so this is generous.
STOP_TIMEOUT = 30.0
CONTAINER_STOP_TIMEOUT = 3


def find_dockerd() -> Path | None:
    """Path of the dockerd binary; /usr/sbin is searched too since non-root PATHs often lack it."""
    found = shutil.which("dockerd") or shutil.which("dockerd", path="/usr/sbin:/usr/bin:/sbin:/bin")
    return Path(found) if found else None


def _is_mountpoint(path: Path) -> bool:
    """True when ``path`` is a mount point, bind mounts of a directory onto itself included.

    ``os.path.ismount`` misses those (same device, different inode), so read the mount table.
    """
    target = str(path.resolve())
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return False
    # Field 5 is the mount point, with spaces and the like escaped as octal.
    return any(line.split()[4].encode().decode("unicode_escape") == target for line in lines if line.strip())


class DockerEngine(Service):
    """dockerd supervised by the lab."""

    name = "docker"
    kind = "dockerd"
    backend = "docker"

    def __init__(self, layout: LabLayout) -> None:
        self.layout = layout

    @property
    def markers(self) -> list[str]:
        return ["dockerd", f"unix://{self.layout.docker_socket}"]

    def pid(self) -> int | None:
        pid = process.read_pidfile(self.layout.docker_pidfile)
        return pid if process.owned_pid(pid, self.markers) else None

    def client(self, timeout: int = 60) -> docker.DockerClient:
        """A docker SDK client bound to the lab's socket."""
        return docker.DockerClient(base_url=self.layout.docker_host, version="auto", timeout=timeout)

    def ping(self) -> bool:
        """True when an engine answers on the lab's socket (ours or, if busy, someone else's)."""
        if not self.layout.docker_socket.exists():
            return False
        try:
            client = docker.DockerClient(base_url=self.layout.docker_host, version="auto", timeout=3)
        except docker.errors.DockerException:
            return False
        try:
            return bool(client.ping())
        except (docker.errors.DockerException, OSError):
            return False
        finally:
            client.close()

    def status(self) -> ServiceStatus:
        pid = self.pid()
        recorded = process.read_pidfile(self.layout.docker_pidfile)
        detail = ""
        if pid is None and recorded is not None:
            detail = f"pidfile names pid {recorded}, which is not the lab's dockerd (stale)"
        elif pid is None:
            detail = "not started"
        return ServiceStatus(
            self.name,
            self.kind,
            self.backend,
            pid is not None,
            pid is not None and self.ping(),
            pid,
            socket=self.layout.docker_host,
            detail=detail,
        )

    # Start ------------------------------------------------------------------------------------
    def preflight(self) -> Path:
        """Everything that must hold before starting; returns the dockerd binary."""
        dockerd = find_dockerd()
        if dockerd is None:
            raise LabError("dockerd is not installed: install docker.io (make setup does it when run as root)")
        if os.geteuid() != 0:
            raise LabError("the lab runs its own dockerd, which needs root: run `iac lab up` as root")
        self.layout.check_socket_paths()
        return dockerd

    def start(self) -> None:
        """Start dockerd unless the lab's already runs, wait until it answers, build the base image."""
        dockerd = self.preflight()
        if self.pid() is None:
            self._clear_leftovers()
            argv = [
                str(dockerd),
                "--host",
                self.layout.docker_host,
                "--data-root",
                str(self.layout.docker_data_root),
                "--exec-root",
                str(self.layout.docker_exec_root),
                "--pidfile",
                str(self.layout.dockerd_own_pidfile),
                "--bridge=none",
            ]
            self.layout.docker_dir.mkdir(parents=True, exist_ok=True)
            with open(self.layout.docker_log, "a") as log:
                log.write(f"--- lab: starting {' '.join(argv)}\n")
            pid = process.spawn_detached(argv, self.layout.docker_log, cwd=self.layout.docker_dir)
            process.write_pidfile(self.layout.docker_pidfile, pid)
        self._wait_ready()
        client = self.client(timeout=300)
        try:
            ensure_busybox_image(client)
        finally:
            client.close()

    def _clear_leftovers(self) -> None:
        """Before a fresh start: refuse a busy socket, remove a dead socket and a stale pidfile."""
        if self.ping():
            raise LabError(
                f"socket {self.layout.docker_socket} is busy: another engine answers there that the lab did"
                " not start; stop it, or set IAC_HOME to another directory"
            )
        self.layout.docker_socket.unlink(missing_ok=True)
        self._stop_orphans()
        # dockerd refuses to start while its pidfile names a live process, even an unrelated one.
        process.remove_pidfile(self.layout.dockerd_own_pidfile)
        process.remove_pidfile(self.layout.docker_pidfile)

    def _wait_ready(self) -> None:
        pid = process.read_pidfile(self.layout.docker_pidfile)
        log = self.layout.docker_log
        wait_started("dockerd", pid, self.ping, log, START_TIMEOUT, where=str(self.layout.docker_socket))

    # Stop -------------------------------------------------------------------------------------
    def stop_containers(self) -> list[str]:
        """Stop every running container of the lab's engine (not the system's); return their names."""
        if not self.ping():
            return []
        client = self.client(timeout=CONTAINER_STOP_TIMEOUT + 30)
        try:
            running = client.containers.list()

            def stop(container: docker.models.containers.Container) -> str:
                with contextlib.suppress(docker.errors.NotFound):
                    container.stop(timeout=CONTAINER_STOP_TIMEOUT)
                return str(container.name)

            # In parallel: busybox as PID 1 ignores SIGTERM, so each stop takes the full timeout.
            with ThreadPoolExecutor(max_workers=8) as pool:
                return list(pool.map(stop, running))
        finally:
            client.close()

    def stop(self) -> bool:
        pid = self.pid()
        stopped = False
        bridges: list[str] = []
        if pid is not None:
            # dockerd stops its containers itself on SIGTERM; stopping them first is the polite step.
            with contextlib.suppress(docker.errors.DockerException):
                self.stop_containers()
            with contextlib.suppress(docker.errors.DockerException):
                bridges = self.bridge_interfaces()
            stopped = process.terminate(pid, self.markers, timeout=STOP_TIMEOUT, group=True)
        if self.pid() is None:
            self._stop_orphans()
            process.remove_pidfile(self.layout.docker_pidfile)
            _remove_links(bridges)
        return stopped

    def bridge_interfaces(self) -> list[str]:
        """The host bridge devices of the engine's networks (``br-<id>``, or the name an option gave).

        dockerd leaves them on the host when it stops; the next lab's engine makes new ones for the same
        subnets, and the kernel would route to the first, dead one. The lab removes its own at ``down``.
        """
        if not self.ping():
            return []
        client = self.client()
        try:
            return [
                str((network.attrs.get("Options") or {}).get("com.docker.network.bridge.name")
                    or f"br-{network.id[:12]}")
                for network in client.networks.list()
                if network.attrs.get("Driver") == "bridge" and network.name not in ("bridge", "none", "host")
            ]
        finally:
            client.close()

    def _stop_orphans(self) -> None:
        """Clean up after a dockerd that crashed: its containerd and its data-root bind mount.

        A crashed dockerd's containerd may outlive it for a moment (or, if it was not killed along,
        for good); a new dockerd would then adopt that dying containerd and time out. dockerd also
        bind-mounts its data root onto itself and only a clean shutdown undoes it. Both belong to
        the lab (they carry the lab's exec root / sit under the lab home), so the lab removes them.
        """
        containerd_pidfile = self.layout.docker_exec_root / "containerd" / "containerd.pid"
        pid = process.read_pidfile(containerd_pidfile)
        markers = ["containerd", str(self.layout.docker_exec_root)]
        if pid is not None and process.owned_pid(pid, markers):
            process.terminate(pid, markers, timeout=10.0)
        # dockerd takes any pid that kill(pid, 0) accepts for a running containerd, zombies included
        # (PID 1 here may reap orphans late), so the pidfile of a dead containerd must go.
        process.remove_pidfile(containerd_pidfile)
        data_root = self.layout.docker_data_root
        # A crash followed by a restart can stack two such mounts; unmount until none is left.
        for _ in range(5):
            if not _is_mountpoint(data_root):
                break
            subprocess.run(["umount", str(data_root)], check=False, capture_output=True)


def _remove_links(names: list[str]) -> None:
    """Delete host network devices the lab's engine left behind (those that still exist)."""
    for name in names:
        if Path("/sys/class/net", name).exists():
            subprocess.run(["ip", "link", "delete", name], check=False, capture_output=True)
