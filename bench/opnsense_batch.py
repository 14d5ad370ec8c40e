"""200 firewall rules + 20 aliases + 10 VLANs against the lab's OPNsense emulator, three ways (issues 3, 14).

    (a) homelab.iac.opnsense_{vlan,alias,firewall_rule}: 230 single-module tasks
    (b) homelab.iac.opnsense_batch: the same 230 items in one task
    (c) the floor: the same API calls made directly with httpx in one fresh Python process
        (one read per area, one add/set per item with the same bodies, one apply per area;
        the rerun reads the three areas and compares), no Ansible at all

Each variant runs twice (create, then a no-op rerun), each phase one process (ansible-playbook for
(a) and (b), ``python`` for (c)), on names and VLAN tags of its own. Printed per phase: wall time
(including the process's start) and the emulator's request log: GET reads, write POSTs
(add/set/del) and apply/reconfigure POSTs. For (b) the table also shows the batch task's own time
(the module process: AnsiballZ, imports, the run; from Ansible's junit callback), which is what
the floor comparison uses (next to Ansible's own cost of a task, an ``ansible.builtin.ping``
task, which no module can go below): ``ratio`` = (b) task time / (c) wall time, medians of ``--repeat``
rounds in which (b) and (c) take turns, each variant's items removed again (untimed) before the
next one runs, so all start from the same emulator state. Targets: the batch makes at most one read per area plus one
write per changed item plus one apply per area, its no-op rerun makes zero writes, and it stays
within 1.5x of the floor. Prints tables; asserts nothing.

    .venv/bin/python bench/opnsense_batch.py [RULES] [ALIASES] [VLANS] [--repeat N] [--no-single]
                                                                       # default: 200 20 10, 3 rounds

``IAC_BENCH_COLLECTIONS=DIR`` benches the collection under DIR instead (before/after figures).
"""

from __future__ import annotations

import argparse
import json
import os
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import uuid as uuidlib
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import httpx
import yaml
from _lab import EmulatorLab  # bench/ is on sys.path: the benches run as scripts

PROJECT_ROOT = Path(__file__).resolve().parents[1]
ANSIBLE_PLAYBOOK = Path(sys.executable).with_name("ansible-playbook")
APPLY_SUFFIXES = ("/reconfigure", "/apply")
# Another copy of the collection to bench (e.g. an older commit's, for before/after figures).
COLLECTIONS = os.environ.get("IAC_BENCH_COLLECTIONS", str(PROJECT_ROOT / "collections"))
# The uuid namespace homelab.iac derives firewall rule uuids from (setRule upserts under it).
RULE_NAMESPACE = uuidlib.UUID("5b0c1c52-8f7e-4a36-9c55-6f2d1d0e7a11")


def items(rules: int, aliases: int, vlans: int, prefix: str, first_tag: int = 100) -> list[dict[str, Any]]:
    """The workload as batch items; single tasks use the same dicts minus ``kind``."""
    result: list[dict[str, Any]] = [
        {"kind": "vlan", "parent": "vtnet2", "tag": first_tag + n, "description": f"{prefix} vlan {n}"}
        for n in range(vlans)
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


def direct(phase: str, workload: list[dict[str, Any]]) -> None:
    """(c): the workload's API calls made with httpx, as a script without Ansible would make them.

    Runs in its own process (``--direct PHASE``, the workload as JSON on stdin, the connection
    from the environment). Reads each area once, compares, writes only what differs with the
    bodies homelab.iac sends, applies each written area once; fails loudly on a refusal.
    """
    client = httpx.Client(
        base_url=os.environ["OPNSENSE_URL"].rstrip("/") + "/api/",
        auth=(os.environ["OPNSENSE_API_KEY"], os.environ["OPNSENSE_API_SECRET"]),
        verify=ssl.create_default_context(cafile=os.environ["OPNSENSE_CA_CERT"]),
        timeout=30,
    )

    def saved(answer: httpx.Response) -> dict[str, Any]:
        body: dict[str, Any] = answer.json()
        if answer.status_code != 200 or body.get("result") != "saved":
            raise SystemExit(f"refused: {answer.status_code} {body}")
        return body

    def text(value: Any) -> str:
        # The model-level get shows choices as option maps: {key: {"value": ..., "selected": 1}}.
        if isinstance(value, dict):
            return ",".join(sorted(key for key, entry in value.items() if entry.get("selected") in (1, "1", True)))
        return str(value)

    vlans = client.get("interfaces/vlan_settings/get").json()["vlan"]["vlan"]
    aliases = client.get("firewall/alias/get").json()["alias"]["aliases"]["alias"]
    rules = client.get("firewall/filter/get").json()["filter"]["rules"]["rule"]
    have_vlans = {(text(item["if"]), text(item["tag"])): item for item in vlans.values()}
    have_aliases = {item["name"]: item for item in aliases.values()}
    used = {str(item.get("vlanif") or "") for item in vlans.values()}
    touched: list[str] = []
    for item in workload:
        if item["kind"] == "vlan":
            current = have_vlans.get((item["parent"], str(item["tag"])))
            if current is not None and text(current.get("descr")) == item["description"]:
                continue
            number = 1
            while f"vlan0{number}" in used:
                number += 1
            used.add(f"vlan0{number}")
            body = {"if": item["parent"], "tag": str(item["tag"]), "pcp": "0", "proto": "",
                    "descr": item["description"], "vlanif": f"vlan0{number}"}  # fmt: skip
            saved(client.post("interfaces/vlan_settings/addItem", json={"vlan": body}))
            touched.append("interfaces/vlan_settings/reconfigure")
        elif item["kind"] == "alias":
            content = "\n".join(sorted(item["content"]))
            current = have_aliases.get(item["name"])
            if current is not None and text(current.get("content")).replace(",", "\n") == content:
                continue
            body = {"name": item["name"], "type": item["type"], "content": content, "description": "",
                    "enabled": "1"}  # fmt: skip
            saved(client.post("firewall/alias/addItem", json={"alias": body}))
            touched.append("firewall/alias/reconfigure")
        else:
            uuid = str(uuidlib.UUID(bytes=uuidlib.uuid5(RULE_NAMESPACE, item["name"]).bytes, version=4))
            current = rules.get(uuid)
            if current is not None and text(current.get("destination_port")) == item["destination_port"]:
                continue
            body = {"description": item["name"], "sequence": str(item["sequence"]), "action": "pass", "quick": "1",
                    "interface": ",".join(item["interface"]), "direction": "in", "ipprotocol": "inet",
                    "protocol": item["protocol"], "source_net": "any", "source_not": "0", "source_port": "",
                    "destination_net": ",".join(item["destination_net"]), "destination_not": "0",
                    "destination_port": item["destination_port"], "log": "0", "enabled": "1"}  # fmt: skip
            saved(client.post(f"firewall/filter/setRule/{uuid}", json={"rule": body}))
            touched.append("firewall/filter/apply")
    for path in dict.fromkeys(touched):
        if client.post(path).status_code != 200:
            raise SystemExit(f"apply {path} failed")
    if phase == "rerun" and touched:
        raise SystemExit(f"the rerun changed {len(touched)} items")


class Lab(EmulatorLab):
    """The running OPNsense emulator: credentials, playbook runner, request log."""

    def __init__(self, home: Path) -> None:
        super().__init__(home, "opnsense")
        self.key = self.credentials["key"]
        self.secret = self.credentials["secret"]
        self.env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS,
                    "OPNSENSE_URL": self.url, "OPNSENSE_CA_CERT": self.ca_cert,
                    "OPNSENSE_API_KEY": self.key, "OPNSENSE_API_SECRET": self.secret}  # fmt: skip

    def requests(self) -> dict[str, int]:
        log = self.request_log()
        applies = sum(1 for r in log if r["method"] == "POST" and r["path"].endswith(APPLY_SUFFIXES))
        writes = sum(1 for r in log if r["method"] == "POST") - applies
        return {"reads": sum(1 for r in log if r["method"] == "GET"), "writes": writes, "applies": applies}

    def play(self, tasks: list[dict[str, Any]], name: str) -> tuple[float, float]:
        """Run the tasks as one play: (wall seconds of ansible-playbook, seconds of its tasks)."""
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
        junit = self.home / "junit"
        env = {**self.env, "ANSIBLE_CALLBACKS_ENABLED": "ansible.builtin.junit", "JUNIT_OUTPUT_DIR": str(junit)}
        for old in junit.glob("*.xml"):
            old.unlink()
        self.client.delete("/__lab/requests")
        started = time.monotonic()
        done = subprocess.run(
            [str(ANSIBLE_PLAYBOOK), "-i", str(inventory), str(path)], env=env, capture_output=True, text=True
        )
        elapsed = time.monotonic() - started
        if done.returncode != 0:
            raise SystemExit(f"{name} failed:\n{done.stdout[-3000:]}")
        task_seconds = sum(
            float(case.get("time", 0)) for report in junit.glob("*.xml")
            for case in ElementTree.parse(report).iter("testcase")
        )  # fmt: skip
        return elapsed, task_seconds

    def remove(self, workload: list[dict[str, Any]]) -> None:
        """Delete the workload's items again (untimed), so every round starts from the same state size.

        The emulator saves its whole state on every write, so a write costs more as the state grows;
        without this a later variant would pay for the items of the earlier ones.
        """
        api = httpx.Client(base_url=self.url.rstrip("/") + "/api/", auth=(self.key, self.secret),
                           verify=ssl.create_default_context(cafile=self.ca_cert), timeout=30)  # fmt: skip
        tags = {str(item["tag"]) for item in workload if item["kind"] == "vlan"}
        names = {item["name"] for item in workload if item["kind"] == "alias"}
        rules = {str(uuidlib.UUID(bytes=uuidlib.uuid5(RULE_NAMESPACE, item["name"]).bytes, version=4))
                 for item in workload if item["kind"] == "firewall_rule"}  # fmt: skip
        for uuid in rules & set(api.get("firewall/filter/get").json()["filter"]["rules"]["rule"]):
            api.post(f"firewall/filter/delRule/{uuid}")
        for uuid, item in api.get("firewall/alias/get").json()["alias"]["aliases"]["alias"].items():
            if item.get("name") in names:
                api.post(f"firewall/alias/delItem/{uuid}")
        for uuid, item in api.get("interfaces/vlan_settings/get").json()["vlan"]["vlan"].items():
            if str(item.get("tag")) in tags:
                api.post(f"interfaces/vlan_settings/delItem/{uuid}")
        for path in ("firewall/filter/apply", "firewall/alias/reconfigure", "interfaces/vlan_settings/reconfigure"):
            api.post(path)

    def direct(self, workload: list[dict[str, Any]], phase: str) -> float:
        """Run (c) in a fresh Python process; its wall seconds."""
        self.client.delete("/__lab/requests")
        started = time.monotonic()
        done = subprocess.run([sys.executable, __file__, "--direct", phase], input=json.dumps(workload),
                              env=self.env, capture_output=True, text=True)  # fmt: skip
        elapsed = time.monotonic() - started
        if done.returncode != 0:
            raise SystemExit(f"direct {phase} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
        return elapsed


def main() -> None:
    """Start a lab in a temporary IAC_HOME, run the variants, print the tables, stop the lab."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, help="RULES ALIASES VLANS (default 200 20 10)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of (b) and (c); medians (default 3)")
    parser.add_argument("--no-single", action="store_true", help="skip (a), the slow one")
    parser.add_argument("--direct", choices=["create", "rerun"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.direct:
        direct(args.direct, json.load(sys.stdin))
        return
    rules, aliases, vlans = (args.sizes + [200, 20, 10][len(args.sizes):])[:3]
    repeat = max(1, args.repeat)
    rows = []
    rounds: dict[tuple[str, str], list[tuple[float, float, dict[str, int]]]] = {}
    pings: list[float] = []
    with tempfile.TemporaryDirectory(prefix="iac-bench-", dir="/tmp") as home:
        os.environ["IAC_HOME"] = home
        os.environ["IAC_INVENTORY"] = str(Path(home) / "hosts.yml")
        import lab  # after IAC_HOME is set: the lab derives its paths from it

        lab_home = Path(home) / "lab"
        lab.up(lab_home)
        try:
            bench = Lab(Path(home))
            if not args.no_single:
                workload = items(rules, aliases, vlans, "s", first_tag=100)
                for phase in ("create", "rerun"):
                    seconds, _tasks = bench.play(tasks_for("single", workload), f"single-{phase}")
                    rows.append(("single", phase, seconds, bench.requests()))
            # (b) and (c) take turns, each round on names and tags of its own.
            for number in range(repeat):
                pings.append(bench.play([{"name": "ping", "ansible.builtin.ping": {}}], "ping")[1])
                for variant in ("batch", "direct"):
                    first_tag = (1000 if variant == "batch" else 2500) + number * vlans
                    workload = items(rules, aliases, vlans, f"{variant[0]}{number}", first_tag=first_tag)
                    for phase in ("create", "rerun"):
                        if variant == "batch":
                            seconds, task = bench.play(tasks_for("batch", workload), f"batch-{phase}")
                        else:
                            seconds = task = bench.direct(workload, phase)
                        rounds.setdefault((variant, phase), []).append((seconds, task, bench.requests()))
                    bench.remove(workload)
        finally:
            lab.down(lab_home)
    median = {key: (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs), runs[-1][2])
              for key, runs in rounds.items()}  # fmt: skip
    total = rules + aliases + vlans
    print(f"OPNsense: {rules} rules + {aliases} aliases + {vlans} VLANs = {total} items, lab emulator"
          f" ((b) and (c): median of {repeat} rounds)")  # fmt: skip
    print(f"{'variant':<34} {'phase':<7} {'wall s':>7} {'task s':>7} {'reads':>6} {'writes':>7} {'applies':>8}")
    labels = {"single": f"(a) {total} single-module tasks", "batch": "(b) opnsense_batch, one task",
              "direct": "(c) floor: httpx, one process"}  # fmt: skip
    table = [(variant, phase, seconds, None, counts) for variant, phase, seconds, counts in rows]
    table += [(variant, phase, wall, task if variant == "batch" else None, counts)
              for (variant, phase), (wall, task, counts) in median.items()]  # fmt: skip
    for variant, phase, seconds, task, counts in table:
        shown = f"{task:>7.2f}" if task is not None else f"{'':>7}"
        print(f"{labels[variant]:<34} {phase:<7} {seconds:>7.2f} {shown} {counts['reads']:>6} {counts['writes']:>7}"
              f" {counts['applies']:>8}")  # fmt: skip
    print()
    print(f"{'phase':<7} {'ours: batch task s':>19} {'floor s':>8} {'ratio':>6}   (target: ratio <= 1.5)")
    for phase in ("create", "rerun"):
        ours, floor = median[("batch", phase)][1], median[("direct", phase)][0]
        print(f"{phase:<7} {ours:>19.2f} {floor:>8.2f} {ours / floor:>5.2f}x")
    ping, floor = statistics.median(pings), median[("direct", "rerun")][0]
    print(f"Ansible's own cost of one task (an ansible.builtin.ping task): {ping:.2f} s = {ping / floor:.2f}x"
          " the rerun floor, paid by every module task before it does anything")


if __name__ == "__main__":
    main()
