"""VMs and containers against the lab's Proxmox emulator, three ways (issue 6).

    (a) homelab.iac.proxmox_vm / proxmox_lxc: one single-module task per guest
    (b) homelab.iac.proxmox_batch: the same guests in one task
    (c) community.proxmox.proxmox_kvm (VMs only), when the ``ansible`` package (bench extra) is installed

Each variant runs twice (create, then a no-op rerun), one ansible-playbook run per phase, and then
removes its guests. Printed per phase: wall time (including Ansible's start) and the emulator's
request log: GET reads and write calls (POST/PUT/DELETE). Prints a table; asserts nothing.

    .venv/bin/python bench/proxmox_guests.py [VMS] [CONTAINERS]     # default: 10 5
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from _lab import EmulatorLab  # bench/ is on sys.path: the benches run as scripts

PROJECT_ROOT = Path(__file__).resolve().parents[1]
ANSIBLE_PLAYBOOK = Path(sys.executable).with_name("ansible-playbook")
TEMPLATE = "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst"


def workload(vms: int, containers: int, prefix: str, first_vmid: int) -> list[dict[str, Any]]:
    """Batch items; the single tasks use the same dicts minus ``kind``."""
    items: list[dict[str, Any]] = [
        {"kind": "vm", "name": f"{prefix}-vm{n}", "vmid": first_vmid + n, "memory": 1024, "cores": 2,
         "nics": [{"bridge": "vmbr0", "tag": 20}], "disks": [{"slot": "scsi0", "size": "8", "storage": "local-lvm"}],
         "tags": ["bench"]}
        for n in range(vms)
    ]
    items += [
        {"kind": "lxc", "hostname": f"{prefix}-ct{n}", "vmid": first_vmid + vms + n, "ostemplate": TEMPLATE,
         "memory": 256, "disk_size": 2, "nics": [{"bridge": "vmbr0", "tag": 20}]}
        for n in range(containers)
    ]
    return items


def tasks_for(variant: str, items: list[dict[str, Any]], connection: dict[str, Any]) -> list[dict[str, Any]]:
    if variant == "batch":
        return [{"homelab.iac.proxmox_batch": {"items": items}}]
    if variant == "community":
        return [{"community.proxmox.proxmox_kvm": {
            **connection, "node": "pve", "vmid": item["vmid"], "name": item["name"], "memory": item["memory"],
            "cores": item["cores"], "net": {"net0": "virtio,bridge=vmbr0,tag=20"}, "scsi": {"scsi0": "local-lvm:8"},
            "tags": item["tags"], "timeout": 60}} for item in items if item["kind"] == "vm"]
    return [{f"homelab.iac.proxmox_{item['kind']}": {k: v for k, v in item.items() if k != "kind"}}
            for item in items]


def removal(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"homelab.iac.proxmox_batch": {"items": [
        {"kind": item["kind"], "vmid": item["vmid"], "state": "absent", "force": True} for item in items]}}]


class Lab(EmulatorLab):
    """The running Proxmox emulator: credentials, playbook runner, request log."""

    def __init__(self, home: Path) -> None:
        super().__init__(home, "proxmox")
        self.token_id = self.credentials["token_id"]
        self.secret = self.credentials["secret"]

    def community_connection(self) -> dict[str, Any]:
        url = urlsplit(self.url)
        user, _, token = self.token_id.partition("!")
        return {"api_host": url.hostname, "api_port": url.port, "api_user": user, "api_token_id": token,
                "api_token_secret": self.secret, "validate_certs": True}

    def requests(self) -> dict[str, int]:
        log = self.request_log()
        return {"reads": sum(1 for r in log if r["method"] == "GET"),
                "writes": sum(1 for r in log if r["method"] in ("POST", "PUT", "DELETE"))}

    def play(self, tasks: list[dict[str, Any]], name: str) -> float:
        play = [{"hosts": "localhost", "gather_facts": False, "tasks": tasks, "module_defaults": {
            "group/homelab.iac.proxmox": {"api_url": self.url, "api_token_id": self.token_id,
                                          "ca_cert": self.ca_cert, "node": "pve"}}}]
        path = self.home / f"bench-{name}.yml"
        path.write_text(yaml.safe_dump(play, sort_keys=False))
        env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(PROJECT_ROOT / "collections"),
               "PROXMOX_TOKEN_SECRET": self.secret, "REQUESTS_CA_BUNDLE": self.ca_cert,
               "ANSIBLE_LOCALHOST_WARNING": "0"}
        if importlib.util.find_spec("ansible_collections") is not None:
            # The installed ansible package's collections (community.proxmox) after ours.
            import ansible_collections

            extra = str(Path(next(iter(ansible_collections.__path__))).parent)
            env["ANSIBLE_COLLECTIONS_PATH"] += os.pathsep + extra
        self.client.delete("/__lab/requests")
        started = time.monotonic()
        done = subprocess.run([str(ANSIBLE_PLAYBOOK), "-i", "localhost,", "-c", "local", "-e",
                               f"ansible_python_interpreter={sys.executable}", str(path)],
                              env=env, capture_output=True, text=True, check=False)
        elapsed = time.monotonic() - started
        if done.returncode != 0:
            raise SystemExit(f"{name} failed:\n{done.stdout[-3000:]}")
        return elapsed


def community_available() -> bool:
    try:
        return importlib.util.find_spec("ansible_collections.community.proxmox") is not None
    except ModuleNotFoundError:
        return False


def main() -> None:
    """Start a lab in a temporary IAC_HOME, run the variants, print the table, stop the lab."""
    vms, containers = (int(arg) for arg in (sys.argv[1:] + ["10", "5"][len(sys.argv) - 1 :])[:2])
    variants = [("single", "s", 2000), ("batch", "b", 3000)]
    if community_available():
        variants.append(("community", "c", 4000))
    rows = []
    with tempfile.TemporaryDirectory(prefix="iac-bench-", dir="/tmp") as home:
        os.environ["IAC_HOME"] = home
        os.environ["IAC_INVENTORY"] = str(Path(home) / "hosts.yml")
        import lab  # after IAC_HOME is set: the lab derives its paths from it

        lab_home = Path(home) / "lab"
        lab.up(lab_home)
        try:
            bench = Lab(Path(home))
            for variant, prefix, first in variants:
                items = workload(vms, containers if variant != "community" else 0, prefix, first)
                for phase in ("create", "rerun"):
                    seconds = bench.play(tasks_for(variant, items, bench.community_connection()), f"{variant}-{phase}")
                    rows.append((variant, phase, len(items), seconds, bench.requests()))
                bench.play(removal(items), f"{variant}-remove")
        finally:
            lab.down(lab_home)
    labels = {"single": "(a) single-module tasks", "batch": "(b) proxmox_batch, one task",
              "community": "(c) community.proxmox.proxmox_kvm"}
    print(f"Proxmox: {vms} VMs + {containers} containers, lab emulator")
    print(f"{'variant':<36} {'guests':>6} {'phase':<7} {'wall s':>7} {'reads':>6} {'writes':>7}")
    for variant, phase, count, seconds, counts in rows:
        print(f"{labels[variant]:<36} {count:>6} {phase:<7} {seconds:>7.2f} {counts['reads']:>6} {counts['writes']:>7}")


if __name__ == "__main__":
    main()
