"""The project rendered for examples/minecraft.yaml is ordinary, lint-clean Ansible.

No lab is needed: the plan is made against a static inventory like the one `iac lab up` writes, and the
project is checked by the tools an AWX/Semaphore user would run on it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from planner.adapters.inventory import load_inventory
from planner.adapters.render import render_project
from planner.core.builder import build_plan
from planner.intents import load_intent_file
from planner.paths import project_root

BIN = Path(sys.executable).parent
INVENTORY = {
    "all": {
        "vars": {"ansible_connection": "local"},
        "children": {
            "docker": {"hosts": {"lab-docker": {"docker_host": "unix:///tmp/lab/docker.sock"}}},
            "opnsense": {"hosts": {"lab-opnsense": {"api_url": "https://127.0.0.1:8443", "ca_cert": "/tmp/ca.crt"}}},
        },
    }
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("rendered")
    (root / "hosts.yml").write_text(yaml.safe_dump(INVENTORY))
    inventory = load_inventory(root / "hosts.yml")
    plan = build_plan(load_intent_file(project_root() / "examples" / "minecraft.yaml"), inventory.endpoints(), {},
                      source="examples/minecraft.yaml")
    return render_project(plan, inventory, root / "project", deployment_id="lint")


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "ANSIBLE_CONFIG": str(cwd / "ansible.cfg")}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_minecraft_renders_three_waves_of_batches(project: Path) -> None:
    plays = yaml.safe_load((project / "site.yml").read_text())
    assert [play["hosts"] for play in plays] == ["lab-docker:lab-opnsense", "lab-docker:lab-opnsense", "lab-opnsense"]
    modules = [next(key for key in task if key.startswith("homelab.iac.")) for play in plays for task in play["tasks"]]
    assert set(modules) == {"homelab.iac.docker_batch", "homelab.iac.opnsense_batch"}
    assert len(modules) == 5  # 13 resources, five module calls


def test_minecraft_project_passes_syntax_check(project: Path) -> None:
    result = _run([str(BIN / "ansible-playbook"), "--syntax-check", "site.yml"], project)
    assert result.returncode == 0, result.stdout + result.stderr


def test_minecraft_project_passes_ansible_lint_production_profile(project: Path) -> None:
    result = _run([str(BIN / "ansible-lint"), "--offline", "--profile", "production", "site.yml"], project)
    assert result.returncode == 0, result.stdout + result.stderr
