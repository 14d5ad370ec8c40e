"""Access to the lab's OPNsense emulator: its URL, CA, credentials, a plain httpx client, and plays.

The tests speak HTTP themselves (never through the collection's client), so the emulator is
pinned to the reference's documented shapes rather than to what our modules happen to send.
``run_play`` runs the collection's modules through real ansible-playbook against it, and the
emulator's request log (``writes_since_clear``) proves what a playbook cannot see.
"""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from lab.supervisor import LabStatus

PROJECT_ROOT = Path(__file__).resolve().parents[3]
ANSIBLE_PLAYBOOK = Path(sys.executable).with_name("ansible-playbook")
DEFAULTS = {"group/homelab.iac.opnsense": {"api_url": "{{ api_url }}", "ca_cert": "{{ ca_cert }}"}}


@dataclass(frozen=True)
class Opnsense:
    """Where the emulator listens and how to authenticate."""

    url: str
    ca_cert: str
    key: str
    secret: str
    limited_key: str
    limited_secret: str
    admin_token: str


@pytest.fixture(scope="session")
def opnsense(lab: LabStatus, lab_home: Path) -> Opnsense:
    credentials = yaml.safe_load((lab_home / "credentials.yml").read_text())
    entry = credentials["emulators"]["opnsense"]
    values = entry["credentials"]
    return Opnsense(
        url=entry["url"],
        ca_cert=str(lab_home / "ca" / "ca.crt"),
        key=values["key"],
        secret=values["secret"],
        limited_key=values["limited_key"],
        limited_secret=values["limited_secret"],
        admin_token=credentials["lab"]["admin_token"],
    )


@pytest.fixture
def api(opnsense: Opnsense) -> Iterator[httpx.Client]:
    """An authenticated client on ``<url>/api/``."""
    with httpx.Client(
        base_url=opnsense.url + "/api/",
        auth=(opnsense.key, opnsense.secret),
        verify=ssl.create_default_context(cafile=opnsense.ca_cert),
        timeout=20,
    ) as client:
        yield client


@pytest.fixture
def lab_api(opnsense: Opnsense) -> Iterator[httpx.Client]:
    """A client for the emulator's ``/__lab/*`` endpoints."""
    with httpx.Client(
        base_url=opnsense.url,
        headers={"X-Lab-Token": opnsense.admin_token},
        verify=ssl.create_default_context(cafile=opnsense.ca_cert),
        timeout=20,
    ) as client:
        yield client


@pytest.fixture
def run_play(opnsense: Opnsense, tmp_path: Path) -> Any:
    """Run tasks as one play on the lab's opnsense host; credentials only in the environment."""
    inventory = tmp_path / "hosts.yml"
    host = {"api_url": opnsense.url, "ca_cert": opnsense.ca_cert, "ansible_connection": "local",
            "ansible_python_interpreter": sys.executable}  # fmt: skip
    inventory.write_text(yaml.safe_dump({"all": {"children": {"opnsense": {"hosts": {"lab-opnsense": host}}}}}))
    env = {
        **os.environ,
        "ANSIBLE_COLLECTIONS_PATH": str(PROJECT_ROOT / "collections"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCALHOST_WARNING": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "OPNSENSE_API_KEY": opnsense.key,
        "OPNSENSE_API_SECRET": opnsense.secret,
    }

    def run(tasks: list[dict[str, Any]] | Path, name: str = "play", *extra: str) -> str:
        if isinstance(tasks, Path):
            path = tasks
        else:
            play = [{"hosts": "opnsense", "gather_facts": False, "module_defaults": DEFAULTS, "tasks": tasks}]
            path = tmp_path / f"{name}.yml"
            path.write_text(yaml.safe_dump(play, sort_keys=False))
        done = subprocess.run(
            [str(ANSIBLE_PLAYBOOK), "-i", str(inventory), str(path), *extra],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
        assert opnsense.secret not in done.stdout
        return done.stdout

    return run


def writes_since_clear(lab_api: httpx.Client) -> list[str]:
    """The write requests (every method but GET) in the emulator's log since it was last cleared."""
    return [
        f"{r['method']} {r['path']}" for r in lab_api.get("/__lab/requests").json()["requests"] if r["method"] != "GET"
    ]
