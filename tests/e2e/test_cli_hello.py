"""`iac` end to end: the hello intent through every layer, against the lab's dockerd and real PostgreSQL."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lab.ports import free_port
from planner.paths import project_root
from tests.e2e.cli import IAC, iac

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

HELLO = project_root() / "examples" / "hello.yaml"


def _variant(tmp_path: Path, port: int, suffix: str) -> Path:
    """examples/hello.yaml with its own names, subnet and port, so it cannot collide with a demo lab."""
    text = HELLO.read_text()
    text = text.replace("18080", str(port)).replace("hello-net", f"hello-net-{suffix}")
    text = text.replace("name: hello\n", f"name: hello-{suffix}\n").replace("172.30.10.0/24", "172.30.99.0/24")
    path = tmp_path / f"hello-{suffix}.yaml"
    path.write_text(text)
    return path


@pytest.fixture
def cli_env(lab: Any, pg_empty_url: str) -> dict[str, str]:
    """The lab's environment plus a brand-new PostgreSQL database, so each test sees only its own state."""
    env = dict(os.environ)
    env["IAC_DATABASE_URL"] = pg_empty_url
    env.pop("IAC_DEBUG", None)
    return env


def _get(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
        return response.read().decode()


@pytest.fixture
def docker_client(docker_host: str) -> Iterator[Any]:
    import docker

    client = docker.DockerClient(base_url=docker_host)
    yield client
    client.close()


def _cleanup(client: Any, suffix: str) -> None:
    for container in client.containers.list(all=True, filters={"name": f"hello-{suffix}"}):
        container.remove(force=True)
    for network in client.networks.list(names=[f"hello-net-{suffix}"]):
        network.remove()


@contextlib.contextmanager
def _hello(tmp_path: Path, client: Any, suffix: str) -> Iterator[Path]:
    """A hello variant of its own (names, subnet, a free port) for one test; its containers and network go after."""
    try:
        yield _variant(tmp_path, free_port(), suffix)
    finally:
        _cleanup(client, suffix)


def _edit(intent: Path, old: str, new: str) -> None:
    intent.write_text(intent.read_text().replace(old, new))


def _json(env: dict[str, str], *args: str) -> Any:
    return json.loads(iac(env, *args, "--json").stdout)


def test_plan_apply_reapply_status(cli_env: dict[str, str], tmp_path: Path, docker_client: Any) -> None:
    port = free_port()
    intent = _variant(tmp_path, port, "e2e")
    try:
        planned = json.loads(iac(cli_env, "plan", str(intent), "--json").stdout)
        assert [(c["address"], c["action"]) for c in planned["plan"]["changes"]] == [
            ("docker.network.hello-net-e2e", "create"),
            ("docker.container.hello-e2e", "create"),
        ]
        human = iac(cli_env, "apply", str(intent), "--yes").stdout
        assert "changed" in human and "docker.container.hello-e2e" in human
        assert _get(port).strip() == "hello from homelab-iac"

        again = json.loads(iac(cli_env, "apply", str(intent), "--yes", "--json").stdout)
        assert again["deployment"]["status"] == "succeeded"
        assert (again["changed"], again["resources"]) == (0, [])  # found in sync by the refresh: nothing ran

        # Without the refresh every module runs again, and finds nothing to do.
        forced = json.loads(iac(cli_env, "apply", str(intent), "--yes", "--json", "--refresh=false").stdout)
        assert forced["changed"] == 0
        assert {r["status"] for r in forced["resources"]} == {"ok"}

        listed = json.loads(iac(cli_env, "status", "--json").stdout)
        assert [d["status"] for d in listed] == ["succeeded", "succeeded", "succeeded", "planned"]
        shown = json.loads(iac(cli_env, "status", forced["deployment"]["id"][:8], "--json").stdout)
        container = next(r for r in shown["resources"] if r["address"] == "docker.container.hello-e2e")
        assert container["observed"]["status"] == "running"
        assert container["version"] == 2
        assert shown["events"] > 0
    finally:
        _cleanup(docker_client, "e2e")


def test_a_change_the_engine_cannot_make_in_place_is_planned_as_a_replace(
    cli_env: dict[str, str], tmp_path: Path, docker_client: Any
) -> None:
    """The plan says what the module will do: a new env is a new container (-/+ replace), more memory is not."""
    with _hello(tmp_path, docker_client, "rep") as intent:
        iac(cli_env, "apply", str(intent), "--yes")
        first = docker_client.containers.get("hello-rep").id

        _edit(intent, "    memory: 64m\n", "    memory: 64m\n    env: {GREETING: hi}\n")
        table = iac(cli_env, "plan", str(intent)).stdout
        assert "-/+ replace" in table and "replace: env changed" in table, table
        assert "0 to add, 0 to change, 1 to replace, 0 to destroy, 1 unchanged" in table
        replaced = _json(cli_env, "apply", str(intent), "--yes")
        assert replaced["deployment"]["status"] == "succeeded", replaced["deployment"]
        second = docker_client.containers.get("hello-rep")
        assert second.id != first and "GREETING=hi" in second.attrs["Config"]["Env"]

        _edit(intent, "memory: 64m", "memory: 96m")
        assert [c["action"] for c in _json(cli_env, "plan", str(intent))["plan"]["changes"]] == ["noop", "update"]
        iac(cli_env, "apply", str(intent), "--yes")
        assert docker_client.containers.get("hello-rep").id == second.id  # docker changed it in place


def test_a_stored_plan_is_applied_by_its_id_once_and_refused_when_stale(
    cli_env: dict[str, str], tmp_path: Path, docker_client: Any
) -> None:
    with _hello(tmp_path, docker_client, "sto") as intent:
        assert "Apply exactly this plan with: iac apply " in iac(cli_env, "plan", str(intent)).stdout
        planned = _json(cli_env, "plan", str(intent))["deployment"]["id"][:8]
        applied = _json(cli_env, "apply", planned, "--yes")
        assert (applied["deployment"]["id"][:8], applied["deployment"]["status"], applied["changed"]) == (
            planned, "succeeded", 2)
        again = iac(cli_env, "apply", planned, "--yes", check=False)
        assert again.returncode == 1 and "not planned; plan again to apply" in again.stderr, again.stderr

        _edit(intent, "memory: 64m", "memory: 96m")
        older = _json(cli_env, "plan", str(intent))["deployment"]["id"][:8]
        _edit(intent, "memory: 96m", "memory: 128m")
        iac(cli_env, "apply", str(intent), "--yes")
        stale = iac(cli_env, "apply", older, "--yes", check=False)
        assert stale.returncode == 1 and f"plan {older} is stale" in stale.stderr, stale.stderr
        assert "Traceback" not in stale.stderr


def test_a_targeted_apply_changes_only_the_target_and_what_it_needs(
    cli_env: dict[str, str], tmp_path: Path, docker_client: Any
) -> None:
    network = "docker.network.hello-net-tgt"
    with _hello(tmp_path, docker_client, "tgt") as intent:
        shown = iac(cli_env, "plan", str(intent), "--target", network).stdout
        assert "targeted" in shown and "docker.container.hello-tgt" not in shown, shown
        assert f"Apply it with: iac apply {intent} --target {network}\n" in shown  # the suggestion plans the same
        applied = _json(cli_env, "apply", str(intent), "--target", network, "--yes")
        assert [(r["address"], r["status"]) for r in applied["resources"]] == [(network, "changed")]
        assert docker_client.networks.list(names=["hello-net-tgt"]) and not docker_client.containers.list(
            all=True, filters={"name": "hello-tgt"})
        rest = _json(cli_env, "plan", str(intent))["plan"]["changes"]
        assert [(c["address"], c["action"]) for c in rest] == [(network, "noop"), ("docker.container.hello-tgt", "create")]
        wrong = iac(cli_env, "plan", str(intent), "--target", "docker.network.hello", check=False)
        assert wrong.returncode == 1 and "--target docker.network.hello: is no resource of this plan; did you mean" \
            in wrong.stderr, wrong.stderr


def test_state_rm_forgets_a_resource_and_leaves_it_running(
    cli_env: dict[str, str], tmp_path: Path, docker_client: Any
) -> None:
    container = "docker.container.hello-frg"
    with _hello(tmp_path, docker_client, "frg") as intent:
        iac(cli_env, "apply", str(intent), "--yes")
        assert container in iac(cli_env, "state", "list").stdout
        assert _json(cli_env, "state", "show", container)["state"] == "present"
        said = iac(cli_env, "state", "rm", container, "--yes").stdout
        assert f"Forgot {container}" in said and "still has it" in said, said
        assert docker_client.containers.get("hello-frg").status == "running"  # the engine was not asked
        assert [r["address"] for r in _json(cli_env, "state", "list")] == ["docker.network.hello-net-frg"]
        again = iac(cli_env, "state", "rm", container, "--yes", check=False)
        assert again.returncode == 1 and again.stderr.count("\n") == 1, again.stderr
        assert "is forgotten already; `iac state list` lists what homelab-iac manages" in again.stderr


def test_plain_ansible_playbook_gives_the_same_result(
    cli_env: dict[str, str], tmp_path: Path, docker_client: Any
) -> None:
    port = free_port()
    intent = _variant(tmp_path, port, "plain")
    project = tmp_path / "project"
    try:
        iac(cli_env, "plan", str(intent), "--out", str(project))
        run = subprocess.run(
            [str(Path(sys.executable).with_name("ansible-playbook")), "-i", "inventory/hosts.yml", "site.yml"],
            cwd=project, env=cli_env, capture_output=True, text=True, timeout=300,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        assert "changed=2" in run.stdout
        assert _get(port).strip() == "hello from homelab-iac"
        # The collection's state_recorder callback recorded the plain run in the same database.
        [recorded, planned] = json.loads(iac(cli_env, "status", "--json").stdout)
        assert (recorded["status"], recorded["summary"]["changed"]) == ("succeeded", 2)
        assert planned["status"] == "planned"
        shown = json.loads(iac(cli_env, "status", recorded["id"], "--json").stdout)
        assert sorted(r["address"] for r in shown["resources"]) == [
            "docker.container.hello-plain", "docker.network.hello-net-plain"
        ]
        # iac finds exactly what it would have built: nothing left to change.
        result = json.loads(iac(cli_env, "apply", str(intent), "--yes", "--json").stdout)
        assert result["changed"] == 0 and result["failed"] == 0
    finally:
        _cleanup(docker_client, "plain")


def test_a_taken_port_is_refused_before_anything_changes(
    cli_env: dict[str, str], tmp_path: Path, docker_client: Any
) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        intent = _variant(tmp_path, port, "taken")
        done = iac(cli_env, "apply", str(intent), "--yes", check=False)
    assert done.returncode == 1
    assert f"port 127.0.0.1:{port}/tcp (ports[0]) is already in use" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert docker_client.networks.list(names=["hello-net-taken"]) == []
    assert docker_client.containers.list(all=True, filters={"name": "hello-taken"}) == []


def test_no_docker_engine_is_one_clear_line(cli_env: dict[str, str], tmp_path: Path) -> None:
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(
        "all:\n  children:\n    docker:\n      hosts:\n        gone:\n"
        f"          docker_host: unix://{tmp_path}/nothing.sock\n"
    )
    done = iac(cli_env, "apply", str(_variant(tmp_path, free_port(), "gone")), "--yes", "-i", str(inventory),
               check=False)
    assert done.returncode == 1
    assert "no Docker engine answers at unix://" in done.stderr
    assert "iac lab up" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_failure_in_a_later_wave_rolls_back_the_earlier_one(
    cli_env: dict[str, str], tmp_path: Path, docker_client: Any
) -> None:
    intent = _variant(tmp_path, free_port(), "undo")
    intent.write_text(intent.read_text().replace("homelab/busybox:latest", "homelab/not-built-here:1"))
    try:
        done = iac(cli_env, "apply", str(intent), "--yes", "--json", check=False)
        assert done.returncode == 1
        assert "failed and was rolled back" in done.stderr
        assert "homelab/not-built-here:1" in done.stderr
        result = json.loads(done.stdout)
        assert result["deployment"]["status"] == "rolled_back"
        assert [(r["address"], r["status"]) for r in result["rollback"]] == [
            ("docker.container.hello-undo", "ok"),
            ("docker.network.hello-net-undo", "changed"),
        ]
        # The network wave 1 created is gone again: the engine is as it was before the deployment.
        assert docker_client.networks.list(names=["hello-net-undo"]) == []
        assert docker_client.containers.list(all=True, filters={"name": "hello-undo"}) == []
    finally:
        _cleanup(docker_client, "undo")


def test_drift_is_found_reported_and_reconciled(cli_env: dict[str, str], tmp_path: Path, docker_client: Any) -> None:
    port = free_port()
    intent = _variant(tmp_path, port, "drift")
    try:
        iac(cli_env, "apply", str(intent), "--yes")
        docker_client.containers.get("hello-drift").stop(timeout=1)  # behind homelab-iac's back

        done = iac(cli_env, "drift", "--json", check=False)
        assert done.returncode == 2, done.stderr
        report = {r["address"]: r for r in json.loads(done.stdout)["resources"]}
        assert report["docker.container.hello-drift"]["status"] == "drifted"
        assert report["docker.network.hello-net-drift"]["status"] == "in_sync"

        fixed = json.loads(iac(cli_env, "reconcile", "--yes", "--json").stdout)
        assert fixed["deployment"]["status"] == "succeeded"
        assert [r["address"] for r in fixed["resources"] if r["status"] == "changed"] == [
            "docker.container.hello-drift"
        ]
        assert _get(port).strip() == "hello from homelab-iac"
        clean = iac(cli_env, "drift", check=False)
        assert clean.returncode == 0, clean.stdout + clean.stderr
    finally:
        _cleanup(docker_client, "drift")


def test_a_killed_apply_is_reported_interrupted_and_rolled_back(
    cli_env: dict[str, str], tmp_path: Path, docker_client: Any
) -> None:
    import signal
    import time

    env = {**cli_env, "IAC_LEASE_SECONDS": "3"}
    intent = _variant(tmp_path, free_port(), "killed")
    try:
        apply = subprocess.Popen([IAC, "apply", str(intent), "--yes"], env=env, cwd=project_root(),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 120
        while not docker_client.networks.list(names=["hello-net-killed"]):  # wave 1 has done its work
            assert time.monotonic() < deadline, "wave 1 never created its network"
            assert apply.poll() is None, "iac apply ended before it could be killed"
            time.sleep(0.1)
        os.killpg(apply.pid, signal.SIGKILL)  # iac, ansible-runner and ansible-playbook, mid-run
        apply.wait()
        time.sleep(4)  # let the lease run out

        listed = json.loads(iac(env, "status", "--json").stdout)
        killed = next(d for d in listed if d["status"] == "running")
        assert killed["interrupted"] is True
        assert f"iac rollback {killed['id'][:8]}" in iac(env, "status").stdout

        undone = json.loads(iac(env, "rollback", killed["id"][:8], "--json").stdout)
        assert undone["deployment"]["status"] == "rolled_back"
        assert docker_client.networks.list(names=["hello-net-killed"]) == []
        assert docker_client.containers.list(all=True, filters={"name": "hello-killed"}) == []
    finally:
        _cleanup(docker_client, "killed")


def test_restore_brings_back_the_state_after_an_earlier_deployment(
    cli_env: dict[str, str], tmp_path: Path, docker_client: Any
) -> None:
    port, extra_port = free_port(), free_port()
    first = _variant(tmp_path, port, "rst")
    second = tmp_path / "second.yaml"
    extra = (
        "  - kind: container\n    name: extra-rst\n    image: homelab/busybox:latest\n"
        "    command: [httpd, -f, -p, \"8080\", -h, /www]\n"
        "    network: {name: hello-net-rst, subnet: 172.30.99.0/24}\n"
        f"    ports: [\"127.0.0.1:{extra_port}:8080\"]\n    memory: 64m\n"
    )
    # The same stack, changed: a second version of the first file.
    second.write_text(f"stack: {first.stem}\n" + first.read_text().replace("memory: 64m", "memory: 96m") + extra)
    try:
        a = json.loads(iac(cli_env, "apply", str(first), "--yes", "--json").stdout)["deployment"]["id"]
        iac(cli_env, "apply", str(second), "--yes")
        assert docker_client.containers.get("hello-rst").attrs["HostConfig"]["Memory"] == 96 * 2**20

        history = json.loads(iac(cli_env, "history", "docker.container.hello-rst", "--json").stdout)
        assert [v["version"] for v in history] == [2, 1]

        restored = json.loads(iac(cli_env, "restore", "--deployment", a[:8], "--yes", "--json").stdout)
        assert restored["deployment"]["status"] == "succeeded"
        assert docker_client.containers.get("hello-rst").attrs["HostConfig"]["Memory"] == 64 * 2**20
        assert docker_client.containers.list(all=True, filters={"name": "extra-rst"}) == []
        assert _get(port).strip() == "hello from homelab-iac"
        assert iac(cli_env, "drift", check=False).returncode == 0
    finally:
        for name in ("extra-rst",):
            for container in docker_client.containers.list(all=True, filters={"name": name}):
                container.remove(force=True)
        _cleanup(docker_client, "rst")


def test_secrets_reach_the_container_and_nothing_else(
    cli_env: dict[str, str], tmp_path: Path, docker_client: Any, lab_home: Path
) -> None:
    import uuid

    import sqlalchemy

    secret = f"s3cr3t-{uuid.uuid4().hex}"
    env = {**cli_env, "IAC_E2E_TOKEN": secret}
    intent = _variant(tmp_path, free_port(), "secret")
    intent.write_text(intent.read_text() + "    env:\n      API_TOKEN: {secret: IAC_E2E_TOKEN}\n")
    try:
        iac(env, "apply", str(intent), "--yes")
        assert f"API_TOKEN={secret}" in docker_client.containers.get("hello-secret").attrs["Config"]["Env"]
        iac(env, "drift")  # a check-mode run reads the secret too

        # Plans, rendered projects, runner artifacts and logs under IAC_HOME (the Docker engine's own data
        # dir holds the container's config, which is where the secret belongs).
        home = lab_home.parent
        for path in home.rglob("*"):
            if path.is_file() and lab_home / "docker" not in path.parents:
                assert secret not in path.read_text(errors="ignore"), path
        engine = sqlalchemy.create_engine(env["IAC_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://"))
        with engine.connect() as connection:
            for table in sqlalchemy.inspect(engine).get_table_names():
                rows = connection.execute(sqlalchemy.text(f'SELECT * FROM "{table}"')).fetchall()
                assert secret not in repr(rows), table
        engine.dispose()

        missing = {k: v for k, v in cli_env.items() if k != "IAC_E2E_TOKEN"}
        done = iac(missing, "apply", str(intent), "--yes", check=False)
        assert done.returncode == 1 and "secret IAC_E2E_TOKEN is not set in the environment" in done.stderr
    finally:
        _cleanup(docker_client, "secret")
