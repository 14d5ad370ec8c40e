"""How long the everyday commands take, against their targets and Ansible's own floor (issue 14).

    iac --help                          target 0.25 s
    iac status                          target 0.25 s
    iac plan examples/minecraft.yaml    target 0.4 s
    iac apply examples/minecraft.yaml --yes, a no-op (after one real apply)
                                        target within 1.3x of the floor: plain ``ansible-playbook`` running
                                        the same plays and tasks (same hosts, strategy, conditions,
                                        ``connection: local``) with ``ansible.builtin.ping`` in place of our
                                        modules, from the no-op apply's own rendered project

Beside the targets the table shows what Typer alone costs here (the same ``python`` running a two-command
Typer app: its rich ``--help``, and a command with one optional argument, which Typer 0.29 coerces through
pydantic): no ``iac`` command can be faster than that.

Every figure is the wall time of a fresh process (``iac`` as installed in the venv), median of ``--runs``
runs after one untimed warm-up. The bench starts its own lab (``iac lab up``) in a temporary IAC_HOME and
stops it (``iac lab down``) at the end; run it under the lab lock, since two labs share bridge subnets:

    flock /tmp/iac-lab.lock .venv/bin/python bench/everyday.py [--runs 5]

Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
IAC = str(BIN / "iac")
ANSIBLE_PLAYBOOK = str(BIN / "ansible-playbook")
EXAMPLE = "examples/minecraft.yaml"


def timed(argv: Sequence[str], *, cwd: Path = PROJECT_ROOT, env: dict[str, str] | None = None) -> float:
    """Seconds one run of ``argv`` takes; a failed run stops the bench with its output."""
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return elapsed


def median(argv: Sequence[str], runs: int, **kwargs: Any) -> float:
    """The median of ``runs`` timed runs, after one untimed warm-up (page cache, .pyc files)."""
    timed(argv, **kwargs)
    return statistics.median(timed(argv, **kwargs) for _ in range(runs))


TYPER_APP = """
from typing import Annotated
import typer
app = typer.Typer(help="x", no_args_is_help=True, add_completion=False)
@app.command()
def status(deployment_id: Annotated[str | None, typer.Argument(help="An id.")] = None) -> None:
    \"\"\"List.\"\"\"
@app.command()
def plan() -> None:
    \"\"\"Plan.\"\"\"
app()
"""


def floor_project(project: Path, target: Path) -> Path:
    """``project``'s plays and tasks with ``ansible.builtin.ping`` in place of each module, in ``target``.

    Same plays, hosts, strategy, ``any_errors_fatal`` and ``when`` conditions, same inventory (``connection:
    local``) and interpreter; without module_defaults and the state-recorder callback, which only our
    modules and our recording need.
    """
    plays = yaml.safe_load((project / "site.yml").read_text())
    keep = ("name", "hosts", "gather_facts", "strategy", "any_errors_fatal")
    floor = []
    for play in plays:
        tasks = [
            {"name": task["name"], "ansible.builtin.ping": {}, **({"when": task["when"]} if "when" in task else {})}
            for task in play["tasks"]
        ]
        floor.append({**{key: play[key] for key in keep if key in play}, "tasks": tasks})
    target.mkdir(parents=True, exist_ok=True)
    (target / "site.yml").write_text(yaml.safe_dump(floor, sort_keys=False))
    shutil.copytree(project / "inventory", target / "inventory", dirs_exist_ok=True)
    config = [line for line in (project / "ansible.cfg").read_text().splitlines()
              if not line.startswith(("collections_path", "callbacks_enabled"))]
    (target / "ansible.cfg").write_text("\n".join(config) + "\n")
    return target


def counts(site: Path) -> str:
    plays = yaml.safe_load(site.read_text())
    return f"{len(plays)} plays, {sum(len(play['tasks']) for play in plays)} tasks"


def bench(runs: int) -> list[tuple[str, float, float, str]]:
    """Rows of (command, ours, target or floor, how the second figure is meant)."""
    typer_app = Path(os.environ["IAC_HOME"]) / "typer_app.py"
    typer_app.write_text(TYPER_APP)
    rows = [
        ("iac --help", median([IAC, "--help"], runs), 0.25, "target"),
        ("  (Typer alone: --help of a 2-command app)", median([sys.executable, str(typer_app), "--help"], runs),
         0.25, "target"),
        ("iac status", median([IAC, "status"], runs), 0.25, "target"),
        ("  (Typer alone: a command with an optional argument)", median([sys.executable, str(typer_app), "status"],
                                                                        runs), 0.25, "target"),
        (f"iac plan {EXAMPLE}", median([IAC, "plan", EXAMPLE], runs), 0.4, "target"),
    ]
    timed([IAC, "apply", EXAMPLE, "--yes"])  # the real apply: everything after it is a no-op
    apply = [IAC, "apply", EXAMPLE, "--yes", "--json"]
    ours = median(apply, runs)
    last = subprocess.run(apply, cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    result = json.loads(last.stdout)
    if result["changed"]:
        raise SystemExit(f"the apply after the first one changed {result['changed']} resources: not a no-op")
    project = Path(os.environ["IAC_HOME"]) / "deployments" / result["deployment"]["id"] / "project"
    floor_dir = floor_project(project, Path(os.environ["IAC_HOME"]) / "floor")
    env = {**os.environ, "ANSIBLE_CONFIG": str(floor_dir / "ansible.cfg")}
    floor = median([ANSIBLE_PLAYBOOK, "-i", "inventory/hosts.yml", "site.yml", "--diff"], runs, cwd=floor_dir, env=env)
    rows.append((f"iac apply {EXAMPLE} --yes (no-op; {counts(project / 'site.yml')})", ours, floor,
                 f"floor ({counts(floor_dir / 'site.yml')}, ping)"))
    return rows


def report(rows: list[tuple[str, float, float, str]], runs: int) -> str:
    width = max(len(row[0]) for row in rows)
    lines = [f"everyday commands, median of {runs} runs (wall time of a fresh process)", "",
             f"{'command':<{width}}  {'ours':>7}  {'vs':>7}  {'ratio':>6}  vs is",
             f"{'-' * width}  {'-' * 7}  {'-' * 7}  {'-' * 6}  {'-' * 5}"]
    for command, ours, other, meaning in rows:
        lines.append(f"{command:<{width}}  {ours:>6.2f}s  {other:>6.2f}s  {ours / other:>5.2f}x  {meaning}")
    lines += ["", "targets: --help and status under 0.25 s, plan under 0.4 s (ratio <= 1.00x); "
              "the no-op apply within 1.3x of the floor"]
    return "\n".join(lines)


def main() -> None:
    """Start a lab in a temporary IAC_HOME, bench, print, stop the lab."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per command; the table shows medians")
    args = parser.parse_args()
    runs = max(1, args.runs)
    with tempfile.TemporaryDirectory(prefix="iac-every-", dir="/tmp") as home:
        os.environ["IAC_HOME"] = home
        os.environ["IAC_INVENTORY"] = str(Path(home) / "hosts.yml")
        os.environ.pop("IAC_DATABASE_URL", None)  # the SQLite file under this IAC_HOME: nobody else's state
        timed([IAC, "lab", "up"])
        try:
            rows = bench(runs)
        finally:
            subprocess.run([IAC, "lab", "down"], cwd=PROJECT_ROOT, capture_output=True, check=False)
    print(report(rows, runs))


if __name__ == "__main__":
    main()
