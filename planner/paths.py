"""Where things live: the project checkout, the collection, and the state directory (``IAC_HOME``)."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["collection_root", "collections_path", "iac_home", "project_root", "volume_archives"]


def project_root() -> Path:
    """The checkout that holds ``collections/``, ``examples/`` and ``inventories/`` (editable install)."""
    return Path(__file__).resolve().parent.parent


def collections_path() -> Path:
    """The directory to put on Ansible's ``collections_path`` (it contains ``ansible_collections/``)."""
    return project_root() / "collections"


def collection_root() -> Path:
    """The ``homelab.iac`` collection itself."""
    return collections_path() / "ansible_collections" / "homelab" / "iac"


def iac_home() -> Path:
    """State directory: ``$IAC_HOME``, default ``~/.local/state/homelab-iac``. Created on first use."""
    raw = os.environ.get("IAC_HOME")
    home = Path(raw).expanduser() if raw else Path.home() / ".local" / "state" / "homelab-iac"
    home.mkdir(parents=True, exist_ok=True)
    return home


def volume_archives() -> Path:
    """Where the archives of removed Docker volumes go: ``<IAC_HOME>/archives/volumes`` (created, private)."""
    path = iac_home() / "archives" / "volumes"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
