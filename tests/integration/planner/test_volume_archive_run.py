"""A planned removal of a Docker volume, rendered and run through ansible-runner on the lab's engine, archives
the volume under ``<IAC_HOME>/archives/volumes`` first and records the archive as the run's safety net.

The plan is one change (what destroy, a stack's convergence and undo all produce for a volume: its
``absent_spec``), so this holds the registry, the renderer, the executor's environment, the module and the
recorder together without depending on any intent.
"""

from __future__ import annotations

import secrets
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import docker
import pytest
import yaml

from planner.adapters.execute import AnsibleRunnerExecutor
from planner.adapters.inventory import load_inventory
from planner.adapters.record import DeploymentRecorder
from planner.adapters.render import render_project
from planner.core.kinds import kind_spec, module_for
from planner.core.plan import Action, Change, Plan
from tests.integration.collection.playbook_tasks import IMAGE, MANAGED_LABEL
from tests.unit.offline_service import state_store

pytestmark = [pytest.mark.integration]


def test_a_planned_volume_removal_is_archived_and_recorded(
    docker_host: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("IAC_HOME", str(home))
    monkeypatch.delenv("IAC_VOLUME_ARCHIVE_DIR", raising=False)
    engine = docker.DockerClient(base_url=docker_host)
    name = f"iac-plan-{secrets.token_hex(3)}-data"
    engine.volumes.create(name, labels={MANAGED_LABEL: "true"})
    try:
        engine.containers.run(IMAGE, ["sh", "-c", "echo 'world save' > /v/save.txt"],
                              volumes={name: {"bind": "/v", "mode": "rw"}}, remove=True)
        (tmp_path / "hosts.yml").write_text(yaml.safe_dump({"all": {
            "vars": {"ansible_connection": "local"},
            "children": {"docker": {"hosts": {"lab-docker": {"docker_host": docker_host}}}}}}))
        inventory = load_inventory(tmp_path / "hosts.yml")
        address = f"docker.volume.{name}"
        change = Change(address=address, kind="docker.volume", name=name, endpoint="lab-docker",
                        module=module_for("docker.volume"), action=Action.DELETE, before={"name": name},
                        after=kind_spec("docker.volume").absent_spec({"name": name, "driver": "local"}), wave=1)
        plan = Plan(source="t", created_at=datetime.now(UTC), intents=[], changes=[change], waves=[[address]])
        project = render_project(plan, inventory, tmp_path / "project", deployment_id="archive")
        assert "archive: true" in (project / "site.yml").read_text()

        store = state_store()
        deployment = store.create_deployment({}, plan.model_dump(mode="json"))
        recorder = DeploymentRecorder(store, deployment.id, plan)
        result = AnsibleRunnerExecutor(tmp_path / "runs").run(project, on_event=recorder)
        assert result.ok, result.detail

        [net] = recorder.summary(result.status)["safety_nets"]
        archive = Path(net["id"])
        assert (net["kind"], net["resource"], net["endpoint"]) == ("docker_volume_archive", address, "lab-docker")
        assert archive.parent == home / "archives" / "volumes" and archive.name.startswith(f"{name}-")
        assert net["restore"].startswith(f"docker volume create {name} && ") and str(archive) in net["restore"]
        with tarfile.open(archive) as tar:
            saved = tar.extractfile("./save.txt")
            assert saved is not None and saved.read() == b"world save\n"
        assert engine.volumes.list(filters={"name": name}) == []
    finally:
        for volume in engine.volumes.list(filters={"name": name}):
            volume.remove(force=True)
        engine.close()
