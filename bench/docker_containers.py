"""Create, re-run and remove 20 containers three ways against one lab Docker engine (issue 4's targets).

    (a) community.docker.docker_container, one task per container
    (b) homelab.iac.docker_container, one task per container
    (c) homelab.iac.docker_batch, all 20 in one task

Each phase (create, rerun, remove) is one ansible-playbook run; wall time includes Ansible's own start.
Targets: (b) no slower than (a); (c) at least 5x faster than (a). Prints a table; asserts nothing.

Fairness: every variant runs against the same engine in the same run. Before timing, each variant
creates and removes one container untimed (Ansible's and the engine's first-run costs are nobody's).
With ``--repeat N`` the variants take turns N times (a, b, c, a, b, c, ...) so load from other
processes hits all of them alike, and the table shows each phase's median.
community.docker comes from the ``ansible`` package, the optional ``bench`` extra:

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/docker_containers.py [COUNT] [--repeat N]     # default: 20 containers, once
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[1]
ANSIBLE_PLAYBOOK = Path(sys.executable).with_name("ansible-playbook")
IMAGE = "homelab/busybox:latest"
PHASES = ("create", "rerun", "remove")


def container_args(name: str, state: str) -> dict[str, Any]:
    """The same container for every variant: no networking, an init so removal never waits."""
    if state == "absent":
        return {"name": name, "state": "absent"}
    return {"name": name, "image": IMAGE, "command": ["sleep", "3600"], "init": True, "state": "started"}


def tasks_for(variant: str, names: list[str], state: str) -> list[dict[str, Any]]:
    """One phase of one variant as playbook tasks."""
    if variant == "batch":
        items = [{"kind": "container", **container_args(name, state)} for name in names]
        if state != "absent":
            items = [{**item, "networks": []} for item in items]
        return [{"name": "all containers", "homelab.iac.docker_batch": {"items": items}}]
    if variant == "community":
        # network_mode none is what networks: [] means in homelab.iac: the same container either way.
        extra = {} if state == "absent" else {"network_mode": "none"}
        return [{"name": name, "community.docker.docker_container": {**container_args(name, state), **extra}}
                for name in names]
    extra = {} if state == "absent" else {"networks": []}
    return [{"name": name, "homelab.iac.docker_container": {**container_args(name, state), **extra}}
            for name in names]


def run_phase(workdir: Path, docker_host: str, tasks: list[dict[str, Any]]) -> float:
    """Run the tasks as one play; return the wall time in seconds. A failing run stops the bench."""
    play = {
        "hosts": "localhost", "gather_facts": False,
        "module_defaults": {
            "group/homelab.iac.docker": {"docker_host": docker_host},
            "group/community.docker.docker": {"docker_host": docker_host},
        },
        "tasks": tasks,
    }
    playbook = workdir / "phase.yml"
    playbook.write_text(yaml.safe_dump([play], sort_keys=False))
    inventory = workdir / "inventory.ini"
    inventory.write_text(f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(PROJECT_ROOT / "collections"),
           "ANSIBLE_LOCALHOST_WARNING": "0", "ANSIBLE_NOCOLOR": "1"}
    started = time.monotonic()
    done = subprocess.run([str(ANSIBLE_PLAYBOOK), "-i", str(inventory), str(playbook)], env=env,
                          capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"ansible-playbook failed:\n{done.stdout}\n{done.stderr}")
    return elapsed


VARIANTS = ("community", "single", "batch")


def run_variant(workdir: Path, docker_host: str, variant: str, names: list[str]) -> dict[str, float]:
    """Create, rerun and remove ``names`` with one variant; wall seconds per phase."""
    timings: dict[str, float] = {}
    for phase in PHASES:
        state = "absent" if phase == "remove" else "started"
        timings[phase] = run_phase(workdir, docker_host, tasks_for(variant, names, state))
    return timings


def bench(docker_host: str, count: int, workdir: Path, repeat: int = 1) -> dict[str, dict[str, float]]:
    """Median wall times per variant and phase over ``repeat`` rounds, after an untimed warm-up."""
    for variant in VARIANTS:
        run_variant(workdir, docker_host, variant, [f"bench-warmup-{variant}"])
    rounds: dict[str, list[dict[str, float]]] = {variant: [] for variant in VARIANTS}
    for _round in range(repeat):
        for variant in VARIANTS:
            names = [f"bench-{variant}-{index:02d}" for index in range(count)]
            rounds[variant].append(run_variant(workdir, docker_host, variant, names))
    return {variant: {phase: statistics.median(each[phase] for each in runs) for phase in PHASES}
            for variant, runs in rounds.items()}


def report(timings: dict[str, dict[str, float]], count: int, repeat: int = 1) -> str:
    """The table: seconds per phase, total, and each variant against (a)."""
    labels = {
        "community": "(a) community.docker.docker_container x1 task each",
        "single": "(b) homelab.iac.docker_container x1 task each",
        "batch": "(c) homelab.iac.docker_batch, one task",
    }
    baseline = sum(timings["community"].values())
    lines = [
        f"{count} containers: create, rerun (no change), remove - wall seconds per ansible-playbook run"
        + (f" (median of {repeat} rounds)" if repeat > 1 else ""),
        f"{'variant':<52} {'create':>7} {'rerun':>7} {'remove':>7} {'total':>7} {'vs (a)':>8}",
    ]
    for variant, label in labels.items():
        phases = timings[variant]
        total = sum(phases.values())
        speed = baseline / total if total else float("inf")
        lines.append(f"{label:<52} {phases['create']:>7.2f} {phases['rerun']:>7.2f} {phases['remove']:>7.2f} "
                     f"{total:>7.2f} {speed:>7.2f}x")
    return "\n".join(lines)


def main() -> None:
    """Start a lab engine in a temporary IAC_HOME, bench, print, stop the lab."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", nargs="?", type=int, default=20, help="containers per variant (default 20)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds; the table shows medians (default 1)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="iac-bench-", dir="/tmp") as home:
        os.environ["IAC_HOME"] = home
        os.environ["IAC_INVENTORY"] = str(Path(home) / "hosts.yml")
        import lab  # after IAC_HOME is set: the lab derives its paths from it

        lab_home = Path(home) / "lab"
        status = lab.up(lab_home)
        try:
            timings = bench(status.docker_host, args.count, Path(home), max(1, args.repeat))
        finally:
            lab.down(lab_home)
    print(report(timings, args.count, max(1, args.repeat)))


if __name__ == "__main__":
    main()
