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

__all__ = ["SOCKET_PATH_LIMIT", "LabLayout", "inventory_path", "lab_home"]

# sun_path is 108 bytes on Linux, including the terminating NUL.
SOCKET_PATH_LIMIT = 107

# containerd (started by dockerd) puts its sockets below the exec root; this is the longest one.
_CONTAINERD_SOCKET_SUFFIX = "/containerd/containerd.sock.ttrpc"


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

    # Docker engine ------------------------------------------------------------------------------
    @property
    def docker_dir(self) -> Path:
        return self.home / "docker"

    @property
    def docker_socket(self) -> Path:
        return self.docker_dir / "docker.sock"

    @property
    def docker_host(self) -> str:
        """The ``DOCKER_HOST`` value for the lab's engine."""
        return f"unix://{self.docker_socket}"

    @property
    def docker_data_root(self) -> Path:
        return self.docker_dir / "data"

    @property
    def docker_exec_root(self) -> Path:
        return self.docker_dir / "run"

    @property
    def docker_pidfile(self) -> Path:
        """The supervisor's pidfile for dockerd."""
        return self.docker_dir / "lab.pid"

    @property
    def dockerd_own_pidfile(self) -> Path:
        """The pidfile dockerd writes itself (``--pidfile``); kept apart so the two never race."""
        return self.docker_dir / "dockerd.pid"

    @property
    def docker_log(self) -> Path:
        return self.docker_dir / "dockerd.log"

    # Emulators ----------------------------------------------------------------------------------
    @property
    def emulators_dir(self) -> Path:
        return self.home / "emulators"

    def emulator_dir(self, name: str) -> Path:
        """State, log, pidfile and service record of one emulator."""
        return self.emulators_dir / name

    def check_socket_paths(self) -> None:
        """Fail with a clear message when the home is too deep for unix sockets to be bound there."""
        longest = max(
            len(os.fsencode(str(self.docker_socket))),
            len(os.fsencode(str(self.docker_exec_root) + _CONTAINERD_SOCKET_SUFFIX)),
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
