"""Why the lab cannot start, said in one actionable line; stale pidfiles seen for what they are."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import lab.docker_engine
from lab.docker_engine import DockerEngine
from lab.errors import LabError
from lab.layout import LabLayout


def test_a_missing_dockerd_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(lab.docker_engine, "find_dockerd", lambda: None)
    with pytest.raises(LabError, match=r"^dockerd is not installed: install docker.io"):
        DockerEngine(LabLayout(tmp_path)).preflight()


def test_a_non_root_user_is_told_to_run_as_root(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(lab.docker_engine, "find_dockerd", lambda: Path("/usr/sbin/dockerd"))
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(LabError, match="needs root"):
        DockerEngine(LabLayout(tmp_path)).preflight()


def test_a_pidfile_naming_another_program_shows_the_engine_down(tmp_path: Path) -> None:
    layout = LabLayout(tmp_path / "lab")
    layout.ensure()
    # Our own pid stands in for a pid the kernel handed to some unrelated program after a reboot.
    layout.docker_pidfile.write_text(f"{os.getpid()}\n")
    status = DockerEngine(layout).status()
    assert (status.running, status.health, status.pid) == (False, "down", None)
    assert "stale" in status.detail
