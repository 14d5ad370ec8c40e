"""What every run's environment carries, without running ansible: the directory removed volumes are archived to."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from planner.adapters.execute import VOLUME_ARCHIVE_ENV, _recordable, run_environment
from planner.paths import collection_root, volume_archives


def test_every_run_names_the_volume_archive_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(VOLUME_ARCHIVE_ENV, raising=False)
    env = run_environment(tmp_path / "project", {"DOCKER_HOST": "unix:///x.sock"}, tmp_path / "archives")
    assert env[VOLUME_ARCHIVE_ENV] == str(tmp_path / "archives")
    assert env["DOCKER_HOST"] == "unix:///x.sock" and env["ANSIBLE_CONFIG"] == str(tmp_path / "project" / "ansible.cfg")
    assert _recordable(VOLUME_ARCHIVE_ENV)  # a path, not a credential: the run's artifacts may show it


def test_a_directory_the_user_chose_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(VOLUME_ARCHIVE_ENV, "/srv/backups/volumes")
    assert run_environment(tmp_path, None, tmp_path / "archives")[VOLUME_ARCHIVE_ENV] == "/srv/backups/volumes"
    given = run_environment(tmp_path, {VOLUME_ARCHIVE_ENV: "/mnt/nas"}, tmp_path / "archives")
    assert given[VOLUME_ARCHIVE_ENV] == "/mnt/nas"


def test_the_default_directory_is_under_iac_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IAC_HOME", str(tmp_path))
    assert volume_archives() == tmp_path / "archives" / "volumes" and volume_archives().is_dir()


def test_the_variable_is_the_one_the_module_falls_back_to() -> None:
    source = (collection_root() / "plugins" / "module_utils" / "_docker_volume_archive.py").read_text()
    constants = {target.id: node.value.value for node in ast.parse(source).body if isinstance(node, ast.Assign)
                 for target in node.targets if isinstance(target, ast.Name) and isinstance(node.value, ast.Constant)}
    assert constants["ARCHIVE_DIR_ENV"] == VOLUME_ARCHIVE_ENV
