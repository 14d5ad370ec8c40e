"""The service over fakes: an in-memory store, a scripted executor, no preflight."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from planner.adapters.execute import ScriptedExecutor
from planner.adapters.inventory import EndpointInventory, Host, load_inventory
from planner.core.plan import Plan
from planner.errors import IacError
from planner.paths import project_root
from planner.state.records import DeploymentStatus
from tests.unit.offline_service import DOCKER_INVENTORY, offline_service, state_store

HELLO = project_root() / "examples" / "hello.yaml"


def _ok(address: str, changed: bool, res: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "event": "runner_on_ok",
        "counter": 3,
        "event_data": {"address": address, "duration": 0.5,
                       "res": {"changed": changed, "invocation": {"module_args": {"env": {"PASSWORD": "s3cret"}}},
                               **(res or {})}},
    }


def test_apply_records_resources_events_and_status(tmp_path: Path) -> None:
    events = [
        {"event": "playbook_on_play_start", "event_data": {"play": "Wave 1: docker.network.hello-net"}},
        _ok("docker.network.hello-net", True, {"network": {"id": "n1", "name": "hello-net"}}),
        _ok("docker.container.hello", True, {"container": {"id": "c1", "status": "running"}}),
    ]
    service = offline_service(tmp_path, ScriptedExecutor(events))
    planned = service.plan(HELLO)
    assert planned.deployment.status is DeploymentStatus.PLANNED
    assert (planned.project / "site.yml").exists()
    result = service.apply(planned.deployment.id)
    assert result.deployment.status is DeploymentStatus.SUCCEEDED
    assert result.changed == 2
    view = service.status(planned.deployment.id[:8])
    assert [r.address for r in view.resources] == ["docker.container.hello", "docker.network.hello-net"]
    container = next(r for r in view.resources if r.address == "docker.container.hello")
    assert container.observed == {"id": "c1", "status": "running"}  # the facts the batch reported
    assert "s3cret" not in repr([e.payload for e in view.events])


def test_a_second_plan_of_the_same_file_is_all_noop(tmp_path: Path) -> None:
    store = state_store(tmp_path)
    events = [_ok("docker.network.hello-net", True), _ok("docker.container.hello", True)]
    service = offline_service(tmp_path, ScriptedExecutor(events), store)
    service.apply(service.plan(HELLO).deployment.id)
    again = service.plan(HELLO)
    assert again.plan.counts() == {"create": 0, "update": 0, "delete": 0, "noop": 2}


def test_a_failed_resource_fails_the_deployment_with_its_message(tmp_path: Path) -> None:
    failed = {"event": "runner_on_failed",
              "event_data": {"address": "docker.container.hello", "res": {"msg": "port 127.0.0.1:18080 is already in use"}}}
    service = offline_service(tmp_path, ScriptedExecutor([_ok("docker.network.hello-net", True), failed], status="failed"))
    result = service.apply(service.plan(HELLO).deployment.id, rollback=False)
    assert result.deployment.status is DeploymentStatus.FAILED
    assert result.deployment.error == "docker.container.hello: port 127.0.0.1:18080 is already in use"


def test_a_stored_plan_runs_once_and_a_stale_plan_is_refused(tmp_path: Path) -> None:
    store = state_store(tmp_path)
    events = [_ok("docker.network.hello-net", True), _ok("docker.container.hello", True)]
    service = offline_service(tmp_path, ScriptedExecutor(events), store)
    first, second = service.plan(HELLO), service.plan(HELLO)
    service.apply(first.deployment.id)
    with pytest.raises(IacError, match="is succeeded, not planned"):
        service.apply(first.deployment.id)
    with pytest.raises(IacError, match="is stale: docker.network.hello-net changed since it was planned"):
        service.apply(second.deployment.id)


def test_preflight_failure_changes_nothing(tmp_path: Path) -> None:
    executor = ScriptedExecutor()

    def refuse(plan: Plan, inventory: EndpointInventory) -> None:
        raise IacError("port taken")

    service = offline_service(tmp_path, executor, preflight=refuse)
    planned = service.plan(HELLO)
    with pytest.raises(IacError, match="port taken"):
        service.apply(planned.deployment.id)
    assert executor.runs == []
    assert service.get_deployment(planned.deployment.id).status is DeploymentStatus.PLANNED


def test_plan_out_writes_a_project_where_asked(tmp_path: Path) -> None:
    service = offline_service(tmp_path, ScriptedExecutor())
    service.plan(HELLO, out=tmp_path / "repo")
    assert (tmp_path / "repo" / "site.yml").exists()
    assert (tmp_path / "repo" / "collections" / "requirements.yml").exists()


def test_inventory_groups_hosts_by_backend(tmp_path: Path) -> None:
    hosts = tmp_path / "hosts.yml"
    hosts.write_text(DOCKER_INVENTORY)
    inventory = load_inventory(hosts)
    assert inventory.hosts == {"lab-docker": Host("lab-docker", "docker", {"docker_host": "unix:///tmp/x.sock"})}


def _counting_renders(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    import planner.adapters.render as render

    rendered: list[Path] = []
    real = render.render_project

    def counting(plan: Plan, inventory: EndpointInventory, out_dir: Path, **kwargs: Any) -> Path:
        rendered.append(out_dir)
        return real(plan, inventory, out_dir, **kwargs)

    monkeypatch.setattr(render, "render_project", counting)
    return rendered


@pytest.mark.parametrize("moved", [None, "site.yml edited by hand", "inventory changed"])
def test_an_apply_runs_the_project_rendered_at_plan_time_unless_it_or_its_inputs_moved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, moved: str | None
) -> None:
    rendered = _counting_renders(monkeypatch)
    service = offline_service(tmp_path, ScriptedExecutor([_ok("docker.network.hello-net", True),
                                                   _ok("docker.container.hello", True)]))  # fmt: skip
    planned = service.plan(HELLO)
    site = (planned.project / "site.yml").read_text()
    if moved == "site.yml edited by hand":
        (planned.project / "site.yml").write_text(site + "# a hand edit\n")
    elif moved == "inventory changed":
        inventory = tmp_path / "hosts.yml"
        inventory.write_text(inventory.read_text().replace("/tmp/x.sock", "/tmp/y.sock"))
    assert service.apply(planned.deployment.id).deployment.status is DeploymentStatus.SUCCEEDED
    assert rendered == [planned.project] * (1 if moved is None else 2)  # at plan time, and again if moved
    assert (planned.project / "site.yml").read_text() == site
