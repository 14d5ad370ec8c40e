"""A refreshed plan: one check-mode run reads the endpoints; applying it runs only what differs."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.adapters.execute import ScriptedExecutor
from planner.core.plan import Action, Plan
from planner.errors import ConflictError
from planner.paths import project_root
from planner.state.records import DeploymentStatus
from tests.unit.offline_service import offline_service, runner_event

HELLO = project_root() / "examples" / "hello.yaml"
CONTAINER, NETWORK = "docker.container.hello", "docker.network.hello-net"


def _made() -> list[dict]:  # type: ignore[type-arg]
    return [runner_event("runner_on_ok", NETWORK, changed=True), runner_event("runner_on_ok", CONTAINER, changed=True)]


def test_a_rerun_with_nothing_different_runs_nothing(tmp_path: Path) -> None:
    in_sync = [runner_event("runner_on_ok", address, changed=False, action="noop") for address in (NETWORK, CONTAINER)]
    executor = ScriptedExecutor(_made()).checking(in_sync)
    service = offline_service(tmp_path, executor)
    service.apply(service.plan(HELLO).deployment.id)

    planned = service.plan(HELLO, refresh=True)
    assert executor.runs[-1][1] is True  # the refresh: a check-mode run
    assert {c.action for c in planned.plan.changes} == {Action.NOOP} and planned.plan.refreshed
    result = service.apply(planned.deployment.id)
    assert len(executor.runs) == 2  # the apply ran nothing
    assert result.deployment.status is DeploymentStatus.SUCCEEDED
    assert result.outcome_line().endswith("no changes, nothing ran (2 in sync).")
    assert [s.stack.name for s in service.stacks()] == ["hello"]


def test_a_resource_that_drifted_is_the_only_one_run(tmp_path: Path) -> None:
    drifted = [runner_event("runner_on_ok", NETWORK, changed=False, action="noop"),
               runner_event("runner_on_ok", CONTAINER, changed=True, action="update")]
    executor = ScriptedExecutor(_made()).then([runner_event("runner_on_ok", CONTAINER, changed=True)])
    executor.checking(drifted)
    service = offline_service(tmp_path, executor)
    service.apply(service.plan(HELLO).deployment.id)

    planned = service.plan(HELLO, refresh=True)
    assert planned.plan.change(CONTAINER).action is Action.UPDATE
    result = service.apply(planned.deployment.id)
    assert [r.address for r in result.results] == [CONTAINER]
    assert (result.changed, result.unchanged) == (1, 1)
    ran = Plan.model_validate_json((executor.runs[-1][0] / "plan.json").read_text())
    assert [c.address for c in ran.changes] == [CONTAINER]  # the project that ran holds only what differs


def test_a_create_that_meets_an_unmanaged_object_stores_no_plan(tmp_path: Path) -> None:
    taken = [runner_event("runner_on_ok", NETWORK, changed=True, action="update")]
    service = offline_service(tmp_path, ScriptedExecutor().checking(taken))
    with pytest.raises(ConflictError, match=r"docker.network.hello-net exists on lab-docker and homelab-iac does not "
                                            r"manage it; adopt it with `iac import docker.network.hello-net "
                                            r"hello-net --stack hello`"):
        service.plan(HELLO, refresh=True)
    assert service.deployments() == []


def test_what_the_check_did_not_see_runs_as_before(tmp_path: Path) -> None:
    """A check that reports nothing (a fake without a script, a task that never ran) proves nothing in sync."""
    executor = ScriptedExecutor(_made())
    service = offline_service(tmp_path, executor)
    service.apply(service.plan(HELLO).deployment.id)
    planned = service.plan(HELLO, refresh=True)
    assert planned.plan.refreshed and planned.plan.checked == []
    result = service.apply(planned.deployment.id)
    assert sorted(r.address for r in result.results) == sorted([NETWORK, CONTAINER])
