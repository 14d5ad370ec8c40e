"""Plan-time refresh: what the endpoints hold decides the plan (collisions refused, only what differs runs)."""

from __future__ import annotations

import pytest

from planner.core.builder import build_plan
from planner.core.plan import Action
from planner.core.refresh import Seen, import_id, refresh_plan, refreshed
from planner.errors import ConflictError
from planner.intents import Endpoints, load_intent_file
from planner.paths import project_root

LAB = Endpoints({"docker": ["lab-docker"], "opnsense": ["lab-opnsense"], "dns": ["lab-dns"]})
MINECRAFT = load_intent_file(project_root() / "examples" / "minecraft.yaml")
VLAN, CONTAINER = "opnsense.vlan.gaming", "docker.container.minecraft"


def _fresh():  # type: ignore[no-untyped-def]
    return build_plan(MINECRAFT, LAB, {}, source="minecraft", stack="minecraft")


def _applied():  # type: ignore[no-untyped-def]
    """A second plan of the same file once the first was applied: every change a no-op by the record."""
    first = _fresh()
    return build_plan(MINECRAFT, LAB, {c.address: c.after for c in first.changes}, source="minecraft",
                      stack="minecraft")


def test_the_check_leaves_out_creates_that_refer_to_what_the_plan_makes_first() -> None:
    check = refresh_plan(_fresh())
    assert check is not None and len(check.waves) == 1
    checked = {change.address for change in check.changes}
    assert {VLAN, "docker.network.gaming", "docker.volume.minecraft-data"} <= checked
    assert "opnsense.interface.gaming" not in checked  # its device is the VLAN this plan makes
    assert all(change.wave == 1 and change.depends_on == [] for change in check.changes)


def test_a_create_that_meets_an_object_nobody_manages_is_refused_naming_the_import() -> None:
    seen = {VLAN: Seen("changed", "update"), CONTAINER: Seen("failed", "", "container minecraft was not created "
                                                                            "by homelab.iac")}
    with pytest.raises(ConflictError) as refused:
        refreshed(_fresh(), seen)
    message = str(refused.value)
    assert ("opnsense.vlan.gaming exists on lab-opnsense and homelab-iac does not manage it; adopt it with "
            "`iac import opnsense.vlan.gaming vtnet2/20 --stack minecraft`") in message
    assert ("docker.container.minecraft on lab-docker: container minecraft was not created by homelab.iac; if that "
            "object is yours, adopt it with `iac import docker.container.minecraft minecraft --stack minecraft`"
            ) in message


def test_creates_the_module_would_make_stay_creates() -> None:
    seen = {VLAN: Seen("changed", "create")}
    plan = refreshed(_fresh(), seen)
    assert plan.refreshed and plan.change(VLAN).action is Action.CREATE


def test_what_is_in_sync_needs_no_run_and_what_drifted_is_an_update() -> None:
    applied = _applied()
    seen = {change.address: Seen("ok", "noop") for change in applied.changes}
    seen[CONTAINER] = Seen("changed", "update")
    seen[VLAN] = Seen("changed", "replace")
    plan = refreshed(applied, seen)
    assert plan.change(CONTAINER).action is Action.UPDATE
    assert plan.change(VLAN).action is Action.REPLACE
    assert plan.change("opnsense.alias.iac_internal_networks").action is Action.NOOP
    run = plan.to_run()
    assert sorted(c.address for c in run.changes) == sorted([CONTAINER, VLAN])
    assert all(change.wave == number for number, wave in enumerate(run.waves, start=1) for change in run.changes
               if change.address in wave)
    assert refreshed(applied, {c.address: Seen("ok", "noop") for c in applied.changes}).to_run().changes == []


def test_a_recorded_resource_the_check_could_not_read_is_an_error_naming_the_way_round() -> None:
    applied = _applied()
    with pytest.raises(ConflictError, match=r"docker.container.minecraft on lab-docker cannot be checked \(engine "
                                            r"gone\); fix that, or plan with --refresh=false"):
        refreshed(applied, {CONTAINER: Seen("failed", "", "engine gone")})


def test_an_unrefreshed_plan_runs_everything() -> None:
    applied = _applied()
    assert not applied.refreshed and applied.to_run() is applied


def test_import_ids_are_made_of_each_kinds_fields() -> None:
    assert import_id("opnsense.vlan", {"parent": "vtnet2", "tag": 77}) == "vtnet2/77"
    assert import_id("dns.record", {"name": "legacy", "type": "A", "value": "10.0.0.5"}) == "legacy/A"
    assert import_id("docker.container", {"name": "legacy-web"}) == "legacy-web"
    assert import_id("opnsense.interface", {"device": "vlan01"}) is None  # adopted with its VLAN, not by id
