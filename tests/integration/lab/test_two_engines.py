"""Two Docker endpoints in one lab (``iac lab up --docker-engines 2``): lab-docker and lab-docker-2.

One container intent fanned out over both engines: the same container (same name, same image, a
user-defined network with a subnet, a port published on 127.0.0.1) runs on each at the same time,
answers on each loopback port, and each engine's containers are its own. The lab lists the second
engine in the inventory and the status, keeps it on a later ``up`` without the option, and ``down``
stops it. The tests share one lab of their own (``lab_two_engines``) and run in file order.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import random
from collections.abc import Iterator
from pathlib import Path

import docker
import docker.errors
import httpx
import pytest
import yaml
from typer.testing import CliRunner

import lab as lab_package
from lab import process
from lab.cli import app
from lab.images import BUSYBOX_IMAGE, HELLO_TEXT
from lab.ports import free_port
from lab.supervisor import LabStatus
from tests.fixtures.lab import lab_processes, wait_until

pytestmark = pytest.mark.integration

ENGINES = ("lab-docker", "lab-docker-2")


def _inventory_docker_hosts(status: LabStatus) -> dict[str, dict[str, object]]:
    inventory = yaml.safe_load(Path(status.inventory or "").read_text())
    return dict(inventory["all"]["children"]["docker"]["hosts"])


def _free_subnets(count: int) -> list[str]:
    """/24s in 10.251.0.0/16 that no host route covers: subnets are host-wide, across engines too."""
    routed = []
    for line in Path("/proc/net/route").read_text().splitlines()[1:]:
        fields = line.split()
        destination, mask = (ipaddress.IPv4Address(bytes.fromhex(value)[::-1]) for value in (fields[1], fields[7]))
        network = ipaddress.IPv4Network(f"{destination}/{mask}")
        if network.prefixlen:  # the default route covers everything
            routed.append(network)
    candidates = [ipaddress.IPv4Network(f"10.251.{third}.0/24") for third in random.sample(range(1, 255), 254)]
    return [str(net) for net in candidates if not any(net.overlaps(route) for route in routed)][:count]


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/", timeout=2).text.strip() == HELLO_TEXT
    except httpx.HTTPError:
        return False


@pytest.fixture
def engines(lab_two_engines: LabStatus) -> Iterator[dict[str, docker.DockerClient]]:
    """An SDK client per engine, from the ``docker_host`` the inventory gives each."""
    hosts = _inventory_docker_hosts(lab_two_engines)
    clients = {name: docker.DockerClient(base_url=str(hosts[name]["docker_host"]), version="auto") for name in ENGINES}
    yield clients
    for client in clients.values():
        client.close()


def test_one_container_fanned_out_over_both_engines_answers_on_each(engines: dict[str, docker.DockerClient]) -> None:
    subnets = dict(zip(ENGINES, _free_subnets(len(ENGINES)), strict=True))
    ports = {name: free_port() for name in ENGINES}
    started: dict[str, tuple[docker.models.networks.Network, docker.models.containers.Container]] = {}
    try:
        for name, client in engines.items():
            ipam = docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(subnet=subnets[name])])
            network = client.networks.create("fanout", driver="bridge", ipam=ipam)
            container = client.containers.run(
                BUSYBOX_IMAGE,  # the lab imported it into each engine
                ["httpd", "-f", "-p", "8080", "-h", "/www"],
                name="web",  # the same name on both: the engines are independent
                detach=True,
                network=network.name,
                ports={"8080/tcp": ("127.0.0.1", ports[name])},
            )
            started[name] = (network, container)
        for name in ENGINES:  # both serve at the same time
            wait_until(lambda name=name: _answers(ports[name]), f"web on {name} to answer")

        for name, (_, container) in started.items():
            container.reload()
            address = container.attrs["NetworkSettings"]["Networks"]["fanout"]["IPAddress"]
            assert ipaddress.ip_address(address) in ipaddress.ip_network(subnets[name])
            # Containers of one engine reach each other on their network (each engine keeps --iptables on).
            fetched = engines[name].containers.run(
                BUSYBOX_IMAGE,
                ["sh", "-c", f'printf "GET / HTTP/1.0\\r\\n\\r\\n" | nc -w 5 {address} 8080'],
                network="fanout",
                remove=True,
            )
            assert HELLO_TEXT in fetched.decode()
        first, second = (started[name][1] for name in ENGINES)
        assert first.id != second.id
        assert [c.id for c in engines["lab-docker"].containers.list(all=True)] == [first.id]
        assert [c.id for c in engines["lab-docker-2"].containers.list(all=True)] == [second.id]

        # Removing lab-docker-2's web leaves lab-docker's serving.
        second.remove(force=True)
        wait_until(lambda: not _answers(ports["lab-docker-2"]), "lab-docker-2's port to close")
        assert _answers(ports["lab-docker"])
        assert engines["lab-docker"].containers.get("web").status == "running"
        with pytest.raises(docker.errors.NotFound):
            engines["lab-docker-2"].containers.get("web")
    finally:
        for network, container in started.values():
            with contextlib.suppress(docker.errors.NotFound):
                container.remove(force=True)
            network.remove()


def test_the_inventory_and_status_name_the_second_engine(lab_two_engines: LabStatus) -> None:
    hosts = _inventory_docker_hosts(lab_two_engines)
    assert sorted(hosts) == list(ENGINES)
    assert hosts["lab-docker-2"]["docker_host"] == f"unix://{lab_two_engines.home}/docker-2/docker.sock"
    assert hosts["lab-docker-2"]["capacity"] == hosts["lab-docker"]["capacity"]

    result = CliRunner().invoke(app, ["status", "--json"])  # IAC_HOME is this lab's while the module runs
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["docker_hosts"] == {name: hosts[name]["docker_host"] for name in ENGINES}
    services = {service["name"]: service for service in document["services"]}
    second = services["docker-2"]
    assert (second["kind"], second["health"]) == ("dockerd", "healthy")
    assert second["socket"] == hosts["lab-docker-2"]["docker_host"]
    assert second["pid"] not in (None, services["docker"]["pid"])
    # Its own socket, data root, exec root and pidfile: nothing shared with the first engine.
    argv = process.cmdline(second["pid"]) or []
    own = Path(lab_two_engines.home) / "docker-2"
    for flag, path in (("--data-root", "data"), ("--exec-root", "run"), ("--pidfile", "dockerd.pid")):
        assert argv[argv.index(flag) + 1] == str(own / path)


def test_a_later_up_without_the_option_keeps_the_second_engine(lab_two_engines: LabStatus) -> None:
    before = lab_package.status(Path(lab_two_engines.home)).service("docker-2").pid
    result = CliRunner().invoke(app, ["up", "--json"])
    assert result.exit_code == 0, result.output
    services = {service["name"]: service for service in json.loads(result.output)["services"]}
    assert services["docker-2"]["pid"] == before
    assert services["docker-2"]["health"] == "healthy"
    assert "lab-docker-2" in _inventory_docker_hosts(lab_two_engines)


def test_down_stops_both_engines_and_up_brings_both_back(lab_two_engines: LabStatus) -> None:
    home = Path(lab_two_engines.home)
    engine = docker.DockerClient(base_url=f"unix://{home}/docker-2/docker.sock", version="auto")
    # It leaves on SIGTERM (busybox as PID 1 would ignore it and cost down the whole stop timeout).
    command = ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"]
    sleeper = engine.containers.run(BUSYBOX_IMAGE, command, detach=True, name="sleeper")
    engine.close()

    stopped = lab_package.down(home)
    assert not stopped.service("docker").running and not stopped.service("docker-2").running
    assert lab_processes(home) == {}
    assert str(home) not in Path("/proc/self/mountinfo").read_text(), "a lab mount was left behind"

    restarted = lab_package.up(home)  # the number of engines is kept across down
    assert restarted.service("docker-2").healthy
    engine = docker.DockerClient(base_url=restarted.docker_hosts["lab-docker-2"], version="auto")
    try:
        assert engine.containers.get(sleeper.id).status == "exited"  # stopped by down, not left running
        engine.containers.get(sleeper.id).remove(force=True)
    finally:
        engine.close()


def test_asking_for_one_engine_stops_only_the_second(lab_two_engines: LabStatus) -> None:
    home = Path(lab_two_engines.home)
    first = lab_package.status(home).service("docker").pid
    result = CliRunner().invoke(app, ["up", "--docker-engines", "1", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert [service["name"] for service in document["services"] if service["kind"] == "dockerd"] == ["docker"]
    assert document["services"][0]["pid"] == first
    assert list(_inventory_docker_hosts(lab_two_engines)) == ["lab-docker"]
    assert not any(str(home / "docker-2") in argv for argv in lab_processes(home).values())


def test_an_engine_count_out_of_range_is_refused() -> None:
    result = CliRunner().invoke(app, ["up", "--docker-engines", "0"])
    assert result.exit_code == 2
    assert "--docker-engines" in result.output
