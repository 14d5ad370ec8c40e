"""Bad input through the CLI: one clear line, a non-zero exit, no traceback, nothing changed."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from planner.paths import project_root
from tests.e2e.cli import IAC

pytestmark = pytest.mark.e2e



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


@pytest.mark.parametrize("command", ["plan", "apply"])
@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("deep.yaml", "a: " + "[" * 5000 + "]" * 5000 + "\n", "deep.yaml: line 1, column 53: nested more than 50 levels"),
        ("deep.json", '{"a": ' + "[" * 5000 + "]" * 5000 + "}", "deep.json: line 1, column 56: nested more than 50"),
        ("big.yaml", "intents: [{kind: vlan, name: v, tag: " + "9" * 5000 + "}]\n",
         "big.yaml: line 1, column 38: a number of 5000 digits"),
        ("big.json", '{"intents": [{"kind": "vlan", "name": "v", "tag": ' + "9" * 5000 + "}]}",
         "big.json: line 1, column 51: a number of 5000 digits"),
        ("long.yaml", "intents: [{kind: " + "k" * 5000 + ", name: x}]\n",
         "intents[0].kind: unknown intent kind '" + "k" * 80 + "'… (5000 characters)"),
    ],
)
def test_input_past_the_parser_limits_is_a_short_input_error(
    tmp_path: Path, inventory: Path, command: str, name: str, content: str, expected: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    done = _run(tmp_path, command, str(path), *(["--yes"] if command == "apply" else []))
    _assert_a_short_input_error(done, expected)
    assert _run(tmp_path, "status").stdout.startswith("No deployments yet")  # nothing was planned


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("deploy a minecraft server for " + "9" * 5000 + " players on vlan 20", "a number of 5000 digits"),
        ("deploy a minecraft server named " + "a" * 5000, "'… (5006 characters) → name = "),
        ("a" * 5000, "did not understand '" + "a" * 80 + "'… (5000 characters)"),
    ],
)
def test_a_sentence_with_a_huge_number_or_a_long_word_is_a_short_input_error(
    tmp_path: Path, inventory: Path, sentence: str, expected: str
) -> None:
    _assert_a_short_input_error(_run(tmp_path, "plan", sentence), expected)


def _assert_a_short_input_error(done: subprocess.CompletedProcess[str], expected: str) -> None:
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("error: ") and expected in done.stderr, done.stderr
    assert done.stderr.count("\n") == 1 and len(done.stderr) < 800, done.stderr
    assert "Traceback" not in done.stderr + done.stdout and "internal error" not in done.stderr


def test_a_plan_whose_engine_does_not_answer_says_so_in_one_line(tmp_path: Path, inventory: Path) -> None:
    done = _run(tmp_path, "plan", str(project_root() / "examples/hello.yaml"))
    assert done.returncode == 1
    assert done.stderr.startswith("error: no Docker engine answers at unix:///nonexistent.sock (endpoint lab-docker)")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert _run(tmp_path, "plan", str(project_root() / "examples/hello.yaml"), "--refresh=false").returncode == 0


def test_unreachable_database(tmp_path: Path, inventory: Path) -> None:
    done = _run(tmp_path, "plan", str(project_root() / "examples/hello.yaml"),
                IAC_DATABASE_URL="postgresql://iac:secretpw@127.0.0.1:1/iac")
    assert done.returncode == 1
    assert "127.0.0.1:1" in done.stderr
    assert "secretpw" not in done.stderr
    assert "Traceback" not in done.stderr


def test_apply_without_yes_and_without_a_terminal_refuses(tmp_path: Path, inventory: Path) -> None:
    # The inventory's engine does not answer: the plan decides against the (empty) record alone.
    done = _run(tmp_path, "apply", str(project_root() / "examples/hello.yaml"), "--refresh=false")
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
