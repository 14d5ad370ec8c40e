"""The lab's real Docker engines: Debian's dockerd on its own socket, data root and exec root.

It never touches the system's engine: everything lives under ``<lab home>/docker`` (and, with
``iac lab up --docker-engines 2``, a second engine under ``<lab home>/docker-2``, its own containerd
included). ``--bridge=none`` keeps each off ``docker0``, so a developer's demo lab, the test suite's
lab and a lab's second engine run side by side; user-defined bridge networks and ports published on
127.0.0.1 still work (verified by the integration tests).

Every engine keeps ``--iptables`` on. One that starts flushes the shared ``DOCKER`` and
``DOCKER-ISOLATION-*`` chains, dropping rules another engine made for its published ports and its
networks' isolation; ports on 127.0.0.1 do not need them (docker-proxy serves those), and the
per-bridge ``FORWARD`` accepts stay. With ``--iptables=false`` an engine's containers could not reach
each other on a network of their own: the bridge's traffic passes the host's ``FORWARD`` chain
(br_netfilter), whose policy is DROP, and only an engine with iptables adds the accept for its bridge.
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
from lab.layout import EngineLayout, LabLayout
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
    """One dockerd supervised by the lab: the first (``docker``, ``index`` 1) or ``docker-<index>``."""

    kind = "dockerd"
    backend = "docker"

    def __init__(self, layout: LabLayout, index: int = 1) -> None:
        self.layout = layout
        self.paths: EngineLayout = layout.docker_engine(index)
        self.name = self.paths.name

    @property
    def docker_host(self) -> str:
        """The ``DOCKER_HOST`` value for this engine."""
        return self.paths.docker_host

    @property
    def markers(self) -> list[str]:
        # ".../docker/docker.sock" is no substring of ".../docker-2/docker.sock": each engine knows its own.
        return ["dockerd", f"unix://{self.paths.socket}"]

    def pid(self) -> int | None:
        pid = process.read_pidfile(self.paths.pidfile)
        return pid if process.owned_pid(pid, self.markers) else None

    def client(self, timeout: int = 60) -> docker.DockerClient:
        """A docker SDK client bound to this engine's socket."""
        return docker.DockerClient(base_url=self.docker_host, version="auto", timeout=timeout)

    def ping(self) -> bool:
        """True when an engine answers on this engine's socket (ours or, if busy, someone else's)."""
        if not self.paths.socket.exists():
            return False
        try:
            client = docker.DockerClient(base_url=self.docker_host, version="auto", timeout=3)
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
        recorded = process.read_pidfile(self.paths.pidfile)
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
            socket=self.docker_host,
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
        self.layout.check_socket_paths(self.paths.index)
        return dockerd

    def start(self) -> None:
        """Start dockerd unless the lab's already runs, wait until it answers, build the base image."""
        self.boot()
        self.ensure_images()

    def boot(self) -> None:
        """Start dockerd unless the lab's already runs, and wait until it answers.

        A dockerd sets up the host's shared iptables chains as it starts; two starting at the same moment
        can trip over each other ("iptables: Chain already exists") and one exits. The lab boots its own
        engines one after the other; one that lost such a race with someone else's is started once more.
        """
        for attempt in (1, 2):
            log_offset = self._spawn()
            try:
                self._wait_ready()
                return
            except LabError:
                if attempt == 2 or log_offset is None or self.pid() is not None or not self._lost_race(log_offset):
                    raise

    def ensure_images(self) -> None:
        """Import the lab's local images into the engine unless it has them (no registry is reachable)."""
        client = self.client(timeout=300)
        try:
            ensure_busybox_image(client)
        finally:
            client.close()

    def _spawn(self) -> int | None:
        """Start dockerd unless the lab's already runs; the size its log had before, or None if it ran."""
        dockerd = self.preflight()
        if self.pid() is not None:
            return None
        self._clear_leftovers()
        paths = self.paths
        argv = [
            str(dockerd),
            "--host",
            paths.docker_host,
            "--data-root",
            str(paths.data_root),
            "--exec-root",
            str(paths.exec_root),
            "--pidfile",
            str(paths.own_pidfile),
            "--bridge=none",
        ]
        paths.directory.mkdir(parents=True, exist_ok=True)
        with open(paths.log, "a") as log:
            offset = log.tell()
            log.write(f"--- lab: starting {' '.join(argv)}\n")
        pid = process.spawn_detached(argv, paths.log, cwd=paths.directory)
        process.write_pidfile(paths.pidfile, pid)
        return offset

    def _lost_race(self, log_offset: int) -> bool:
        """True when the dockerd started at ``log_offset`` of the log ended on a failed iptables call."""
        with open(self.paths.log, "rb") as log:
            log.seek(log_offset)
            return b"iptables failed" in log.read()

    def _clear_leftovers(self) -> None:
        """Before a fresh start: refuse a busy socket, remove a dead socket and a stale pidfile."""
        if self.ping():
            raise LabError(
                f"socket {self.paths.socket} is busy: another engine answers there that the lab did"
                " not start; stop it, or set IAC_HOME to another directory"
            )
        self.paths.socket.unlink(missing_ok=True)
        self._stop_orphans()
        # dockerd refuses to start while its pidfile names a live process, even an unrelated one.
        process.remove_pidfile(self.paths.own_pidfile)
        process.remove_pidfile(self.paths.pidfile)

    def _wait_ready(self) -> None:
        pid = process.read_pidfile(self.paths.pidfile)
        what = "dockerd" if self.paths.index == 1 else f"dockerd {self.name}"
        wait_started(what, pid, self.ping, self.paths.log, START_TIMEOUT, where=str(self.paths.socket))

    # Stop -------------------------------------------------------------------------------------
    def stop_containers(self) -> list[str]:
        """Stop every running container of this lab engine (not the system's); return their names."""
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
            process.remove_pidfile(self.paths.pidfile)
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
        containerd_pidfile = self.paths.exec_root / "containerd" / "containerd.pid"
        pid = process.read_pidfile(containerd_pidfile)
        markers = ["containerd", str(self.paths.exec_root)]
        if pid is not None and process.owned_pid(pid, markers):
            process.terminate(pid, markers, timeout=10.0)
        # dockerd takes any pid that kill(pid, 0) accepts for a running containerd, zombies included
        # (PID 1 here may reap orphans late), so the pidfile of a dead containerd must go.
        process.remove_pidfile(containerd_pidfile)
        data_root = self.paths.data_root
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
