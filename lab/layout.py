"""Where the lab keeps its files under the lab home (``$IAC_HOME/lab``).

Everything the lab creates lives below one directory, so ``iac lab down`` and a reader of the tree
both know where to look. The layout is a small value object rather than module constants because
tests and a developer's demo lab run side by side with different homes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from lab.errors import LabError
from planner import paths

__all__ = ["MAX_DOCKER_ENGINES", "SOCKET_PATH_LIMIT", "EngineLayout", "LabLayout", "inventory_path", "lab_home"]

# sun_path is 108 bytes on Linux, including the terminating NUL.
SOCKET_PATH_LIMIT = 107

# `iac lab up --docker-engines N`: each engine (dockerd and its containerd) costs ~120 MB and a second of start.
MAX_DOCKER_ENGINES = 4

# containerd (started by dockerd) puts its sockets below the exec root; this is the longest one.
_CONTAINERD_SOCKET_SUFFIX = "/containerd/containerd.sock.ttrpc"


@dataclass(frozen=True)
class EngineLayout:
    """The files of one of the lab's dockerds, all in its own directory: socket, data root, exec root,
    pidfiles and log. Nothing is shared between two engines, so each has its own containerd too."""

    directory: Path
    index: int = 1

    @property
    def name(self) -> str:
        """The engine's service name in ``iac lab status``: ``docker``, ``docker-2``, ..."""
        return self.directory.name

    @property
    def inventory_host(self) -> str:
        """Its host in the inventory's ``docker`` group: ``lab-docker``, ``lab-docker-2``, ..."""
        return f"lab-{self.name}"

    @property
    def socket(self) -> Path:
        return self.directory / "docker.sock"

    @property
    def docker_host(self) -> str:
        """The ``DOCKER_HOST`` value for this engine."""
        return f"unix://{self.socket}"

    @property
    def data_root(self) -> Path:
        return self.directory / "data"

    @property
    def exec_root(self) -> Path:
        return self.directory / "run"

    @property
    def pidfile(self) -> Path:
        """The supervisor's pidfile for this dockerd."""
        return self.directory / "lab.pid"

    @property
    def own_pidfile(self) -> Path:
        """The pidfile dockerd writes itself (``--pidfile``); kept apart so the two never race."""
        return self.directory / "dockerd.pid"

    @property
    def log(self) -> Path:
        return self.directory / "dockerd.log"


@dataclass(frozen=True)
class LabLayout:
    """Paths of one lab, all derived from its home directory."""

    home: Path

    @classmethod
    def default(cls) -> LabLayout:
        """The layout of the lab at ``lab_home()``."""
        return cls(lab_home())

    # Shared files -------------------------------------------------------------------------------
    @property
    def credentials_file(self) -> Path:
        """Secrets of every service (mode 0600); never written inside the repository."""
        return self.home / "credentials.yml"

    @property
    def env_file(self) -> Path:
        """The credentials as environment variables for module runs (mode 0600), named by the inventory."""
        return self.home / "env.yml"

    @property
    def lock_file(self) -> Path:
        """Serialises concurrent ``up``/``down`` calls on the same lab."""
        return self.home / "lab.lock"

    @property
    def ca_dir(self) -> Path:
        """The lab CA and the server certificate issued by it for the emulators."""
        return self.home / "ca"

    @property
    def settings_file(self) -> Path:
        """What ``up`` was asked for and keeps until asked otherwise (e.g. how many Docker engines)."""
        return self.home / "settings.json"

    # Docker engines -----------------------------------------------------------------------------
    def docker_engine(self, index: int = 1) -> EngineLayout:
        """The files of the lab's ``index``-th dockerd: ``docker/`` for the first, ``docker-<index>/`` after."""
        if not 1 <= index <= MAX_DOCKER_ENGINES:
            raise LabError(f"the lab runs 1 to {MAX_DOCKER_ENGINES} Docker engines, not {index}")
        return EngineLayout(self.home / ("docker" if index == 1 else f"docker-{index}"), index)

    # The first engine's files, under the names the rest of the lab has always used.
    @property
    def docker_dir(self) -> Path:
        return self.docker_engine().directory

    @property
    def docker_socket(self) -> Path:
        return self.docker_engine().socket

    @property
    def docker_host(self) -> str:
        """The ``DOCKER_HOST`` value for the lab's (first) engine."""
        return self.docker_engine().docker_host

    @property
    def docker_data_root(self) -> Path:
        return self.docker_engine().data_root

    @property
    def docker_exec_root(self) -> Path:
        return self.docker_engine().exec_root

    @property
    def docker_pidfile(self) -> Path:
        """The supervisor's pidfile for dockerd."""
        return self.docker_engine().pidfile

    @property
    def dockerd_own_pidfile(self) -> Path:
        """The pidfile dockerd writes itself (``--pidfile``); kept apart so the two never race."""
        return self.docker_engine().own_pidfile

    @property
    def docker_log(self) -> Path:
        return self.docker_engine().log

    # Emulators ----------------------------------------------------------------------------------
    @property
    def emulators_dir(self) -> Path:
        return self.home / "emulators"

    def emulator_dir(self, name: str) -> Path:
        """State, log, pidfile and service record of one emulator."""
        return self.emulators_dir / name

    def check_socket_paths(self, engine: int = 1) -> None:
        """Fail with a clear message when the home is too deep for unix sockets to be bound there."""
        paths = self.docker_engine(engine)
        longest = max(
            len(os.fsencode(str(paths.socket))),
            len(os.fsencode(str(paths.exec_root) + _CONTAINERD_SOCKET_SUFFIX)),
        )
        if longest > SOCKET_PATH_LIMIT:
            raise LabError(
                f"lab home {self.home} is too long for unix sockets ({longest} > {SOCKET_PATH_LIMIT} bytes):"
                " set IAC_HOME to a shorter directory, e.g. /tmp/iac"
            )

    def ensure(self) -> None:
        """Create the directories the lab writes to (the home itself is private to root)."""
        for directory in (self.home, self.ca_dir, self.docker_dir, self.emulators_dir):
            directory.mkdir(parents=True, exist_ok=True)
        os.chmod(self.home, 0o700)


def lab_home() -> Path:
    """Where the lab keeps pids, sockets, data and credentials: ``$IAC_HOME/lab``. Created on first use."""
    path = paths.iac_home() / "lab"
    path.mkdir(parents=True, exist_ok=True)
    return path


def inventory_path() -> Path:
    """Where ``up()`` writes the endpoint inventory: ``$IAC_INVENTORY`` or ``inventories/lab/hosts.yml``."""
    raw = os.environ.get("IAC_INVENTORY")
    if raw:
        return Path(raw).expanduser()
    return paths.project_root() / "inventories" / "lab" / "hosts.yml"
