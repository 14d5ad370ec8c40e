"""The MCP server end to end: the SDK's client in memory against the lab, over stdio, and over HTTP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
import yaml
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from mcp_server.server import CHANGING_TOOLS, build_server
from planner.paths import project_root
from planner.service import Service
from planner.state import SqlStateStore

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

IAC = str(Path(sys.executable).with_name("iac"))
HELLO = (project_root() / "examples" / "hello.yaml").read_text()
PLAN_TOKEN, APPLY_TOKEN = "plan-token-" + "p" * 16, "apply-token-" + "a" * 16


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _intent(port: int, suffix: str) -> dict[str, Any]:
    """examples/hello.yaml with its own names, subnet and port, so it cannot collide with a demo lab."""
    text = HELLO.replace("18080", str(port)).replace("hello-net", f"hello-net-{suffix}")
    text = text.replace("name: hello\n", f"name: hello-{suffix}\n").replace("172.30.10.0/24", "172.30.98.0/24")
    document: dict[str, Any] = yaml.safe_load(text)
    return document


@pytest.fixture
def docker_client(docker_host: str) -> Iterator[Any]:
    import docker

    client = docker.DockerClient(base_url=docker_host)
    yield client
    client.close()


def test_plan_apply_watch_drift_against_the_lab(lab: Any, pg_empty_url: str, docker_client: Any) -> None:
    service = Service.from_environment(database_url=pg_empty_url)
    progress: list[float] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append(done)

    async def main() -> None:
        async with Client(build_server(service)) as client:
            planned = await client.call_tool("plan", {"intent": _intent(_free_port(), "mcp")})
            assert not planned.is_error, planned.content
            plan_id = planned.structured_content["plan_id"]
            applied = await client.call_tool("apply", {"plan_id": plan_id}, progress_callback=on_progress)
            assert not applied.is_error, applied.content
            assert applied.structured_content["deployment"]["status"] == "succeeded"
            status = (await client.call_tool("deployment_status", {"deployment_id": plan_id})).structured_content
            assert [(p["address"], p["result"], p["state"]) for p in status["progress"]] == [
                ("docker.network.hello-net-mcp", "changed", "present"),
                ("docker.container.hello-mcp", "changed", "present"),
            ]
            drift = (await client.call_tool("drift", {})).structured_content
            assert drift["drifted"] == 0 and len(drift["resources"]) == 2
            container = await client.read_resource("iac://resources/docker.container.hello-mcp")
            assert json.loads(container.contents[0].text)["observed"]["status"] == "running"

    try:
        anyio.run(main)
        assert progress[-1] == 2
        assert [(a.tool, a.outcome) for a in service.store.list_audit()] == [("apply", "ok"), ("plan", "ok")]
    finally:
        for container in docker_client.containers.list(all=True, filters={"name": "hello-mcp"}):
            container.remove(force=True)
        for network in docker_client.networks.list(names=["hello-net-mcp"]):
            network.remove()


@pytest.fixture
def server_env(tmp_path: Path, pg_empty_url: str) -> dict[str, str]:
    """A fresh database and a one-endpoint inventory (planning needs no engine); tokens in a 0600 file."""
    inventory = tmp_path / "hosts.yml"
    inventory.write_text("all:\n  children:\n    docker:\n      hosts:\n        lab-docker:\n"
                         "          docker_host: unix:///nonexistent.sock\n")
    tokens = tmp_path / "tokens"
    tokens.write_text(f"ci read,plan {PLAN_TOKEN}\nboss apply {APPLY_TOKEN}\n")
    tokens.chmod(0o600)
    return {**os.environ, "IAC_DATABASE_URL": pg_empty_url, "IAC_HOME": str(tmp_path / "home"),
            "IAC_INVENTORY": str(inventory), "IAC_MCP_TOKENS": str(tokens)}


def test_stdio_read_only_lists_no_changing_tool(server_env: dict[str, str]) -> None:
    async def main() -> None:
        params = StdioServerParameters(command=IAC, args=["mcp", "--read-only"], env=server_env,
                                       cwd=str(project_root()))
        async with Client(params) as client:
            names = {tool.name for tool in (await client.list_tools()).tools}
            assert "deployment_status" in names and not names & set(CHANGING_TOOLS)
            kinds = await client.call_tool("list_intent_kinds", {})
            assert "container" in json.dumps(kinds.structured_content)

    anyio.run(main)


@pytest.fixture
def http_server(server_env: dict[str, str]) -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen([IAC, "mcp", "--http", "--port", str(port)], env=server_env, cwd=project_root(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/mcp"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert time.monotonic() < deadline, "iac mcp --http never listened"
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _call(url: str, token: str, *calls: tuple[str, dict[str, Any]]) -> list[Any]:
    async def main() -> list[Any]:
        async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http, \
                Client(streamable_http_client(url, http_client=http)) as client:
            results = []
            for name, arguments in calls:
                if name == "apply" and arguments.get("plan_id") == "<previous>":
                    arguments = {"plan_id": results[-1].structured_content["plan_id"]}
                results.append(await client.call_tool(name, arguments))
            return results

    return anyio.run(main)


def test_http_needs_a_token_and_a_plan_token_cannot_apply(http_server: str, server_env: dict[str, str]) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    assert httpx2.post(http_server, json=body).status_code == 401
    bad = httpx2.post(http_server, json=body, headers={"Authorization": "Bearer " + "x" * 24})
    assert bad.status_code == 401

    planned, refused = _call(http_server, PLAN_TOKEN, ("plan", {"intent": _intent(18999, "http")}),
                             ("apply", {"plan_id": "<previous>"}))
    assert not planned.is_error, planned.content
    assert refused.is_error
    assert "the token of 'ci' has scopes read, plan and apply needs `apply`" in refused.content[0].text

    store = SqlStateStore(server_env["IAC_DATABASE_URL"])
    try:
        audit = store.list_audit()
    finally:
        store.close()
    assert [(a.principal, a.tool, a.outcome.split(":")[0]) for a in audit] == [
        ("ci", "apply", "refused"), ("ci", "plan", "ok")]
    assert audit[0].deployment_id == audit[1].deployment_id == planned.structured_content["plan_id"]
    deployment = Service.from_environment(database_url=server_env["IAC_DATABASE_URL"]).get_deployment(
        audit[0].deployment_id or "")
    assert deployment.status.value == "planned"  # refused: nothing ran
