from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from planner.adapters.inventory import EndpointInventory, Host
from planner.adapters.render import render_project
from planner.core.builder import build_plan
from planner.core.plan import Action, Change, Plan
from planner.core.refs import KNOWN_AFTER_APPLY, ref
from planner.core.resources import Resource
from planner.errors import IacError
from planner.intents import parse_intents


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


def test_project_has_one_play_per_wave_and_one_batch_task_per_endpoint(tmp_path: Path) -> None:
    project = _render(tmp_path, [{"kind": "container", "name": "web", "image": "x", "endpoint": "nas",
                                  "network": {"name": "n"}}])
    plays = yaml.load((project / "site.yml").read_text(), Loader=_AnsibleLoader)
    assert [p["name"] for p in plays] == ["Wave 1: 1 resource on nas", "Wave 2: 1 resource on nas"]
    assert plays[0]["hosts"] == "nas"
    assert plays[0]["strategy"] == "free"
    assert plays[0]["module_defaults"]["group/homelab.iac.docker"]["docker_host"] == "{{ docker_host | default(omit) }}"
    [task] = plays[1]["tasks"]
    assert task["name"] == "Wave 2 on nas"
    assert task["homelab.iac.docker_batch"]["items"] == [
        {"kind": "container", "name": "web", "image": "x", "state": "started", "restart_policy": "unless-stopped",
         "networks": [{"name": "n"}]},
    ]
    assert task["register"] == "iac_wave2_nas"
    inventory = yaml.safe_load((project / "inventory" / "hosts.yml").read_text())
    assert list(inventory["all"]["children"]["docker"]["hosts"]) == ["nas"]  # only endpoints the plan uses
    assert "collections_path" in (project / "ansible.cfg").read_text()
    assert (project / "plan.json").exists()


def test_endpoints_sharing_a_wave_run_in_one_play_each_on_its_own_task(tmp_path: Path) -> None:
    project = _render(tmp_path, [
        {"kind": "container", "name": "a", "image": "x", "endpoint": "nas"},
        {"kind": "container", "name": "b", "image": "x", "endpoint": "lab-docker"},
        {"kind": "container", "name": "c", "image": "x", "endpoint": "nas"},
    ])
    [play] = yaml.load((project / "site.yml").read_text(), Loader=_AnsibleLoader)
    assert play["hosts"] == "lab-docker:nas"
    assert [(t["when"], t["name"], [i["name"] for i in t["homelab.iac.docker_batch"]["items"]])
            for t in play["tasks"]] == [
        ("inventory_hostname == 'lab-docker'", "Wave 1 on lab-docker", ["b"]),
        ("inventory_hostname == 'nas'", "Wave 1 on nas", ["a", "c"]),
    ]


def _plan_of(resources: list[Resource]) -> Plan:
    waves: list[list[str]] = []
    placed: dict[str, int] = {}
    for resource in resources:  # in dependency order in these tests
        wave = max((placed[d] + 1 for d in resource.depends_on), default=0)
        placed[resource.address] = wave
        while len(waves) <= wave:
            waves.append([])
        waves[wave].append(resource.address)
    changes = [
        Change(address=r.address, kind=r.kind, name=r.name, endpoint=r.endpoint, module=r.module, action=Action.CREATE,
               before=None, after=r.spec, depends_on=list(r.depends_on), wave=placed[r.address] + 1)
        for r in resources
    ]
    return Plan(source="t", created_at=datetime.now(UTC), intents=[], changes=changes, waves=waves)


FIREWALL = EndpointInventory(path=Path("hosts.yml"), hosts={"fw": Host("fw", "opnsense", {"api_url": "https://fw"})})
VLAN = Resource(kind="opnsense.vlan", name="gaming", endpoint="fw", spec={"parent": "igc1", "tag": 20})
INTERFACE = Resource(kind="opnsense.interface", name="gaming", endpoint="fw", depends_on=(VLAN.address,),
                     spec={"device": ref(VLAN.address, "device"), "description": "gaming"})


def test_a_reference_to_an_earlier_wave_reads_that_batch_item_at_run_time(tmp_path: Path) -> None:
    project = render_project(_plan_of([VLAN, INTERFACE]), FIREWALL, tmp_path, deployment_id="d")
    plays = yaml.load((project / "site.yml").read_text(), Loader=_AnsibleLoader)
    [item] = plays[1]["tasks"][0]["homelab.iac.opnsense_batch"]["items"]
    assert item == {"kind": "interface", "description": "gaming", "device":
                    "{{ hostvars['fw']['iac_wave1_fw']['results'][0]['facts']['device'] | default(\"(known after apply)\") }}"}
    assert plays[0]["module_defaults"]["group/homelab.iac.opnsense"]["api_key"] == (
        "{{ opnsense_api_key | default(omit) }}"
    )


@pytest.mark.parametrize(("facts", "seen"), [
    ({"device": "vlan0.20"}, "vlan0.20"),  # the VLAN exists (an apply, or a check of what exists): its device
    ({}, KNOWN_AFTER_APPLY),  # a check run: the VLAN would be created, so its device is not known yet
])
def test_a_reference_reads_the_earlier_result_or_known_after_apply(tmp_path: Path, facts: dict[str, str],
                                                                   seen: str) -> None:
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar, trust_as_template

    project = render_project(_plan_of([VLAN, INTERFACE]), FIREWALL, tmp_path, deployment_id="d")
    plays = yaml.load((project / "site.yml").read_text(), Loader=_AnsibleLoader)
    [item] = plays[1]["tasks"][0]["homelab.iac.opnsense_batch"]["items"]
    hostvars = {"fw": {"iac_wave1_fw": {"results": [{"index": 0, "facts": facts}]}}}
    templar = Templar(loader=DataLoader(), variables={"hostvars": hostvars})
    assert templar.template(trust_as_template(item["device"])) == seen


def test_a_recorded_fact_is_what_a_check_run_reads_for_a_producer_that_reports_none(tmp_path: Path) -> None:
    project = render_project(_plan_of([VLAN, INTERFACE]), FIREWALL, tmp_path, deployment_id="d",
                             known_facts={VLAN.address: {"vlan": {"device": "vlan0.20"}}})
    plays = yaml.load((project / "site.yml").read_text(), Loader=_AnsibleLoader)
    [item] = plays[1]["tasks"][0]["homelab.iac.opnsense_batch"]["items"]
    assert item["device"].endswith("['device'] | default(\"vlan0.20\") }}")


def test_a_reference_to_a_resource_outside_the_project_uses_its_recorded_facts(tmp_path: Path) -> None:
    plan = _plan_of([replace(INTERFACE, depends_on=())])
    project = render_project(plan, FIREWALL, tmp_path, deployment_id="d",
                             known_facts={VLAN.address: {"vlan": {"device": "vlan0.20", "tag": 20}}})
    [play] = yaml.load((project / "site.yml").read_text(), Loader=_AnsibleLoader)
    assert play["tasks"][0]["homelab.iac.opnsense_batch"]["items"][0]["device"] == "vlan0.20"


def test_an_unresolvable_reference_is_an_error_naming_both_resources(tmp_path: Path) -> None:
    plan = _plan_of([replace(INTERFACE, depends_on=())])
    with pytest.raises(IacError, match=r"opnsense.interface.gaming refers to the 'device' of opnsense.vlan.gaming"):
        render_project(plan, FIREWALL, tmp_path, deployment_id="d")


def test_kinds_without_a_batch_get_a_task_each(tmp_path: Path) -> None:
    inventory = EndpointInventory(path=Path("h"), hosts={"ca": Host("ca", "certs", {"acme_directory": "https://a/dir"})})
    cert = Resource(kind="cert.acme", name="web", endpoint="ca", spec={"common_name": "web.lab.home.arpa"})
    [play] = yaml.load((render_project(_plan_of([cert]), inventory, tmp_path, deployment_id="d") / "site.yml")
                       .read_text(), Loader=_AnsibleLoader)
    assert play["tasks"] == [{"name": "Wave 1 on ca: cert.acme.web", "homelab.iac.cert_acme":
                              {"common_name": "web.lab.home.arpa"}, "register": "iac_cert_acme_web"}]
    assert play["module_defaults"]["homelab.iac.cert_acme"]["acme_directory"] == "{{ acme_directory | default(omit) }}"


def test_user_values_that_look_like_jinja_are_never_templated(tmp_path: Path) -> None:
    project = _render(tmp_path, [{"kind": "container", "name": "a", "image": "x", "endpoint": "nas",
                                  "command": ["echo", "{{ lookup('env', 'HOME') }}"]}])
    [play] = yaml.load((project / "site.yml").read_text(), Loader=_AnsibleLoader)
    command = play["tasks"][0]["homelab.iac.docker_batch"]["items"][0]["command"]
    assert command == ["echo", ("UNSAFE", "{{ lookup('env', 'HOME') }}")]
