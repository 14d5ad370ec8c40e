"""Restore plans: back to a past state, removals last and dependents first, data loss only when allowed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from planner.core.builder import restore_plan
from planner.core.plan import Action
from planner.errors import IacError
from planner.state.records import ResourceRecord, ResourceState

NOW = datetime(2026, 11, 23, tzinfo=UTC)


def _record(kind: str, name: str, spec: dict[str, object], deps: list[str] | None = None) -> ResourceRecord:
    return ResourceRecord(
        address=f"{kind}.{name}", kind=kind, provider=kind.split(".")[0], endpoint="lab-docker", name=name,
        state=ResourceState.PRESENT, spec={"name": name, **spec}, observed={}, dependencies=deps or [],
        deployment_id="d", version=1, created_at=NOW, updated_at=NOW,
    )


NET = _record("docker.network", "n", {"subnet": "172.30.5.0/24"})
WEB_V1 = _record("docker.container", "web", {"image": "x:1"}, ["docker.network.n"])
WEB_V2 = _record("docker.container", "web", {"image": "x:2"}, ["docker.network.n"])
EXTRA = _record("docker.container", "extra", {"image": "x:1"}, ["docker.network.n", "docker.volume.data"])
DATA = _record("docker.volume", "data", {})


def test_restore_replaces_back_recreates_and_removes_in_a_safe_order() -> None:
    plan = restore_plan([NET, WEB_V1], [WEB_V2, EXTRA], source="restore")
    actions = {c.address: c.action for c in plan.changes}
    # Back to image x:1 is a new container again (the image is no in-place change).
    assert actions == {"docker.network.n": Action.CREATE, "docker.container.web": Action.REPLACE,
                       "docker.container.extra": Action.DELETE}
    assert plan.change("docker.container.web").after == WEB_V1.spec
    assert plan.change("docker.container.extra").after == {"name": "extra", "state": "absent"}
    assert plan.waves == [["docker.network.n"], ["docker.container.web"], ["docker.container.extra"]]


def test_removing_data_needs_an_explicit_waiver() -> None:
    with pytest.raises(IacError, match=r"would remove docker\.volume\.data, and their data with them"):
        restore_plan([NET], [NET, DATA, EXTRA], source="restore")
    plan = restore_plan([NET], [NET, DATA, EXTRA], source="restore", allow_data_loss=True)
    # The container that used the volume goes first, then the volume.
    assert plan.waves[1:] == [["docker.container.extra"], ["docker.volume.data"]]
    assert plan.change("docker.network.n").action is Action.NOOP
