"""``iac output [STACK] [--json]``: the deployed intents' outputs as a table (stack, intent, output, value) or
as the view MCP's ``outputs`` tool returns; an unknown stack is one line naming the deployed ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import planner.cli
from planner.adapters.execute import ScriptedExecutor
from planner.cli import CLI_WORDING
from planner.errors import IacError
from planner.paths import project_root
from planner.service import Service
from tests.unit.offline_service import offline_service, runner_event


@pytest.fixture
def service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Service:
    """The hello example applied (Docker gave the container 172.30.10.2), behind `iac`."""
    executor = ScriptedExecutor()
    found = offline_service(tmp_path, executor)
    planned = found.plan(project_root() / "examples" / "hello.yaml")
    executor.scripts = [([runner_event("runner_on_ok", "docker.network.hello-net", changed=True),
                          runner_event("runner_on_ok", "docker.container.hello", changed=True,
                                       container={"networks": {"hello-net": {"ip": "172.30.10.2"}}})], "successful")]
    found.apply(planned.deployment.id)
    monkeypatch.setattr(planner.cli, "_service", lambda inventory=None: found)
    return found


def test_the_table_has_a_row_per_output(service: Service) -> None:
    done = CliRunner().invoke(planner.cli.app, ["output"], env={"COLUMNS": "160"})
    assert done.exit_code == 0, done.output
    rows = [line.split() for line in done.output.splitlines()]
    assert rows[0] == ["stack", "┃", "intent", "┃", "output", "┃", "value"]
    assert ["hello", "│", "hello", "│", "ports", "│", "127.0.0.1:18080:8080"] in rows
    assert ["hello", "│", "hello", "│", "address", "│", "172.30.10.2"] in rows


def test_json_is_the_outputs_view(service: Service) -> None:
    done = CliRunner().invoke(planner.cli.app, ["output", "hello", "--json"])
    assert done.exit_code == 0, done.output
    [stack] = json.loads(done.output)["stacks"]
    assert (stack["stack"], stack["source"].endswith("examples/hello.yaml")) == ("hello", True)
    assert stack["intents"] == [{"name": "hello", "kind": "container", "outputs": {
        "image": "homelab/busybox:latest", "ports": ["127.0.0.1:18080:8080"], "network": "hello-net",
        "address": "172.30.10.2"}}]


def test_an_unknown_stack_is_one_line_naming_the_deployed_ones(service: Service) -> None:
    done = CliRunner().invoke(planner.cli.app, ["output", "helo"])  # `main` prints what `app` raises
    assert isinstance(done.exception, IacError), done.output
    assert done.exception.text(CLI_WORDING) == "no deployed stack 'helo' (deployed: hello); `iac stacks` lists them"


def test_a_recorded_check_run_shows_as_a_dry_run_with_what_it_would_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from planner.state.records import DeploymentStatus

    found = offline_service(tmp_path, ScriptedExecutor())
    planned = found.plan(project_root() / "examples" / "hello.yaml")
    store = found.ports.store
    check = store.create_deployment({"source": "examples/hello.yaml", "check": True}, planned.deployment.plan)
    store.update_deployment(check.id, status=DeploymentStatus.RUNNING)
    store.update_deployment(check.id, status=DeploymentStatus.CHECKED, summary={
        "check": True, "changed": 0, "would_change": 2, "ok": 0, "failed": 0,
        "results": {"docker.network.hello-net": {"status": "would_change", "message": ""},
                    "docker.container.hello": {"status": "would_change", "message": ""}}})
    monkeypatch.setattr(planner.cli, "_service", lambda inventory=None: found)
    listed = CliRunner().invoke(planner.cli.app, ["status"], env={"COLUMNS": "160"})
    assert listed.exit_code == 0, listed.output
    assert "checked" in listed.output and "2 would change (dry run)" in listed.output
    shown = CliRunner().invoke(planner.cli.app, ["status", check.id[:8]], env={"COLUMNS": "160"})
    assert shown.exit_code == 0, shown.output
    assert "a dry run (check mode): nothing was written, no resource recorded; 2 would change" in shown.output
    assert [line.split() for line in shown.output.splitlines() if "docker.container.hello" in line] == [
        ["docker.container.hello", "│", "would", "change"]]
