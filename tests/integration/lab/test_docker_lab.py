"""The lab's real dockerd: idempotent up, crash detection and restart, the base image, a clean down.

Tests that stop the engine bring it back with ``lab.up()`` before they end, so the session lab is
running again for whatever comes next.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import docker
import httpx
import pytest
import yaml
from typer.testing import CliRunner

import lab as lab_package
from lab.cli import app
from lab.images import BUSYBOX_IMAGE, HELLO_TEXT
from lab.ports import free_port
from lab.supervisor import LabStatus
from tests.fixtures.lab import lab_processes, wait_until

pytestmark = pytest.mark.integration


@pytest.fixture
def client(docker_host: str) -> Iterator[docker.DockerClient]:
    engine = docker.DockerClient(base_url=docker_host, version="auto", timeout=60)
    yield engine
    engine.close()


def test_up_twice_is_harmless(lab: LabStatus, lab_home: Path) -> None:
    again = lab_package.up(lab_home)
    assert again.service("docker").healthy
    assert again.service("docker").pid == lab.service("docker").pid


def test_status_json_lists_every_service_with_socket_pid_and_health(lab: LabStatus) -> None:
    result = CliRunner().invoke(app, ["status", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    docker_service = next(service for service in document["services"] if service["name"] == "docker")
    assert docker_service["socket"] == lab.docker_host
    assert docker_service["pid"] == lab.service("docker").pid
    assert docker_service["health"] == "healthy"


def test_the_busybox_image_serves_hello_on_a_published_loopback_port(client: docker.DockerClient) -> None:
    # A user-defined bridge network must work even though the engine runs with --bridge=none.
    network = client.networks.create("lab-test-web", driver="bridge")
    port = free_port()
    container = client.containers.run(
        BUSYBOX_IMAGE,
        ["httpd", "-f", "-p", "8080", "-h", "/www"],
        detach=True,
        network=network.name,
        ports={"8080/tcp": ("127.0.0.1", port)},
    )
    try:

        def answers() -> bool:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/", timeout=2).text.strip() == HELLO_TEXT
            except httpx.HTTPError:
                return False

        wait_until(answers, "busybox httpd to answer")
    finally:
        container.remove(force=True)
        network.remove()


def test_the_inventory_points_ansible_at_the_lab_engine(lab: LabStatus) -> None:
    inventory = yaml.safe_load(Path(lab.inventory or "").read_text())
    assert inventory["all"]["vars"]["ansible_connection"] == "local"
    docker_vars = inventory["all"]["children"]["docker"]["hosts"]["lab-docker"]
    assert docker_vars["docker_host"] == lab.docker_host
    # What the engine can give containers, for the host-capacity policy: this machine's CPUs.
    assert docker_vars["capacity"]["cpus"] == os.cpu_count()
    assert docker_vars["capacity"]["memory"].endswith("m")
    # Credentials are not in the inventory, only the 0600 file they are in.
    env_file = Path(inventory["all"]["vars"]["iac_env_file"])
    assert env_file.stat().st_mode & 0o777 == 0o600
    assert "OPNSENSE_API_KEY" in yaml.safe_load(env_file.read_text())


def test_a_killed_dockerd_shows_down_and_up_restarts_it(lab: LabStatus, lab_home: Path) -> None:
    pid = lab_package.status(lab_home).service("docker").pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)  # a crash, not a clean stop
    wait_until(lambda: not lab_package.status(lab_home).service("docker").running, "dockerd to be gone")
    assert lab_package.status(lab_home).service("docker").health == "down"

    restarted = lab_package.up(lab_home).service("docker")
    assert restarted.healthy and restarted.pid != pid
    engine = docker.DockerClient(base_url=lab.docker_host, version="auto")
    try:
        assert engine.images.get(BUSYBOX_IMAGE)  # the image survives; it is not rebuilt from scratch
    finally:
        engine.close()


def test_down_stops_exactly_what_the_lab_started(lab: LabStatus, lab_home: Path) -> None:
    engine = docker.DockerClient(base_url=lab.docker_host, version="auto")
    container = engine.containers.run(BUSYBOX_IMAGE, ["sleep", "600"], detach=True, name="lab-test-sleeper")
    network = engine.networks.create("lab-test-net", driver="bridge")
    bridge = Path("/sys/class/net") / f"br-{network.id[:12]}"
    engine.close()
    # An unrelated process whose pid sits in a lab pidfile (as after pid reuse) must survive down.
    bystander = subprocess.Popen(["sleep", "600"])
    stale = lab_home / "emulators" / "ghost"
    stale.mkdir(parents=True, exist_ok=True)
    (stale / "emulator.pid").write_text(f"{bystander.pid}\n")
    try:
        assert lab_processes(lab_home), "the lab should be running before down"
        assert bridge.exists(), f"the engine should have made {bridge.name}"
        stopped = lab_package.down(lab_home)
        assert all(not service.running for service in stopped.services)
        assert lab_processes(lab_home) == {}
        assert str(lab_home) not in Path("/proc/self/mountinfo").read_text(), "a lab mount was left behind"
        assert bystander.poll() is None, "down killed a process the lab did not start"
        assert not stopped.service("docker").healthy
        # Its networks' bridge devices go too: a dead one would take the route of the next lab's same subnet.
        assert not bridge.exists(), f"{bridge.name} was left on the host"
    finally:
        bystander.kill()
        bystander.wait()
        (stale / "emulator.pid").unlink()
        stale.rmdir()
        restored = lab_package.up(lab_home)
    assert restored.service("docker").healthy
    engine = docker.DockerClient(base_url=lab.docker_host, version="auto")
    try:
        assert engine.containers.get(container.id).status == "exited"  # it was stopped, not left running
        engine.containers.get(container.id).remove(force=True)
        engine.networks.get(network.id).remove()
    finally:
        engine.close()
