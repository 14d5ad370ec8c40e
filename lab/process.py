"""Processes the lab starts: detached spawning, pidfiles, and stopping exactly what was started.

A pid alone is not proof of ownership: after a reboot or a crash the number may belong to an
unrelated process. Every check therefore compares ``/proc/PID/cmdline`` with markers that only the
lab's own command line contains (the program and a path inside the lab home).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = [
    "alive",
    "cmdline",
    "owned_pid",
    "read_pidfile",
    "remove_pidfile",
    "spawn_detached",
    "terminate",
    "write_pidfile",
]


def cmdline(pid: int) -> list[str] | None:
    """The argv of a live process, or None when it is gone (zombies count as gone)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The state letter follows the parenthesised command name, which may itself contain spaces.
    if stat.rpartition(")")[2].split()[:1] == ["Z"]:
        return None
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def alive(pid: int | None) -> bool:
    """True while ``pid`` exists and is not a zombie, whatever it runs.

    Used only right after the lab spawned ``pid`` itself: in the first instants after exec,
    ``/proc/PID/cmdline`` can read empty, so the marker check of ``owned_pid`` would misfire.
    """
    if pid is None or pid <= 0:
        return False
    _reap()
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


def owned_pid(pid: int | None, markers: Sequence[str]) -> bool:
    """True when ``pid`` is alive and its command line contains every marker."""
    if pid is None or pid <= 0:
        return False
    argv = cmdline(pid)
    if not argv:
        return False
    joined = "\0".join(argv)
    return all(marker in joined for marker in markers)


def read_pidfile(path: Path) -> int | None:
    """The pid in ``path``, or None when the file is missing or unreadable."""
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        return None
    return int(text) if text.isdigit() else None


def write_pidfile(path: Path, pid: int) -> None:
    """Write a pidfile atomically so a concurrent reader never sees it half-written."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(f"{pid}\n")
    os.replace(tmp, path)


def remove_pidfile(path: Path) -> None:
    """Remove a pidfile if present."""
    path.unlink(missing_ok=True)


def spawn_detached(
    argv: Sequence[str], log_path: Path, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> int:
    """Start ``argv`` in its own session, output appended to ``log_path``; return its pid.

    The new session means the process survives the command that started it (``iac lab up`` exits
    at once) and does not receive the terminal's Ctrl-C.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log, open(os.devnull, "rb") as devnull:
        process = subprocess.Popen(
            list(argv),
            stdin=devnull,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
            close_fds=True,
        )
    # Popen's handle is dropped on purpose: the child outlives us. Reap it if it dies while we run
    # so that it does not linger as a zombie that still looks alive to /proc checks.
    _children.append(process)
    return process.pid


_children: list[subprocess.Popen[bytes]] = []


def _reap() -> None:
    for child in list(_children):
        if child.poll() is not None:
            _children.remove(child)


def _wait_gone(pid: int, markers: Sequence[str], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _reap()
        if not owned_pid(pid, markers):
            return True
        time.sleep(0.05)
    _reap()
    return not owned_pid(pid, markers)


def terminate(pid: int, markers: Sequence[str], timeout: float = 15.0, group: bool = False) -> bool:
    """Stop a process the lab started: SIGTERM, wait up to ``timeout``, then SIGKILL.

    Nothing is signalled unless the pid still carries ``markers``, so a reused pid is left alone.
    With ``group`` the SIGKILL goes to the whole process group (the lab started it as a session
    leader, so the group holds only its own children, e.g. dockerd's containerd). Returns True when
    the lab's process was running and is now gone.
    """
    if not owned_pid(pid, markers):
        return False
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return True
    if _wait_gone(pid, markers, timeout):
        return True
    try:
        if group:
            os.killpg(pid, signal.SIGKILL)
        else:
            os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return True
    _wait_gone(pid, markers, 5.0)
    return True
