"""200 firewall rules + 20 aliases + 10 VLANs against the lab's OPNsense emulator, two ways (issue 3).

    (a) homelab.iac.opnsense_{vlan,alias,firewall_rule}: 230 single-module tasks
    (b) homelab.iac.opnsense_batch: the same 230 items in one task

Each variant runs twice (create, then a no-op rerun) as one ansible-playbook run per phase, on a
fresh emulator state each. Printed per phase: wall time (including Ansible's start) and the
emulator's request log: GET reads, write POSTs (add/set/del) and apply/reconfigure POSTs.
Targets: the batch makes at most one read per area (VLANs, aliases, filter: 3) plus one write per
changed item plus one apply per area, and its no-op rerun makes zero writes. The create run reads
nothing after writing: the returned facts come from what was sent and the add answers' uuids.
Prints a table; asserts nothing.

    .venv/bin/python bench/opnsense_batch.py [RULES] [ALIASES] [VLANS]     # default: 200 20 10
"""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[1]
ANSIBLE_PLAYBOOK = Path(sys.executable).with_name("ansible-playbook")
APPLY_SUFFIXES = ("/reconfigure", "/apply")


def items(rules: int, aliases: int, vlans: int, prefix: str) -> list[dict[str, Any]]:
    """The workload as batch items; single tasks use the same dicts minus ``kind``."""
    result: list[dict[str, Any]] = [
        {"kind": "vlan", "parent": "vtnet2", "tag": 100 + n, "description": f"{prefix} vlan {n}"} for n in range(vlans)
    ]
    result += [
        {"kind": "alias", "name": f"{prefix}_a{n}", "type": "host", "content": [f"10.{n}.0.1", f"10.{n}.0.2"]}
        for n in range(aliases)
    ]
    result += [
        {
            "kind": "firewall_rule",
            "name": f"{prefix}-r{n}",
            "sequence": 1000 + n,
            "interface": ["lan"],
            "protocol": "TCP",
            "destination_net": [f"{prefix}_a{n % max(aliases, 1)}"] if aliases else ["any"],
            "destination_port": str(1024 + n),
        }
        for n in range(rules)
    ]
    return result


def tasks_for(variant: str, workload: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if variant == "batch":
        return [{"name": "everything", "homelab.iac.opnsense_batch": {"items": workload}}]
    tasks = []
    for item in workload:
        args = {key: value for key, value in item.items() if key != "kind"}
        tasks.append({"homelab.iac.opnsense_" + item["kind"]: args})
    return tasks


class Lab:
    """The running emulator: credentials, playbook runner, request log."""

    def __init__(self, home: Path) -> None:
        credentials = yaml.safe_load((home / "lab" / "credentials.yml").read_text())
        entry = credentials["emulators"]["opnsense"]
        self.url = entry["url"]
        self.ca_cert = str(home / "lab" / "ca" / "ca.crt")
        self.key = entry["credentials"]["key"]
        self.secret = entry["credentials"]["secret"]
        self.home = home
        context = ssl.create_default_context(cafile=self.ca_cert)
        self.client = httpx.Client(
            base_url=self.url, headers={"X-Lab-Token": credentials["lab"]["admin_token"]}, verify=context
        )

    def requests(self) -> dict[str, int]:
        log = self.client.get("/__lab/requests").json()["requests"]
        applies = sum(1 for r in log if r["method"] == "POST" and r["path"].endswith(APPLY_SUFFIXES))
        writes = sum(1 for r in log if r["method"] == "POST") - applies
        return {"reads": sum(1 for r in log if r["method"] == "GET"), "writes": writes, "applies": applies}

    def play(self, tasks: list[dict[str, Any]], name: str) -> float:
        inventory = self.home / "bench-hosts.yml"
        host = {"api_url": self.url, "ca_cert": self.ca_cert, "ansible_connection": "local",
                "ansible_python_interpreter": sys.executable}  # fmt: skip
        inventory.write_text(yaml.safe_dump({"all": {"children": {"opnsense": {"hosts": {"lab-opnsense": host}}}}}))
        play = [{
            "hosts": "opnsense",
            "gather_facts": False,
            "module_defaults": {"group/homelab.iac.opnsense": {"api_url": "{{ api_url }}", "ca_cert": "{{ ca_cert }}"}},
            "tasks": tasks,
        }]  # fmt: skip
        path = self.home / f"bench-{name}.yml"
        path.write_text(yaml.safe_dump(play, sort_keys=False))
        env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(PROJECT_ROOT / "collections"),
               "OPNSENSE_API_KEY": self.key, "OPNSENSE_API_SECRET": self.secret}  # fmt: skip
        self.client.delete("/__lab/requests")
        started = time.monotonic()
        done = subprocess.run(
            [str(ANSIBLE_PLAYBOOK), "-i", str(inventory), str(path)], env=env, capture_output=True, text=True
        )
        elapsed = time.monotonic() - started
        if done.returncode != 0:
            raise SystemExit(f"{name} failed:\n{done.stdout[-3000:]}")
        return elapsed


def main() -> None:
    """Start a lab in a temporary IAC_HOME, run both variants, print the table, stop the lab."""
    rules, aliases, vlans = (int(arg) for arg in (sys.argv[1:] + ["200", "20", "10"][len(sys.argv) - 1 :])[:3])
    rows = []
    with tempfile.TemporaryDirectory(prefix="iac-bench-", dir="/tmp") as home:
        os.environ["IAC_HOME"] = home
        os.environ["IAC_INVENTORY"] = str(Path(home) / "hosts.yml")
        import lab  # after IAC_HOME is set: the lab derives its paths from it

        lab_home = Path(home) / "lab"
        lab.up(lab_home)
        try:
            bench = Lab(Path(home))
            for variant, prefix in (("single", "s"), ("batch", "b")):
                workload = items(rules, aliases, vlans, prefix)
                for phase in ("create", "rerun"):
                    seconds = bench.play(tasks_for(variant, workload), f"{variant}-{phase}")
                    rows.append((variant, phase, seconds, bench.requests()))
        finally:
            lab.down(lab_home)
    total = rules + aliases + vlans
    print(f"OPNsense: {rules} rules + {aliases} aliases + {vlans} VLANs = {total} items, lab emulator")
    print(f"{'variant':<34} {'phase':<7} {'wall s':>7} {'reads':>6} {'writes':>7} {'applies':>8}")
    for variant, phase, seconds, counts in rows:
        label = f"(a) {total} single-module tasks" if variant == "single" else "(b) opnsense_batch, one task"
        print(
            f"{label:<34} {phase:<7} {seconds:>7.2f} {counts['reads']:>6} {counts['writes']:>7} {counts['applies']:>8}"
        )


if __name__ == "__main__":
    main()
