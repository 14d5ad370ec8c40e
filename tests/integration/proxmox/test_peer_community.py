"""community.proxmox.proxmox_kvm, the peer module users know, also works against the emulator.

The peer collection comes from the ``ansible`` package (the project's ``bench`` extra), never a
runtime dependency: the test uses the installed package's copy, or a collections directory named by
``IAC_PEER_COLLECTIONS``, and is skipped when neither has community.proxmox.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from tests.integration.proxmox.conftest import PveEndpoint

pytestmark = pytest.mark.integration

ANSIBLE_PLAYBOOK = Path(sys.executable).with_name("ansible-playbook")


def _peer_collections() -> str | None:
    explicit = os.environ.get("IAC_PEER_COLLECTIONS")
    if explicit and (Path(explicit) / "ansible_collections/community/proxmox").is_dir():
        return explicit
    try:
        spec = importlib.util.find_spec("ansible_collections.community.proxmox")
    except ModuleNotFoundError:
        spec = None
    if spec is None or not spec.submodule_search_locations:
        return None
    return str(Path(next(iter(spec.submodule_search_locations))).parents[2])


def test_proxmox_kvm_creates_and_reads_a_vm(tmp_path: Path, pve: PveEndpoint) -> None:
    peer = _peer_collections()
    if peer is None:
        pytest.skip("community.proxmox not available: install the bench extra or set IAC_PEER_COLLECTIONS")
    url = urlsplit(pve.url)
    user, _, token = pve.token_id.partition("!")
    connection = {"api_host": url.hostname, "api_port": url.port, "api_user": user, "api_token_id": token,
                  "api_token_secret": pve.secret, "validate_certs": True}
    vm = {**connection, "node": "pve", "vmid": 7301, "name": "peer-kvm", "memory": 1024, "cores": 2,
          "net": {"net0": "virtio,bridge=vmbr0,tag=20"}, "scsi": {"scsi0": "local-lvm:4"}, "timeout": 30}
    play = [{"hosts": "localhost", "gather_facts": False, "tasks": [
        {"name": "create", "community.proxmox.proxmox_kvm": vm, "register": "create"},
        {"name": "create again", "community.proxmox.proxmox_kvm": vm, "register": "again"},
        {"name": "read", "community.proxmox.proxmox_vm_info": {**connection, "node": "pve", "vmid": 7301,
                                                                "config": "current"}, "register": "info"},
        {"name": "remove", "community.proxmox.proxmox_kvm": {**connection, "vmid": 7301, "state": "absent",
                                                              "timeout": 30}, "register": "remove"},
        {"name": "check", "ansible.builtin.assert": {"quiet": True, "that": [
            "create is changed and again is not changed",
            "info.proxmox_vms[0].name == 'peer-kvm' and info.proxmox_vms[0].config.memory == '1024'",
            "info.proxmox_vms[0].config.net0 is match('virtio=BC:24:11:')",
            "info.proxmox_vms[0].config.scsi0 == 'local-lvm:vm-7301-disk-0,size=4G'",
            "remove is changed"]}},
    ]}]
    path = tmp_path / f"peer-{secrets.token_hex(2)}.yml"
    path.write_text(yaml.safe_dump(play, sort_keys=False))
    env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": peer, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_LOCALHOST_WARNING": "0",
           # community.proxmox 1.x has no CA option; requests takes the lab CA from here when verifying.
           "REQUESTS_CA_BUNDLE": pve.ca_cert}
    done = subprocess.run([str(ANSIBLE_PLAYBOOK), "-i", "localhost,", "-c", "local", "-e",
                           f"ansible_python_interpreter={sys.executable}", str(path)],
                          env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
