"""All-or-nothing over fakes: what a failed run changed is undone in reverse order, and recorded."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from planner.adapters.execute import ScriptedExecutor
from planner.core.builder import before_states, build_plan, inverse_plan
from planner.core.plan import Action
from planner.errors import IacError
from planner.intents import Endpoints, parse_intents
from planner.paths import project_root
from planner.state.records import DeploymentStatus, ResourceState
from tests.unit.offline_service import offline_service, runner_event, state_store

HELLO = project_root() / "examples" / "hello.yaml"
NETWORK, CONTAINER = "docker.network.hello-net", "docker.container.hello"


def test_inverse_plan_removes_what_was_created_and_restores_what_was_changed() -> None:
    intents = parse_intents([{"kind": "container", "name": "a", "image": "x:2", "network": {"name": "n"}}])
    recorded = {"docker.container.a": {"name": "a", "image": "x:1", "state": "started"}}
    plan = build_plan(intents, Endpoints({"docker": ["lab-docker"]}), recorded, source="t")
    undo = inverse_plan(plan, before_states(plan, recorded), ["docker.network.n", "docker.container.a"])
    assert undo is not None
    assert undo.waves == [["docker.container.a"], ["docker.network.n"]]  # dependents first
    container, network = undo.changes
    # The run replaced the container (a new image); undoing it replaces it back.
    assert (container.action, container.after) == (Action.REPLACE, recorded["docker.container.a"])
    assert (network.action, network.after) == (Action.DELETE, {"name": "n", "state": "absent"})
    assert inverse_plan(plan, before_states(plan, recorded), []) is None


def test_a_failed_wave_undoes_the_earlier_wave_and_ends_rolled_back(tmp_path: Path) -> None:
    store = state_store(tmp_path)
    executor = ScriptedExecutor(
        [runner_event("runner_on_ok", NETWORK, changed=True, network={"id": "n1"}),
         runner_event("runner_on_failed", CONTAINER, msg="image nope:1 is not on the Docker host")],
        status="failed",
    ).then([runner_event("runner_on_ok", CONTAINER, changed=False), runner_event("runner_on_ok", NETWORK, changed=True)])
    service = offline_service(tmp_path, executor, store)
    result = service.apply(service.plan(HELLO).deployment.id)
    assert result.deployment.status is DeploymentStatus.ROLLED_BACK
    assert "image nope:1 is not on the Docker host" in (result.deployment.error or "")
    assert [(r.address, r.status) for r in result.rollback] == [(CONTAINER, "ok"), (NETWORK, "changed")]
    undo_site = yaml.safe_load((executor.runs[1][0] / "site.yml").read_text())
    undo_items = [item for play in undo_site for task in play["tasks"] for item in task["homelab.iac.docker_batch"]["items"]]
    assert undo_items == [{"kind": "container", "name": "hello", "state": "absent"},
                          {"kind": "network", "name": "hello-net", "state": "absent"}]
    assert store.get_resource(NETWORK).state is ResourceState.ABSENT  # type: ignore[union-attr]
    kinds = [e.event_type for e in store.list_events(result.deployment.id)]
    assert kinds.index("rollback_started") < kinds.index("rollback_finished")
    # The next plan starts from nothing again: everything is to be created.
    assert service.plan(HELLO).plan.counts()["create"] == 2


def test_a_rollback_that_fails_says_what_is_left(tmp_path: Path) -> None:
    executor = ScriptedExecutor(
        [runner_event("runner_on_ok", NETWORK, changed=True), runner_event("runner_on_failed", CONTAINER, msg="boom")],
        status="failed",
    ).then([runner_event("runner_on_ok", CONTAINER, changed=True),
            runner_event("runner_on_failed", NETWORK, msg="network has active endpoints")], status="failed")
    service = offline_service(tmp_path, executor)
    result = service.apply(service.plan(HELLO).deployment.id)
    assert result.deployment.status is DeploymentStatus.ROLLBACK_FAILED
    assert result.deployment.error == f"{CONTAINER}: boom; rollback could not undo {NETWORK}"


def test_no_rollback_keeps_the_partial_state_and_iac_rollback_undoes_it_later(tmp_path: Path) -> None:
    store = state_store(tmp_path)
    executor = ScriptedExecutor(
        [runner_event("runner_on_ok", NETWORK, changed=True), runner_event("runner_on_failed", CONTAINER, msg="boom")],
        status="failed",
    ).then([runner_event("runner_on_ok", CONTAINER, changed=False), runner_event("runner_on_ok", NETWORK, changed=True)])
    service = offline_service(tmp_path, executor, store)
    failed = service.apply(service.plan(HELLO).deployment.id, rollback=False)
    assert failed.deployment.status is DeploymentStatus.FAILED
    assert len(executor.runs) == 1
    assert store.get_resource(NETWORK).state is ResourceState.PRESENT  # type: ignore[union-attr]
    undone = service.rollback(failed.deployment.id[:8])
    assert undone.deployment.status is DeploymentStatus.ROLLED_BACK
    assert store.get_resource(NETWORK).state is ResourceState.ABSENT  # type: ignore[union-attr]
    with pytest.raises(IacError, match="only a failed or interrupted deployment can be rolled back"):
        service.rollback(failed.deployment.id)


def test_a_create_that_met_an_object_made_by_hand_is_never_recorded_nor_removed_only_put_back(tmp_path: Path) -> None:
    """Planned without a refresh, a create meets what a person made: the module found it ("update"). The run
    fails naming it; undoing puts it back as the module found it and removes nothing homelab-iac did not make."""
    from planner.core.plan import Plan

    hand_made = {"name": "hello-net", "driver": "bridge", "subnet": "10.9.0.0/24", "internal": False}
    network, container = "docker.network.hello-net", "docker.container.hello"
    executor = ScriptedExecutor([
        runner_event("runner_on_ok", network, changed=True, action="update",
                     diff={"before": hand_made, "after": {**hand_made, "subnet": "172.30.10.0/24"}}),
    ]).then([runner_event("runner_on_ok", network, changed=True)])
    service = offline_service(tmp_path, executor)
    result = service.apply(service.plan(HELLO).deployment.id)

    assert result.deployment.status is DeploymentStatus.ROLLED_BACK
    failed = next(r for r in result.results if r.address == network)
    assert failed.status == "failed" and "existed on lab-docker before this deployment" in failed.message
    assert result.deployment.summary["taken_over"] == [network]
    undo = Plan.model_validate_json((executor.runs[1][0] / "plan.json").read_text())
    [put_back] = [c for c in undo.changes if c.address == network]
    # Its subnet can only go back by recreating it (a replacement), as it was found.
    assert put_back.action.value == "replace" and put_back.after == {**hand_made, "state": "present"}
    assert container not in {c.address for c in undo.changes}  # never reached: nothing to undo
    assert service.resource(network) is None  # never recorded as homelab-iac's, by the run or by the undo
