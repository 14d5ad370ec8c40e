"""Golden files: the whole rendered site.yml of a small plan, byte for byte.

Kept small on purpose (two endpoints, two waves). When rendering changes on purpose, regenerate with
``UPDATE_GOLDEN=1 .venv/bin/pytest tests/unit/planner/adapters/test_render_golden.py`` and review the diff.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from planner.adapters import render
from planner.adapters.inventory import EndpointInventory, Host
from planner.adapters.render import render_project
from planner.core.builder import build_plan
from planner.intents import load_intent_file

GOLDEN = Path(__file__).parent.parent / "golden"
INVENTORY = EndpointInventory(
    path=Path("hosts.yml"),
    hosts={
        "lab-docker": Host("lab-docker", "docker", {"docker_host": "unix:///tmp/d.sock"}),
        "lab-opnsense": Host("lab-opnsense", "opnsense", {"api_url": "https://127.0.0.1:8443"}),
    },
)


def test_small_plan_renders_exactly_the_golden_site_yml(tmp_path: Path) -> None:
    plan = build_plan(load_intent_file(GOLDEN / "small.yaml"), INVENTORY.endpoints(), {}, source="small.yaml",
                      now=datetime(2026, 11, 26, tzinfo=UTC))
    site = (render_project(plan, INVENTORY, tmp_path, deployment_id="golden") / "site.yml").read_text()
    expected = GOLDEN / "small.site.yml"
    if os.environ.get("UPDATE_GOLDEN"):
        expected.write_text(site)
    assert site == expected.read_text()


def test_a_playbook_written_a_few_lines_at_a_time_is_the_same_playbook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A large plan's site.yml is written in chunks of lines; with chunks of three the golden one must not change.
    monkeypatch.setattr(render._BlockYaml, "_CHUNK", 3)
    plan = build_plan(load_intent_file(GOLDEN / "small.yaml"), INVENTORY.endpoints(), {}, source="small.yaml",
                      now=datetime(2026, 11, 26, tzinfo=UTC))
    site = (render_project(plan, INVENTORY, tmp_path, deployment_id="golden") / "site.yml").read_text()
    assert site == (GOLDEN / "small.site.yml").read_text()
