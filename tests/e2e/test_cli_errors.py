"""Bad input through the CLI: one clear line, a non-zero exit, no traceback, nothing changed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from planner.paths import project_root

pytestmark = pytest.mark.e2e

IAC = str(Path(sys.executable).with_name("iac"))


def _run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "IAC_DATABASE_URL"}
    environment.update(IAC_HOME=str(tmp_path / "home"), IAC_INVENTORY=str(tmp_path / "hosts.yml"), **env)
    return subprocess.run([IAC, *args], env=environment, capture_output=True, text=True, timeout=120,
                          cwd=project_root())


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    path = tmp_path / "hosts.yml"
    path.write_text("all:\n  children:\n    docker:\n      hosts:\n        lab-docker:\n"
                    "          docker_host: unix:///nonexistent.sock\n")
    return path


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("intents: [\n - {kind", "not valid YAML/JSON"),
        ("intents: [{kind: teleporter, name: x}]", "intents[0].kind: unknown intent kind 'teleporter'"),
        ("intents: [{kind: container, name: x}]", "intents[0].image: required field is missing"),
        ("intents: [{kind: container, name: x, image: y, ports: ['80:80']}]",
         "intents[0].ports: '80:80' is not HOST_IP:HOST_PORT:CONTAINER_PORT[/tcp|udp]"),
    ],
)
def test_bad_intent_files(tmp_path: Path, inventory: Path, content: str, expected: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    done = _run(tmp_path, "plan", str(path))
    assert done.returncode == 1
    assert expected in done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_unreachable_database(tmp_path: Path, inventory: Path) -> None:
    done = _run(tmp_path, "plan", str(project_root() / "examples/hello.yaml"),
                IAC_DATABASE_URL="postgresql://iac:secretpw@127.0.0.1:1/iac")
    assert done.returncode == 1
    assert "127.0.0.1:1" in done.stderr
    assert "secretpw" not in done.stderr
    assert "Traceback" not in done.stderr


def test_apply_without_yes_and_without_a_terminal_refuses(tmp_path: Path, inventory: Path) -> None:
    done = _run(tmp_path, "apply", str(project_root() / "examples/hello.yaml"))
    assert done.returncode == 1
    assert "rerun with --yes" in done.stderr


def test_every_command_has_help(tmp_path: Path) -> None:
    for command in (["plan"], ["apply"], ["status"], ["db", "upgrade"], ["lab", "up"], ["lab", "status"]):
        done = _run(tmp_path, *command, "--help")
        assert done.returncode == 0, command
        assert "Usage" in done.stdout


def test_intents_are_listed_and_explained(tmp_path: Path) -> None:
    listed = _run(tmp_path, "intents")
    assert listed.returncode == 0 and "container" in listed.stdout
    shown = _run(tmp_path, "intents", "show", "container")
    assert "HOST_IP:HOST_PORT:CONTAINER_PORT" in shown.stdout and "kind: container" in shown.stdout
    unknown = _run(tmp_path, "intents", "show", "teleporter")
    assert unknown.returncode == 1 and "unknown intent kind 'teleporter'" in unknown.stderr


def test_plan_graph_pictures(tmp_path: Path, inventory: Path) -> None:
    hello = str(project_root() / "examples/hello.yaml")
    mermaid = _run(tmp_path, "plan", hello, "--graph", "mermaid")
    assert mermaid.returncode == 0, mermaid.stderr
    assert mermaid.stdout.startswith("flowchart LR")
    assert "r0 --> r1" in mermaid.stdout  # the network comes before the container
    dot = _run(tmp_path, "plan", hello, "--graph", "dot")
    assert dot.stdout.startswith("digraph plan {") and "r0 -> r1;" in dot.stdout
    bad = _run(tmp_path, "plan", hello, "--graph", "png")
    assert bad.returncode == 1 and "choose one of mermaid, dot, svg" in bad.stderr
