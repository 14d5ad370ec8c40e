"""homelab.iac.docker_network / docker_container through real ansible-playbook against a real engine.

Missing images are named under 127.0.0.1:1 so the engine's pull attempt never leaves loopback.

The rhythm is community.docker's: change -> same task again -> assert ``is changed`` / ``is not
changed``, check mode and diff mode, with an ``always:`` cleanup. Fixtures are in conftest.py.
"""

from __future__ import annotations

from typing import Any

import docker
import pytest

from lab.ports import free_port
from tests.integration.collection.playbook_tasks import IMAGE, MANAGED_LABEL, WEB_COMMAND
from tests.integration.collection.playbook_tasks import block as _block
from tests.integration.collection.playbook_tasks import check as _assert
from tests.integration.collection.playbook_tasks import task as _task

pytestmark = pytest.mark.integration


def test_network_lifecycle(prefix: str, playbook: Any, engine: docker.DockerClient) -> None:
    net = {"name": prefix, "subnet": "172.29.71.0/24", "gateway": "172.29.71.1", "labels": {"role": "lan"}}
    tasks = [
        _task("create in check mode", "docker_network", net, check_mode=True, register="check_create"),
        _task("create", "docker_network", net, diff=True, register="create"),
        _task("create again", "docker_network", net, register="again"),
        _assert(
            "created once, nothing in check mode, facts returned",
            "check_create is changed and check_create.network == {}",
            "create is changed and create.action == 'create'",
            "create.diff.before == {} and create.diff.after.subnet == '172.29.71.0/24'",
            "create.network.subnet == '172.29.71.0/24' and create.network.gateway == '172.29.71.1'",
            f"create.network.labels == {{'role': 'lan', '{MANAGED_LABEL}': 'true'}}",
            "create.network.containers == [] and create.network.id | length == 64",
            "again is not changed and again.network.id == create.network.id",
        ),
        _task("new subnet in check mode", "docker_network", {**net, "subnet": "172.29.72.0/24",
              "gateway": "172.29.72.1"}, check_mode=True, diff=True, register="check_replace"),
        _task("new labels", "docker_network", {**net, "labels": {"role": "dmz"}}, register="relabel"),
        _assert(
            "replacements name their reason; check mode leaves the network alone",
            "check_replace is changed and check_replace.replaced_because == ['subnet', 'gateway']",
            "check_replace.diff.after.subnet == '172.29.72.0/24'",
            "check_replace.network.id == create.network.id",
            "relabel is changed and relabel.replaced_because == ['labels']",
            "relabel.network.id != create.network.id and relabel.network.labels.role == 'dmz'",
        ),
        _task("remove", "docker_network", {"name": prefix, "state": "absent"}, register="remove"),
        _task("remove again", "docker_network", {"name": prefix, "state": "absent"}, register="remove_again"),
        _assert("removed once", "remove is changed and remove.network == {}", "remove_again is not changed"),
    ]
    cleanup = [_task("cleanup", "docker_network", {"name": prefix, "state": "absent"})]
    code, output = playbook(_block(tasks, cleanup), {})
    assert code == 0, output
    assert engine.networks.list(names=[prefix]) == []


def test_container_lifecycle(prefix: str, playbook: Any, engine: docker.DockerClient) -> None:
    port, other_port = free_port(), free_port()
    net_a, net_b = f"{prefix}-a", f"{prefix}-b"
    web = {
        "name": f"{prefix}-web", "image": IMAGE, "command": WEB_COMMAND,
        "ports": [f"127.0.0.1:{port}:80"], "networks": [{"name": net_a, "ipv4_address": "172.29.73.10"}],
        "secret_env": {"APP_TOKEN": "tok-3141-abcdef"}, "memory": "64m", "cpus": 0.5, "labels": {"role": "web"},
    }
    tasks = [
        _task("network a", "docker_network", {"name": net_a, "subnet": "172.29.73.0/24"}),
        _task("network b", "docker_network", {"name": net_b, "subnet": "172.29.74.0/24"}),
        _task("create in check mode", "docker_container", web, check_mode=True, register="check_create"),
        _task("nothing was created", "docker_container", {"name": web["name"], "state": "absent"},
              check_mode=True, register="nothing"),
        _task("create", "docker_container", web, diff=True, register="create"),
        _task("create again", "docker_container", web, register="again"),
        {"name": "serve", "ansible.builtin.uri": {"url": f"http://127.0.0.1:{port}/", "return_content": True},
         "register": "page", "retries": 20, "delay": 0.25, "until": "page.status == 200"},
        _assert(
            "created and started once; the secret never shown",
            "check_create is changed and check_create.action == 'create' and nothing is not changed",
            "create is changed and create.container.status == 'running'",
            f"create.container.ports == ['127.0.0.1:{port}:80/tcp']",
            f"create.container.networks['{net_a}'].ip == '172.29.73.10'",
            f"create.container.labels == {{'role': 'web', '{MANAGED_LABEL}': 'true'}}",
            "create.diff.after.secret_env == {'APP_TOKEN': '********'}",
            "'tok-3141-abcdef' not in (create | to_json) and create.container.env == {'APP_TOKEN': '********'}",
            "again is not changed and again.container.id == create.container.id",
            "'hello' in page.content",
        ),
        _task("new command and env in check mode", "docker_container",
              {**web, "command": [*WEB_COMMAND[:2], WEB_COMMAND[2] + " "], "secret_env": {"APP_TOKEN": "tok-2"}},
              check_mode=True, diff=True, register="check_recreate"),
        _task("move networks, raise memory", "docker_container",
              {**web, "networks": [{"name": net_b, "aliases": ["www"]}], "memory": "128m"}, register="moved"),
        _task("new port", "docker_container",
              {**web, "networks": [{"name": net_b, "aliases": ["www"]}], "memory": "128m",
               "ports": [f"127.0.0.1:{other_port}:80"]}, register="recreated"),
        _task("stop", "docker_container", {"name": web["name"], "image": IMAGE, "state": "stopped"},
              register="stopped"),
        _task("stop again", "docker_container", {"name": web["name"], "image": IMAGE, "state": "stopped"},
              register="stopped_again"),
        _assert(
            "recreate only when needed, and say why",
            "check_recreate is changed and check_recreate.recreated_because == ['command', 'secret_env']",
            "check_recreate.diff.after.secret_env.APP_TOKEN == '******** (changed)'",
            "check_recreate.container.id == create.container.id",
            "moved is changed and moved.action == 'update' and moved.recreated_because == []",
            "moved.updated == ['networks', 'memory'] and moved.container.id == create.container.id",
            f"moved.container.networks.keys() | list == ['{net_b}']",
            "recreated.recreated_because == ['ports'] and recreated.container.id != create.container.id",
            "stopped is changed and stopped.updated == ['running'] and stopped.container.status == 'exited'",
            "stopped_again is not changed",
        ),
        _task("remove", "docker_container", {"name": web["name"], "state": "absent"}, register="remove"),
        _task("remove again", "docker_container", {"name": web["name"], "state": "absent"},
              register="remove_again"),
        _assert("removed once", "remove is changed and remove.container == {}", "remove_again is not changed"),
    ]
    cleanup = [
        _task("cleanup container", "docker_container", {"name": web["name"], "state": "absent"}),
        _task("cleanup network a", "docker_network", {"name": net_a, "state": "absent", "force": True}),
        _task("cleanup network b", "docker_network", {"name": net_b, "state": "absent", "force": True}),
    ]
    code, output = playbook(_block(tasks, cleanup), {})
    assert code == 0, output
    assert "tok-3141-abcdef" not in output
    assert engine.containers.list(all=True, filters={"name": prefix}) == []


def test_env_is_readable_and_secret_env_never_shown(prefix: str, playbook: Any, engine: docker.DockerClient) -> None:
    """Plain env values no longer mask output: a value such as "dev" stays readable in names and messages."""
    name = f"{prefix}-dev-db"
    db = {"name": name, "image": IMAGE, "command": ["sleep", "3600"], "init": True, "networks": [],
          "env": {"POSTGRES_DB": "dev"}, "secret_env": {"POSTGRES_PASSWORD": "s3cret"}}
    failing = {"ignore_errors": True}
    tasks = [
        _task("create in check mode", "docker_container", db, check_mode=True, diff=True, register="check_create"),
        _task("create", "docker_container", db, diff=True, register="create"),
        _task("create again", "docker_container", db, diff=True, register="again"),
        _task("env names that look secret", "docker_container",
              {**db, "env": {"POSTGRES_DB": "dev", "DB_TOKEN": "tok-1618"}}, check_mode=True, diff=True,
              register="looks_secret"),
        _task("an unknown image", "docker_container", {**db, "image": "127.0.0.1:1/homelab/none:0"},
              register="no_image", **failing),
        _task("a variable in both", "docker_container", {**db, "env": {"POSTGRES_PASSWORD": "x"}},
              register="both", **failing),
        _task("as a batch item", "docker_batch", {"items": [{"kind": "container", **db}]}, diff=True,
              register="batch"),
        _assert(
            "dev readable everywhere, the password nowhere, rerun unchanged",
            "check_create is changed and check_create.diff.after.env == {'POSTGRES_DB': 'dev'}",
            "create is changed and create.diff.after.env == {'POSTGRES_DB': 'dev'}",
            "create.diff.after.secret_env == {'POSTGRES_PASSWORD': '********'}",
            "create.container.env == {'POSTGRES_DB': 'dev', 'POSTGRES_PASSWORD': '********'}",
            f"create.container.name == '{name}'",
            "'s3cret' not in (create | to_json) and 's3cret' not in (check_create | to_json)",
            "again is not changed and again.container.id == create.container.id",
            "looks_secret is changed and looks_secret.recreated_because == ['secret_env']",
            "looks_secret.diff.after.secret_env == {'DB_TOKEN': '********', 'POSTGRES_PASSWORD': '********'}",
            "looks_secret.warnings | select('search', 'DB_TOKEN looks like a secret') | list | length == 1",
            "'tok-1618' not in (looks_secret.diff | to_json) and 'tok-1618' not in (looks_secret.container | to_json)",
            f"no_image is failed and no_image.msg.startswith('container {name}: image 127.0.0.1:1/homelab/none:0')",
            "both is failed and 'env and secret_env both set POSTGRES_PASSWORD' in both.msg",
            "batch is not changed and batch.results[0].facts.env.POSTGRES_DB == 'dev'",
            "'s3cret' not in (batch | to_json)",
        ),
    ]
    cleanup = [_task("cleanup", "docker_container", {"name": name, "state": "absent"})]
    code, output = playbook(_block(tasks, cleanup), {})
    assert code == 0, output
    assert "s3cret" not in output and "********-db" not in output
    assert f"container {name}: image 127.0.0.1:1/homelab/none:0" in output
    assert engine.containers.list(all=True, filters={"name": prefix}) == []


def test_failures_change_nothing(prefix: str, playbook: Any, engine: docker.DockerClient) -> None:
    holder_port, web_port = free_port(), free_port()
    net = f"{prefix}-net"
    unmanaged = engine.containers.create(IMAGE, ["sleep", "600"], name=f"{prefix}-unmanaged", network_mode="none")
    holder = {"name": f"{prefix}-holder", "image": IMAGE, "command": WEB_COMMAND,
              "ports": [f"127.0.0.1:{holder_port}:80"], "networks": [{"name": net}]}
    # The lab's engine has no default bridge (--bridge=none): without a network nothing is published.
    web = {"name": f"{prefix}-web", "image": IMAGE, "command": WEB_COMMAND, "ports": [f"127.0.0.1:{web_port}:80"],
           "networks": [{"name": net}]}
    taken = f"127.0.0.1:{holder_port}:80"
    failing = {"ignore_errors": True}
    tasks = [
        _task("network", "docker_network", {"name": net}),
        _task("a container holding a port", "docker_container", holder),
        _task("a second container wants the same port", "docker_container",
              {**web, "name": f"{prefix}-new", "ports": [f"127.0.0.1:{free_port()}:81", taken]}, register="port_new", **failing),
        _task("an existing container", "docker_container", web, register="web_before"),
        _task("it moves onto the taken port", "docker_container", {**web, "ports": [taken]},
              register="port_move", **failing),
        _task("it is unchanged", "docker_container", web, register="web_after"),
        _task("no host IP", "docker_container", {**web, "ports": [f"{web_port}:80"]}, register="no_ip", **failing),
        _task("missing image", "docker_container", {**web, "name": f"{prefix}-img", "image": "127.0.0.1:1/homelab/none:0"},
              register="no_image", **failing),
        _task("unmanaged container", "docker_container", {"name": f"{prefix}-unmanaged", "state": "absent"},
              register="foreign", **failing),
        _task("network in use", "docker_network", {"name": net, "state": "absent"}, register="in_use", **failing),
        _assert(
            "each failure says what and where",
            f"port_new is failed and port_new.msg == 'container {prefix}-new: port 127.0.0.1:{holder_port} is already in use on the "
            "Docker host: choose another host port in ports[1]'",
            "port_move is failed and 'choose another host port in ports[0]' in port_move.msg",
            "web_after is not changed and web_after.container.id == web_before.container.id",
            "web_after.container.status == 'running'",
            "no_ip is failed and 'ports[0]' in no_ip.msg and '0.0.0.0' in no_ip.msg",
            "no_image is failed and '127.0.0.1:1/homelab/none:0' in no_image.msg",
            f"no_image.msg.startswith('container {prefix}-img: image ')",
            "foreign is failed and 'not created by homelab.iac' in foreign.msg",
            f"in_use is failed and '{prefix}-holder' in in_use.msg and 'force: true' in in_use.msg",
        ),
        _task("network in use, forced", "docker_network", {"name": net, "state": "absent", "force": True},
              register="forced"),
        _assert("forced removal works", "forced is changed"),
    ]
    cleanup = [_task(f"cleanup {name}", "docker_container", {"name": f"{prefix}-{name}", "state": "absent"})
               for name in ("holder", "web", "new", "img")]
    code, output = playbook(_block(tasks, cleanup), {})
    assert code == 0, output
    names = {c.name for c in engine.containers.list(all=True, filters={"name": prefix})}
    assert names == {unmanaged.name}, "the port failure must not leave a container, the refusal must keep one"
