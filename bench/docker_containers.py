"""Create, re-run and remove 20 containers four ways against one lab Docker engine (issues 4, 14).

    (a) community.docker.docker_container, one task per container
    (b) homelab.iac.docker_container, one task per container
    (c) homelab.iac.docker_batch, all 20 in one task
    (d) the floor: the same engine calls made directly with the Docker SDK in one fresh Python
        process, on as many threads as docker_batch uses (list once, inspect the image once; per
        container create + start + inspect, inspect on the rerun, remove)

Each phase (create, rerun, remove) is one ansible-playbook run (``python`` for (d)); wall time
includes the process's own start. Targets: (b) no slower than (a); (c) at least 5x faster than (a);
(c)'s task time (the module process: AnsiballZ, imports, the run; from Ansible's junit callback)
within 1.3x of (d), next to Ansible's own cost of a task (an ``ansible.builtin.ping`` task, which
no module can go below). Prints tables; asserts nothing.

Fairness: every variant runs against the same engine in the same run. Before timing, each variant
creates and removes one container untimed (Ansible's and the engine's first-run costs are nobody's).
With ``--repeat N`` the variants take turns N times (a, b, c, a, b, c, ...) so load from other
processes hits all of them alike, and the table shows each phase's median.
community.docker comes from the ``ansible`` package, the optional ``bench`` extra:

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/docker_containers.py [COUNT] [--repeat N] [--only batch,direct]
                                                       # default: 20 containers, once, every variant

``IAC_BENCH_COLLECTIONS=DIR`` benches the collection under DIR instead (before/after figures).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ElementTree
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[1]
ANSIBLE_PLAYBOOK = Path(sys.executable).with_name("ansible-playbook")
IMAGE = "homelab/busybox:latest"
PHASES = ("create", "rerun", "remove")
WORKERS = 4  # docker_batch's default
# Another copy of the collection to bench (e.g. an older commit's, for before/after figures).
COLLECTIONS = os.environ.get("IAC_BENCH_COLLECTIONS", str(PROJECT_ROOT / "collections"))


def direct(docker_host: str, names: list[str], state: str) -> None:
    """(d): the phase's engine calls with the Docker SDK, as a script without Ansible would make them."""
    import docker

    local = threading.local()

    def api() -> docker.APIClient:
        if getattr(local, "api", None) is None:
            local.api = docker.APIClient(base_url=docker_host, version="auto", timeout=60)
        return local.api

    existing = {name.lstrip("/") for item in api().containers(all=True) for name in item["Names"]}
    if state == "absent":
        work = [name for name in names if name in existing]

        def one(name: str) -> None:
            api().remove_container(name, force=True)
    else:
        api().inspect_image(IMAGE)

        def one(name: str) -> None:
            if name in existing:
                api().inspect_container(name)
                return
            host_config = api().create_host_config(network_mode="none", init=True, restart_policy={"Name": "no"})
            created = api().create_container(IMAGE, command=["sleep", "3600"], name=name, host_config=host_config)
            api().start(created["Id"])
            api().inspect_container(created["Id"])

        work = names
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        list(pool.map(one, work))


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


def run_phase(workdir: Path, docker_host: str, tasks: list[dict[str, Any]]) -> tuple[float, float]:
    """Run the tasks as one play: (wall seconds, seconds of its tasks). A failing run stops the bench."""
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
    junit = workdir / "junit"
    env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS,
           "ANSIBLE_LOCALHOST_WARNING": "0", "ANSIBLE_NOCOLOR": "1",
           "ANSIBLE_CALLBACKS_ENABLED": "ansible.builtin.junit", "JUNIT_OUTPUT_DIR": str(junit)}
    for old in junit.glob("*.xml"):
        old.unlink()
    started = time.monotonic()
    done = subprocess.run([str(ANSIBLE_PLAYBOOK), "-i", str(inventory), str(playbook)], env=env,
                          capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"ansible-playbook failed:\n{done.stdout}\n{done.stderr}")
    task_seconds = sum(float(case.get("time", 0)) for report in junit.glob("*.xml")
                       for case in ElementTree.parse(report).iter("testcase"))
    return elapsed, task_seconds


def run_direct(docker_host: str, names: list[str], state: str) -> tuple[float, float]:
    """Run (d) in a fresh Python process: its wall seconds (twice, to fit run_phase's shape)."""
    started = time.monotonic()
    done = subprocess.run([sys.executable, __file__, "--direct", state, "--docker-host", docker_host,
                           "--names", ",".join(names)],
                          capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"direct {state} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed, elapsed


VARIANTS = ("community", "single", "batch", "direct")


def run_variant(workdir: Path, docker_host: str, variant: str, names: list[str]) -> dict[str, tuple[float, float]]:
    """Create, rerun and remove ``names`` with one variant; (wall, task) seconds per phase."""
    timings: dict[str, tuple[float, float]] = {}
    for phase in PHASES:
        state = "absent" if phase == "remove" else "started"
        if variant == "direct":
            timings[phase] = run_direct(docker_host, names, state)
        else:
            timings[phase] = run_phase(workdir, docker_host, tasks_for(variant, names, state))
    return timings


def bench(docker_host: str, count: int, workdir: Path, repeat: int = 1,
          variants: tuple[str, ...] = VARIANTS) -> dict[str, dict[str, tuple[float, float]]]:
    """Median (wall, task) times per variant and phase over ``repeat`` rounds, after an untimed warm-up."""
    for variant in variants:
        run_variant(workdir, docker_host, variant, [f"bench-warmup-{variant}"])
    rounds: dict[str, list[dict[str, tuple[float, float]]]] = {variant: [] for variant in variants}
    pings: list[tuple[float, float]] = []
    for _round in range(repeat):
        pings.append(run_phase(workdir, docker_host, [{"name": "ping", "ansible.builtin.ping": {}}]))
        for variant in variants:
            names = [f"bench-{variant}-{index:02d}" for index in range(count)]
            rounds[variant].append(run_variant(workdir, docker_host, variant, names))
    timings = {variant: {phase: (statistics.median(each[phase][0] for each in runs),
                                 statistics.median(each[phase][1] for each in runs)) for phase in PHASES}
               for variant, runs in rounds.items()}
    ping = (statistics.median(each[0] for each in pings), statistics.median(each[1] for each in pings))
    timings["ping"] = {phase: ping for phase in PHASES}
    return timings


def report(timings: dict[str, dict[str, tuple[float, float]]], count: int, repeat: int = 1) -> str:
    """The tables: wall seconds per phase, total, each variant against (a); the batch against the floor."""
    labels = {
        "community": "(a) community.docker.docker_container x1 task each",
        "single": "(b) homelab.iac.docker_container x1 task each",
        "batch": "(c) homelab.iac.docker_batch, one task",
        "direct": "(d) floor: Docker SDK, one process",
    }
    walls = {variant: {phase: each[0] for phase, each in phases.items()} for variant, phases in timings.items()
             if variant != "ping"}
    baseline = sum(walls["community"].values()) if "community" in walls else None
    lines = [
        f"{count} containers: create, rerun (no change), remove - wall seconds per ansible-playbook run"
        + (f" (median of {repeat} rounds)" if repeat > 1 else ""),
        f"{'variant':<52} {'create':>7} {'rerun':>7} {'remove':>7} {'total':>7} {'vs (a)':>8}",
    ]
    for variant, label in labels.items():
        if variant not in walls:
            continue
        phases = walls[variant]
        total = sum(phases.values())
        speed = f"{baseline / total:>7.2f}x" if baseline and total else f"{'-':>8}"
        lines.append(f"{label:<52} {phases['create']:>7.2f} {phases['rerun']:>7.2f} {phases['remove']:>7.2f} "
                     f"{total:>7.2f} {speed}")
    if "batch" in timings and "direct" in timings:
        lines += ["", f"{'phase':<7} {'ours: batch task s':>19} {'floor s':>8} {'ratio':>6}   (target: ratio <= 1.3)"]
        for phase in (*PHASES, "total"):
            if phase == "total":
                ours = sum(timings["batch"][each][1] for each in PHASES)
                floor = sum(walls["direct"].values())
            else:
                ours, floor = timings["batch"][phase][1], walls["direct"][phase]
            lines.append(f"{phase:<7} {ours:>19.2f} {floor:>8.2f} {ours / floor:>5.2f}x")
    if "ping" in timings:
        ping = timings["ping"]["create"][1]
        lines.append(f"Ansible's own cost of one task (an ansible.builtin.ping task): {ping:.2f} s, paid by every"
                     " module task before it does anything")
    return "\n".join(lines)


def main() -> None:
    """Start a lab engine in a temporary IAC_HOME, bench, print, stop the lab."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", nargs="?", type=int, default=20, help="containers per variant (default 20)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds; the table shows medians (default 1)")
    parser.add_argument("--only", default=",".join(VARIANTS), help=f"variants to run (default {','.join(VARIANTS)})")
    parser.add_argument("--direct", choices=["started", "absent"], help=argparse.SUPPRESS)
    parser.add_argument("--docker-host", help=argparse.SUPPRESS)
    parser.add_argument("--names", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.direct:
        direct(args.docker_host, [name for name in args.names.split(",") if name], args.direct)
        return
    variants = tuple(variant for variant in VARIANTS if variant in args.only.split(","))
    with tempfile.TemporaryDirectory(prefix="iac-bench-", dir="/tmp") as home:
        os.environ["IAC_HOME"] = home
        os.environ["IAC_INVENTORY"] = str(Path(home) / "hosts.yml")
        import lab  # after IAC_HOME is set: the lab derives its paths from it

        lab_home = Path(home) / "lab"
        status = lab.up(lab_home)
        try:
            timings = bench(status.docker_host, args.count, Path(home), max(1, args.repeat), variants)
        finally:
            lab.down(lab_home)
    print(report(timings, args.count, max(1, args.repeat)))


if __name__ == "__main__":
    main()
