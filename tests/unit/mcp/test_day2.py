"""Day 2 over MCP: the stacks and outputs tools, plans of a named stack, and destroy as plan(destroy, stack)
then apply(plan_id); a wrong combination or an unknown stack is one line naming the argument and the way on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import yaml
from mcp import Client

from mcp_server.server import build_server
from planner.adapters.execute import ScriptedExecutor
from planner.paths import project_root
from planner.service import Service
from planner.views import stack_view
from tests.unit.offline_service import DOCKER_INVENTORY, offline_service, runner_event

HELLO = yaml.safe_load((project_root() / "examples" / "hello.yaml").read_text())
MINECRAFT = yaml.safe_load((project_root() / "examples" / "minecraft.yaml").read_text())
NETWORK, CONTAINER = "docker.network.hello-net", "docker.container.hello"


def _ok(*addresses: str) -> list[dict[str, Any]]:
    """Each resource made, with what the firewall and Docker tell of it (a VLAN device, an interface name, an
    address), under the key a single module returns its resource by."""
    facts = {CONTAINER: {"container": {"networks": {"hello-net": {"ip": "172.30.10.2"}}}},
             "opnsense.vlan.gaming": {"vlan": {"device": "vlan0.20"}},
             "opnsense.interface.gaming": {"interface": {"identifier": "opt1"}}}
    return [runner_event("runner_on_ok", address, changed=True, **facts.get(address, {})) for address in addresses]


def _with_client(service: Service, body: Callable[[Client], Awaitable[None]]) -> None:
    async def main() -> None:
        async with Client(build_server(service)) as client:
            await body(client)

    anyio.run(main)


def _text(result: Any) -> str:
    return str(result.content[0].text)


async def _planned_and_applied(client: Client, arguments: dict[str, Any]) -> dict[str, Any]:
    planned = await client.call_tool("plan", arguments)
    assert not planned.is_error, _text(planned)
    applied = await client.call_tool("apply", {"plan_id": planned.structured_content["plan_id"]})
    assert not applied.is_error and applied.structured_content["deployment"]["status"] == "succeeded", _text(applied)
    return dict(planned.structured_content)


def test_stacks_and_outputs_are_read_tools_returning_the_clis_views(tmp_path: Path) -> None:
    service = offline_service(tmp_path, ScriptedExecutor(_ok(NETWORK, CONTAINER)))

    async def body(client: Client) -> None:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        for name in ("stacks", "outputs"):
            assert tools[name].annotations.read_only_hint is True and tools[name].output_schema is not None
        assert set(tools["outputs"].input_schema["properties"]) == {"stack"}
        assert (await client.call_tool("stacks", {})).structured_content == {"stacks": []}

        await _planned_and_applied(client, {"intent": HELLO})
        stacks = (await client.call_tool("stacks", {})).structured_content["stacks"]
        assert stacks == [stack_view(view).model_dump(mode="json") for view in service.stacks()]
        assert (stacks[0]["name"], stacks[0]["resources"]) == ("hello", 2)  # the document's first intent's name

        outputs = await client.call_tool("outputs", {"stack": "hello"})
        assert not outputs.is_error, _text(outputs)
        [stack] = outputs.structured_content["stacks"]
        assert (stack["stack"], stack["source"]) == ("hello", "mcp:intent")
        assert stack["intents"] == [{"name": "hello", "kind": "container", "outputs": {
            "image": "homelab/busybox:latest", "ports": ["127.0.0.1:18080:8080"], "network": "hello-net",
            "address": "172.30.10.2"}}]
        assert (await client.call_tool("outputs", {})).structured_content == outputs.structured_content

    _with_client(service, body)


def test_a_plan_is_of_the_stack_named_and_converging_it_deletes_what_it_no_longer_declares(tmp_path: Path) -> None:
    executor = ScriptedExecutor(_ok(NETWORK, CONTAINER)).then(_ok(CONTAINER))
    service = offline_service(tmp_path, executor)

    async def body(client: Client) -> None:
        await _planned_and_applied(client, {"intent": HELLO, "stack": "web"})
        assert [s.stack.name for s in service.stacks()] == ["web"]
        smaller = {"version": 1, "intents": [{"kind": "container", "name": "other", "image": "busybox:1"}]}
        planned = (await client.call_tool("plan", {"intent": smaller, "stack": "web"})).structured_content
        actions = {c["address"]: c["action"] for c in planned["changes"]}
        assert actions == {CONTAINER: "delete", NETWORK: "delete", "docker.container.other": "create"}
        assert "it deletes 2 resource(s)" in planned["next_step"] and "name them to the user" in planned["next_step"]

    _with_client(service, body)


def test_destroy_is_a_plan_of_deletes_applied_by_plan_id(tmp_path: Path) -> None:
    executor = ScriptedExecutor(_ok(NETWORK, CONTAINER)).then(_ok(CONTAINER, NETWORK))
    service = offline_service(tmp_path, executor, inventory=DOCKER_INVENTORY)

    async def body(client: Client) -> None:
        await _planned_and_applied(client, {"intent": HELLO})
        planned = await _planned_and_applied(client, {"destroy": True, "stack": "hello"})
        assert [(c["action"], c["address"]) for c in planned["changes"]] == [("delete", CONTAINER),
                                                                             ("delete", NETWORK)]
        assert planned["source"] == "destroy stack hello" and "it deletes 2 resource(s)" in planned["next_step"]
        assert (await client.call_tool("stacks", {})).structured_content == {"stacks": []}
        assert (await client.call_tool("list_resources", {})).structured_content == {"resources": []}

    _with_client(service, body)
    assert [(a.tool, a.arguments) for a in service.store.list_audit()][:2] == [
        ("apply", {"plan_id": service.deployments()[0].id}), ("plan", {"destroy": True, "stack": "hello"})]


def test_destroying_what_holds_data_needs_allow_data_loss(tmp_path: Path) -> None:
    executor = ScriptedExecutor()
    service = offline_service(tmp_path, executor, inventory=DOCKER_INVENTORY +
                              "    opnsense:\n      hosts:\n        lab-opnsense:\n          opnsense_url: https://127.0.0.1:1\n")
    planned = service.plan(project_root() / "examples" / "minecraft.yaml")
    executor.scripts = [(_ok(*[c.address for c in planned.plan.changes]), "successful")]
    service.apply(planned.deployment.id)

    async def body(client: Client) -> None:
        refused = await client.call_tool("plan", {"destroy": True, "stack": "minecraft"})
        text = _text(refused)
        assert refused.is_error and "docker.volume.minecraft-data" in text, text
        assert "allow_data_loss: true, only if the user asked for it" in text and "\n" not in text
        allowed = await client.call_tool("plan", {"destroy": True, "stack": "minecraft", "allow_data_loss": True})
        assert not allowed.is_error, _text(allowed)
        assert {c["action"] for c in allowed.structured_content["changes"]} == {"delete"}

    _with_client(service, body)
    assert service.store.list_audit()[0].arguments == {"destroy": True, "stack": "minecraft", "allow_data_loss": True}


def test_arguments_that_do_not_go_together_are_one_line_naming_the_argument(tmp_path: Path) -> None:
    service = offline_service(tmp_path, ScriptedExecutor(_ok(NETWORK, CONTAINER)))

    async def body(client: Client) -> None:
        await _planned_and_applied(client, {"intent": HELLO})
        cases = [
            ({"destroy": True, "stack": "hello", "intent": HELLO}, "intent: destroy plans removing the stack "
                                                                   "`stack` names, from what is recorded; leave "
                                                                   "`intent` out"),
            ({"destroy": True, "stack": "hello", "sentence": "a container"}, "sentence: destroy plans removing"),
            ({"destroy": True, "stack": "hello", "allow": ["host-capacity"]}, "allow: destroy plans removing"),
            ({"destroy": True}, "stack: destroy needs the name of the deployed stack to remove; the stacks tool "
                                "lists them"),
            ({"sentence": "deploy a dev environment on vlan 30", "stack": "dev"}, "stack: a sentence's stack is "
                                                                                  "the name of the intent"),
            ({"destroy": True, "stack": "helo"}, "stack: helo: no deployed stack 'helo' (deployed: hello); the "
                                                 "stacks tool lists them"),
        ]
        for arguments, expected in cases:
            result = await client.call_tool("plan", arguments)
            assert result.is_error and expected in _text(result), _text(result)
            assert "\n" not in _text(result) and "Traceback" not in _text(result)
        unknown = await client.call_tool("outputs", {"stack": "helo"})
        assert unknown.is_error and _text(unknown).endswith(": no deployed stack 'helo' (deployed: hello); the "
                                                            "stacks tool lists them")
        assert "\n" not in _text(unknown) and "--" not in _text(unknown) and "`iac " not in _text(unknown)

    _with_client(service, body)
    assert [d.status.value for d in service.deployments()] == ["succeeded"]  # no plan was stored


def _discovered(*networks: str) -> list[dict[str, Any]]:
    """What docker_info's discovery reports of lab-docker: networks made by hand, without homelab-iac's label."""
    items = [{"kind": "network", "id": name, "name": name, "managed": False,
              "spec": {"driver": "bridge", "subnet": "10.7.0.0/24", "internal": False, "labels": {}}, "facts": {}}
             for name in networks]
    return [{"event": "runner_on_ok", "event_data": {"task": "Discover on lab-docker", "host": "lab-docker",
                                                     "res": {"changed": False, "networks": items}}}]


def test_what_an_endpoint_has_is_listed_and_adopted_through_plan_and_apply_writing_nothing(tmp_path: Path) -> None:
    executor = ScriptedExecutor(_discovered("legacy-net"))
    service = offline_service(tmp_path, executor)

    async def body(client: Client) -> None:
        listed = (await client.call_tool("import_candidates", {})).structured_content
        assert [(c["endpoint"], c["kind"], c["id"], c["address"]) for c in listed["candidates"]] == [
            ("lab-docker", "docker.network", "legacy-net", "docker.network.legacy-net")]
        planned = await _planned_and_applied(client, {"adopt": {"address": "docker.network.legacy", "id": "legacy-net"},
                                                      "stack": "legacy"})
        assert [(c["address"], c["action"]) for c in planned["changes"]] == [("docker.network.legacy", "import")]
        record = service.resource("docker.network.legacy")
        assert record is not None and record.spec["adopt"] is True and record.spec["subnet"] == "10.7.0.0/24"
        assert [s.stack.name for s in service.stacks()] == ["legacy"]
        runs = len(executor.runs)  # each discovery is one run; the apply ran nothing
        assert runs == 2

        mixed = await client.call_tool("plan", {"adopt": {"address": "docker.network.x", "id": "x"}, "intent": HELLO,
                                                "stack": "legacy"})
        assert mixed.is_error and "intent: adopt plans adopting one existing object" in _text(mixed)
        unowned = await client.call_tool("plan", {"adopt": {"address": "docker.network.x", "id": "x"}})
        assert unowned.is_error and "stack: adopt needs the stack" in _text(unowned)
        missing = await client.call_tool("plan", {"adopt": {"address": "docker.network.x", "id": "nope"},
                                                  "stack": "legacy"})
        assert missing.is_error and "lab-docker has no docker.network 'nope'" in _text(missing)

    _with_client(service, body)
