"""``--target``: a plan of the named resources and what they depend on, and nothing else."""

from __future__ import annotations

import pytest

from planner.core.builder import build_plan
from planner.errors import Argument, IntentError
from planner.intents import Endpoints, load_intent_file
from planner.paths import project_root

LAB = Endpoints({"docker": ["lab-docker"], "opnsense": ["lab-opnsense"], "dns": ["lab-dns"]})
MINECRAFT = load_intent_file(project_root() / "examples" / "minecraft.yaml")


def _plan(*targets: str):  # type: ignore[no-untyped-def]
    return build_plan(MINECRAFT, LAB, {}, source="minecraft", targets=targets)


def test_a_target_brings_what_it_depends_on_in_their_waves_and_nothing_else() -> None:
    everything = _plan()
    container = everything.change("docker.container.minecraft")
    plan = _plan(container.address)
    addresses = [change.address for change in plan.changes]
    assert container.address in addresses and set(container.depends_on) <= set(addresses)
    assert len(addresses) < len(everything.changes)
    assert "opnsense.firewall_rule.gaming-dns" not in addresses  # no dependency of the container
    # Waves keep their order, renumbered without the gaps; each change's wave is where it sits.
    assert all(plan.change(address).wave == number for number, wave in enumerate(plan.waves, start=1)
               for address in wave)
    assert sum(map(len, plan.waves)) == len(plan.changes)
    assert plan.waves[-1] == [container.address]


def test_a_target_with_no_dependencies_is_planned_alone() -> None:
    plan = _plan("docker.volume.minecraft-data")
    assert [change.address for change in plan.changes] == ["docker.volume.minecraft-data"]
    assert plan.waves == [["docker.volume.minecraft-data"]]


def test_a_target_the_plan_does_not_hold_names_the_closest() -> None:
    with pytest.raises(IntentError) as raised:
        _plan("docker.container.minecrat")
    assert raised.value.field == Argument("targets", "docker.container.minecrat")
    assert "is no resource of this plan; did you mean docker.container.minecraft" in str(raised.value)
