"""Errors that offer a remedy, raised by the code that raises them for real: the CLI's and the MCP server's
wording tests read the same cases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from planner.core.builder import restore_plan
from planner.core.resources import Resource
from planner.errors import IacError, LockConflict
from planner.intents import parse_intents
from planner.policy import evaluate
from planner.sentence import parse_sentence
from planner.state.records import ResourceRecord, ResourceState
from tests.unit.offline_service import state_store

__all__ = ["raised"]

_NOW = datetime(2026, 11, 23, tzinfo=UTC)
_VOLUME = ResourceRecord(
    address="docker.volume.data", kind="docker.volume", provider="docker", endpoint="lab-docker", name="data",
    state=ResourceState.PRESENT, spec={"name": "data"}, observed={}, dependencies=[], deployment_id="d",
    version=1, created_at=_NOW, updated_at=_NOW,
)
_GUEST_TO_MGMT = Resource(
    kind="opnsense.firewall_rule", name="guest-to-mgmt", endpoint="fw",
    spec={"action": "pass", "interface": ["opt1"], "destination_net": []},
    meta={"source_segment": "guests", "source_role": "guest", "destination_segment": "mgmt",
          "destination_role": "management"},
)


def _lock_conflict() -> None:
    store = state_store()
    holder, late = store.create_deployment({}, {}), store.create_deployment({}, {})
    store.acquire_locks(holder.id, ["docker.container.web"], holder="box:41")
    store.acquire_locks(late.id, ["docker.container.web"], holder="box:42")


CASES = {
    "policy violation": lambda: evaluate([_GUEST_TO_MGMT]),
    "unknown allow": lambda: evaluate([], allow=["no-such-rule"]),
    "unknown field": lambda: parse_intents([{"kind": "container", "name": "x", "image": "y", "imgae": 1}],
                                           source="t.yaml"),
    "empty file": lambda: parse_intents([], source="t.yaml"),
    "sentence": lambda: parse_sentence("deploy a minecraft server for 10 players on the moon"),
    "sentence of a kind": lambda: parse_sentence("a web app called blog"),
    "data loss": lambda: restore_plan([], [_VOLUME], source="restore"),
    "lock conflict": _lock_conflict,
}


def raised(case: str) -> IacError:
    """The error ``case`` raises."""
    with pytest.raises(IacError) as error:
        CASES[case]()
    assert isinstance(error.value, LockConflict) == (case == "lock conflict")
    return error.value
