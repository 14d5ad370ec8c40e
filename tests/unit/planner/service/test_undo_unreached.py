"""Undoing a run that died part-way: what was never created is not undone (and need not be named)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import yaml

from planner.adapters.execute import ScriptedExecutor
from planner.core.plan import Action, Change, Plan
from planner.core.refs import ref
from planner.service.context import Operation
from tests.unit.offline_service import offline_service, runner_event, state_store


def test_an_undo_that_needs_facts_nobody_recorded_skips_what_was_never_created(tmp_path: Path) -> None:
    """A run killed in wave 1: the interface (wave 2) was never made, and its undo could not even name it."""
    vlan = Change(address="opnsense.vlan.iot", kind="opnsense.vlan", name="iot", endpoint="fw", action=Action.CREATE,
                  module="homelab.iac.opnsense_vlan", before=None, after={"parent": "vtnet2", "tag": 40}, wave=1)
    interface = Change(address="opnsense.interface.iot", kind="opnsense.interface", name="iot", endpoint="fw",
                       module="homelab.iac.opnsense_interface", action=Action.CREATE, before=None, wave=2,
                       after={"device": ref(vlan.address, "device"), "description": "IOT"},
                       depends_on=[vlan.address])
    plan = Plan(source="t", created_at=datetime.now(UTC), intents=[], changes=[vlan, interface],
                waves=[[vlan.address], [interface.address]])
    store = state_store(tmp_path)
    executor = ScriptedExecutor([runner_event("runner_on_ok", vlan.address, changed=True)])
    service = offline_service(tmp_path, executor, store,
                              inventory="all:\n  children:\n    opnsense:\n      hosts:\n        fw:\n          api_url: https://x\n")
    deployment = store.create_deployment({}, plan.model_dump(mode="json"))
    undone = service.deploying._undo(Operation(service.ports), deployment.id, plan, {"resources": {vlan.address: {"before": None},
                                                               interface.address: {"before": None}}},
                                     [vlan.address, interface.address], None)
    assert [(r.address, r.status, r.message) for r in undone] == [
        (vlan.address, "changed", ""),
        (interface.address, "ok", "never created: its wave was not reached"),
    ]
    undo_site = yaml.safe_load((executor.runs[0][0] / "site.yml").read_text())
    assert [item["kind"] for play in undo_site for task in play["tasks"]
            for item in task["homelab.iac.opnsense_batch"]["items"]] == ["vlan"]
