"""The gate between waves: every wave after the first starts by ending the run if an earlier wave failed.

The plays use the free strategy, which ignores ``any_errors_fatal``: without the gate, the endpoints that
did not fail would go on into the next wave. The gate is no resource's task, so neither the recorder nor
the drift check takes its events for a result.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from planner.adapters.inventory import EndpointInventory, Host
from planner.adapters.record import DeploymentRecorder
from planner.adapters.render import render_project
from planner.core.plan import Action, Change, Plan
from planner.core.tasks import WAVE_GATE
from planner.service.drift import DriftCollector
from tests.unit.offline_service import state_store

INVENTORY = EndpointInventory(
    path=Path("hosts.yml"),
    hosts={"docker1": Host("docker1", "docker", {}), "docker2": Host("docker2", "docker", {})},
)


def _change(address: str, endpoint: str, wave: int) -> Change:
    kind, name = address.rsplit(".", 1)
    return Change(address=address, kind=kind, name=name, endpoint=endpoint, module="homelab.iac.docker_network",
                  action=Action.CREATE, before=None, after={"name": name, "state": "present"}, wave=wave)


# Three waves: two endpoints in the first, one in each of the others.
PLAN = Plan(
    source="t", created_at=datetime(2026, 11, 26, tzinfo=UTC), intents=[],
    changes=[_change("docker.network.a", "docker1", 1), _change("docker.network.b", "docker2", 1),
             _change("docker.network.c", "docker1", 2), _change("docker.network.d", "docker2", 3)],
    waves=[["docker.network.a", "docker.network.b"], ["docker.network.c"], ["docker.network.d"]],
)


class _AnsibleLoader(yaml.SafeLoader):
    pass


_AnsibleLoader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))  # type: ignore[arg-type]


def _plays(tmp_path: Path) -> list[dict[str, Any]]:
    project = render_project(PLAN, INVENTORY, tmp_path / "project", deployment_id="d1")
    plays: list[dict[str, Any]] = yaml.load((project / "site.yml").read_text(), Loader=_AnsibleLoader)
    return plays


def test_every_later_wave_starts_with_the_gate_over_all_earlier_tasks(tmp_path: Path) -> None:
    first, second, third = _plays(tmp_path)
    assert "pre_tasks" not in first
    assert all("any_errors_fatal" not in play for play in (first, second, third))  # unsupported with free
    assert second["pre_tasks"] == [{
        "name": WAVE_GATE, "ansible.builtin.meta": "end_play",
        "vars": {"iac_earlier_failures": ["{{ hostvars['docker1']['iac_wave1_docker1'] | default({}) is failed }}",
                                         "{{ hostvars['docker2']['iac_wave1_docker2'] | default({}) is failed }}"]},
        "when": "not ansible_check_mode and true in iac_earlier_failures",
    }]
    # Every earlier wave, not only the last: a wave the gate ended registered nothing (nor does --limit).
    assert third["pre_tasks"][0]["vars"]["iac_earlier_failures"][2] == (
        "{{ hostvars['docker1']['iac_wave2_docker1'] | default({}) is failed }}")
    assert [task["name"] for task in second["tasks"]] == ["Wave 2 on docker1"]  # the resource tasks as before


def _gate_events(host: str) -> list[dict[str, Any]]:
    """What ansible-runner streams for a gate that lets the wave go on (a meta task whose condition is false)."""
    data = {"task": WAVE_GATE, "host": host, "play": "Wave 2: 1 resource on docker1",
            "res": {"skipped": True, "skip_reason": "end_play conditional evaluated to False, continuing play"}}
    return [{"event": "playbook_on_task_start", "event_data": {"task": WAVE_GATE}},
            {"event": "runner_on_skipped", "event_data": data}]


def test_the_recorder_stores_nothing_of_the_gate() -> None:
    store = state_store()
    deployment = store.create_deployment({}, PLAN.model_dump(mode="json"))
    recorder = DeploymentRecorder(store, deployment.id, PLAN)
    for event in _gate_events("docker1"):
        recorder(event)
    assert store.list_events(deployment.id) == []
    assert recorder.ordered_results() == [] and recorder.task_errors == []


def test_the_drift_check_takes_no_result_from_the_gate() -> None:
    collector = DriftCollector(PLAN)
    for event in _gate_events("docker1"):
        collector(event)
    assert collector.items == {}
