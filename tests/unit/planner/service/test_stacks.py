"""Stacks: a file converges what it owns (removing what it no longer declares), shares what another
stack declares alike, refers to what another stack deployed, and is destroyed as a whole or by target."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.adapters.execute import ScriptedExecutor
from planner.core.plan import Action, Plan
from planner.errors import ConflictError, Fix, IacError, IntentError
from tests.unit.offline_service import offline_service, runner_event, state_store

NETWORK, CONTAINER = "docker.network.web-net", "docker.container.web"


def _file(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(body)
    return path


def _web() -> str:
    return "version: 1\nintents:\n  - {kind: container, name: web, image: busybox:1, network: {name: web-net}}\n"


def _ok(*addresses: str) -> list[dict]:  # type: ignore[type-arg]
    """Each resource made; a VLAN's device and an interface's ``optN`` are what the resources on them refer to."""
    facts = {"opnsense.interface.": {"interface": {"identifier": "opt1"}}, "opnsense.vlan.": {"vlan": {"device": "vlan01"}}}
    return [runner_event("runner_on_ok", address, changed=True,
                         **next((fact for prefix, fact in facts.items() if address.startswith(prefix)), {}))
            for address in addresses]


def _actions(plan) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {change.address: change.action.value for change in plan.changes}


def test_a_file_is_a_stack_named_by_its_stem_and_owns_what_it_applied(tmp_path: Path) -> None:
    service = offline_service(tmp_path, ScriptedExecutor(_ok(NETWORK, CONTAINER)))
    result = service.plan(_file(tmp_path, "Web App.yaml", _web()))
    assert result.plan.stack == "web-app"
    service.apply(result.deployment.id)
    [stack] = service.stacks()
    assert (stack.stack.name, stack.resources, sorted(stack.stack.addresses)) == ("web-app", 2, [CONTAINER, NETWORK])
    assert stack.deployment is not None and stack.deployment.id == result.deployment.id


def test_what_a_stack_no_longer_declares_is_deleted_first_and_the_rest_kept(tmp_path: Path) -> None:
    store = state_store(tmp_path)
    service = offline_service(tmp_path, ScriptedExecutor(_ok(NETWORK, CONTAINER)), store)
    service.apply(service.plan(_file(tmp_path, "web.yaml", _web())).deployment.id)

    smaller = _file(tmp_path, "copy.yaml", "version: 1\nstack: web\nintents:\n"
                    "  - {kind: container, name: other, image: busybox:1, network: {name: web-net}}\n")
    plan = service.plan(smaller).plan
    assert _actions(plan) == {CONTAINER: "delete", NETWORK: "noop", "docker.container.other": "create"}
    assert plan.changes[0].address == CONTAINER and plan.changes[0].wave == 1  # removed before the rest runs
    assert plan.change(CONTAINER).after == {"name": "web", "state": "absent"}


def test_destroy_removes_what_the_stack_owns_dependents_first_and_forgets_it(tmp_path: Path) -> None:
    executor = ScriptedExecutor(_ok(NETWORK, CONTAINER)).then(_ok(CONTAINER, NETWORK))
    service = offline_service(tmp_path, executor)
    web = _file(tmp_path, "web.yaml", _web())
    service.apply(service.plan(web).deployment.id)

    destroy = service.plan_destroy(path=web)
    assert [(c.address, c.action) for c in destroy.plan.changes] == [(CONTAINER, Action.DELETE),
                                                                       (NETWORK, Action.DELETE)]
    assert destroy.plan.waves == [[CONTAINER], [NETWORK]]
    service.apply(destroy.deployment.id)
    assert service.stacks() == [] and service.resources() == []


def test_destroying_an_unknown_stack_names_the_deployed_ones(tmp_path: Path) -> None:
    service = offline_service(tmp_path, ScriptedExecutor(_ok(NETWORK, CONTAINER)))
    service.apply(service.plan(_file(tmp_path, "web.yaml", _web())).deployment.id)
    with pytest.raises(IacError) as refused:
        service.plan_destroy(stack="wbe")
    assert str(refused.value).startswith("stack wbe: no deployed stack 'wbe' (deployed: web)")
    assert refused.value.remedy is not None and refused.value.remedy.fix is Fix.LIST_STACKS
    assert [d.status.value for d in service.deployments()] == ["succeeded"]  # nothing stored


def test_a_destroy_target_takes_what_depends_on_it(tmp_path: Path) -> None:
    service = offline_service(tmp_path, ScriptedExecutor(_ok(NETWORK, CONTAINER)))
    service.apply(service.plan(_file(tmp_path, "web.yaml", _web())).deployment.id)
    plan = service.plan_destroy(stack="web", targets=[NETWORK]).plan
    assert [c.address for c in plan.changes] == [CONTAINER, NETWORK]
    alone = service.plan_destroy(stack="web", targets=[CONTAINER]).plan
    assert [c.address for c in alone.changes] == [CONTAINER]


def test_a_resource_declared_alike_by_two_stacks_is_shared_and_deleted_with_the_last(tmp_path: Path) -> None:
    executor = ScriptedExecutor(_ok(NETWORK, CONTAINER)).then(_ok(NETWORK, "docker.container.api")) \
        .then(_ok(CONTAINER))
    service = offline_service(tmp_path, executor)
    service.apply(service.plan(_file(tmp_path, "web.yaml", _web())).deployment.id)
    api = _file(tmp_path, "api.yaml", "intents:\n  - {kind: container, name: api, image: busybox:1, network: {name: web-net}}\n")
    service.apply(service.plan(api).deployment.id)
    assert {s.stack.name: sorted(s.stack.addresses) for s in service.stacks()} == {
        "api": ["docker.container.api", NETWORK], "web": [CONTAINER, NETWORK]}

    destroy = service.plan_destroy(stack="web").plan
    assert _actions(destroy) == {CONTAINER: "delete"}  # the network is api's too: only let go
    service.apply(service.plan_destroy(stack="web").deployment.id)
    assert {s.stack.name: sorted(s.stack.addresses) for s in service.stacks()} == {
        "api": ["docker.container.api", NETWORK]}
    assert _actions(service.plan_destroy(stack="api").plan) == {"docker.container.api": "delete", NETWORK: "delete"}


def test_a_resource_another_stack_declares_differently_is_a_conflict_naming_both(tmp_path: Path) -> None:
    service = offline_service(tmp_path, ScriptedExecutor(_ok(NETWORK, CONTAINER)))
    service.apply(service.plan(_file(tmp_path, "web.yaml", _web())).deployment.id)
    other = _file(tmp_path, "other.yaml", "intents:\n  - {kind: container, name: web, image: busybox:2}\n")
    with pytest.raises(ConflictError) as refused:
        service.plan(other)
    assert ("docker.container.web is declared by stack 'web' and differently by stack 'other'"
            in str(refused.value))


OPNSENSE_INVENTORY = """all:
  children:
    docker: {hosts: {lab-docker: {docker_host: unix:///tmp/x.sock}}}
    opnsense: {hosts: {lab-opnsense: {api_url: https://127.0.0.1:1}}}
    dns: {hosts: {lab-dns: {dns_provider: rfc2136}}}
"""
SEGMENT = """stack: network
intents:
  - {kind: network_segment, name: gaming, vlan: 20, subnet: 10.0.20.0/24, role: guest, parent: vtnet2}
"""
GAME = """stack: game
intents:
  - {kind: game_server, name: minecraft, game: minecraft, players: 10, segment: {stack: network, name: gaming}}
"""


def _applied_segment(tmp_path: Path):  # type: ignore[no-untyped-def]
    executor = ScriptedExecutor()
    service = offline_service(tmp_path, executor, inventory=OPNSENSE_INVENTORY)
    planned = service.plan(_file(tmp_path, "network.yaml", SEGMENT))
    executor.scripts = [(_ok(*[c.address for c in planned.plan.changes]), "successful")]
    service.apply(planned.deployment.id)
    return service, executor


def test_an_intent_refers_to_a_segment_another_stack_deployed(tmp_path: Path) -> None:
    service, _ = _applied_segment(tmp_path)
    game = service.plan(_file(tmp_path, "game.yaml", GAME)).plan
    planned = {change.address for change in game.changes}
    assert "docker.container.minecraft" in planned
    assert not any(address.startswith(("opnsense.vlan.", "opnsense.interface.")) for address in planned)
    rule = next(c for c in game.changes if c.kind == "opnsense.firewall_rule")
    assert "opnsense.interface.gaming" in rule.depends_on  # met by the network stack's deployed interface


def test_destroying_a_stack_others_depend_on_is_refused_naming_the_dependents(tmp_path: Path) -> None:
    service, executor = _applied_segment(tmp_path)
    planned = service.plan(_file(tmp_path, "game.yaml", GAME))
    executor.scripts = [(_ok(*[c.address for c in planned.plan.changes]), "successful")]
    service.apply(planned.deployment.id)
    with pytest.raises(ConflictError) as refused:
        service.plan_destroy(stack="network")
    assert "(stack game) depends on opnsense.interface.gaming, which this plan removes" in str(refused.value)


def test_a_reference_to_a_stack_not_deployed_names_the_deployed_ones(tmp_path: Path) -> None:
    service, _ = _applied_segment(tmp_path)
    wrong = GAME.replace("stack: network, name: gaming", "stack: netwrok, name: gaming")
    with pytest.raises(IntentError, match=r"segment.stack: no deployed stack 'netwrok' \(deployed: network\)"):
        service.plan(_file(tmp_path, "game.yaml", wrong))
    missing = GAME.replace("name: gaming}", "name: lan}")
    with pytest.raises(IntentError, match="stack 'network' declares no network_segment named 'lan'"):
        service.plan(_file(tmp_path, "game.yaml", missing))


def test_removing_what_holds_data_needs_allow_data_loss_naming_it(tmp_path: Path) -> None:
    executor = ScriptedExecutor()
    service = offline_service(tmp_path, executor, inventory=OPNSENSE_INVENTORY)
    both = SEGMENT.replace("stack: network", "stack: mc") + GAME.split("intents:\n", 1)[1].replace(
        "{stack: network, name: gaming}", "gaming")
    planned = service.plan(_file(tmp_path, "mc.yaml", both))
    executor.scripts = [(_ok(*[c.address for c in planned.plan.changes]), "successful")]
    service.apply(planned.deployment.id)

    segment_only = _file(tmp_path, "copy.yaml", SEGMENT.replace("stack: network", "stack: mc"))
    with pytest.raises(IacError) as refused:
        service.plan(segment_only)
    assert ("applying stack 'mc' would remove docker.volume.minecraft-data, and their data with them"
            in str(refused.value))
    assert refused.value.remedy is not None and refused.value.remedy.fix is Fix.ALLOW_DATA_LOSS
    plan = service.plan(segment_only, allow_data_loss=True).plan
    removed = {c.address for c in plan.changes if c.action is Action.DELETE}
    assert {"docker.container.minecraft", "docker.volume.minecraft-data"} <= removed
    assert not any(address.startswith("opnsense.vlan.") for address in removed)  # the segment stays
    assert {c.action for c in plan.changes if c.address not in removed} == {Action.NOOP}


def test_moved_renames_a_recorded_resource_so_a_renamed_segment_updates_its_vlan(tmp_path: Path) -> None:
    service, executor = _applied_segment(tmp_path)
    renamed = SEGMENT.replace("name: gaming", "name: games") + \
        "moved:\n  - {from: opnsense.vlan.gaming, to: opnsense.vlan.games}\n"
    planned = service.plan(_file(tmp_path, "network.yaml", renamed))
    actions = _actions(planned.plan)
    assert actions["opnsense.vlan.games"] == "update"  # the description; VLAN 20 on vtnet2 stays itself
    assert "opnsense.vlan.gaming" not in actions
    assert actions["opnsense.interface.gaming"] == "delete" and actions["opnsense.interface.games"] == "create"
    assert planned.plan.moved == [("opnsense.vlan.gaming", "opnsense.vlan.games")]

    executor.scripts = [(_ok(*[c.address for c in planned.plan.changes]), "successful")]
    service.apply(planned.deployment.id)
    assert service.resource("opnsense.vlan.gaming") is None
    assert [v.version for v in service.history("opnsense.vlan.games")] == [3, 2, 1]  # made, moved, updated
    assert "opnsense.vlan.games" in service.stacks()[0].stack.addresses


def test_moved_onto_a_recorded_address_is_an_error_naming_both(tmp_path: Path) -> None:
    service, _ = _applied_segment(tmp_path)
    taken = SEGMENT + "moved:\n  - {from: opnsense.dhcp_subnet.gaming, to: opnsense.vlan.gaming}\n"
    with pytest.raises(ConflictError, match="opnsense.vlan.gaming is recorded already"):
        service.plan(_file(tmp_path, "network.yaml", taken))


def test_a_moved_cycle_is_refused_when_the_file_is_read(tmp_path: Path) -> None:
    service = offline_service(tmp_path)
    cycle = _web() + "moved:\n  - {from: docker.container.a, to: docker.container.b}\n" \
        "  - {from: docker.container.b, to: docker.container.a}\n"
    with pytest.raises(IntentError, match=r"the moves form a cycle \(docker.container.a -> docker.container.b -> "
                                          r"docker.container.a\)"):
        service.plan(_file(tmp_path, "web.yaml", cycle))
    assert service.deployments() == []


TWO_ENGINES = """all:
  children:
    docker: {hosts: {lab-docker: {docker_host: unix:///tmp/x.sock}, lab-docker-2: {docker_host: unix:///tmp/y.sock}}}
"""
FANNED = """intents:
  - kind: container
    name: exporter
    image: busybox:1
    network: {name: mon-net}
    endpoints: [docker]
"""


def test_one_intent_fans_out_over_endpoints_each_copy_its_own_address(tmp_path: Path) -> None:
    service = offline_service(tmp_path, ScriptedExecutor(), inventory=TWO_ENGINES)
    plan = service.plan(_file(tmp_path, "mon.yaml", FANNED)).plan
    assert {(c.address, c.endpoint) for c in plan.changes} == {
        ("docker.network.mon-net@lab-docker", "lab-docker"), ("docker.container.exporter@lab-docker", "lab-docker"),
        ("docker.network.mon-net@lab-docker-2", "lab-docker-2"),
        ("docker.container.exporter@lab-docker-2", "lab-docker-2")}
    assert plan.change("docker.container.exporter@lab-docker-2").depends_on == ["docker.network.mon-net@lab-docker-2"]
    one = FANNED.replace("endpoints: [docker]", "endpoints: [lab-docker-2]")
    assert [c.address for c in service.plan(_file(tmp_path, "mon.yaml", one)).plan.changes] == [
        "docker.network.mon-net@lab-docker-2", "docker.container.exporter@lab-docker-2"]
    with pytest.raises(IntentError, match="'nas' is not a docker endpoint"):
        service.plan(_file(tmp_path, "mon.yaml", FANNED.replace("[docker]", "[nas]")))
    with pytest.raises(IntentError, match="give endpoint .* or endpoints .*, not both"):
        service.plan(_file(tmp_path, "mon.yaml", FANNED + "    endpoint: lab-docker\n"))


def test_fanning_out_keeps_the_copy_that_was_there_and_a_target_destroys_one_endpoints_copy(tmp_path: Path) -> None:
    executor = ScriptedExecutor(_ok("docker.network.mon-net", "docker.container.exporter"))
    service = offline_service(tmp_path, executor, inventory=TWO_ENGINES)
    single = FANNED.replace("    endpoints: [docker]\n", "    endpoint: lab-docker\n")
    service.apply(service.plan(_file(tmp_path, "mon.yaml", single)).deployment.id)

    fanned = service.plan(_file(tmp_path, "mon.yaml", FANNED))
    actions = _actions(fanned.plan)
    assert actions["docker.container.exporter@lab-docker"] == "noop"  # moved from docker.container.exporter
    assert actions["docker.container.exporter@lab-docker-2"] == "create"
    assert "docker.container.exporter" not in actions
    executor.scripts = [(_ok("docker.network.mon-net@lab-docker-2", "docker.container.exporter@lab-docker-2",
                             "docker.network.mon-net@lab-docker", "docker.container.exporter@lab-docker"),
                         "successful")]
    service.apply(fanned.deployment.id)
    assert sorted(r.address for r in service.resources()) == [
        "docker.container.exporter@lab-docker", "docker.container.exporter@lab-docker-2",
        "docker.network.mon-net@lab-docker", "docker.network.mon-net@lab-docker-2"]

    one = service.plan_destroy(stack="mon", targets=["docker.network.mon-net@lab-docker-2"]).plan
    assert [c.address for c in one.changes] == ["docker.container.exporter@lab-docker-2",
                                               "docker.network.mon-net@lab-docker-2"]


def test_what_a_stack_adopted_and_never_declared_is_kept_by_its_apply_and_removed_by_its_destroy(
    tmp_path: Path,
) -> None:
    executor = ScriptedExecutor(_ok(NETWORK, CONTAINER))
    service = offline_service(tmp_path, executor)
    web = _file(tmp_path, "web.yaml", _web())
    service.apply(service.plan(web).deployment.id)
    # An adoption, as `iac import` records it (no module runs for it).
    from planner.core.plan import Change
    adopted = Change.planned("docker.volume.legacy", "docker.volume", "legacy", "lab-docker",
                             "homelab.iac.docker_volume", Action.IMPORT, None,
                             {"name": "legacy", "adopt": True, "state": "present"}, [], 1, "")
    plan = Plan(source="import", created_at=service.deployments()[0].created_at, intents=[], changes=[adopted],
                waves=[["docker.volume.legacy"]], stack="web", targets=["docker.volume.legacy"])
    stored = service.store.create_deployment({"source": "import"}, plan.model_dump(mode="json"))
    service.apply(stored.id)
    [stack] = service.stacks()
    assert stack.stack.adopted == ["docker.volume.legacy"] and "docker.volume.legacy" in stack.stack.addresses

    again = service.plan(web).plan  # the file does not declare the volume: kept, not removed
    assert "docker.volume.legacy" not in {c.address for c in again.changes}
    service.apply(service.plan(web).deployment.id)
    assert "docker.volume.legacy" in service.stacks()[0].stack.addresses
    destroy = service.plan_destroy(stack="web", allow_data_loss=True).plan
    assert _actions(destroy)["docker.volume.legacy"] == "delete"
    assert destroy.change("docker.volume.legacy").after == {"name": "legacy", "adopt": True, "archive": True,
                                                            "state": "absent"}


def test_a_destroy_that_fails_puts_back_what_it_had_removed_from_the_recorded_specs(tmp_path: Path) -> None:
    executor = ScriptedExecutor(_ok(NETWORK, CONTAINER))
    executor.then([runner_event("runner_on_ok", CONTAINER, changed=True),  # wave 1: the container is removed
                   runner_event("runner_on_failed", NETWORK, msg="network has active endpoints")])
    executor.then(_ok(NETWORK, CONTAINER))  # the undo: the network it failed on, then the container
    service = offline_service(tmp_path, executor)
    web = _file(tmp_path, "web.yaml", _web())
    service.apply(service.plan(web).deployment.id)
    recorded = service.resource(CONTAINER)
    assert recorded is not None

    result = service.apply(service.plan_destroy(stack="web").deployment.id)
    assert result.deployment.status.value == "rolled_back"
    undo = Plan.model_validate_json((executor.runs[-1][0] / "plan.json").read_text())
    # Made again as recorded (the network that failed to go is asserted as recorded too).
    assert dict((c.address, c.after) for c in undo.changes)[CONTAINER] == recorded.spec
    assert service.resource(CONTAINER).state.value == "present"
    assert [s.stack.name for s in service.stacks()] == ["web"]  # the stack is still there, all of it
