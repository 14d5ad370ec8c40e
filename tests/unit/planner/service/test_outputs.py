"""Outputs: what a deployed stack's intents offer a user to copy, from their fields and the facts the apply
recorded (an interface identifier, a vmid, an address Docker gave), per stack; never a secret."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from planner.adapters.execute import ScriptedExecutor
from planner.errors import Fix, IacError
from planner.intents.base import Intent
from planner.intents.catalog import INTENT_KINDS
from planner.paths import project_root
from planner.service import Service
from planner.views import outputs_view
from tests.unit.offline_service import offline_service, runner_event

HOMELAB = """all:
  children:
    docker: {hosts: {lab-docker: {docker_host: unix:///tmp/x.sock}}}
    opnsense: {hosts: {lab-opnsense: {api_url: https://127.0.0.1:1}}}
    proxmox: {hosts: {lab-proxmox: {api_url: https://127.0.0.1:2}}}
    dns: {hosts: {lab-bind: {dns_provider: rfc2136}}}
    certs: {hosts: {lab-certs: {}}}
"""

# What the modules report, under the key a single module returns its resource by (as references read it).
FACTS: dict[str, dict[str, Any]] = {
    "opnsense.vlan.": {"vlan": {"device": "vlan0.20"}},
    "opnsense.interface.": {"interface": {"identifier": "opt3"}},
    "proxmox.vm.": {"vm": {"vmid": 104, "node": "pve", "macs": {"net0": "BC:24:11:5E:00:04"}}},
    "opnsense.wireguard_server.": {"server": {"public_key": "c2VydmVyLXB1YmxpYy1rZXktb2YtdGhlLWZpcmV3YWxsPQ==",
                                              "private_key": "hunter2-private"}},
    "cert.issue.": {"certificate": {"not_after": "2027-01-01T00:00:00+00:00"}},
    "docker.container.hello": {"container": {"networks": {"hello-net": {"ip": "172.30.10.2"}}}},
}


def _facts(address: str) -> dict[str, Any]:
    return next((facts for prefix, facts in FACTS.items() if address.startswith(prefix)), {})


def _deploy(service: Service, executor: ScriptedExecutor, path: Path) -> None:
    planned = service.plan(path)
    executor.scripts = [([runner_event("runner_on_ok", c.address, changed=True, **_facts(c.address))
                          for c in planned.plan.changes], "successful")]
    assert service.apply(planned.deployment.id).deployment.status.value == "succeeded"


def _homelab(tmp_path: Path, *examples: str) -> Service:
    executor = ScriptedExecutor()
    service = offline_service(tmp_path, executor, inventory=HOMELAB)
    for example in examples:
        _deploy(service, executor, project_root() / "examples" / f"{example}.yaml")
    return service


def _outputs(service: Service, stack: str | None = None) -> dict[str, dict[str, dict[str, Any]]]:
    """``{stack: {intent: outputs}}``."""
    return {item.stack.name: {intent.name: intent.outputs for intent in item.intents}
            for item in service.outputs(stack)}


def _file(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(body)
    return path


@pytest.mark.parametrize("kind", sorted(INTENT_KINDS))
def test_every_intent_kind_declares_its_outputs(kind: str) -> None:
    assert INTENT_KINDS[kind].outputs is not Intent.outputs


def test_minecraft_offers_the_segment_and_how_to_reach_the_server(tmp_path: Path) -> None:
    assert _outputs(_homelab(tmp_path, "minecraft")) == {"minecraft": {
        "gaming": {"vlan": 20, "subnet": "10.0.20.0/24", "gateway": "10.0.20.1",
                   "dhcp_range": "10.0.20.128-10.0.20.254", "domain": "gaming.home.arpa", "role": "guest",
                   "device": "vlan0.20", "interface": "opt3"},  # both known only once the firewall made them
        "minecraft": {"address": "10.0.20.10", "ports": ["25565/tcp"], "dns_name": "minecraft.gaming.home.arpa",
                      "connect": "minecraft.gaming.home.arpa:25565", "published": ["127.0.0.1:25565/tcp"],
                      "segment": "gaming"},
    }}


def test_a_game_server_on_another_stacks_segment_reads_that_segment(tmp_path: Path) -> None:
    executor = ScriptedExecutor()
    service = offline_service(tmp_path, executor, inventory=HOMELAB)
    _deploy(service, executor, _file(tmp_path, "network.yaml", "intents:\n  - {kind: network_segment, name: games, "
                                     "vlan: 30, subnet: 10.0.30.0/24, domain: games.example}\n"))
    _deploy(service, executor, _file(tmp_path, "game.yaml", "intents:\n  - {kind: game_server, name: valheim, game: "
                                     "valheim, players: 4, host_port: 3456, segment: {stack: network, name: games}}\n"))
    game = _outputs(service, "game")["game"]["valheim"]
    assert (game["address"], game["dns_name"], game["ports"], game["published"]) == (
        "10.0.30.10", "valheim.games.example", ["2456-2457/udp"], ["127.0.0.1:3456-3457/udp"])
    assert list(_outputs(service)) == ["game", "network"]


def test_guests_offer_the_vmid_proxmox_gave_and_their_address(tmp_path: Path) -> None:
    service = _homelab(tmp_path, "vm", "dev-environment")
    outputs = _outputs(service)
    assert outputs["vm"]["builder"] == {"vmid": 104, "node": "pve", "ip": "dhcp", "vlan": 30,
                                        "mac": "BC:24:11:5E:00:04"}
    dev = outputs["dev-environment"]["dev"]
    assert (dev["address"], dev["ssh"], dev["vmid"], dev["url"]) == (
        "10.0.30.10", "dev@10.0.30.10", 104, "http://dev.dev.home.arpa:8443/")
    assert (dev["database"], dev["database_name"], dev["database_user"]) == ("127.0.0.1:15432", "dev", "dev")


def test_a_web_app_offers_its_url_upstreams_dns_and_certificate(tmp_path: Path) -> None:
    wiki = _outputs(_homelab(tmp_path, "web-app"))["web-app"]["wiki"]
    assert wiki == {
        "url": "http://wiki.lab.home.arpa/", "hostname": "wiki.lab.home.arpa",
        "upstreams": ["127.0.0.1:18090", "127.0.0.1:18091"], "dns_internal": "192.168.1.1",
        "dns_public": "203.0.113.10", "certificate": "~/.local/state/homelab-iac/certs/wiki/fullchain.pem",
        "certificate_key": "~/.local/state/homelab-iac/certs/wiki/privkey.pem",
        "certificate_expires": "2027-01-01T00:00:00+00:00",
    }


def test_vpn_access_offers_what_a_peer_configuration_needs_and_no_secret(tmp_path: Path) -> None:
    service = _homelab(tmp_path, "vpn-access")
    vpn = _outputs(service)["vpn-access"]["roadwarrior"]
    assert vpn == {"port": 51820, "server_address": "10.99.0.1", "tunnel_network": "10.99.0.0/24",
                   "public_key": "c2VydmVyLXB1YmxpYy1rZXktb2YtdGhlLWZpcmV3YWxsPQ==",
                   "peers": {"laptop": "10.99.0.2/32", "phone": "10.99.0.3/32"},
                   "allowed_ips": ["10.99.0.0/24", "10.0.10.0/24"]}
    assert "hunter2" not in json.dumps(outputs_view(service.outputs()).model_dump(mode="json"))


def test_a_container_offers_the_address_docker_gave_it_and_a_fact_not_recorded_is_none(tmp_path: Path) -> None:
    service = _homelab(tmp_path, "hello", "vlan", "dns-record", "certificate", "stack")
    outputs = _outputs(service)
    assert outputs["hello"]["hello"] == {"image": "homelab/busybox:latest", "ports": ["127.0.0.1:18080:8080"],
                                         "network": "hello-net", "address": "172.30.10.2"}
    assert outputs["vlan"]["iot"] == {"tag": 40, "parent": "vtnet2", "device": "vlan0.20"}
    assert outputs["dns-record"]["nas"] == {"fqdn": "nas.lab.home.arpa", "type": "A", "value": "192.168.1.20"}
    assert outputs["certificate"]["nas"]["key_file"] == "~/.local/state/homelab-iac/certs/nas/privkey.pem"
    assert outputs["stack"]["whoami"] == {"services": ["web"], "ports": ["127.0.0.1:18081:8080"]}

    (tmp_path / "bare").mkdir()
    bare = offline_service(tmp_path / "bare", ScriptedExecutor([runner_event("runner_on_ok", "docker.container.bare",
                                                                             changed=True)]))
    bare.apply(bare.plan(_file(tmp_path, "bare.yaml", "intents:\n  - {kind: container, name: bare, image: x:1, "
                               "network: {name: bare-net, create: false}}\n")).deployment.id)
    assert _outputs(bare)["bare"]["bare"]["address"] is None  # Docker's answer was not recorded


def test_an_unknown_stack_is_an_error_naming_the_deployed_ones(tmp_path: Path) -> None:
    service = _homelab(tmp_path, "hello")
    with pytest.raises(IacError) as refused:
        service.outputs("helo")
    assert str(refused.value).startswith("no deployed stack 'helo' (deployed: hello)")
    assert refused.value.remedy is not None and refused.value.remedy.fix is Fix.LIST_STACKS
    (tmp_path / "empty").mkdir()
    assert _outputs(_homelab(tmp_path / "empty")) == {}


def test_a_destroyed_stack_has_no_outputs(tmp_path: Path) -> None:
    executor = ScriptedExecutor()
    service = offline_service(tmp_path, executor, inventory=HOMELAB)
    hello = project_root() / "examples" / "hello.yaml"
    _deploy(service, executor, hello)
    destroy = service.plan_destroy(stack="hello")
    executor.scripts = [([runner_event("runner_on_ok", c.address, changed=True) for c in destroy.plan.changes],
                         "successful")]
    service.apply(destroy.deployment.id)
    assert _outputs(service) == {}
