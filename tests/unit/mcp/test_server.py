"""The MCP server over fakes (in-memory store, scripted executor), driven by the SDK's own in-memory client."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import yaml
from mcp import Client

from mcp_server.server import CHANGING_TOOLS, build_server
from planner.adapters.execute import ScriptedExecutor
from planner.paths import project_root
from planner.service import Service
from tests.unit.offline_service import DOCKER_INVENTORY, offline_service

HELLO = yaml.safe_load((project_root() / "examples" / "hello.yaml").read_text())


def _ok(address: str) -> dict[str, Any]:
    return {"event": "runner_on_ok", "event_data": {"address": address,
                                                    "res": {"changed": True}}}


def _service(tmp_path: Path) -> Service:
    executor = ScriptedExecutor([_ok("docker.network.hello-net"), _ok("docker.container.hello")])
    return offline_service(tmp_path, executor, inventory=DOCKER_INVENTORY + "          api_token: hunter2-secret\n")


def _with_client(service: Service, body: Callable[[Client], Awaitable[None]], *, read_only: bool = False) -> None:
    async def main() -> None:
        async with Client(build_server(service, read_only=read_only)) as client:
            await body(client)

    anyio.run(main)


def _text(result: Any) -> str:
    return str(result.content[0].text)


def test_tools_have_schemas_and_honest_annotations(tmp_path: Path) -> None:
    async def body(client: Client) -> None:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert set(CHANGING_TOOLS) <= set(tools)
        assert {"list_intent_kinds", "describe_intent_kind", "list_endpoints", "list_resources", "get_resource",
                "history", "validate_intent", "deployment_status", "drift", "stacks", "outputs",
                "import_candidates"} <= set(tools)
        for name, tool in tools.items():
            assert tool.output_schema is not None, name
            assert tool.description, name
        for name in ("apply", "rollback"):
            assert tools[name].annotations.destructive_hint is True
            assert tools[name].annotations.read_only_hint is False
        for name in ("list_resources", "deployment_status", "drift", "validate_intent"):
            assert tools[name].annotations.read_only_hint is True
        assert set(tools["apply"].input_schema["properties"]) == {"plan_id"}  # a stored plan, never an intent
        assert set(tools["plan"].input_schema["properties"]) == {"intent", "sentence", "allow", "targets", "stack",
                                                                 "destroy", "allow_data_loss", "refresh", "adopt"}
        assert set(tools["validate_intent"].input_schema["properties"]) == {"intent", "sentence", "allow"}
        assert {"understood", "policy"} <= set(tools["plan"].output_schema["properties"])

    _with_client(_service(tmp_path), body)


def test_read_only_mode_hides_every_changing_tool(tmp_path: Path) -> None:
    async def body(client: Client) -> None:
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert not names & set(CHANGING_TOOLS)
        assert "deployment_status" in names
        refused = await client.call_tool("apply", {"plan_id": "anything"})
        assert refused.is_error and "Unknown tool" in _text(refused)

    _with_client(_service(tmp_path), body, read_only=True)


def test_plan_apply_watch_with_progress_and_audit(tmp_path: Path) -> None:
    service = _service(tmp_path)
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, total, message))

    async def body(client: Client) -> None:
        planned = await client.call_tool("plan", {"intent": HELLO})
        assert not planned.is_error, _text(planned)
        plan = planned.structured_content
        assert [(c["action"], c["address"]) for c in plan["changes"]] == [
            ("create", "docker.network.hello-net"), ("create", "docker.container.hello")]
        assert plan["mermaid"].startswith("flowchart") and plan["status"] == "planned"

        applied = await client.call_tool("apply", {"plan_id": plan["plan_id"]}, progress_callback=on_progress)
        assert not applied.is_error, _text(applied)
        assert applied.structured_content["deployment"]["status"] == "succeeded"
        assert applied.structured_content["changed"] == 2

        status = (await client.call_tool("deployment_status", {"deployment_id": plan["plan_id"][:8]}))
        assert status.structured_content["done"] == status.structured_content["total"] == 2
        assert {p["result"] for p in status.structured_content["progress"]} == {"changed"}

        shown = await client.read_resource(f"iac://deployments/{plan['plan_id']}")
        assert json.loads(shown.contents[0].text)["deployment"]["status"] == "succeeded"

    _with_client(service, body)
    assert [done for done, _, _ in progress] == [1, 2] and {total for _, total, _ in progress} == {2}
    audit = service.store.list_audit()
    assert [(a.tool, a.outcome, a.principal.startswith("local:")) for a in audit] == [
        ("apply", "ok", True), ("plan", "ok", True)]
    assert audit[1].arguments["intent"]["intents"][0]["name"] == "hello"


def test_a_plan_that_ran_or_went_stale_is_refused_with_a_replan_error(tmp_path: Path) -> None:
    service = _service(tmp_path)

    async def body(client: Client) -> None:
        first = (await client.call_tool("plan", {"intent": HELLO})).structured_content["plan_id"]
        second = (await client.call_tool("plan", {"intent": HELLO})).structured_content["plan_id"]
        assert not (await client.call_tool("apply", {"plan_id": first})).is_error
        again = await client.call_tool("apply", {"plan_id": first})
        assert again.is_error and "not planned; plan again" in _text(again)
        stale = await client.call_tool("apply", {"plan_id": second})
        assert stale.is_error and "is stale" in _text(stale) and "plan again" in _text(stale)

    _with_client(service, body)
    assert service.store.list_audit()[0].outcome.startswith("error: ")


def test_errors_are_one_line_tool_errors_naming_the_field(tmp_path: Path) -> None:
    async def body(client: Client) -> None:
        missing = await client.call_tool("plan", {"intent": {"kind": "container", "name": "x"}})
        assert missing.is_error and "intent.image: required field is missing" in _text(missing)
        neither = await client.call_tool("plan", {})
        assert neither.is_error and "exactly one of `intent`" in _text(neither)
        both = await client.call_tool("plan", {"intent": HELLO, "sentence": "a container"})
        assert both.is_error and "exactly one of `intent`" in _text(both)
        unknown = await client.call_tool("validate_intent", {"intent": {"kind": "minecraft", "name": "x"}})
        assert unknown.is_error and "kind: unknown intent kind 'minecraft'" in _text(unknown)
        nothing = await client.call_tool("deployment_status", {"deployment_id": "beef"})
        assert nothing.is_error and "no deployment 'beef'; list_deployments lists them" in _text(nothing)
        restore = await client.call_tool("restore", {})
        assert restore.is_error and "exactly one of `at`" in _text(restore) and "`deployment_id`" in _text(restore)
        misspelt = await client.call_tool("plan", {"intent": {**HELLO["intents"][0], "imgae": "x"}})
        assert misspelt.is_error and "intent.imgae: unknown field; check the spelling (describe_intent_kind with " \
                                     "kind 'container' lists the fields)" in _text(misspelt)
        future = await client.call_tool("restore", {"at": "2999-01-01T00:00:00Z"})
        assert future.is_error and "at: 2999-01-01 00:00:00+0000: is in the future" in _text(future)
        for result in (missing, neither, both, unknown, nothing, restore, misspelt, future):
            assert "Traceback" not in _text(result) and "\n" not in _text(result)
            assert "`iac " not in _text(result) and "--" not in _text(result)

    _with_client(_service(tmp_path), body)


def test_a_huge_number_or_a_long_value_is_a_short_error_naming_the_field_not_an_internal_error(tmp_path: Path) -> None:
    async def body(client: Client) -> None:
        calls = [
            ("plan", {"sentence": "deploy a minecraft server for " + "9" * 5000 + " players on vlan 20"},
             "a number of 5000 digits"),
            ("validate_intent", {"sentence": "deploy a minecraft server named " + "a" * 5000}, "(5032 characters)"),
            ("plan", {"intent": {"kind": "network_segment", "name": "s", "vlan": 10**4000}},
             "intent.vlan: VLAN tag 1" + "0" * 79 + "… (4001 digits) is outside 1-4094"),
            ("plan", {"intent": {"kind": "k" * 5000, "name": "x"}}, "… (5000 characters); known kinds"),
            ("describe_intent_kind", {"kind": "k" * 5000}, "kind: unknown intent kind '" + "k" * 80 + "'… (5000"),
        ]
        for tool, arguments, expected in calls:
            result = await client.call_tool(tool, arguments)
            text = _text(result)
            assert result.is_error and expected in text, text
            assert "internal error" not in text and "Traceback" not in text and len(text) < 1000, text

    _with_client(_homelab(tmp_path), body)


def test_discovery_and_no_secret_in_any_response(tmp_path: Path) -> None:
    async def body(client: Client) -> None:
        kinds = (await client.call_tool("list_intent_kinds", {})).structured_content["kinds"]
        assert "container" in [k["kind"] for k in kinds]
        detail = (await client.call_tool("describe_intent_kind", {"kind": "container"})).structured_content
        assert "image" in detail["intent_schema"]["properties"] and "kind: container" in detail["example"]
        endpoints = await client.call_tool("list_endpoints", {})
        assert endpoints.structured_content["endpoints"][0]["settings"]["api_token"] == "********"
        intent = json.loads(json.dumps(HELLO))
        intent["intents"][0]["env"] = {"DB_PASSWORD": "hunter2-secret"}
        refused = await client.call_tool("plan", {"intent": intent})  # a literal secret is never stored
        assert refused.is_error and "intents[0].env: DB_PASSWORD looks like a secret" in _text(refused)
        planned = await client.call_tool("plan", {"intent": HELLO})
        await client.call_tool("apply", {"plan_id": planned.structured_content["plan_id"]})
        resources = await client.call_tool("list_resources", {"filter": "container"})
        assert [r["address"] for r in resources.structured_content["resources"]] == ["docker.container.hello"]
        history = await client.call_tool("history", {"address": "docker.container.hello"})
        everything = [endpoints, refused, planned, resources, history]
        assert all("hunter2-secret" not in json.dumps(r.structured_content) + _text(r) for r in everything)

    service = _service(tmp_path)
    _with_client(service, body)
    assert "hunter2-secret" not in repr(service.store.list_audit())


def test_prompts_guide_plan_confirm_apply_watch(tmp_path: Path) -> None:
    async def body(client: Client) -> None:
        names = {p.name for p in (await client.list_prompts()).prompts}
        assert names == {"deploy_service", "what_changed_since"}
        deploy = await client.get_prompt("deploy_service", {"service_description": "a wiki"})
        text = deploy.messages[0].content.text
        assert text.index("plan") < text.index("confirm") < text.index("apply") < text.index("deployment_status")

    _with_client(_service(tmp_path), body)


MINECRAFT = yaml.safe_load((project_root() / "examples" / "minecraft.yaml").read_text())
SENTENCE = "deploy a minecraft server for 10 players on vlan 20"


def _homelab(tmp_path: Path, docker_capacity: str = "") -> Service:
    """A service over fakes whose inventory has the lab's firewall and Docker engine (nothing runs)."""
    return offline_service(tmp_path, inventory=DOCKER_INVENTORY + docker_capacity +
                           "    opnsense:\n      hosts:\n        lab-opnsense:\n          opnsense_url: https://127.0.0.1:1\n")


def test_plan_the_minecraft_example_with_its_policy_results(tmp_path: Path) -> None:
    async def body(client: Client) -> None:
        planned = await client.call_tool("plan", {"intent": MINECRAFT})
        assert not planned.is_error, _text(planned)
        plan = planned.structured_content
        assert plan["counts"]["create"] == 13 and plan["understood"] is None
        assert {c["endpoint"] for c in plan["changes"]} == {"lab-opnsense", "lab-docker"}
        assert "opnsense.vlan.gaming" in {c["address"] for c in plan["changes"]}
        assert plan["policy"]["rules"] == ["no-guest-to-management", "no-wan-exposure", "host-capacity"]
        assert plan["policy"]["violations"] == plan["policy"]["waivers"] == []
        [(address, placement)] = plan["placements"].items()
        assert address == "docker.container.minecraft"
        assert placement.startswith("behind lab-docker on a bridge (10.0.20.10 is private to the host)")

    _with_client(_homelab(tmp_path), body)


def test_a_plan_can_be_limited_to_targets_and_a_wrong_target_names_the_argument(tmp_path: Path) -> None:
    async def body(client: Client) -> None:
        planned = await client.call_tool("plan", {"intent": HELLO, "targets": ["docker.network.hello-net"]})
        assert not planned.is_error, _text(planned)
        assert [c["address"] for c in planned.structured_content["changes"]] == ["docker.network.hello-net"]
        wrong = await client.call_tool("plan", {"intent": HELLO, "targets": ["docker.network.hello"]})
        assert wrong.is_error and "targets: docker.network.hello: is no resource of this plan" in _text(wrong)

    _with_client(_service(tmp_path), body)


def test_a_sentence_is_planned_and_what_was_understood_is_returned(tmp_path: Path) -> None:
    service = _homelab(tmp_path)

    async def body(client: Client) -> None:
        checked = await client.call_tool("validate_intent", {"sentence": SENTENCE})
        assert not checked.is_error, _text(checked)
        assert checked.structured_content["understood"]["intent"]["intents"][1]["players"] == 10
        assert service.deployments() == []  # validating stores nothing

        planned = await client.call_tool("plan", {"sentence": SENTENCE})
        assert not planned.is_error, _text(planned)
        understood = planned.structured_content["understood"]
        assert understood["sentence"] == SENTENCE
        assert understood["intent"] == {"version": 1, "intents": [
            {"kind": "network_segment", "name": "vlan20", "vlan": 20, "subnet": "10.20.0.0/24"},
            {"kind": "game_server", "name": "minecraft", "game": "minecraft", "players": 10, "segment": "vlan20"}]}
        assert {"text": "10 players", "meaning": "game_server.players = 10"} in understood["phrases"]
        assert planned.structured_content["counts"]["create"] == 13
        assert planned.structured_content["source"] == f"sentence: {SENTENCE}"
        assert "understood" in planned.structured_content["next_step"]

        vague = await client.call_tool("plan", {"sentence": "deploy a minecraft server for 10 players on the moon"})
        text = _text(vague)
        assert vague.is_error and "did not understand 'moon'" in text and "\n" not in text
        assert "Understood: 'minecraft' → game_server.game = 'minecraft'" in text
        assert "Closest intent kinds:" in text and "describe_intent_kind" in text and "iac intents" not in text

    _with_client(service, body)
    assert [(a.tool, a.outcome.split(":")[0], a.arguments.get("sentence")) for a in service.store.list_audit()] == [
        ("plan", "error", "deploy a minecraft server for 10 players on the moon"), ("plan", "ok", SENTENCE)]


def test_a_policy_violation_names_the_rule_and_the_change_and_allow_records_a_waiver(tmp_path: Path) -> None:
    service = _homelab(tmp_path, docker_capacity="          capacity: {memory: 1g, cpus: 8}\n")

    async def body(client: Client) -> None:
        for tool in ("validate_intent", "plan"):
            refused = await client.call_tool(tool, {"intent": MINECRAFT})
            text = _text(refused)
            assert refused.is_error and "host-capacity: create docker.container.minecraft" in text, text
            assert "allow: ['host-capacity']" in text and "Traceback" not in text and "\n" not in text
            assert "--allow" not in text and "if the user accepts it, plan again with allow" in text
        unknown = await client.call_tool("plan", {"intent": MINECRAFT, "allow": ["capacity"]})
        assert unknown.is_error and "plan: allow: capacity: unknown policy rule; known rules:" in _text(unknown)

        waived = await client.call_tool("plan", {"intent": MINECRAFT, "allow": ["host-capacity"]})
        assert not waived.is_error, _text(waived)
        policy = waived.structured_content["policy"]
        assert [(w["rule"], w["address"]) for w in policy["waivers"]] == [("host-capacity", "docker.container.minecraft")]
        assert policy["violations"] == [] and "host-capacity" in waived.structured_content["next_step"]
        stored = await client.read_resource(f"iac://plans/{waived.structured_content['plan_id']}")
        assert json.loads(stored.contents[0].text)["policy"]["waivers"][0]["rule"] == "host-capacity"

    _with_client(service, body)
    assert [(a.outcome.split(":")[0], a.arguments.get("allow")) for a in service.store.list_audit()] == [
        ("ok", ["host-capacity"]), ("error", ["capacity"]), ("error", None)]
