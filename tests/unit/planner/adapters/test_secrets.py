"""Secrets are referenced, never held: plans and projects carry a name, the value comes at run time."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.adapters.inventory import EndpointInventory, Host
from planner.adapters.render import render_project
from planner.core.builder import build_plan
from planner.errors import EndpointError, IntentError
from planner.intents import Endpoints, parse_intents
from planner.secrets import missing_secrets

INVENTORY = EndpointInventory(Path("hosts.yml"), {"lab-docker": Host("lab-docker", "docker", {})})


def test_a_literal_value_under_a_secret_looking_name_is_refused() -> None:
    with pytest.raises(IntentError, match=r"intent\.env: .*RCON_PASSWORD looks like a secret: write \{secret: RCON_PASSWORD\}"):
        parse_intents([{"kind": "container", "name": "mc", "image": "x", "env": {"RCON_PASSWORD": "hunter2"}}])


def test_a_reference_reaches_the_playbook_as_a_lookup_and_never_as_a_value(tmp_path: Path) -> None:
    intents = parse_intents([{"kind": "container", "name": "mc", "image": "x",
                              "env": {"RCON_PASSWORD": {"secret": "MC_RCON"}, "MOTD": "hello"}}])
    plan = build_plan(intents, Endpoints({"docker": ["lab-docker"]}), {}, source="t")
    assert plan.change("docker.container.mc").after["env"] == {"RCON_PASSWORD": {"secret": "MC_RCON"}, "MOTD": "hello"}
    project = render_project(plan, INVENTORY, tmp_path, deployment_id="d")
    site = (project / "site.yml").read_text()
    assert "RCON_PASSWORD: \"{{ lookup('ansible.builtin.env', 'MC_RCON')" in site
    assert "!unsafe" not in site.split("RCON_PASSWORD", 1)[1].split("\n", 1)[0]


def test_a_containers_secret_env_entries_are_rendered_as_secret_env_and_the_rest_stays_readable(
    tmp_path: Path,
) -> None:
    intents = parse_intents([{"kind": "container", "name": "mc", "image": "x",
                              "env": {"MOTD": "hello", "RCON_PASSWORD": {"secret": "MC_RCON"}, "MODE": "dev"}}])
    plan = build_plan(intents, Endpoints({"docker": ["lab-docker"]}), {}, source="t")
    project = render_project(plan, INVENTORY, tmp_path, deployment_id="d")
    site = (project / "site.yml").read_text()
    # docker_container's env is shown in output; secret_env is no_log, so the value never is.
    env = site.split("env:\n", 1)[1].split("secret_env:\n", 1)
    assert "MOTD: hello" in env[0] and "MODE: dev" in env[0] and "RCON_PASSWORD" not in env[0]
    assert env[1].lstrip().startswith("RCON_PASSWORD: \"{{ lookup('ansible.builtin.env', 'MC_RCON')")
    # The plan, which the state store records, keeps the reference in env.
    assert plan.change("docker.container.mc").after["env"]["RCON_PASSWORD"] == {"secret": "MC_RCON"}
    assert "secret_env" not in plan.change("docker.container.mc").after


def test_a_run_whose_secret_is_not_exported_does_not_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MC_RCON", raising=False)
    with pytest.raises(EndpointError, match="secret MC_RCON is not set in the environment"):
        missing_secrets({"MC_RCON"})
    monkeypatch.setenv("MC_RCON", "x")
    missing_secrets({"MC_RCON"})
