"""docker_container's mounts, volumes, healthcheck, init, stop options, static IPs, memory and env handling,
and docker_volume, through real ansible-playbook against the lab's engine."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import docker
import pytest

from lab.ports import free_port
from tests.integration.collection.playbook_tasks import (
    IMAGE,
    WEB_COMMAND,
    block,
    check,
    fetch,
    subnet_base,
    task,
)

pytestmark = pytest.mark.integration


def test_container_with_mounts_health_and_fast_stop(
    prefix: str, playbook: Any, engine: docker.DockerClient, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("served from a bind mount\n")
    port, base = free_port(), subnet_base()
    net, vol = f"{prefix}-net", f"{prefix}-data"
    volume = {"name": vol, "labels": {"app": "web"}}
    web = {
        "name": f"{prefix}-web", "image": IMAGE, "command": ["httpd", "-f", "-p", "80", "-h", "/www"],
        "ports": [f"127.0.0.1:{port}:80"], "init": True, "stop_timeout": 1,
        "networks": [{"name": net, "ipv4_address": f"{base}.10", "aliases": ["www", "site"]}],
        "volumes": [f"{site}:/www:ro", f"{vol}:/data"], "mounts": [{"type": "tmpfs", "target": "/scratch"}],
        "healthcheck": {"test": "wget -q -O /dev/null http://127.0.0.1/", "interval": "1s", "retries": 2},
        "env": {"B_FLAG": True, "A_PORT": 8080, "C_EMPTY": None}, "memory": "64m",
    }
    failing = {"ignore_errors": True}
    tasks = [
        task("network", "docker_network", {"name": net, "subnet": f"{base}.0/24"}),
        task("volume in check mode", "docker_volume", volume, check_mode=True, register="vol_check"),
        task("volume", "docker_volume", volume, diff=True, register="vol"),
        task("volume again", "docker_volume", volume, register="vol_again"),
        task("volume relabelled without purge", "docker_volume", {**volume, "labels": {"app": "db"}},
             register="vol_relabel", **failing),
        task("web", "docker_container", web, register="create"),
        fetch("page from the bind mount", f"http://127.0.0.1:{port}/", "page"),
        task("healthy eventually (rerun reports health, changes nothing)", "docker_container", web,
             register="healthy", retries=30, delay=0.5, until="healthy.container.health == 'healthy'"),
        task("env in another order and spelling", "docker_container",
             {**web, "env": {"C_EMPTY": "", "A_PORT": "8080", "B_FLAG": "true"}}, register="reordered"),
        task("4GB of RAM, in place", "docker_container", {**web, "memory": "4GB"}, register="memory"),
        task("a slower healthcheck in check mode", "docker_container",
             {**web, "memory": "4GB", "healthcheck": {**web["healthcheck"], "interval": "30s"}},
             check_mode=True, diff=True, register="health_check"),
        task("mount read-write", "docker_container",
             {**web, "memory": "4GB", "volumes": [f"{site}:/www", f"{vol}:/data"]}, register="remount"),
        task("bad memory string", "docker_container", {**web, "memory": "lots"}, register="bad_memory", **failing),
        task("volume in use", "docker_volume", {"name": vol, "state": "absent"}, register="in_use", **failing),
        task("stop (init makes it prompt)", "docker_container", {"name": web["name"], "image": IMAGE,
             "state": "stopped"}, register="stopped"),
        check(
            "mounts, health and limits behave",
            "vol_check is changed and vol_check.volume == {}",
            "vol is changed and vol.volume.labels.app == 'web' and vol.diff.after.driver == 'local'",
            "vol_again is not changed",
            "vol_relabel is failed and 'purge: true' in vol_relabel.msg",
            "create is changed and create.container.status == 'running'",
            f"create.container.networks['{net}'] == {{'ip': '{base}.10', 'aliases': ['site', 'www']}}",
            f"create.container.mounts == ['bind:{site}:/www:ro', 'tmpfs::/scratch:rw', 'volume:{vol}:/data:rw']",
            "'served from a bind mount' in page.content",
            "healthy is not changed and healthy.container.id == create.container.id",
            "reordered is not changed",
            "memory is changed and memory.action == 'update' and memory.updated == ['memory']",
            "memory.container.id == create.container.id",
            "health_check is changed and health_check.recreated_because == ['healthcheck']",
            "health_check.diff.before.healthcheck.interval == 1.0 and health_check.diff.after.healthcheck.interval == 30.0",
            "remount.recreated_because == ['mounts'] and remount.container.id != create.container.id",
            f"bad_memory is failed and bad_memory.msg.startswith('container {prefix}-web: memory: ')",
            "in_use is failed and 'in use' in in_use.msg",
            "stopped is changed and stopped.container.status == 'exited'",
        ),
        task("remove container", "docker_container", {"name": web["name"], "state": "absent"}),
        task("remove volume", "docker_volume", {"name": vol, "state": "absent"}, register="vol_gone"),
        task("remove volume again", "docker_volume", {"name": vol, "state": "absent"}, register="vol_gone_again"),
        check("volume removed once", "vol_gone is changed", "vol_gone_again is not changed"),
    ]
    cleanup = [
        task("cleanup container", "docker_container", {"name": web["name"], "state": "absent"}),
        task("cleanup volume", "docker_volume", {"name": vol, "state": "absent"}),
        task("cleanup network", "docker_network", {"name": net, "state": "absent", "force": True}),
    ]
    started = time.monotonic()
    code, output = playbook(block(tasks, cleanup), {})
    assert code == 0, output
    # Without init, busybox as PID 1 ignores SIGTERM and the stop alone would take 10 s.
    assert time.monotonic() - started < 60, output
    assert engine.volumes.list(filters={"name": vol}) == []


def test_stop_signal_and_timeout_are_applied(prefix: str, playbook: Any, engine: docker.DockerClient) -> None:
    name = f"{prefix}-sig"
    args = {"name": name, "image": IMAGE, "command": WEB_COMMAND, "networks": [], "stop_signal": "INT",
            "stop_timeout": 3, "state": "present"}
    tasks = [
        task("created, not started", "docker_container", args, register="made"),
        task("again", "docker_container", {**args, "stop_signal": "SIGINT"}, register="again"),
        task("new timeout", "docker_container", {**args, "stop_timeout": 4}, register="timeout"),
        check("signal spellings are equal, a timeout change recreates",
              "made is changed and made.container.status == 'created'", "again is not changed",
              "timeout.recreated_because == ['stop_timeout']"),
    ]
    code, output = playbook(block(tasks, [task("cleanup", "docker_container", {"name": name, "state": "absent"})]), {})
    assert code == 0, output
