"""The MCP server end to end: the SDK's client in memory against the lab, over stdio, and over HTTP."""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
import yaml
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from lab.ports import free_port
from mcp_server.server import CHANGING_TOOLS, build_server
from planner.paths import project_root
from planner.service import Service
from planner.state import SqlStateStore
from tests.e2e.cli import IAC

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

HELLO = (project_root() / "examples" / "hello.yaml").read_text()
MINECRAFT = yaml.safe_load((project_root() / "examples" / "minecraft.yaml").read_text())
READ_TOKEN, PLAN_TOKEN, APPLY_TOKEN = "read-token-" + "r" * 16, "plan-token-" + "p" * 16, "apply-token-" + "a" * 16


def _intent(port: int, suffix: str) -> dict[str, Any]:
    """examples/hello.yaml with its own names, subnet and port, so it cannot collide with a demo lab."""
    text = HELLO.replace("18080", str(port)).replace("hello-net", f"hello-net-{suffix}")
    text = text.replace("name: hello\n", f"name: hello-{suffix}\n").replace("172.30.10.0/24", "172.30.98.0/24")
    document: dict[str, Any] = yaml.safe_load(text)
    return document


@pytest.fixture(scope="module")
def game_port() -> Iterator[int]:
    """The minecraft server's published port: a free one, not 25565 (a demo lab on the machine may hold it)."""
    from planner.intents import game

    port = free_port()
    minecraft = game.GAMES["minecraft"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(game.GAMES, "minecraft",
                      dataclasses.replace(minecraft, ports=(game.GamePort(port, port, "tcp"),)))
        yield port


def _lab_secrets(lab_home: Path) -> list[str]:
    """The OPNsense API key and secret (and every other credential) the lab generated."""
    credentials = yaml.safe_load((lab_home / "credentials.yml").read_text())
    found = [str(value) for entry in credentials["emulators"].values()
             for value in (entry.get("credentials") or {}).values()]
    assert credentials["emulators"]["opnsense"]["credentials"]["secret"] in found
    return [value for value in found if len(value) >= 8]


def _shown(result: Any) -> str:
    """Everything a client sees of a tool result or a resource read."""
    if hasattr(result, "contents"):
        return "".join(str(getattr(c, "text", "")) for c in result.contents)
    return json.dumps(result.structured_content) + "".join(str(getattr(c, "text", "")) for c in result.content)


def test_minecraft_plan_apply_watch_drift_and_stale_plan_against_the_lab(
    lab: Any, lab_home: Path, pg_empty_url: str, game_port: int,
) -> None:  # fmt: skip
    """examples/minecraft.yaml (13 resources on lab-opnsense and lab-docker) through the tools, then restored."""
    service = Service.from_environment(database_url=pg_empty_url)
    progress: list[float] = []
    seen: list[Any] = []
    before = datetime.now(UTC)

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append(done)

    async def call(client: Client, tool: str, arguments: dict[str, Any], **options: Any) -> Any:
        result = await client.call_tool(tool, arguments, **options)
        seen.append(result)
        return result

    async def main() -> None:
        async with Client(build_server(service)) as client:
            said = await call(client, "plan", {"sentence": "deploy a minecraft server for 10 players on vlan 20"})
            assert not said.is_error, said.content
            assert said.structured_content["understood"]["intent"]["intents"][0]["vlan"] == 20
            assert said.structured_content["counts"]["create"] == 13

            planned = await call(client, "plan", {"intent": MINECRAFT})
            assert not planned.is_error, planned.content
            assert planned.structured_content["policy"]["violations"] == []
            plan_id = planned.structured_content["plan_id"]
            rival = (await call(client, "plan", {"intent": MINECRAFT})).structured_content["plan_id"]

            applied = await call(client, "apply", {"plan_id": plan_id}, progress_callback=on_progress)
            assert not applied.is_error, applied.content
            assert applied.structured_content["deployment"]["status"] == "succeeded", applied.structured_content

            status = (await call(client, "deployment_status", {"deployment_id": plan_id})).structured_content
            assert status["done"] == status["total"] == 13
            assert {(p["result"], p["state"]) for p in status["progress"]} == {("changed", "present")}
            drift = (await call(client, "drift", {})).structured_content
            assert drift["drifted"] == 0 and len(drift["resources"]) == 13
            container = await client.read_resource("iac://resources/docker.container.minecraft")
            seen.append(container)
            assert json.loads(container.contents[0].text)["observed"]["status"] == "running"

            stale = await call(client, "apply", {"plan_id": rival})
            assert stale.is_error and f"plan {rival[:8]} is stale" in stale.content[0].text
            assert "plan again" in stale.content[0].text
            done = await call(client, "rollback", {"deployment_id": plan_id})
            assert done.is_error and "only a failed or interrupted deployment" in done.content[0].text

            back = await call(client, "restore", {"at": before.isoformat(), "allow_data_loss": True})
            assert back.structured_content["counts"]["delete"] == 13, back.content
            undone = await call(client, "apply", {"plan_id": back.structured_content["plan_id"]})
            assert undone.structured_content["deployment"]["status"] == "succeeded", undone.content

    try:
        anyio.run(main)
    finally:
        if service.resources():  # the test failed half-way: leave the session lab as it was
            service.apply(service.plan_restore(at=before, allow_data_loss=True).deployment.id)
    assert service.resources() == []
    assert progress[-1] == 13
    assert [(a.tool, a.outcome.split(":")[0]) for a in reversed(service.store.list_audit())] == [
        ("plan", "ok"), ("plan", "ok"), ("plan", "ok"), ("apply", "ok"), ("apply", "error"), ("rollback", "error"),
        ("restore", "ok"), ("apply", "ok")]
    shown = "".join(_shown(result) for result in seen) + repr(service.store.list_audit())
    for secret in _lab_secrets(lab_home):
        assert secret not in shown


@pytest.fixture
def server_env(tmp_path: Path, pg_empty_url: str) -> dict[str, str]:
    """A fresh database and a one-endpoint inventory (planning needs no engine); tokens in a 0600 file."""
    inventory = tmp_path / "hosts.yml"
    inventory.write_text("all:\n  children:\n    docker:\n      hosts:\n        lab-docker:\n"
                         "          docker_host: unix:///nonexistent.sock\n")
    tokens = tmp_path / "tokens"
    tokens.write_text(f"dashboard read {READ_TOKEN}\nci read,plan {PLAN_TOKEN}\nboss apply {APPLY_TOKEN}\n")
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
    port = free_port()
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

    planned, refused = _call(http_server, PLAN_TOKEN, ("plan", {"intent": _intent(18999, "http"), "refresh": False}),
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


def _tool_names(url: str, token: str) -> set[str]:
    async def main() -> set[str]:
        async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http, \
                Client(streamable_http_client(url, http_client=http)) as client:
            return {tool.name for tool in (await client.list_tools()).tools}

    return anyio.run(main)


def test_http_lists_only_the_tools_a_token_may_call(http_server: str) -> None:
    read, plan, apply = (_tool_names(http_server, token) for token in (READ_TOKEN, PLAN_TOKEN, APPLY_TOKEN))
    assert {"list_intent_kinds", "validate_intent", "deployment_status", "drift"} <= read
    assert not read & {"plan", "reconcile", "restore", "apply", "rollback"}
    assert plan == read | {"plan", "reconcile", "restore"}
    assert apply == plan | {"apply", "rollback"}

    refused, = _call(http_server, READ_TOKEN, ("plan", {"sentence": "deploy a minecraft server for 10 players"}))
    assert refused.is_error and "the token of 'dashboard' has scopes read and plan needs `plan`" in \
        refused.content[0].text
