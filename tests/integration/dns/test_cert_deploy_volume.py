"""homelab.iac.cert_deploy into a Docker volume on the lab's engine, through ansible-playbook.

An internal CA issues a leaf; cert_deploy puts the full chain and the key into a named volume
(check mode first: nothing written, not even the volume), again (not changed), then after a
reissue (only the changed files written). What the volume holds is read back with a container
that mounts it, as the service using it would.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from tests.integration.dns.playbook import run_tasks

pytestmark = pytest.mark.integration

IMAGE = "homelab/busybox:latest"


@pytest.fixture
def volume(docker_host: str) -> Iterator[tuple[docker.DockerClient, str]]:
    client = docker.DockerClient(base_url=docker_host)
    name = f"iac-test-tls-{uuid.uuid4().hex[:6]}"
    yield client, name
    for container in client.containers.list(all=True, filters={"label": "io.homelab-iac.helper=cert_deploy"}):
        container.remove(force=True)
    with contextlib.suppress(docker.errors.NotFound):
        client.volumes.get(name).remove(force=True)
    client.close()


def _read(client: docker.DockerClient, name: str, command: str) -> str:
    output = client.containers.run(
        IMAGE, ["sh", "-c", command], volumes={name: {"bind": "/tls", "mode": "ro"}}, remove=True, network_disabled=True
    )
    return output.decode()


def test_deploy_into_a_docker_volume(volume: tuple[docker.DockerClient, str], docker_host: str, tmp_path: Path) -> None:
    client, name = volume
    ca = {"common_name": "Volume Test CA", "cert_path": str(tmp_path / "ca.pem"), "key_path": str(tmp_path / "ca.key")}
    leaf = {"ca_cert_path": str(tmp_path / "ca.pem"), "ca_key_path": str(tmp_path / "ca.key"),
            "names": ["www.lab.internal"], "key_path": str(tmp_path / "www.key"),
            "cert_path": str(tmp_path / "www.pem"), "fullchain_path": str(tmp_path / "full.pem")}  # fmt: skip
    target = {"name": name, "fullchain": "nginx/fullchain.pem", "key": "nginx/privkey.pem", "owner": 101,
              "group": 101, "docker_host": docker_host}  # fmt: skip
    deploy = {"cert_path": str(tmp_path / "full.pem"), "key_path": str(tmp_path / "www.key"),
              "docker_volume": target, "mode": "0644"}  # fmt: skip
    tasks = [
        {"homelab.iac.cert_ca": ca},
        {"homelab.iac.cert_issue": leaf},
        {"name": "check", "homelab.iac.cert_deploy": deploy, "check_mode": True, "register": "c0", "diff": True},
        {"name": "deploy", "homelab.iac.cert_deploy": deploy, "register": "c1", "diff": True},
        {"name": "again", "homelab.iac.cert_deploy": deploy, "register": "c2"},
        {"homelab.iac.cert_issue": {**leaf, "names": ["www.lab.internal", "web.lab.internal"]}},
        {"name": "after reissue", "homelab.iac.cert_deploy": deploy, "register": "c3"},
        {"name": "mode change", "homelab.iac.cert_deploy": {**deploy, "mode": "0640"}, "register": "c4"},
        {"ansible.builtin.assert": {"that": [
            "c0 is changed", "c0.docker_volume.created", "c0.docker_volume.files | length == 2",
            "c1 is changed", "c1.docker_volume.files == ['nginx/fullchain.pem', 'nginx/privkey.pem']",
            "c1.diff.after.docker_volume.files | length == 2",
            "c2 is not changed", "c2.docker_volume.files == []", "not c2.docker_volume.created",
            "c3 is changed", "c3.docker_volume.files == ['nginx/fullchain.pem']",
            "c4 is changed", "c4.docker_volume.files == ['nginx/fullchain.pem']",
        ]}},
    ]  # fmt: skip
    checked = [{"homelab.iac.cert_ca": ca}, {"homelab.iac.cert_issue": leaf}, tasks[2]]
    run_tasks(tmp_path, checked)
    with pytest.raises(docker.errors.NotFound):
        client.volumes.get(name)  # check mode created nothing
    output = run_tasks(tmp_path, tasks)
    key_text = (tmp_path / "www.key").read_text()
    assert "PRIVATE KEY" not in output and key_text.splitlines()[1] not in output
    listing = _read(client, name, "stat -c '%n %a %u %g' /tls/nginx/fullchain.pem /tls/nginx/privkey.pem")
    assert listing.split("\n")[:2] == ["/tls/nginx/fullchain.pem 640 101 101", "/tls/nginx/privkey.pem 600 101 101"]
    assert _read(client, name, "cat /tls/nginx/fullchain.pem") == (tmp_path / "full.pem").read_text()
    assert _read(client, name, "cat /tls/nginx/privkey.pem") == key_text
    assert not client.containers.list(all=True, filters={"label": "io.homelab-iac.helper=cert_deploy"})
