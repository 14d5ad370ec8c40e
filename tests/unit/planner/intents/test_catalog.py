"""The intent catalog: every kind's example expands into the resources it promises, bad input names its field,
and every expanded spec only uses options the collection's modules document."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from planner.core.builder import expand_intents
from planner.core.refs import refs_in
from planner.core.resources import Resource
from planner.errors import IntentError
from planner.intents import INTENT_KINDS, Endpoints, ExpansionContext, Intent, load_intent_file, parse_intents
from planner.intents.game import size_for
from planner.paths import project_root

ROOT = project_root()
EXAMPLES = ROOT / "examples"
COLLECTION = ROOT / "collections" / "ansible_collections" / "homelab" / "iac" / "plugins"
LAB = Endpoints(
    by_backend={
        "docker": ["lab-docker"], "opnsense": ["lab-opnsense"], "proxmox": ["lab-proxmox"],
        "dns": ["lab-bind", "lab-cloudflare"], "certs": ["lab-pebble"],
    },
    source="the lab inventory",
)
EXAMPLE_FILES = {
    "network_segment": "network-segment.yaml", "game_server": "minecraft.yaml", "web_app": "web-app.yaml",
    "dev_environment": "dev-environment.yaml", "vpn_access": "vpn-access.yaml", "vlan": "vlan.yaml",
    "vm": "vm.yaml", "lxc": "lxc.yaml", "container": "hello.yaml", "stack": "stack.yaml",
    "dns_record": "dns-record.yaml", "certificate": "certificate.yaml",
}


def _expand_file(name: str) -> dict[str, Resource]:
    intents = load_intent_file(EXAMPLES / name)
    return {resource.address: resource for resource in expand_intents(intents, LAB)}


def _expand_text(text: str) -> dict[str, Resource]:
    intents = parse_intents(list(yaml.safe_load_all(text)), source="t.yaml")
    return {resource.address: resource for resource in expand_intents(intents, LAB)}


def _kinds(resources: dict[str, Resource]) -> list[str]:
    return sorted(resource.kind for resource in resources.values())


# --- module options (guards against drift between intents and modules) ------------------------------------

# Options of shared fragments that are the resource's own business, not the connection's.
_FRAGMENT_OPTIONS = {"APPLY": None, "RECORD": None}
_SEMANTIC_CONNECTION_OPTIONS = {"_dns": {"provider", "zone"}, "_proxmox": {"node"}, "_cert": {"owner", "group", "mode"}}


def _doc_of(path: Path, name: str) -> dict[str, Any]:
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and node.targets[0].id == name:
            assert isinstance(node.value, ast.Constant)
            return dict(yaml.safe_load(node.value.value))
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.Assign) and getattr(item.targets[0], "id", None) == name:
                    assert isinstance(item.value, ast.Constant)
                    return dict(yaml.safe_load(item.value.value))
    raise AssertionError(f"{path} has no {name}")


@cache
def module_options(kind: str) -> dict[str, Any]:
    """The options a module documents (its own, plus non-connection fragment options)."""
    module = COLLECTION / "modules" / (kind.replace(".", "_") + ".py")
    assert module.exists(), f"{kind}: no module {module.name}"
    doc = _doc_of(module, "DOCUMENTATION")
    options = dict(doc.get("options") or {})
    for fragment in doc.get("extends_documentation_fragment") or []:
        _, _, rest = fragment.partition("homelab.iac.")
        file, _, part = rest.partition(".")
        fragment_doc = _doc_of(COLLECTION / "doc_fragments" / f"{file}.py", part or "DOCUMENTATION")
        for key, value in (fragment_doc.get("options") or {}).items():
            if part or key in _SEMANTIC_CONNECTION_OPTIONS.get(file, set()):
                options[key] = value
    return options


def _check_keys(kind: str, spec: dict[str, Any], options: dict[str, Any], path: str) -> None:
    for key, value in spec.items():
        assert key in options, f"{path}.{key}: not an option of {kind} (has {sorted(options)})"
        sub = options[key].get("suboptions")
        if sub and isinstance(value, dict) and "ref" not in value and "secret" not in value:
            _check_keys(kind, value, sub, f"{path}.{key}")
        if sub and isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    _check_keys(kind, item, sub, f"{path}.{key}[{index}]")


@pytest.mark.parametrize("kind", sorted(INTENT_KINDS))
def test_every_kind_has_summary_example_field_descriptions_and_an_example_file(kind: str) -> None:
    model = INTENT_KINDS[kind]
    assert model.summary and model.example
    schema = model.model_json_schema()
    missing = [name for name, field in schema["properties"].items() if name != "kind" and not field.get("description")]
    assert not missing, f"{kind}: fields without description: {missing}"
    [intent] = parse_intents([yaml.safe_load(model.example)], source=f"{kind} example")
    assert intent.kind == kind
    assert (EXAMPLES / EXAMPLE_FILES[kind]).exists()
    kinds = {intent.kind for intent in load_intent_file(EXAMPLES / EXAMPLE_FILES[kind])}
    assert kind in kinds


@pytest.mark.parametrize("file", sorted(set(EXAMPLE_FILES.values())))
def test_every_example_expands_into_specs_of_real_module_options(file: str) -> None:
    resources = _expand_file(file)
    assert resources
    for address, resource in resources.items():
        _check_keys(resource.kind, resource.spec, module_options(resource.kind), address)
        for target in refs_in(resource.spec) + list(resource.depends_on):
            assert target in resources, f"{address} refers to {target}, which nothing in {file} creates"
        if resource.backend == "cert":
            assert resource.endpoint == "lab-pebble"


@pytest.mark.parametrize("kind", sorted(INTENT_KINDS))
def test_class_examples_expand_against_the_lab(kind: str) -> None:
    text = INTENT_KINDS[kind].example
    siblings = "kind: network_segment\nname: gaming\nvlan: 20\nsubnet: 10.0.20.0/24\n---\n"
    resources = _expand_text(siblings + text if kind == "game_server" else text)
    for address, resource in resources.items():
        _check_keys(resource.kind, resource.spec, module_options(resource.kind), address)


# --- network_segment ----------------------------------------------------------------------------------------

def test_network_segment_builds_vlan_interface_dhcp_and_baseline_policy() -> None:
    resources = _expand_file("network-segment.yaml")
    assert _kinds(resources) == sorted(
        ["opnsense.vlan", "opnsense.interface", "opnsense.dhcp_subnet", "opnsense.alias"]
        + ["opnsense.firewall_rule"] * 4
    )
    vlan = resources["opnsense.vlan.gaming"]
    assert vlan.spec["tag"] == 20 and vlan.spec["parent"] == "vtnet2"
    interface = resources["opnsense.interface.gaming"]
    assert interface.spec["device"] == {"ref": "opnsense.vlan.gaming", "output": "device"}
    dhcp = resources["opnsense.dhcp_subnet.gaming"]
    assert dhcp.spec["subnet"] == "10.0.20.0/24"
    assert dhcp.spec["pools"] == ["10.0.20.128-10.0.20.254"]
    assert dhcp.spec["routers"] == dhcp.spec["dns_servers"] == ["10.0.20.1"]
    assert dhcp.spec["domain_name"] == "gaming.home.arpa"
    block = resources["opnsense.firewall_rule.gaming-block-management"]
    assert block.spec["action"] == "block" and block.spec["destination_net"] == ["lan"]
    assert block.spec["interface"] == [{"ref": "opnsense.interface.gaming", "output": "identifier"}]
    assert block.meta["destination_role"] == "management" and block.meta["source_role"] == "guest"
    internet = resources["opnsense.firewall_rule.gaming-internet"]
    assert internet.spec["destination_not"] is True and internet.meta["destination_role"] == "wan"
    assert internet.meta["wan_exposure"] is False
    # isolated: true in the example -> other internal networks are blocked, after management, before internet
    isolated = resources["opnsense.firewall_rule.gaming-block-internal"]
    assert isolated.spec["action"] == "block"
    assert block.spec["sequence"] < isolated.spec["sequence"] < internet.spec["sequence"]
    assert all(r.meta["segment"] == "gaming" for r in resources.values() if r.kind != "opnsense.alias")


def test_a_segment_that_is_not_isolated_reaches_other_segments() -> None:
    resources = _expand_text("kind: network_segment\nname: lab\nvlan: 5\nsubnet: 10.5.0.0/16\nrole: trusted\n")
    assert resources["opnsense.firewall_rule.lab-pass-internal"].spec["action"] == "pass"
    assert "opnsense.firewall_rule.lab-block-internal" not in resources


def test_owner_and_tags_reach_every_resource_meta() -> None:
    resources = _expand_text("kind: vlan\nname: v\ntag: 7\nowner: bob\ntags: [lab]\n")
    assert resources["opnsense.vlan.v"].meta == {"owner": "bob", "tags": ["lab"]}


# --- game_server --------------------------------------------------------------------------------------------

def test_minecraft_for_10_players_is_a_sized_container_on_the_gaming_segment() -> None:
    resources = _expand_file("minecraft.yaml")
    container = resources["docker.container.minecraft"]
    assert container.spec["image"] == "itzg/minecraft-server:latest"
    assert container.spec["memory"] == "2048m" and container.spec["cpus"] == 2.0
    assert container.spec["env"] == {"EULA": "TRUE", "MEMORY": "1536M", "MAX_PLAYERS": "10"}
    assert container.spec["ports"] == ["127.0.0.1:25565:25565/tcp"]
    assert container.spec["networks"] == [{"name": "gaming", "ipv4_address": "10.0.20.10"}]
    assert set(container.depends_on) == {"docker.network.gaming", "docker.volume.minecraft-data"}
    network = resources["docker.network.gaming"]
    assert network.spec == {"name": "gaming", "driver": "bridge", "subnet": "10.0.20.0/24", "state": "present"}
    rule = resources["opnsense.firewall_rule.minecraft-game"]
    assert rule.spec["destination_net"] == ["10.0.20.10"] and rule.spec["destination_port"] == "25565"
    assert rule.spec["protocol"] == "TCP"
    assert rule.meta["source_segment"] == rule.meta["destination_segment"] == "gaming"
    assert "opnsense.interface.gaming" in refs_in(rule.spec)
    dns = resources["opnsense.host_override.minecraft"]
    assert (dns.spec["hostname"], dns.spec["domain"], dns.spec["server"]) == ("minecraft", "gaming.home.arpa",
                                                                            "10.0.20.10")
    assert not [r for r in resources.values() if r.meta.get("wan_exposure")]


def test_expose_wan_adds_a_port_forward_registering_its_rule_marked_as_requested_and_public_dns() -> None:
    resources = _expand_text(
        "kind: game_server\nname: valheim\ngame: valheim\nplayers: 5\nexpose_wan: true\n"
        "segment: {name: games, vlan: 21, subnet: 10.0.21.0/24}\n"
        "public_dns: {name: vh.example.com, value: 203.0.113.7, endpoint: lab-cloudflare}\n"
    )
    assert "opnsense.vlan.games" in resources  # inline segment is created by the game server
    assert "opnsense.firewall_rule.valheim-wan" not in resources  # the forward registers its own pass rule
    wan = resources["opnsense.nat_port_forward.valheim-wan"]
    assert wan.spec == {
        "name": "valheim-wan", "description": "valheim: valheim 2456-2457/udp from the internet",
        "interface": ["wan"], "ipprotocol": "inet", "protocol": "udp", "destination_net": "wanip",
        "destination_port": "2456-2457", "target": "10.0.21.10", "local_port": "2456", "filter_rule": "register",
        "state": "present"}
    assert wan.meta["wan_exposure"] is True and wan.meta["wan_exposure_requested"] is True
    assert resources["docker.container.valheim"].spec["ports"] == [
        "127.0.0.1:2456:2456/udp", "127.0.0.1:2457:2457/udp"]
    record = resources["dns.record.valheim-public"]
    assert record.endpoint == "lab-cloudflare" and record.spec["value"] == "203.0.113.7"


def test_a_forward_to_an_address_outside_the_segment_is_refused_by_the_plan() -> None:
    # OPNsense's API takes any target (DNat's target is a plain network field): the planner is what refuses.
    with pytest.raises(IntentError, match=r"address: address 192\.168\.9\.9 is outside the segment's subnet"):
        _expand_text("kind: game_server\nname: mc\ngame: minecraft\nplayers: 5\nexpose_wan: true\n"
                     "address: 192.168.9.9\nsegment: {name: games, vlan: 21, subnet: 10.0.21.0/24}\n")


@pytest.mark.parametrize(
    ("game", "players", "memory", "cpus"),
    [("minecraft", 10, 2048, 2.0), ("minecraft", 1, 1536, 1.5), ("minecraft", 50, 6144, 4.0),
     ("valheim", 10, 3584, 3.0), ("factorio", 20, 2048, 2.0), ("terraria", 8, 1024, 1.5)],
)
def test_the_documented_sizing_rule(game: str, players: int, memory: int, cpus: float) -> None:
    sizing = size_for(game, players)
    assert (sizing.memory_mib, sizing.cpus) == (memory, cpus)


def test_overrides_beat_the_sizing_rule() -> None:
    resources = _expand_text(
        "kind: network_segment\nname: g\nvlan: 20\nsubnet: 10.0.20.0/24\n---\n"
        "kind: game_server\nname: mc\ngame: minecraft\nplayers: 10\nsegment: g\nmemory: 4g\ncpus: 3\n"
    )
    container = resources["docker.container.mc"]
    assert (container.spec["memory"], container.spec["cpus"], container.spec["env"]["MEMORY"]) == ("4g", 3, "3072M")


def test_host_port_moves_every_published_port_of_the_game_together() -> None:
    segment = "kind: network_segment\nname: g\nvlan: 20\nsubnet: 10.0.20.0/24\n---\n"
    valheim = _expand_text(segment + "kind: game_server\nname: vh\ngame: valheim\nplayers: 4\nsegment: g\n"
                                     "host_port: 3456\n")["docker.container.vh"]
    assert valheim.spec["ports"] == ["127.0.0.1:3456:2456/udp", "127.0.0.1:3457:2457/udp"]
    with pytest.raises(IntentError, match=r"host_port: 65535 puts a valheim port outside 1-65535"):
        _expand_text(segment + "kind: game_server\nname: vh\ngame: valheim\nplayers: 4\nsegment: g\n"
                               "host_port: 65535\n")


# --- the other kinds ----------------------------------------------------------------------------------------

def test_web_app_puts_haproxy_a_certificate_and_split_horizon_dns_in_front_of_its_containers() -> None:
    resources = _expand_file("web-app.yaml")
    assert {"docker.container.wiki-1", "docker.container.wiki-2"} <= set(resources)
    backend = resources["opnsense.haproxy_backend.wiki"]
    assert backend.spec["servers"] == ["wiki-1", "wiki-2"]
    assert set(backend.depends_on) == {"opnsense.haproxy_server.wiki-1", "opnsense.haproxy_server.wiki-2"}
    assert resources["opnsense.haproxy_server.wiki-2"].spec["port"] == 18091
    assert resources["opnsense.haproxy_frontend.wiki"].depends_on == ("opnsense.haproxy_backend.wiki",)
    issue = resources["cert.issue.wiki"]
    assert issue.spec["names"] == ["wiki.lab.home.arpa"] and issue.depends_on == ("cert.ca.homelab-ca",)
    split = resources["dns.split_horizon.wiki"]
    assert split.endpoint == "lab-bind"
    assert split.spec["internal"]["key_name"] != split.spec["public"]["key_name"]


def test_dev_environment_places_the_vm_on_its_segment_with_cloud_init() -> None:
    resources = _expand_file("dev-environment.yaml")
    vm = resources["proxmox.vm.dev"]
    assert vm.spec["nics"] == [{"model": "virtio", "bridge": "vmbr0", "tag": 30}]
    assert vm.spec["cloudinit"]["ipconfig"] == ["ip=10.0.30.10/24,gw=10.0.30.1"]
    assert vm.spec["cloudinit"]["searchdomain"] == "dev.home.arpa"
    assert "opnsense.dhcp_subnet.dev" in vm.depends_on
    db = resources["docker.container.dev-db"]
    assert db.spec["env"]["POSTGRES_PASSWORD"] == {"secret": "DEV_DB_PASSWORD"}
    assert resources["opnsense.haproxy_server.dev-1"].spec["address"] == "10.0.30.10"
    assert "cert.issue.dev" in resources and "opnsense.vlan.dev" in resources
    assert vm.meta["owner"] == "alice" and vm.meta["segment_role"] == "trusted"


def test_dev_environment_can_use_an_lxc() -> None:
    resources = _expand_text(
        "kind: dev_environment\nname: d\nsegment: {name: d, vlan: 31, subnet: 10.0.31.0/24}\nmachine: {type: lxc}\n"
    )
    lxc = resources["proxmox.lxc.d"]
    assert lxc.spec["nics"] == [{"name": "eth0", "bridge": "vmbr0", "ip": "10.0.31.10/24", "gw": "10.0.31.1",
                                 "tag": 31}]
    assert lxc.spec["ostemplate"].startswith("local:vztmpl/debian-12")


def test_vpn_access_opens_the_wan_port_and_routes_peers_to_allowed_segments() -> None:
    resources = _expand_file("vpn-access.yaml")
    laptop = resources["opnsense.wireguard_peer.roadwarrior-laptop"]
    assert laptop.spec["tunnel_address"] == ["10.99.0.2/32"] and laptop.spec["servers"] == ["roadwarrior"]
    assert resources["opnsense.wireguard_peer.roadwarrior-phone"].spec["tunnel_address"] == ["10.99.0.3/32"]
    wan = resources["opnsense.firewall_rule.roadwarrior-wan"]
    assert wan.spec["protocol"] == "UDP" and wan.spec["destination_port"] == "51820"
    assert wan.meta["wan_exposure"] is True and wan.meta["wan_exposure_requested"] is True
    tunnel = resources["opnsense.firewall_rule.roadwarrior-to-servers"]
    assert tunnel.spec["source_net"] == ["10.99.0.0/24"] and tunnel.spec["destination_net"] == ["10.0.10.0/24"]
    assert tunnel.meta["destination_segment"] == "servers"
    assert "private_key" not in resources["opnsense.wireguard_server.roadwarrior"].spec


def test_certificate_issuer_acme_uses_cert_acme_on_the_certs_endpoint() -> None:
    resources = _expand_text("kind: certificate\nname: www\nissuer: acme\nnames: [www.example.com]\n"
                             "dns_provider: cloudflare\n")
    assert list(resources) == ["cert.acme.www"]
    acme = resources["cert.acme.www"]
    assert acme.endpoint == "lab-pebble" and acme.spec["provider"] == "cloudflare"


# --- bad input ----------------------------------------------------------------------------------------------

SEGMENT = "kind: network_segment\nname: gaming\nvlan: 20\nsubnet: 10.0.20.0/24\n"
GAME = "kind: game_server\nname: mc\ngame: minecraft\nplayers: 10\nsegment: gaming\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GAME.replace("minecraft\n", "tetris\n", 1), r"intent\.game: Input should be 'minecraft'"),
        (GAME.replace("players: 10", "players: 0"), r"intent\.players: 0 players is outside 1-200"),
        (GAME.replace("players: 10", "players: 201"), r"intent\.players: 201 players is outside 1-200"),
        (GAME.replace("minecraft\n", "valheim\n", 1).replace("10", "100"), r"more than valheim supports"),
        (SEGMENT.replace("vlan: 20", "vlan: 0"), r"intent\.vlan: VLAN tag 0 is outside 1-4094"),
        (SEGMENT.replace("vlan: 20", "vlan: 4095"), r"intent\.vlan: VLAN tag 4095 is outside 1-4094"),
        (SEGMENT.replace("10.0.20.0/24", "10.0.20.5/24"), r"intent\.subnet: .*not a network address.*10\.0\.20\.0/24"),
        (SEGMENT + "gateway: 10.0.21.1\n", r"intent\.gateway: gateway 10\.0\.21\.1 is outside"),
        (SEGMENT + "dhcp_range: 10.0.20.1-10.0.20.50\n", r"intent\.dhcp_range: .*contains the gateway"),
        ("kind: vpn_access\nname: v\npeers: [{name: a, public_key: nope}]\n", r"intent\.peers\[0\]\.public_key"),
        ("kind: vpn_access\nname: v\nprivate_key: abc\npeers: [{name: a, public_key: "
         "'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg='}]\n", r"intent\.private_key"),
        ("kind: web_app\nname: w\nhostname: w.example.com\nport: 80\n", r"intent: .*either `image`"),
        ("kind: stack\nname: s\ndefinition: {services: {a: {}}}\n", r"intent\.definition: .*services\.a: needs"),
    ],
)
def test_bad_input_names_the_field(text: str, expected: str) -> None:
    with pytest.raises(IntentError, match=expected):
        parse_intents([yaml.safe_load(text)], source="t.yaml")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (SEGMENT + "---\n" + GAME + "address: 10.0.99.10\n", r"intent 'mc'\.address: address 10\.0\.99\.10 is outside"),
        (SEGMENT + "---\n" + GAME + "address: 10.0.20.200\n", r"intent 'mc'\.address: .*inside the segment's DHCP"),
        (SEGMENT + "---\n" + GAME.replace("segment: gaming", "segment: gamin"),
         r"intent 'mc'\.segment: no network_segment intent named 'gamin' in this file \(known: gaming\)"),
        (GAME + "public_dns: {name: mc.example.com}\n" + "---\n" + SEGMENT,
         r"intent 'mc'\.public_dns\.value: required"),
        ("kind: dns_record\nname: r\nrecord: a\nvalue: 1.2.3.4\n", r"intent 'r'\.endpoint: several dns endpoints"),
    ],
)
def test_expansion_errors_name_the_intent_and_field(text: str, expected: str) -> None:
    with pytest.raises(IntentError, match=expected):
        _expand_text(text)


def test_a_sibling_can_be_asked_for_directly() -> None:
    intents = parse_intents([yaml.safe_load(SEGMENT)])
    context = ExpansionContext(endpoints=LAB, siblings={i.name: i for i in intents})
    assert isinstance(context.sibling("gaming", "network_segment", "segment"), Intent)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("deep.yaml", "a: " + "[" * 5000 + "]" * 5000 + "\n", r"deep\.yaml: line 1, column \d+: nested more than 50"),
        ("deep.json", '{"intents": ' + "[" * 5000 + "]" * 5000 + "}", r"deep\.json: line 1, column \d+: nested"),
        ("big.yaml", "version: 1\nintents:\n- kind: vlan\n  name: v\n  tag: " + "9" * 5000 + "\n",
         r"big\.yaml: line 5, column 8: a number of 5000 digits, .*quote it"),
        ("big.json", '{"version": ' + "9" * 5000 + ', "intents": []}', r"big\.json: line 1, column 13: a number of 5000"),
    ],
)
def test_a_file_past_the_parser_limits_is_an_intent_error_naming_the_line(
    tmp_path: Path, name: str, content: str, expected: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(IntentError, match=expected) as raised:
        load_intent_file(path)
    assert len(str(raised.value)) < 300


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"kind": "k" * 5000, "name": "x"}, "unknown intent kind '" + "k" * 80 + "'… (5000 characters); "),
        ({"kind": "container", "name": "x", "image": "y", "z" * 5000: 1}, "intent." + "z" * 80 + "… (5000 characters): "),
        ({"kind": "container", "name": "x", "image": "y", "ports": [f"127.0.0.1:{'9' * 5000}:80"]},
         "… (5013 characters): port " + "9" * 80 + "… (5000 characters) is outside 1-65535"),
        ({"kind": "network_segment", "name": "s", "vlan": 10**4000},
         "VLAN tag 1" + "0" * 79 + "… (4001 digits) is outside 1-4094"),
        ({"kind": "network_segment", "name": "s", "vlan": 20, "subnet": "1" * 5000},
         "'… (5000 characters) is not an IPv4 network"),
    ],
)
def test_an_error_quotes_a_long_value_cut_to_its_start_and_length(raw: dict[str, Any], expected: str) -> None:
    with pytest.raises(IntentError) as raised:
        parse_intents([raw], source="t.yaml")
    message = str(raised.value)
    assert expected in message and len(message) < 400, message


def test_intents_that_give_the_same_fields_still_say_which_fields_they_gave() -> None:
    # parse_intents lets equal "fields set" share one set: a copy with more fields must not change the others.
    first, second, bare = parse_intents([[
        {"kind": "container", "name": "a", "image": "x", "network": {"name": "n", "subnet": "10.0.0.0/24"}},
        {"kind": "container", "name": "b", "image": "y", "network": {"name": "m", "subnet": "10.0.1.0/24"}},
        {"kind": "container", "name": "c", "image": "z"},
    ]])
    copied = first.model_copy(update={"memory": "512m"})
    assert copied.model_fields_set == {"kind", "name", "image", "network", "memory"}
    assert first.model_fields_set == second.model_fields_set == {"kind", "name", "image", "network"}
    assert second.network is not None and second.network.model_fields_set == {"name", "subnet"}
    assert bare.model_dump(exclude_unset=True) == {"kind": "container", "name": "c", "image": "z"}
