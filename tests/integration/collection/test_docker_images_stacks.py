"""docker_image, docker_stack, docker_batch and docker_info through real ansible-playbook against the lab's engine.

Images that must fail to pull are named under ``127.0.0.1:1`` so the engine's attempt never leaves loopback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import docker
import pytest

from lab.ports import free_port
from tests.integration.collection.playbook_tasks import (
    IMAGE,
    MANAGED_LABEL,
    block,
    check,
    fetch,
    subnet_base,
    task,
)

pytestmark = pytest.mark.integration
UNREACHABLE = "127.0.0.1:1/homelab/none:1"
HEALTHCHECK = {"test": "wget -q -O /dev/null http://127.0.0.1/", "interval": "1s", "retries": 2}


def test_image_build_load_pull_and_remove(
    prefix: str, playbook: Any, engine: docker.DockerClient, tmp_path: Path
) -> None:
    context = tmp_path / "context"
    context.mkdir()
    (context / "Dockerfile").write_text("FROM homelab/busybox:latest\nCOPY page.html /www/page.html\n")
    (context / "page.html").write_text("version one\n")
    archive = tmp_path / "image.tar"
    loaded_name = f"{prefix}-loaded:1"
    engine.images.get(IMAGE).tag(f"{prefix}-loaded", "1")
    with archive.open("wb") as handle:
        for chunk in engine.images.get(loaded_name).save(named=True):
            handle.write(chunk)
    engine.images.remove(loaded_name)
    built_name, port, net = f"{prefix}-app:1", free_port(), f"{prefix}-net"
    build = {"name": built_name, "build": {"path": str(context)}, "labels": {"app": "web"}}
    web = {"name": f"{prefix}-web", "image": built_name, "command": ["httpd", "-f", "-p", "80", "-h", "/www"],
           "init": True, "ports": [f"127.0.0.1:{port}:80"], "networks": [{"name": net}]}
    failing = {"ignore_errors": True}
    tasks = [
        task("build in check mode", "docker_image", build, check_mode=True, register="check_build"),
        task("build", "docker_image", build, register="built"),
        task("build again", "docker_image", build, register="built_again"),
        {"name": "the context changes", "ansible.builtin.copy": {"dest": str(context / "page.html"),
                                                                 "content": "version two\n"}},
        task("rebuild", "docker_image", build, register="rebuilt"),
        task("network", "docker_network", {"name": net}),
        task("a container from the built image", "docker_container", web),
        fetch("the rebuilt page", f"http://127.0.0.1:{port}/page.html", "page"),
        task("load", "docker_image", {"name": loaded_name, "load_path": str(archive)}, register="loaded"),
        task("load again", "docker_image", {"name": loaded_name, "load_path": str(archive)}, register="loaded_again"),
        task("pull without a registry", "docker_image", {"name": UNREACHABLE}, register="pull", **failing),
        task("remove a loaded image", "docker_image", {"name": loaded_name, "state": "absent"},
             register="foreign", **failing),
        task("remove the container", "docker_container", {"name": web["name"], "state": "absent"}),
        task("remove the built image", "docker_image", {"name": built_name, "state": "absent"}, register="gone"),
        task("remove it again", "docker_image", {"name": built_name, "state": "absent"}, register="gone_again"),
        check(
            "images come from builds and archives, idempotently",
            "check_build is changed and check_build.image == {}",
            "built is changed and built.action == 'create' and built.image.labels.app == 'web'",
            f"built.image.labels['{MANAGED_LABEL}'] == 'true' and built.image.tags == ['{built_name}']",
            "built_again is not changed and built_again.image.id == built.image.id",
            "rebuilt is changed and rebuilt.replaced_because == ['source_digest'] and rebuilt.image.id != built.image.id",
            "'version two' in page.content",
            "loaded is changed and loaded_again is not changed",
            "pull is failed and 'could not be pulled' in pull.msg and '127.0.0.1:1' in pull.msg",
            "foreign is failed and 'not built by homelab.iac' in foreign.msg",
            "gone is changed and gone_again is not changed",
        ),
    ]
    cleanup = [task("cleanup container", "docker_container", {"name": web["name"], "state": "absent"}),
               task("cleanup network", "docker_network", {"name": net, "state": "absent", "force": True})]
    code, output = playbook(block(tasks, cleanup), {})
    assert code == 0, output
    assert engine.images.list(name=f"{prefix}-app") == []


def test_stack_converges_and_removes_exactly_what_it_owns(
    prefix: str, playbook: Any, engine: docker.DockerClient
) -> None:
    port, base = free_port(), subnet_base()
    # Not the stack's, though named like a member and even carrying its label: must survive removal.
    bystander = engine.containers.create(IMAGE, ["sleep", "600"], name=f"{prefix}-bystander", network_mode="none",
                                         labels={"io.homelab-iac.stack": prefix})
    definition = {
        "networks": {"front": {"subnet": f"{base}.0/24"}},
        "volumes": {"data": {}},
        "services": {
            "probe": {"image": IMAGE, "command": ["sleep", "3600"], "init": True, "networks": ["front"],
                      "environment": {"TOKEN": "stack-secret-4711"}, "depends_on": ["web"]},
            "web": {"image": IMAGE, "command": ["httpd", "-f", "-p", "80", "-h", "/www"], "init": True,
                    "ports": [f"127.0.0.1:{port}:80"], "volumes": ["data:/data"], "healthcheck": HEALTHCHECK,
                    "networks": {"front": {"ipv4_address": f"{base}.10"}}, "mem_limit": "64m"},
        },
    }
    changed_probe = {**definition, "services": {**definition["services"], "probe": {
        **definition["services"]["probe"], "command": ["sleep", "7200"]}}}
    web_only = {**definition, "services": {"web": definition["services"]["web"]}}
    stack = {"name": prefix, "definition": definition}
    tasks = [
        task("stack in check mode", "docker_stack", stack, check_mode=True, register="check_stack"),
        task("nothing made in check mode", "docker_container", {"name": f"{prefix}-web", "state": "absent"},
             check_mode=True, register="nothing"),
        task("stack", "docker_stack", stack, diff=True, register="made"),
        fetch("the web service answers", f"http://127.0.0.1:{port}/", "page"),
        task("stack again", "docker_stack", stack, register="again"),
        task("probe changes", "docker_stack", {**stack, "definition": changed_probe}, register="probe"),
        task("probe dropped", "docker_stack", {**stack, "definition": web_only}, register="dropped"),
        task("stack removed", "docker_stack", {"name": prefix, "state": "absent"}, register="removed"),
        task("volumes purged", "docker_stack", {"name": prefix, "state": "absent", "purge_volumes": True},
             register="purged"),
        check(
            "a stack converges together and removes only its own members",
            "check_stack is changed and check_stack.services.web.action == 'create' and nothing is not changed",
            "made is changed and made.services.web.status == 'running' and made.services.probe.status == 'running'",
            f"made.services.web.networks['{prefix}-front'].ip == '{base}.10'",
            f"made.services.web.mounts == ['volume:{prefix}-data:/data:rw']",
            "made.volumes.data.action == 'create' and made.networks.front.action == 'create'",
            "made.diff | length == 4",
            "'hello' in page.content",
            "again is not changed",
            "probe is changed and probe.services.probe.recreated_because == ['command']",
            "probe.services.web.action == 'noop'",
            f"dropped.removed == ['container {prefix}-probe']",
            f"removed.removed == ['container {prefix}-web', 'network {prefix}-front']",
            f"removed.kept_volumes == ['{prefix}-data']",
            f"purged.removed == ['volume {prefix}-data']",
        ),
    ]
    cleanup = [task("cleanup", "docker_stack", {"name": prefix, "state": "absent", "purge_volumes": True})]
    code, output = playbook(block(tasks, cleanup), {})
    assert code == 0, output
    assert "stack-secret-4711" not in output
    names = {c.name for c in engine.containers.list(all=True, filters={"name": prefix})}
    assert names == {bystander.name}


def test_batch_and_info(prefix: str, playbook: Any, engine: docker.DockerClient) -> None:
    net = f"{prefix}-net"
    workers = [{"kind": "container", "name": f"{prefix}-w{i}", "image": IMAGE, "command": ["sleep", "3600"],
                "init": True, "networks": [{"name": net}], "env": {"ROLE": "worker"},
                "secret_env": {"SECRET": "batch-secret-2718"}}
               for i in range(3)]
    resources = [{"kind": "network", "name": net}, {"kind": "volume", "name": f"{prefix}-vol"}, *workers]
    stack_item = {"kind": "stack", "name": f"{prefix}-st", "definition": {
        "services": {"web": {"image": IMAGE, "command": ["sleep", "3600"], "init": True}}}}
    failing = {"ignore_errors": True}
    tasks = [
        task("batch in check mode", "docker_batch", {"items": resources}, check_mode=True, register="check_batch"),
        task("batch", "docker_batch", {"items": resources}, diff=True, register="made"),
        task("batch again, old option name", "docker_batch", {"resources": resources}, register="again"),
        task("a failing item stops the batch", "docker_batch", {"workers": 1, "items": [
            workers[0], {**workers[1], "name": f"{prefix}-bad", "image": UNREACHABLE}, {**workers[2], "name": f"{prefix}-late"},
        ]}, register="stopped", **failing),
        task("items already running when one fails complete and are reported", "docker_batch", {"items": [
            workers[0], {**workers[1], "name": f"{prefix}-bad", "image": UNREACHABLE}, {**workers[2], "name": f"{prefix}-along"},
        ]}, register="in_flight", **failing),
        task("a stack as one item", "docker_batch", {"items": [stack_item]}, register="stacked"),
        task("an invalid item changes nothing", "docker_batch", {"items": [
            {**workers[0], "name": f"{prefix}-early"}, {**workers[1], "memory": "lots"},
        ]}, register="invalid", **failing),
        check(
            "one task, every item, in order",
            "check_batch is changed and check_batch.results | map(attribute='action') | unique == ['create']",
            "made is changed and made.results | length == 5 and made.diff | length == 5",
            "made.results | map(attribute='index') | list == [0, 1, 2, 3, 4]",
            f"made.results | map(attribute='name') | list == ['{net}', '{prefix}-vol', '{prefix}-w0', '{prefix}-w1', '{prefix}-w2']",
            "made.results[2].kind == 'container' and made.results[2].action == 'create'",
            "made.results[2].facts.status == 'running' and made.results[0].facts.name is string",
            "made.results[2].facts.env == {'ROLE': 'worker', 'SECRET': '********'}",
            "made.results[2].diff.before == {} and made.results[2].diff.after.running",
            "again is not changed and again.results | map(attribute='action') | unique == ['noop']",
            "stopped is failed and stopped.failed_index == 1 and stopped.results | map(attribute='index') | list == [0]",
            f"stopped.msg.startswith('items[1] (container {prefix}-bad): ')",
            "in_flight is failed and in_flight.failed_index == 1",
            "in_flight.results | map(attribute='index') | list == [0, 2] and in_flight.results[1].action == 'create'",
            "invalid is failed and invalid.failed_index == 1 and 'memory' in invalid.msg and invalid.results == []",
            "stacked is changed and stacked.results[0].kind == 'stack' and stacked.results[0].action == 'create'",
            "stacked.results[0].facts.services.web.status == 'running'",
        ),
    ]
    cleanup = [task("cleanup", "docker_batch", {"items": [
        *({"kind": "container", "name": name, "state": "absent"} for name in
          [w["name"] for w in workers] + [f"{prefix}-{n}" for n in ("bad", "late", "along", "early")]),
        {"kind": "network", "name": net, "state": "absent"}, {"kind": "volume", "name": f"{prefix}-vol", "state": "absent"},
        {"kind": "stack", "name": f"{prefix}-st", "state": "absent"},
    ]})]
    info = [task("info with DOCKER_HOST from the environment", "docker_info", {"managed_only": True}, register="info"),
            check("engine and usage reported", "info.engine.version is string and info.engine.api_version is string",
                  f"info.containers | selectattr('name', 'equalto', '{prefix}-w0') | map(attribute='usage.memory_bytes')"
                  " | first > 0", "info.containers | rejectattr('managed') | list == []")]
    code, output = playbook(tasks, {})
    assert code == 0, output
    names_before_cleanup = {c.name for c in engine.containers.list(all=True, filters={"name": prefix})}
    try:
        code, info_output = playbook(info, {}, env_only=True)
        assert code == 0, info_output
    finally:
        code, cleanup_output = playbook(cleanup, {})
    assert code == 0, cleanup_output
    assert "batch-secret-2718" not in output
    assert f"{prefix}-late" not in names_before_cleanup and f"{prefix}-along" in names_before_cleanup
    assert f"{prefix}-early" not in names_before_cleanup
    assert {c.name for c in engine.containers.list(all=True, filters={"name": prefix})} == set()
