from __future__ import annotations

from typing import Any

import pytest

from planner.core.builder import build_plan
from planner.errors import IntentError
from planner.intents import Endpoints
from planner.intents.catalog import INTENT_KINDS, parse_intents
from planner.sentence import default_subnet, parse_sentence


def _intents(text: str) -> list[dict[str, Any]]:
    understood = parse_sentence(text)
    if all(intent["kind"] in INTENT_KINDS for intent in understood.intents):
        parse_intents([understood.document()], source="test")  # what the sentence gives is a valid intent file
    return understood.intents


def _by_kind(intents: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {intent["kind"]: intent for intent in intents}


@pytest.mark.parametrize(
    "text",
    [
        "deploy a minecraft server for 10 players on vlan 20",
        "Deploy a Minecraft server for 10 players on VLAN 20.",
        "minecraft, 10 players, vlan 20",
        "I want a minecraft server for ten players on vlan id 20",
        "please set up minecraft for 10 people on vlan20",
    ],
)
def test_minecraft_on_vlan_20_gives_a_segment_and_a_game_server_on_it(text: str) -> None:
    intents = _by_kind(_intents(text))
    assert intents["network_segment"] == {
        "kind": "network_segment", "name": "vlan20", "vlan": 20, "subnet": "10.20.0.0/24",
    }
    assert intents["game_server"] == {
        "kind": "game_server", "name": "minecraft", "game": "minecraft", "players": 10, "segment": "vlan20",
    }


def test_a_gaming_vlan_is_named_gaming_and_takes_its_well_known_tag() -> None:
    understood = parse_sentence("Minecraft server, 10 players, gaming VLAN")
    segment, game = understood.intents
    assert (segment["name"], segment["vlan"], segment["subnet"]) == ("gaming", 20, "10.20.0.0/24")
    assert game["segment"] == "gaming"
    assert "'gaming VLAN' → network_segment.vlan = 20 (the well-known tag of 'gaming')" in understood.describe()


def test_a_named_segment_with_a_tag_keeps_both() -> None:
    segment, game = _intents("valheim for 5 players on the gaming vlan 25")
    assert (segment["name"], segment["vlan"], segment["subnet"]) == ("gaming", 25, "10.25.0.0/24")
    assert game["segment"] == "gaming"


def test_valheim_for_5_people_on_the_gaming_network() -> None:
    segment, game = _intents("set up a valheim server for 5 people on the gaming network")
    assert segment["name"] == "gaming"
    assert (game["game"], game["players"], game["name"]) == ("valheim", 5, "valheim")


def test_game_server_options_from_the_sentence() -> None:
    segment, game = _intents(
        "deploy a factorio server called factory for 20 players on vlan 300 at 172.17.44.20 with 4g memory, "
        "3 cpus, exposed to the internet, owned by alice tagged games,lan-party"
    )
    assert segment["subnet"] == default_subnet(300) == "172.17.44.0/24"
    assert game == {
        "kind": "game_server", "name": "factory", "game": "factorio", "players": 20, "address": "172.17.44.20",
        "memory": "4g", "cpus": 3.0, "expose_wan": True, "owner": "alice", "tags": ["games", "lan-party"],
        "segment": "vlan300",
    }


def test_a_vlan_called_iot_with_a_subnet() -> None:
    understood = parse_sentence("create a vlan 30 called iot with subnet 10.30.0.0/24")
    assert understood.intents == [
        {"kind": "network_segment", "name": "iot", "vlan": 30, "subnet": "10.30.0.0/24", "role": "iot"}
    ]
    meanings = [phrase.meaning for phrase in understood.phrases]
    assert "network_segment.vlan = 30" in meanings
    assert "network_segment.subnet = '10.30.0.0/24'" in meanings


def test_an_isolated_guest_network() -> None:
    assert _intents("an isolated guest network on vlan 40") == [
        {"kind": "network_segment", "name": "guest", "vlan": 40, "subnet": "10.40.0.0/24", "role": "guest",
         "isolated": True}
    ]


def test_a_container_from_an_image_with_a_published_port() -> None:
    assert _intents("run a container from homelab/busybox:latest called hello publishing 127.0.0.1:18080:8080") == [
        {"kind": "container", "name": "hello", "image": "homelab/busybox:latest", "ports": ["127.0.0.1:18080:8080"]}
    ]


def test_a_container_without_a_name_is_named_after_its_image_and_says_so() -> None:
    understood = parse_sentence("docker container from homelab/busybox:latest with 256m memory")
    assert understood.intents == [{"kind": "container", "name": "busybox", "image": "homelab/busybox:latest",
                                   "memory": "256m"}]
    assert "container.name = 'busybox' (default: the image's name)" in understood.describe()


def test_a_dev_environment_with_postgres_gets_the_dev_segment_and_a_secret_password() -> None:
    understood = parse_sentence("give me a dev environment with postgres")
    assert understood.intents == [{
        "kind": "dev_environment", "name": "dev",
        "segment": {"name": "dev", "vlan": 60, "subnet": "10.60.0.0/24"},
        "database": {"password": {"secret": "DEV_DB_PASSWORD"}},
    }]
    assert "export DEV_DB_PASSWORD" in understood.describe()
    parse_intents([understood.document()], source="test")


def test_a_dev_environment_on_a_named_vlan() -> None:
    (intent,) = _intents("a development environment called lab on vlan 31")
    assert intent["segment"] == {"name": "vlan31", "vlan": 31, "subnet": "10.31.0.0/24"}
    assert intent["name"] == "lab"


ALICE = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
BOB = "TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0="


def test_wireguard_access_for_two_people_with_their_keys() -> None:
    (intent,) = _intents(f"wireguard vpn for alice key {ALICE} and bob key {BOB}")
    assert intent == {"kind": "vpn_access", "name": "vpn", "peers": [
        {"name": "alice", "public_key": ALICE}, {"name": "bob", "public_key": BOB},
    ]}


def test_wireguard_peers_without_keys_are_refused_not_guessed() -> None:
    message = _refusal("wireguard vpn for alice and bob")
    assert "peer alice, bob needs a WireGuard public key" in message
    assert "'for alice and bob' → vpn_access.peers = ['alice', 'bob']" in message
    assert "Closest intent kinds: vpn_access" in message


def test_the_understood_intents_plan() -> None:
    understood = parse_sentence("deploy a minecraft server for 10 players on vlan 20")
    intents = parse_intents([understood.document()], source="sentence")
    plan = build_plan(intents, Endpoints({"docker": ["nas"], "opnsense": ["fw"]}), {}, source="sentence")
    assert "opnsense.vlan.vlan20" in plan.waves[0]
    assert plan.change("docker.container.minecraft").after["memory"] == "2048m"  # type: ignore[index]


# --- refusals ---------------------------------------------------------------------------------------------

def _refusal(text: str) -> str:
    with pytest.raises(IntentError) as err:
        parse_sentence(text)
    message = str(err.value)
    assert "Nothing was planned" in message
    return message


@pytest.mark.parametrize(
    ("text", "said"),
    [
        pytest.param(
            "deploy a zelda server for 10 players on vlan 20",
            ["'zelda': not a game the catalog knows (known games: minecraft, valheim, factorio, terraria)",
             "'10 players' → game_server.players = 10", "Closest intent kinds: game_server"],
            id="a game it does not know is named",
        ),
        pytest.param(
            "minecraft for 10 players on vlan 5000",
            ["'vlan 5000': VLAN tag 5000 is outside 1-4094",
             "Understood: 'minecraft' → game_server.game = 'minecraft'; '10 players' → game_server.players = 10"],
            id="a vlan tag out of range is named",
        ),
        pytest.param(
            "make me a contaner from homelab/busybox:latest",
            ["did not understand 'contaner'", "'homelab/busybox:latest' → image = 'homelab/busybox:latest'",
             "Closest intent kinds: container"],
            id="unknown words are listed with the closest kinds",
        ),
        pytest.param(
            "make me a sandwich",
            ["did not understand 'sandwich'", "Understood: nothing", "Closest intent kinds: "],
            id="nothing understood lists kinds",
        ),
    ],
)
def test_a_refusal_says_what_it_did_not_understand_and_what_it_did(text: str, said: list[str]) -> None:
    message = _refusal(text)
    for phrase in said:
        assert phrase in message


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("deploy a minecraft server on vlan 20", "how many players? say 'for 10 players'"),
        ("deploy a minecraft server for 10 players", "which network? say 'on vlan 20' or 'on the gaming network'"),
        ("minecraft for 10 players on the lobby network", "the 'lobby' segment needs a VLAN tag"),
        ("run a container called web", "which image?"),
        ("a container from nginx:1 on vlan 20", "a container cannot be placed on a network segment"),
        ("minecraft and a container from x:1 for 10 players on vlan 20", "it names several things"),
        ("a web app called blog", "a sentence cannot describe a web_app yet"),
        ("create a vlan 30 with 4 players", "'4 players' does not apply to a network_segment"),
        ("minecraft for 10 players on vlan 20 and vlan 30", "a second VLAN tag"),
        ("a factorio server for 300 players on vlan 20", "300 players is outside 1-200"),
        ("create a vlan 30 with subnet 10.30.0.1/24", "'10.30.0.1/24' is not a subnet"),
        ("", "the sentence is empty"),
    ],
)
def test_refusals_say_what_is_missing(text: str, problem: str) -> None:
    if not text:
        with pytest.raises(IntentError, match=problem):
            parse_sentence(text)
        return
    assert problem in _refusal(text)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("deploy a minecraft server for " + "9" * 5000 + " players on vlan 20",
         "'" + "9" * 80 + "'… (5000 characters): a number of 5000 digits; no count, VLAN tag or size is that long"),
        ("minecraft for 10 players on vlan " + "9" * 5000, "a number of 5000 digits"),
        ("minecraft for 10 players on vlan-" + "9" * 5000, "a number of 5000 digits"),
        ("minecraft for 10 players on vlan 20 with " + "9" * 5000 + "g memory", "a number of 5000 digits"),
        ("minecraft for ² players on vlan 20", "did not understand '²', 'players'"),
        ("deploy a minecraft server named " + "a" * 5000, "'named " + "a" * 74 + "'… (5006 characters) → name = "),
        ("x " * 2500, "did not understand 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x' and 2490 more words"),
        ("minecraft " * 2000, "and 1990 more phrases"),
    ],
)
def test_a_huge_number_or_a_long_sentence_is_refused_in_a_short_message(text: str, problem: str) -> None:
    message = _refusal(text)
    assert problem in message
    assert message.startswith(f"sentence '{text[:80]}'… ({len(text.strip())} characters): ") or len(text) <= 80
    assert len(message) < 1000, message


def test_the_same_sentence_always_gives_the_same_intents() -> None:
    text = "Minecraft server, 10 players, gaming VLAN"
    assert parse_sentence(text) == parse_sentence(text)
