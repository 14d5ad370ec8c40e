"""Fixtures for the homelab.iac collection's integration tests: an SDK client, a name prefix, a playbook runner.

Assertions live in the playbooks (one ansible-playbook run per scenario keeps the suite fast); the
engine is inspected from Python afterwards to prove what a playbook cannot see, e.g. that a failed
run left nothing behind.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest
import yaml

from tests.integration.collection.playbook_tasks import IMAGE

PROJECT_ROOT = Path(__file__).resolve().parents[3]
COLLECTIONS_PATH = PROJECT_ROOT / "collections"
ANSIBLE_PLAYBOOK = Path(sys.executable).with_name("ansible-playbook")


@pytest.fixture
def engine(docker_host: str) -> Iterator[docker.DockerClient]:
    """SDK client for the engine behind ``docker_host``; the test image must be there."""
    client = docker.DockerClient(base_url=docker_host)
    try:
        client.images.get(IMAGE)
    except docker.errors.ImageNotFound:
        pytest.fail(f"{IMAGE} is missing on {docker_host}: the lab builds it (lab.images)")
    yield client
    client.close()


@pytest.fixture
def prefix(engine: docker.DockerClient) -> Iterator[str]:
    """A unique name prefix; whatever carries it is removed after the test, playbook or not."""
    name = f"iac-coll-{secrets.token_hex(3)}"
    yield name
    for container in engine.containers.list(all=True, filters={"name": name}):
        container.remove(force=True)
    for network in engine.networks.list(names=[name]):
        if network.name.startswith(name):
            network.remove()
    for volume in engine.volumes.list(filters={"name": name}):
        if volume.name.startswith(name):
            volume.remove(force=True)
    for image in engine.images.list():
        for tag in image.tags:
            if tag.startswith(name):
                engine.images.remove(tag, force=True)


@pytest.fixture
def playbook(tmp_path: Path, docker_host: str) -> Any:
    """Run a list of tasks as one play on localhost; return (returncode, output).

    Connection options come from ``module_defaults: group/homelab.iac.docker`` unless
    ``env_only=True``, where the play has no module_defaults and DOCKER_HOST is in the environment.
    """
    inventory = tmp_path / "inventory.ini"
    inventory.write_text(
        f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n"
    )
    env = {
        **os.environ,
        "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS_PATH),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCALHOST_WARNING": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
    }
    env.pop("DOCKER_HOST", None)

    def run(tasks: list[dict[str, Any]], play_vars: dict[str, Any], env_only: bool = False) -> tuple[int, str]:
        play: dict[str, Any] = {"hosts": "localhost", "gather_facts": False, "vars": play_vars}
        if not env_only:
            play["module_defaults"] = {"group/homelab.iac.docker": {"docker_host": docker_host}}
        play["tasks"] = tasks
        path = tmp_path / f"play-{secrets.token_hex(2)}.yml"
        path.write_text(yaml.safe_dump([play], sort_keys=False))
        run_env = {**env, "DOCKER_HOST": docker_host} if env_only else env
        done = subprocess.run(
            [str(ANSIBLE_PLAYBOOK), "-i", str(inventory), str(path)],
            env=run_env, capture_output=True, text=True, timeout=300, check=False,
        )
        return done.returncode, done.stdout + done.stderr

    return run
