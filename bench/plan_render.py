"""Planning and rendering cost as the number of resources grows (issue 7's performance target).

Generates intents that expand into N resources (a network shared by every ten containers), then times
``build_plan`` and ``render_project`` and reports peak memory. Prints a table; asserts nothing.

    .venv/bin/python bench/plan_render.py [N ...]      # default: 1000 10000
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from planner.adapters.inventory import EndpointInventory, Host
from planner.adapters.render import render_project
from planner.core.builder import build_plan
from planner.intents import parse_intents

INVENTORY = EndpointInventory(
    path=Path("bench-hosts.yml"),
    hosts={f"docker-{i}": Host(f"docker-{i}", "docker", {"docker_host": f"tcp://127.0.0.1:{2375 + i}"})
           for i in range(4)},
)


def intents_for(resources: int) -> list[dict[str, Any]]:
    """Container intents: every tenth one also declares its network, the rest share it."""
    containers = resources * 10 // 11
    documents = []
    for index in range(containers):
        group = index // 10
        documents.append({
            "kind": "container", "name": f"app-{index}", "image": "homelab/busybox:latest",
            "endpoint": f"docker-{group % 4}",
            "network": {"name": f"net-{group}", "subnet": f"10.{group // 256}.{group % 256}.0/24"},
            "ports": [f"127.0.0.1:{20000 + index % 40000}:8080"] if index < 40000 else [],
        })
    return documents


def measure(resources: int) -> tuple[int, float, float, float]:
    """Plan and render ``resources`` in this process; peak RSS is the whole process's (run one size each)."""
    documents = intents_for(resources)
    started = time.perf_counter()
    plan = build_plan(parse_intents(documents), INVENTORY.endpoints(), {}, source="bench")
    planned = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        render_project(plan, INVENTORY, Path(out), deployment_id="bench")
    rendered = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return len(plan.changes), planned - started, rendered - planned, peak


def main(sizes: list[int]) -> None:
    # One fresh process per size, so peak memory is that size's alone.
    rows = [tuple(json.loads(subprocess.run([sys.executable, __file__, "--one", str(size)], check=True,
                                            capture_output=True, text=True).stdout)) for size in sizes]
    print(f"{'resources':>10} {'plan s':>8} {'render s':>9} {'total s':>8} {'peak RSS MiB':>13}")
    for count, plan_s, render_s, peak in rows:
        print(f"{count:>10} {plan_s:>8.2f} {render_s:>9.2f} {plan_s + render_s:>8.2f} {peak:>13.1f}")
    if len(rows) >= 2:
        (small, *_), (large, *_) = rows[0], rows[-1]
        ratio = (rows[-1][1] + rows[-1][2]) / (rows[0][1] + rows[0][2])
        print(f"t({large})/t({small}) = {ratio:.1f} (linear would be {large / small:.0f})")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(measure(int(sys.argv[2]))))
    else:
        main([int(arg) for arg in sys.argv[1:]] or [1000, 10000])
