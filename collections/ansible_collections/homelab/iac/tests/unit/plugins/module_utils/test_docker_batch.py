"""docker_batch against the fake engine: the batch contract, dependencies, concurrency and failure semantics."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from ansible_collections.homelab.iac.plugins.module_utils._docker_batch import (
    BatchItemError,
    BatchRun,
    apply_all,
    prepare,
)
from ansible_collections.homelab.iac.plugins.module_utils._docker_kinds import CachedReads
from ansible_collections.homelab.iac.tests.unit.plugins.module_utils.docker_fakes import BUSYBOX, FullFakeDockerEngine


class Serialised:
    """The fake engine behind a lock: the fake's dicts are not meant for concurrent use, dockerd is."""

    def __init__(self, engine: FullFakeDockerEngine) -> None:
        self.engine = engine
        self.lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.engine, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            with self.lock:
                return method(*args, **kwargs)

        return call


@pytest.fixture
def engine() -> FullFakeDockerEngine:
    return FullFakeDockerEngine()


def container(name: str, **options: Any) -> dict[str, Any]:
    return {"kind": "container", "name": name, "image": "homelab/busybox", "init": True, **options}


def batch(engine: Any, items: list[dict[str, Any]], check_mode: bool = False, diff_mode: bool = False,
          workers: int = 4) -> BatchRun:
    reads = CachedReads(engine if isinstance(engine, Serialised) else Serialised(engine))
    prepared, _secrets = prepare(reads, items)
    return apply_all(prepared, check_mode, diff_mode, workers)


def test_results_follow_the_contract_in_input_order_and_a_rerun_writes_nothing(engine: FullFakeDockerEngine) -> None:
    items = [{"kind": "network", "name": "lan"}] + [container(f"w{i}", networks=[{"name": "lan"}]) for i in range(8)]
    run = batch(engine, items, diff_mode=True)
    assert not run.errors and run.changed
    assert [r["index"] for r in run.results] == list(range(9))
    assert [r["name"] for r in run.results] == ["lan"] + [f"w{i}" for i in range(8)]
    first = run.results[1]
    assert first["kind"] == "container" and first["action"] == "create" and first["changed"] is True
    assert first["facts"]["name"] == "w0" and first["facts"]["status"] == "running"
    assert first["diff"] == {"before": {}, "after": run.diffs[1]["after"]} and first["diff"]["after"]["running"] is True
    assert run.results[0]["facts"]["name"] == "lan"
    # Read once: one container listing, the shared image inspected once by name.
    assert [r for r in engine.reads if r[0] == "list_containers"] == [("list_containers", "None")]
    assert engine.reads.count(("inspect_image", BUSYBOX)) == 1
    # The network exists before any container is created in it.
    writes = [kind for kind, _name in engine.writes]
    assert writes.index("create_network") < writes.index("create_container")

    before = list(engine.writes)
    rerun = batch(engine, items)
    assert not rerun.changed and engine.writes == before
    assert {r["action"] for r in rerun.results} == {"noop"} and "diff" not in rerun.results[0]


def test_check_mode_plans_everything_and_writes_nothing(engine: FullFakeDockerEngine) -> None:
    items = [{"kind": "volume", "name": "data"}, *(container(f"c{i}", volumes=["data:/data"]) for i in range(4))]
    run = batch(engine, items, check_mode=True, diff_mode=True)
    assert run.changed and engine.writes == []
    assert [r["action"] for r in run.results] == ["create"] * 5
    assert all(r["facts"] == {} and r["diff"]["after"] for r in run.results)


def test_removal_runs_containers_before_the_network_they_were_in(engine: FullFakeDockerEngine) -> None:
    names = [f"w{i}" for i in range(6)]
    batch(engine, [{"kind": "network", "name": "lan"}, *(container(n, networks=[{"name": "lan"}]) for n in names)])
    removal = [*({"kind": "container", "name": n, "state": "absent"} for n in names),
               {"kind": "network", "name": "lan", "state": "absent"}]
    # The absent items name no network: what their containers are attached to now counts.
    prepared, _secrets = prepare(CachedReads(engine), removal)
    assert [sorted(item.depends_on) for item in prepared] == [[]] * 6 + [[0, 1, 2, 3, 4, 5]]
    engine.writes.clear()
    run = batch(engine, removal)
    assert [r["action"] for r in run.results] == ["delete"] * 7 and run.results[6]["facts"] == {}
    assert engine.writes[-1][0] == "remove_network" and not engine.containers and not engine.networks


def test_dependencies_are_what_items_name_share_or_free(engine: FullFakeDockerEngine) -> None:
    batch(engine, [container("old", ports=["127.0.0.1:8080:80"])])
    items = [
        {"kind": "network", "name": "lan"},
        {"kind": "volume", "name": "data"},
        container("a", networks=[{"name": "lan"}], volumes=["data:/data"]),
        container("b", networks=[{"name": "lan"}]),
        container("c", networks=[]),
        {"kind": "container", "name": "old", "state": "absent"},
        container("d", ports=["0.0.0.0:8080:80"]),
        container("c", networks=[], command=["sleep", "1"]),
        {"kind": "image", "name": "homelab/busybox", "state": "present"},
        container("e", image="homelab/other:1"),
    ]
    prepared, _secrets = prepare(CachedReads(engine), items)
    assert [sorted(item.depends_on) for item in prepared] == [
        [],
        [0],  # networks, volumes and images keep their order among themselves
        [0, 1],  # the network and the volume it names
        [0],
        [],  # names no network, volume or port of another item: runs at once
        [],
        [5],  # port 8080 is held by "old" until that item removed it
        [4],  # the same container again
        [0, 1, 2, 3, 4, 5, 6, 7],  # the image: after the other non-containers and every container using it
        [],  # another image, no network: free
    ]


def test_an_in_flight_item_that_completes_after_a_failure_is_reported(engine: FullFakeDockerEngine) -> None:
    failed = threading.Event()

    class Gated(Serialised):
        def pull_image(self, name: str) -> None:
            try:
                with self.lock:
                    self.engine.pull_image(name)
            finally:
                failed.set()

        def create_container(self, spec: Any) -> str:
            if spec.name == "slow":
                assert failed.wait(10)
            with self.lock:
                return str(self.engine.create_container(spec))

    items = [container("slow"), container("bad", image="homelab/missing"), container("quick")]
    run = batch(Gated(engine), items, workers=3)
    assert [str(error) for error in run.errors] == [
        "items[1] (container bad): image homelab/missing:latest is not on the Docker host and could not be pulled: "
        "pull access denied for homelab/missing, repository does not exist"
    ]
    # Item 0 was running when item 1 failed and item 2 had started too: both completed, both reported.
    assert [r["index"] for r in run.results] == [0, 2] and set(engine.containers) == {"slow", "quick"}


def test_nothing_starts_after_a_failure(engine: FullFakeDockerEngine) -> None:
    items = [container("w0"), container("bad", image="homelab/missing"), container("late")]
    run = batch(engine, items, workers=1)
    assert [error.index for error in run.errors] == [1]
    assert [r["name"] for r in run.results] == ["w0"] and set(engine.containers) == {"w0"}


def test_every_item_is_validated_before_anything_changes(engine: FullFakeDockerEngine) -> None:
    reads = CachedReads(engine)
    with pytest.raises(BatchItemError, match=r"items\[1\] \(container\): .*memroy") as error:
        prepare(reads, [{"kind": "volume", "name": "v"}, {"kind": "container", "name": "c", "image": "x", "memroy": "1g"}])
    assert error.value.index == 1
    with pytest.raises(BatchItemError, match=r"items\[1\] \(container c\): memory: ") as error:
        prepare(reads, [{"kind": "volume", "name": "v"}, {"kind": "container", "name": "c", "image": "x", "memory": "lots"}])
    assert error.value.index == 1
    with pytest.raises(BatchItemError, match=r"items\[0\]: kind 'vm' is not one of container"):
        prepare(reads, [{"kind": "vm", "name": "x"}])
    with pytest.raises(BatchItemError, match=r"items\[0\]: must be a dict"):
        prepare(reads, ["web"])  # type: ignore[list-item]
    _prepared, secrets = prepare(reads, [{"kind": "container", "name": "c", "image": "x",
                                          "env": {"DB": "dev"}, "secret_env": {"T": "s3cret"}}])
    # Only secret_env is no_log: plain env values such as "dev" must not mask other output.
    assert "s3cret" in secrets and "dev" not in secrets
    assert engine.writes == []


def test_an_env_name_that_looks_secret_warns_naming_the_item(engine: FullFakeDockerEngine) -> None:
    items = [{"kind": "volume", "name": "v"},
             {"kind": "container", "name": "dev-db", "image": "x", "env": {"POSTGRES_PASSWORD": "pw"}}]
    prepared, _secrets = prepare(CachedReads(engine), items)
    assert prepared[0].warnings == []
    assert [warning.split(";")[0] for warning in prepared[1].warnings] == [
        "items[1] (container dev-db): env: POSTGRES_PASSWORD looks like a secret"]


def test_a_stack_item_runs_alone_in_its_place(engine: FullFakeDockerEngine) -> None:
    definition = {"networks": {"lan": {}}, "services": {"web": {"image": "homelab/busybox", "networks": ["lan"],
                                                                "environment": {"TOKEN": "stack-s3cret"}}}}
    items = [container("before"), {"kind": "stack", "name": "shop", "definition": definition}, container("after")]
    reads = CachedReads(Serialised(engine))
    prepared, secrets = prepare(reads, items)
    assert "stack-s3cret" in secrets
    assert [sorted(item.depends_on) for item in prepared] == [[], [0], [1]]
    run = apply_all(prepared, check_mode=False, diff_mode=True)
    stack = run.results[1]
    assert stack["kind"] == "stack" and stack["action"] == "create" and stack["changed"]
    assert stack["facts"]["services"]["web"]["name"] == "shop-web" and "container shop-web" in stack["diff"]["after"]
    assert set(engine.containers) == {"before", "shop-web", "after"}
    again = batch(engine, items)
    assert [r["action"] for r in again.results] == ["noop"] * 3
    removed = batch(engine, [{"kind": "stack", "name": "shop", "state": "absent"}])
    assert removed.results[0]["action"] == "delete" and removed.results[0]["facts"]["removed"] == [
        "container shop-web", "network shop-lan"]
    with pytest.raises(BatchItemError, match=r"items\[0\] \(stack bad\): services.a.build: not supported"):
        prepare(reads, [{"kind": "stack", "name": "bad", "definition": {"services": {"a": {"image": "x", "build": "."}}}}])
    failing = batch(engine, [{"kind": "stack", "name": "x", "definition": {"services": {"web": {"image": "homelab/nope"}}}}])
    assert str(failing.errors[0]).startswith("items[0] (stack x): services.web (container x-web): image homelab/nope")


def test_an_unexpected_error_fails_that_item_and_keeps_the_others(engine: FullFakeDockerEngine) -> None:
    class Broken(Serialised):
        def create_container(self, spec: Any) -> str:
            if spec.name == "lost":
                raise ConnectionResetError("connection reset by peer")
            with self.lock:
                return str(self.engine.create_container(spec))

    run = batch(Broken(engine), [container("fine"), container("lost")], workers=1)
    assert [str(error) for error in run.errors] == [
        "items[1] (container lost): ConnectionResetError: connection reset by peer"]
    assert [r["name"] for r in run.results] == ["fine"]
