from __future__ import annotations

from pathlib import Path

import yaml

from planner.intents import parse_intents
from planner.inventory import EndpointInventory, Host
from planner.plan import build_plan
from planner.render import render_project


class _AnsibleLoader(yaml.SafeLoader):
    """Reads `!unsafe` the way Ansible does: as a plain string it will not template."""


_AnsibleLoader.add_constructor("!unsafe", lambda loader, node: ("UNSAFE", loader.construct_scalar(node)))

INVENTORY = EndpointInventory(
    path=Path("hosts.yml"),
    hosts={
        "lab-docker": Host("lab-docker", "docker", {"docker_host": "unix:///tmp/d.sock"}),
        "nas": Host("nas", "docker", {"docker_host": "tcp://127.0.0.1:2375"}),
    },
)


def _render(tmp_path: Path, intents: list[dict[str, object]]) -> Path:
    plan = build_plan(parse_intents(intents), INVENTORY.endpoints(), {}, source="t.yaml")
    return render_project(plan, INVENTORY, tmp_path / "project", deployment_id="d1")


def test_project_has_one_play_per_wave_with_connection_defaults(tmp_path: Path) -> None:
    project = _render(tmp_path, [{"kind": "container", "name": "web", "image": "x", "endpoint": "nas",
                                  "network": {"name": "n"}}])
    plays = yaml.load((project / "site.yml").read_text(), Loader=_AnsibleLoader)
    assert [p["name"] for p in plays] == ["Wave 1: docker.network.n", "Wave 2: docker.container.web"]
    assert plays[0]["hosts"] == "nas"
    assert plays[0]["module_defaults"]["group/homelab.iac.docker"]["docker_host"] == "{{ docker_host | default(omit) }}"
    task = plays[1]["tasks"][0]
    assert task["name"] == "docker.container.web"
    assert task["homelab.iac.docker_container"]["image"] == "x"
    assert task["register"] == "iac_docker_container_web"
    inventory = yaml.safe_load((project / "inventory" / "hosts.yml").read_text())
    assert list(inventory["all"]["children"]["docker"]["hosts"]) == ["nas"]  # only endpoints the plan uses
    assert "collections_path" in (project / "ansible.cfg").read_text()
    assert (project / "plan.json").exists()


def test_endpoints_sharing_a_wave_run_in_one_play_with_a_block_each(tmp_path: Path) -> None:
    project = _render(tmp_path, [
        {"kind": "container", "name": "a", "image": "x", "endpoint": "nas"},
        {"kind": "container", "name": "b", "image": "x", "endpoint": "lab-docker"},
    ])
    [play] = yaml.load((project / "site.yml").read_text(), Loader=_AnsibleLoader)
    assert play["hosts"] == "lab-docker:nas"
    assert [(b["when"], b["block"][0]["name"]) for b in play["tasks"]] == [
        ("inventory_hostname == 'lab-docker'", "docker.container.b"),
        ("inventory_hostname == 'nas'", "docker.container.a"),
    ]


def test_user_values_that_look_like_jinja_are_never_templated(tmp_path: Path) -> None:
    project = _render(tmp_path, [{"kind": "container", "name": "a", "image": "x", "endpoint": "nas",
                                  "command": ["echo", "{{ lookup('env', 'HOME') }}"]}])
    [play] = yaml.load((project / "site.yml").read_text(), Loader=_AnsibleLoader)
    command = play["tasks"][0]["homelab.iac.docker_container"]["command"]
    assert command == ["echo", ("UNSAFE", "{{ lookup('env', 'HOME') }}")]
