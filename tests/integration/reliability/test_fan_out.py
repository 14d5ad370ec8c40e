"""One container intent fanned out over the lab's two Docker engines: applied, two addresses, and one
endpoint's copy destroyed by target while the other keeps running."""

from __future__ import annotations

from pathlib import Path

import docker
import pytest

from lab.supervisor import LabStatus
from planner.core.plan import Action
from planner.service import Service
from planner.state.records import DeploymentStatus

pytestmark = [pytest.mark.integration]

FANNED = """stack: exporters
intents:
  - kind: container
    name: exporter
    image: homelab/busybox:latest
    command: [httpd, -f, -p, "8080", -h, /www]
    network: {name: mon-net}
    memory: 32m
    endpoints: [docker]          # every Docker host: lab-docker and lab-docker-2
"""


def _running(docker_host: str) -> list[str]:
    client = docker.DockerClient(base_url=docker_host)
    try:
        return [c.name for c in client.containers.list(filters={"label": "io.homelab-iac.managed"})]
    finally:
        client.close()


def test_a_container_fans_out_over_two_engines_and_one_copy_is_destroyed_by_target(
    lab_two_engines: LabStatus, tmp_path: Path
) -> None:
    hosts = lab_two_engines.docker_hosts
    assert sorted(hosts) == ["lab-docker", "lab-docker-2"]
    intents = tmp_path / "exporters.yaml"
    intents.write_text(FANNED)
    service = Service.from_environment()  # the fixture's IAC_HOME and inventory

    planned = service.plan(intents, refresh=True)
    assert {(c.address, c.endpoint) for c in planned.plan.changes if c.kind == "docker.container"} == {
        ("docker.container.exporter@lab-docker", "lab-docker"),
        ("docker.container.exporter@lab-docker-2", "lab-docker-2")}
    result = service.apply(planned.deployment.id)
    assert result.deployment.status is DeploymentStatus.SUCCEEDED, result.deployment.error
    assert [r.address for r in service.resources()] == [
        "docker.container.exporter@lab-docker", "docker.container.exporter@lab-docker-2",
        "docker.network.mon-net@lab-docker", "docker.network.mon-net@lab-docker-2"]
    assert _running(hosts["lab-docker"]) == ["exporter"] and _running(hosts["lab-docker-2"]) == ["exporter"]

    one = service.plan_destroy(stack="exporters", targets=["docker.network.mon-net@lab-docker-2"])
    assert [(c.address, c.action) for c in one.plan.changes] == [
        ("docker.container.exporter@lab-docker-2", Action.DELETE), ("docker.network.mon-net@lab-docker-2", Action.DELETE)]
    assert service.apply(one.deployment.id).deployment.status is DeploymentStatus.SUCCEEDED
    assert _running(hosts["lab-docker-2"]) == [] and _running(hosts["lab-docker"]) == ["exporter"]
    [stack] = service.stacks()
    assert sorted(stack.stack.addresses) == ["docker.container.exporter@lab-docker", "docker.network.mon-net@lab-docker"]

    rest = service.plan_destroy(stack="exporters")
    assert service.apply(rest.deployment.id).deployment.status is DeploymentStatus.SUCCEEDED
    assert _running(hosts["lab-docker"]) == [] and service.stacks() == []
