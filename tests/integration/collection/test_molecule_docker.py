"""The molecule scenario molecule/docker (converge, idempotence, verify, cleanup) against the lab's engine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import docker
import pytest

from lab.ports import free_port

pytestmark = pytest.mark.integration
PROJECT_ROOT = Path(__file__).resolve().parents[3]
VENV_BIN = Path(sys.executable).parent


def test_molecule_docker_scenario(docker_host: str, prefix: str, engine: docker.DockerClient) -> None:
    env = {
        **os.environ,
        # molecule finds ansible-config and ansible-playbook on PATH.
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "DOCKER_HOST": docker_host,
        "MOLECULE_DOCKER_STACK": prefix,
        "MOLECULE_DOCKER_WEB_PORT": str(free_port()),
        "NO_COLOR": "1",
        "ANSIBLE_NOCOLOR": "1",
    }
    done = subprocess.run(
        [str(VENV_BIN / "molecule"), "test", "-s", "docker"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    for action in ("converge", "idempotence", "verify", "cleanup"):
        assert f"{action}: Executed: Successful" in output, output
    # The final cleanup removed everything the scenario made.
    assert engine.containers.list(all=True, filters={"name": prefix}) == []
    assert engine.volumes.list(filters={"name": prefix}) == []
