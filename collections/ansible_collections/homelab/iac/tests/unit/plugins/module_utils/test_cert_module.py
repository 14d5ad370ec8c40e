"""The cert modules' one write path: FilePlan reconciled as a CertFiles resource by the generic engine."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from ansible_collections.homelab.iac.plugins.module_utils._cert_files import CertError
from ansible_collections.homelab.iac.plugins.module_utils._cert_module import FilePlan


def plan(tmp_path: Path, check_mode: bool = False, key: bytes = b"KEY", key_mode: int = 0o600) -> FilePlan:
    files = FilePlan(check_mode)
    files.add(str(tmp_path / "cert.pem"), b"CERT", 0o644)
    files.add(str(tmp_path / "key.pem"), key, key_mode)
    files.add(None, b"ignored: the option was not given", 0o644)
    return files


def test_check_mode_reports_the_files_and_writes_nothing(tmp_path: Path) -> None:
    assert plan(tmp_path, check_mode=True).apply() == [str(tmp_path / "cert.pem"), str(tmp_path / "key.pem")]
    assert list(tmp_path.iterdir()) == []


def test_a_run_writes_the_files_and_a_rerun_changes_nothing(tmp_path: Path) -> None:
    assert len(plan(tmp_path).apply()) == 2
    assert (tmp_path / "key.pem").read_bytes() == b"KEY"
    assert os.stat(tmp_path / "key.pem").st_mode & 0o777 == 0o600
    assert plan(tmp_path).apply() == []


def test_only_the_file_that_differs_is_written(tmp_path: Path) -> None:
    plan(tmp_path).apply()
    before = os.stat(tmp_path / "cert.pem").st_mtime_ns
    assert plan(tmp_path, key_mode=0o640).apply() == [str(tmp_path / "key.pem")]
    assert plan(tmp_path, key=b"NEW KEY", key_mode=0o640).apply() == [str(tmp_path / "key.pem")]
    assert (tmp_path / "key.pem").read_bytes() == b"NEW KEY"
    assert os.stat(tmp_path / "cert.pem").st_mtime_ns == before


def test_removal_removes_what_exists_and_is_idempotent(tmp_path: Path) -> None:
    plan(tmp_path).apply()
    files = FilePlan(check_mode=False)
    for name in ("cert.pem", "key.pem", "never-there.pem"):
        files.remove(str(tmp_path / name))
    assert files.apply() == [str(tmp_path / "cert.pem"), str(tmp_path / "key.pem")]
    assert list(tmp_path.iterdir()) == []
    again = FilePlan(check_mode=False)
    again.remove(str(tmp_path / "cert.pem"))
    assert again.apply() == []


def test_a_directory_is_never_removed(tmp_path: Path) -> None:
    with pytest.raises(CertError, match="is a directory"):
        FilePlan(check_mode=False).remove(str(tmp_path))
