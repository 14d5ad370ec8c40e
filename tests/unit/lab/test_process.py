"""Pidfiles are trusted only while the pid still runs the lab's command."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from lab import process


def test_a_pidfile_round_trips(tmp_path: Path) -> None:
    pidfile = tmp_path / "svc.pid"
    assert process.read_pidfile(pidfile) is None
    process.write_pidfile(pidfile, 4242)
    assert process.read_pidfile(pidfile) == 4242
    process.remove_pidfile(pidfile)
    assert not pidfile.exists()


def test_garbage_in_a_pidfile_reads_as_no_pid(tmp_path: Path) -> None:
    pidfile = tmp_path / "svc.pid"
    pidfile.write_text("not a pid\n")
    assert process.read_pidfile(pidfile) is None


def test_a_reused_pid_is_not_taken_for_the_lab_service() -> None:
    # This very process is alive but is not a dockerd on the lab socket: a stale pidfile's case.
    me = os.getpid()
    assert process.owned_pid(me, [Path(sys.executable).name])
    assert not process.owned_pid(me, ["dockerd", "unix:///tmp/iac-x/lab/docker/docker.sock"])


def test_a_pid_that_is_gone_is_not_running() -> None:
    assert not process.owned_pid(None, [])
    assert not process.owned_pid(2**22 + 1, [])  # above pid_max's default: never a live process
    assert not process.alive(2**22 + 1)


def test_terminate_leaves_a_process_alone_when_markers_do_not_match() -> None:
    assert process.terminate(os.getpid(), ["no-such-marker-in-pytest-cmdline"]) is False
