"""Sentences: an English request mapped deterministically onto the intent catalog.

``parse_sentence("deploy a minecraft server for 10 players on vlan 20")`` returns an :class:`Understood`:
the intent dicts (what an intent file would hold) and every phrase it understood with what it became, so
the CLI can always print the structured intent before planning it. Nothing is guessed silently: a word it
cannot place, a game it does not know, a VLAN tag out of range, or a request that does not name enough
(how many players, which network) is an ``IntentError`` that lists what was understood and the closest
intent kinds.

What a sentence can say
-----------------------
- a game server: ``minecraft|valheim|factorio|terraria [server]``, ``for N players|people|users``,
  ``with 4g memory``, ``2 cpus``, ``at 10.20.0.50``, ``exposed to the internet`` (expose_wan: true);
- a network segment: ``vlan N`` (1-4094), ``<name> vlan|network|segment`` (``gaming VLAN``, ``the iot
  network``), ``called NAME``, ``with subnet CIDR``, ``isolated``; a game server ``on`` a segment gets
  that segment as its own ``network_segment`` intent, referred to by name;
- a container: ``container from IMAGE called NAME publishing IP:HOST:CONTAINER``;
- a dev environment: ``dev environment [with postgres] [on vlan N]`` (its segment inline: the ``dev``
  segment, tag 60, unless the sentence names one; the database password is ``{secret: <NAME>_DB_PASSWORD}``);
- WireGuard access: ``wireguard|vpn for alice key <public key> and bob key <public key>`` (a peer
  without its public key is refused: keys cannot be guessed);
- for any of them: ``owned by NAME`` (owner), ``tagged TAG[,TAG]`` (tags).

Defaults (printed as understood phrases, never applied silently)
----------------------------------------------------------------
- A segment's name is the word before ``vlan``/``network``/``segment`` (``gaming``), or ``called NAME``
  when the segment is the request itself, else ``vlan<tag>`` (``vlan20``).
- A segment's subnet, when not given: ``10.<tag>.0.0/24`` for tags 1-255 and
  ``172.<16 + tag // 256>.<tag % 256>.0/24`` for tags 256-4094 (one /24 per tag, never two tags the same).
- A segment named without a tag takes the well-known tag of its name (:data:`WELL_KNOWN_TAGS`:
  management 10, gaming 20, iot 30, guest 40, dmz 50, dev 60, trusted 70); another name needs ``vlan N``.
- A segment named after a role (guest, iot, dmz, management, trusted) gets that role; others keep the
  catalog's default role.
- A game server is named after its game, a container after its image (``homelab/busybox:latest`` →
  ``busybox``), a dev environment ``dev`` and WireGuard access ``vpn``, unless ``called NAME``.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

from planner.errors import Fix, IntentError, Remedy, shown

__all__ = ["KIND_ALIASES", "WELL_KNOWN_TAGS", "Phrase", "Understood", "default_subnet", "parse_sentence"]

# Words (and two-word phrases) that name an intent kind; the catalog's own names are accepted too.
KIND_ALIASES: dict[str, str] = {
    "game server": "game_server", "gameserver": "game_server", "game": "game_server",
    "vlan": "network_segment", "network": "network_segment", "segment": "network_segment",
    "network segment": "network_segment",
    "dev environment": "dev_environment", "development environment": "dev_environment",
    "dev env": "dev_environment", "devenv": "dev_environment", "dev box": "dev_environment",
    "vpn": "vpn_access", "wireguard": "vpn_access", "vpn access": "vpn_access",
    "container": "container", "docker container": "container",
    "web app": "web_app", "webapp": "web_app", "web server": "web_app", "website": "web_app", "web site": "web_app",
    "vm": "vm", "virtual machine": "vm", "lxc": "lxc", "stack": "stack", "compose": "stack",
    "dns record": "dns_record", "dns": "dns_record", "certificate": "certificate", "cert": "certificate",
}

WELL_KNOWN_TAGS: dict[str, int] = {
    "management": 10, "gaming": 20, "iot": 30, "guest": 40, "dmz": 50, "dev": 60, "trusted": 70,
}
_ROLES = ("trusted", "guest", "iot", "dmz", "management")
_GAMES_FALLBACK = ("minecraft", "valheim", "factorio", "terraria")
_DATABASES = {"postgres": "postgres", "postgresql": "postgres", "mysql": "mysql", "mariadb": "mariadb",
              "redis": "redis"}
_SEGMENT_WORDS = {"vlan", "network", "segment", "net", "lan"}
_PLAYER_WORDS = {"player", "players", "people", "persons", "users", "gamers", "slots", "friends"}
_CPU_WORDS = {"cpu", "cpus", "core", "cores", "vcpu", "vcpus"}
_MEMORY_WORDS = {"ram", "memory", "mem"}
_EXPOSE_WORDS = {"expose", "exposed", "public", "publicly", "internet", "wan", "internet-facing", "outside"}
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "fifty": 50, "hundred": 100,
}
# Words that carry no meaning of their own in a request.
_FILLER = {
    "a", "an", "the", "deploy", "set", "setup", "up", "create", "make", "give", "me", "i", "we", "want",
    "need", "would", "like", "please", "new", "run", "start", "spin", "with", "for", "on", "in", "and", "to",
    "of", "server", "host", "hosting", "instance", "some", "my", "our", "using", "that", "is", "it", "us",
    "add", "build", "provision", "launch", "install", "can", "you", "could", "let", "lets", "let's", "get",
    "put", "which", "has", "have", "its", "from", "publishing", "publish", "port", "ports", "subnet",
    "as", "by", "at", "id", "tag", "access", "called", "named", "image", "via", "into", "onto", "then",
    "also", "be", "should", "will", "allow", "allowing", "open", "one",
}
_CIDR = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}/\d{1,2}$")
_IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_PORT = re.compile(r"^(?:\[[0-9a-f:]+\]|[\d.]+):\d+:\d+(?:/(?:tcp|udp))?$", re.IGNORECASE)
_IMAGE = re.compile(r"^[a-z0-9][a-z0-9._-]*(?:/[a-z0-9][a-z0-9._-]*)*(?::[\w][\w.-]*)?$")
_SIZE = re.compile(r"^(\d+(?:\.\d+)?)(g|gb|gib|m|mb|mib)$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_WG_KEY = re.compile(r"^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$")
# A number (or vlan-N) longer than any count, tag or size: refused before int() is asked to convert it (past
# sys.get_int_max_str_digits() digits it cannot).
_LONG_NUMBER = re.compile(r"(?:vlan-?)?(\d{19,})(?:g|gb|gib|m|mb|mib)?")
# How many words or phrases a refusal lists before it says how many more there are.
_LISTED = 10


def _games() -> tuple[str, ...]:
    """The games the catalog knows (planner.intents.game.GAMES), or the documented four."""
    try:
        from planner.intents.game import GAMES
    except ImportError:  # the catalog may not ship game servers
        return _GAMES_FALLBACK
    return tuple(GAMES)


def _catalog_kinds() -> list[str]:
    from planner.intents.catalog import INTENT_KINDS

    return list(INTENT_KINDS)


def default_subnet(tag: int) -> str:
    """The documented default subnet of VLAN ``tag``: 10.<tag>.0.0/24 (1-255), else 172.<16+tag//256>.<tag%256>.0/24."""
    if tag <= 255:
        return f"10.{tag}.0.0/24"
    return f"172.{16 + tag // 256}.{tag % 256}.0/24"


@dataclass(frozen=True)
class Phrase:
    """Words of the sentence and what they became (``"10 players"`` → ``game_server.players = 10``)."""

    text: str
    meaning: str


@dataclass(frozen=True)
class Understood:
    """What a sentence meant: intent dicts ready for ``parse_intents`` and the phrases behind them."""

    text: str
    intents: list[dict[str, Any]]
    phrases: list[Phrase]

    def document(self) -> dict[str, Any]:
        """The intents as an intent file would hold them: ``{version: 1, intents: [...]}``."""
        return {"version": 1, "intents": [dict(intent) for intent in self.intents]}

    def describe(self) -> str:
        """One line per understood phrase: ``"10 players" → game_server.players = 10``."""
        return "\n".join(f"{shown(phrase.text)} → {phrase.meaning}" for phrase in self.phrases)


@dataclass
class _Reading:
    """What has been read so far from one sentence."""

    text: str
    kinds: dict[str, str] = field(default_factory=dict)  # kind -> the words that named it
    values: dict[str, tuple[Any, str]] = field(default_factory=dict)  # field -> (value, words)
    phrases: list[Phrase] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    segment: dict[str, Any] = field(default_factory=dict)
    unknown_game: str | None = None

    def kind(self, kind: str, words: str) -> None:
        self.kinds.setdefault(kind, words)

    def set(self, name: str, value: Any, words: str) -> None:
        seen = self.values.get(name)
        if seen is not None and seen[0] != value:
            self.fail(f"{name} is given twice ({shown(seen[1])} and {shown(words)}); say it once")
        self.values[name] = (value, words)

    def get(self, name: str, default: Any = None) -> Any:
        found = self.values.get(name)
        return default if found is None else found[0]

    def words(self, name: str) -> str:
        return self.values[name][1]

    def note(self, words: str, meaning: str) -> None:
        self.phrases.append(Phrase(words, meaning))

    def fail(self, problem: str, *, closest: list[str] | None = None) -> NoReturn:
        understood = "; ".join(f"{shown(p.text)} → {p.meaning}" for p in self.phrases[:_LISTED])
        if len(self.phrases) > _LISTED:
            understood += f" and {len(self.phrases) - _LISTED} more phrases"
        if not understood:
            understood = "; ".join(f"{shown(words)} → {kind}" for kind, words in self.kinds.items()) or "nothing"
        if closest is None:
            closest = _closest_kinds(self.unknown) if self.unknown or not self.kinds else list(self.kinds)
        raise IntentError(
            f"sentence {shown(self.text)}: {problem}. Understood: {understood}. Closest intent kinds: "
            f"{', '.join(closest)}. Nothing was planned",
            remedy=Remedy(Fix.WRITE_INTENT, closest[0] if len(closest) == 1 else ""),
        )


def _closest_kinds(words: list[str]) -> list[str]:
    """The catalog kinds nearest to ``words`` (difflib against kind names and aliases); all kinds if none."""
    kinds = _catalog_kinds()
    names = {kind: kind for kind in kinds} | {kind.replace("_", " "): kind for kind in kinds}
    names |= {alias: kind for alias, kind in KIND_ALIASES.items()}
    found: list[str] = []
    for word in words:
        for match in difflib.get_close_matches(word.lower(), names, n=3, cutoff=0.6):
            if names[match] not in found:
                found.append(names[match])
    return found or kinds


def _number(token: str) -> int | None:
    if token.isdecimal():  # not isdigit(): int() refuses digits such as '²'
        return None if _LONG_NUMBER.fullmatch(token) else int(token)  # _read refuses a long one where it is
    return _NUMBER_WORDS.get(token)


def _tokens(text: str) -> list[str]:
    """Words of ``text``: commas, semicolons and a final full stop split words; images and IPs stay whole."""
    cleaned = re.sub(r"[;!?]|,(?=\s|$)", " ", text)
    cleaned = re.sub(r"\.(?=\s|$)", " ", cleaned)
    return cleaned.split()


# A reader looks at the words from position i and returns how many it consumed (0: not its phrase).
_Reader = Callable[[_Reading, list[str], list[str], int], int]


def _read_two_word_kind(reading: _Reading, words: list[str], raw: list[str], i: int) -> int:
    pair = " ".join(words[i : i + 2])
    if len(words) > i + 1 and pair in KIND_ALIASES and KIND_ALIASES[pair] != "network_segment":
        reading.kind(KIND_ALIASES[pair], pair)
        reading.note(" ".join(raw[i : i + 2]), f"intent kind {KIND_ALIASES[pair]}")
        return 2
    return 0


def _read_vlan_tag(reading: _Reading, words: list[str], raw: list[str], i: int) -> int:
    word = words[i]
    match = re.fullmatch(r"vlan-?(\d+)", word)
    if match:
        tag, used = int(match[1]), 1
    elif word == "vlan":
        j = i + 1
        if j < len(words) and words[j] in ("id", "tag", "number", "#"):
            j += 1
        number = _number(words[j]) if j < len(words) else None
        if number is None:
            return 0
        tag, used = number, j - i + 1
    else:
        return 0
    phrase = " ".join(raw[i : i + used])
    if not 1 <= tag <= 4094:
        reading.fail(f"{shown(phrase)}: VLAN tag {tag} is outside 1-4094; pick a tag in that range")
    reading.kind("network_segment", phrase)
    reading.segment.setdefault("words", phrase)
    if reading.segment.get("vlan") not in (None, tag):
        reading.fail(f"{shown(phrase)}: a second VLAN tag; one sentence plans one segment")
    reading.segment["vlan"] = tag
    reading.note(phrase, f"network_segment.vlan = {tag}")
    return used


def _read_named_segment(reading: _Reading, words: list[str], raw: list[str], i: int) -> int:
    """``gaming vlan``, ``the iot network``: a segment called by the word before vlan/network/segment."""
    if i + 1 >= len(words) or words[i + 1] not in _SEGMENT_WORDS:
        return 0
    name = words[i]
    if name in _FILLER or name in KIND_ALIASES or _number(name) is not None or not _NAME.match(name):
        return 0
    if reading.segment.get("name") not in (None, name):
        reading.fail(f"{shown(raw[i])}: a second segment name; one sentence plans one segment")
    reading.kind("network_segment", f"{name} {words[i + 1]}")
    reading.segment["name"] = name
    reading.segment["named_by"] = " ".join(raw[i : i + 2])
    reading.note(" ".join(raw[i : i + 2]), f"network_segment.name = {shown(name)}")
    tag_follows = words[i + 1] == "vlan" and i + 2 < len(words) and _number(words[i + 2]) is not None
    return 1 if tag_follows else 2  # "gaming vlan 25": leave "vlan 25" to the tag reader


def _read_kind_word(reading: _Reading, words: list[str], raw: list[str], i: int) -> int:
    word = words[i]
    if word in _games():
        reading.kind("game_server", raw[i])
        reading.set("game", word, raw[i])
        reading.note(raw[i], f"game_server.game = {shown(word)}")
        return 1
    kind = KIND_ALIASES.get(word) or (word if word in _catalog_kinds() else None)
    if kind is None:
        return 0
    reading.kind(kind, raw[i])
    reading.note(raw[i], f"intent kind {kind}")
    return 1


def _read_count(reading: _Reading, words: list[str], raw: list[str], i: int) -> int:
    """``10 players``, ``2 cpus``, ``4g memory``, ``4 gb ram``."""
    number = _number(words[i])
    following = words[i + 1] if i + 1 < len(words) else ""
    if number is not None and following in _PLAYER_WORDS:
        reading.set("players", number, " ".join(raw[i : i + 2]))
        reading.note(" ".join(raw[i : i + 2]), f"game_server.players = {number}")
        return 2
    if following in _CPU_WORDS:
        try:
            cpus = float(words[i])
        except ValueError:
            return 0
        reading.set("cpus", cpus, " ".join(raw[i : i + 2]))
        reading.note(" ".join(raw[i : i + 2]), f"cpus = {cpus:g}")
        return 2
    size = _SIZE.match(words[i])
    used = 1
    if size is None and number is not None and following in ("g", "gb", "gib", "m", "mb", "mib"):
        size, used = _SIZE.match(words[i] + following), 2
    if size is None:
        return 0
    if i + used < len(words) and words[i + used] in _MEMORY_WORDS:
        used += 1
    elif i + used + 1 < len(words) and words[i + used] == "of" and words[i + used + 1] in _MEMORY_WORDS:
        used += 2
    memory = f"{size[1]}{size[2][0]}"
    phrase = " ".join(raw[i : i + used])
    reading.set("memory", memory, phrase)
    reading.note(phrase, f"memory = {shown(memory)}")
    return used


def _read_value(reading: _Reading, words: list[str], raw: list[str], i: int) -> int:
    """CIDRs (subnet), addresses, published ports and images."""
    word, original = words[i], raw[i]
    if _CIDR.match(word):
        try:
            subnet = str(ipaddress.IPv4Network(word, strict=True))
        except ValueError as err:
            reading.fail(f"{shown(original)} is not a subnet ({err}); write it like 10.30.0.0/24")
        reading.segment["subnet"] = subnet
        reading.kind("network_segment", original)
        reading.note(original, f"network_segment.subnet = {shown(subnet)}")
        return 1
    if _PORT.match(word):
        reading.values.setdefault("ports", ([], original))[0].append(original)
        reading.note(original, f"container.ports += {shown(original)}")
        return 1
    if _IPV4.match(word):
        try:
            ipaddress.IPv4Address(word)
        except ValueError:
            reading.fail(f"{shown(original)} is not an IPv4 address")
        reading.set("address", word, original)
        reading.note(original, f"address = {shown(word)}")
        return 1
    previous = words[i - 1] if i else ""
    if (previous in ("from", "image", "using") or ":" in word or "/" in word) and _IMAGE.match(word):
        reading.set("image", original, original)
        reading.note(original, f"image = {shown(original)}")
        return 1
    return 0


def _read_name(reading: _Reading, words: list[str], raw: list[str], i: int) -> int:
    """``called hello``, ``named web``; ``owned by alice``; ``tagged team-a``."""
    word = words[i]
    if word in ("called", "named") and i + 1 < len(words):
        reading.set("name", words[i + 1], " ".join(raw[i : i + 2]))
        reading.note(" ".join(raw[i : i + 2]), f"name = {shown(words[i + 1])}")
        return 2
    if word == "owned" and i + 2 < len(words) and words[i + 1] == "by":
        reading.set("owner", raw[i + 2], " ".join(raw[i : i + 3]))
        reading.note(" ".join(raw[i : i + 3]), f"owner = {shown(raw[i + 2])}")
        return 3
    if word in ("tagged", "tags") and i + 1 < len(words):
        tags = [tag for tag in raw[i + 1].split(",") if tag]
        reading.set("tags", tags, " ".join(raw[i : i + 2]))
        reading.note(" ".join(raw[i : i + 2]), f"tags = {shown(tags)}")
        return 2
    return 0


def _read_flag(reading: _Reading, words: list[str], raw: list[str], i: int) -> int:
    """``isolated``, ``exposed to the internet``, ``with postgres``."""
    word = words[i]
    if word == "isolated":
        reading.segment["isolated"] = True
        reading.note(raw[i], "network_segment.isolated = true")
        return 1
    if word in _EXPOSE_WORDS:
        used = 1
        while i + used < len(words) and words[i + used] in _EXPOSE_WORDS | {"to", "the", "on", "it"}:
            used += 1
        phrase = " ".join(raw[i : i + used])
        reading.set("expose_wan", True, phrase)
        reading.note(phrase, "game_server.expose_wan = true")
        return used
    if word in _DATABASES:
        if _DATABASES[word] != "postgres":
            reading.fail(f"{shown(raw[i])}: a dev environment's database is PostgreSQL; say 'with postgres'")
        reading.set("database", "postgres", raw[i])
        return 1
    return 0


def _read_people(reading: _Reading, words: list[str], raw: list[str], i: int) -> int:
    """``for alice key AAA...= and bob key BBB...=``: WireGuard peers (once vpn/wireguard was named).

    A peer needs its public key; a name without one is read, and refused later with what to say."""
    if "vpn_access" not in reading.kinds or words[i] != "for":
        return 0
    peers: list[dict[str, str]] = []
    j = i + 1
    while j < len(words):
        if words[j] == "and":
            j += 1
        elif words[j] in ("key", "with", "public") and peers and j + 1 < len(words):
            j += 1
            if _WG_KEY.match(raw[j]):
                peers[-1]["public_key"] = raw[j]
                j += 1
        elif _NAME.match(words[j]) and words[j] not in _FILLER and words[j] not in KIND_ALIASES:
            peers.append({"name": words[j]})
            j += 1
        else:
            break
    if not peers:
        return 0
    phrase = " ".join(raw[i:j])
    reading.set("peers", peers, phrase)
    reading.note(phrase, f"vpn_access.peers = {shown([peer['name'] for peer in peers])}")
    return j - i


_READERS: tuple[_Reader, ...] = (
    _read_two_word_kind, _read_vlan_tag, _read_named_segment, _read_count, _read_value, _read_name,
    _read_people, _read_flag, _read_kind_word,
)


def _read(text: str) -> _Reading:
    reading = _Reading(text=text)
    raw = _tokens(text)
    words = [word.lower() for word in raw]
    i = 0
    while i < len(words):
        long_number = _LONG_NUMBER.fullmatch(words[i])
        if long_number:
            reading.fail(f"{shown(raw[i])}: a number of {len(long_number[1])} digits; no count, VLAN tag or size "
                         "is that long")
        used = next((n for reader in _READERS if (n := reader(reading, words, raw, i))), 0)
        if used:
            i += used
            continue
        if words[i] not in _FILLER:
            reading.unknown.append(raw[i])
            before_server = i + 1 < len(words) and words[i + 1] in ("server", "servers")
            about_games = bool(_PLAYER_WORDS & set(words)) or difflib.get_close_matches(words[i], _games(), n=1)
            if before_server and about_games and reading.unknown_game is None:
                reading.unknown_game = raw[i]
        i += 1
    if reading.unknown_game is not None and "game_server" not in reading.kinds:
        known = ", ".join(_games())
        reading.fail(f"{shown(reading.unknown_game)}: not a game the catalog knows (known games: {known})",
                     closest=["game_server"])
    return reading


_PRIMARY_ORDER = ("game_server", "dev_environment", "vpn_access", "container", "web_app", "vm", "lxc",
                  "stack", "dns_record", "certificate")
_FIELDS_OF = {
    "game_server": {"game", "players", "address", "memory", "cpus", "expose_wan", "image", "name", "owner", "tags"},
    "network_segment": {"name", "owner", "tags"},
    "container": {"image", "ports", "memory", "cpus", "name", "owner", "tags"},
    "dev_environment": {"database", "address", "name", "owner", "tags"},
    "vpn_access": {"peers", "name", "owner", "tags"},
}


def _segment(reading: _Reading, primary: str) -> dict[str, Any]:
    """The network_segment intent the sentence names, with the documented defaults filled in."""
    found = reading.segment
    name = found.get("name")
    if primary == "network_segment" and reading.get("name"):
        if name is not None and name != reading.get("name"):
            reading.fail(f"the segment is named twice ({shown(found['named_by'])} and {shown(reading.words('name'))})")
        name = reading.get("name")
    tag = found.get("vlan")
    if tag is None:
        if name is None or name not in WELL_KNOWN_TAGS:
            which = f"the {shown(name)} segment" if name else "the segment"
            reading.fail(f"{which} needs a VLAN tag; say 'on vlan N' (N in 1-4094)")
        tag = WELL_KNOWN_TAGS[name]
        reading.note(found.get("named_by", name), f"network_segment.vlan = {tag} (the well-known tag of {shown(name)})")
    if name is None:
        name = f"vlan{tag}"
        reading.note(found["words"], f"network_segment.name = {shown(name)} (default: vlan<tag>)")
    segment: dict[str, Any] = {"kind": "network_segment", "name": name, "vlan": tag}
    if "subnet" in found:
        segment["subnet"] = found["subnet"]
    else:
        segment["subnet"] = default_subnet(tag)
        words = found.get("words") or found.get("named_by") or name
        reading.note(words, f"network_segment.subnet = {shown(segment['subnet'])} (default: one /24 per tag)")
    if name in _ROLES:
        segment["role"] = name
        reading.note(name, f"network_segment.role = {shown(name)} (the segment's name is a role)")
    if found.get("isolated"):
        segment["isolated"] = True
    return segment


def _primary(reading: _Reading) -> str:
    kinds = [kind for kind in reading.kinds if kind != "network_segment"]
    if len(kinds) > 1:
        named = ", ".join(f"{kind} ({shown(reading.kinds[kind])})" for kind in kinds)
        reading.fail(f"it names several things ({named}); ask for one per sentence, or write an intent file",
                     closest=kinds)
    if kinds:
        return kinds[0]
    if "network_segment" in reading.kinds:
        return "network_segment"
    reading.fail("it names no intent kind the catalog knows")


def _build(reading: _Reading) -> list[dict[str, Any]]:
    primary = _primary(reading)
    if primary not in _FIELDS_OF:
        reading.fail(f"a sentence cannot describe a {primary} yet", closest=[primary])  # the remedy: an intent
    extra = [name for name in reading.values if name not in _FIELDS_OF[primary]]
    if extra:
        words = reading.words(extra[0])
        reading.fail(f"{shown(words)} does not apply to a {primary}")
    values = {name: value for name, (value, _) in reading.values.items()}
    intent: dict[str, Any] = {"kind": primary}
    intents: list[dict[str, Any]] = []
    if primary == "dev_environment" and not reading.segment:
        # a dev environment gets the well-known dev segment unless the sentence names one
        reading.segment.update(name="dev", named_by=reading.kinds[primary])
        reading.note(reading.kinds[primary], "network_segment.name = 'dev' (default segment of a dev environment)")
    if "network_segment" in reading.kinds or reading.segment:
        if primary not in ("network_segment", "game_server", "dev_environment"):
            words = reading.kinds["network_segment"]
            reading.fail(f"{shown(words)}: a {primary} cannot be placed on a network segment from a sentence; "
                         "write an intent file", closest=[primary])
        segment = _segment(reading, primary)
        intents.append(segment)
        if primary == "network_segment":
            for key in ("owner", "tags"):
                if key in values:
                    segment[key] = values[key]
            return intents
    if primary == "game_server":
        if "players" not in values:
            reading.fail("how many players? say 'for 10 players'")
        if not intents:
            reading.fail("which network? say 'on vlan 20' or 'on the gaming network'")
        intent["name"] = values.pop("name", None) or values["game"]
        intent.update(values)
        intent["segment"] = intents[0]["name"]
        if intent["name"] == intent["segment"]:
            reading.fail(f"the game server and its segment would both be named {shown(intent['name'])}; "
                         "name one of them ('called NAME')")
    elif primary == "container":
        if "image" not in values:
            reading.fail("which image? say 'from homelab/busybox:latest'")
        image_name = str(values["image"]).rsplit("/", 1)[-1].split(":", 1)[0]
        if "name" not in values:
            reading.note(str(values["image"]), f"container.name = {shown(image_name)} (default: the image's name)")
        intent["name"] = values.pop("name", None) or image_name
        intent.update(values)
    elif primary == "dev_environment":
        _dev_environment(reading, intent, values, intents.pop())
    else:
        _vpn_access(reading, intent, values)
    intents.append(intent)
    return intents


def _default_name(reading: _Reading, intent: dict[str, Any], values: dict[str, Any], default: str) -> None:
    if "name" not in values:
        reading.note(reading.kinds[intent["kind"]], f"{intent['kind']}.name = {shown(default)} (default)")
    intent["name"] = values.pop("name", None) or default


def _dev_environment(
    reading: _Reading, intent: dict[str, Any], values: dict[str, Any], segment: dict[str, Any]
) -> None:
    """A dev environment with its segment inline; ``with postgres`` adds the database, its password a secret."""
    _default_name(reading, intent, values, "dev")
    intent["segment"] = {key: value for key, value in segment.items() if key != "kind"}
    if values.pop("database", None):
        variable = f"{intent['name'].upper().replace('-', '_')}_DB_PASSWORD"
        intent["database"] = {"password": {"secret": variable}}
        reading.note(reading.words("database"),
                     f"dev_environment.database = PostgreSQL, password {{secret: {variable}}} (export {variable})")
    intent.update(values)


def _vpn_access(reading: _Reading, intent: dict[str, Any], values: dict[str, Any]) -> None:
    """WireGuard access; every peer must come with its public key (a key cannot be guessed)."""
    peers = values.get("peers") or []
    if not peers:
        reading.fail("who gets access? say 'for alice key <public key> and bob key <public key>'")
    keyless = [peer["name"] for peer in peers if "public_key" not in peer]
    if keyless:
        reading.fail(f"peer {', '.join(keyless)} needs a WireGuard public key (`wg pubkey`); say "
                     f"'for {keyless[0]} key <base64 key>', or write an intent file", closest=["vpn_access"])
    _default_name(reading, intent, values, "vpn")
    intent.update(values)


def _validate(reading: _Reading, intents: list[dict[str, Any]]) -> None:
    """Check the dicts with the catalog (when it has every kind), so the message keeps the sentence context."""
    from planner.intents.catalog import INTENT_KINDS, parse_intents

    if not all(intent["kind"] in INTENT_KINDS for intent in intents):
        return
    try:
        parse_intents([{"version": 1, "intents": intents}], source="sentence")
    except IntentError as err:
        reading.fail(f"the intent it maps to is not valid: {err}", closest=[intents[-1]["kind"]])


def parse_sentence(text: str) -> Understood:
    """Map ``text`` onto the intent catalog; raises IntentError (with what was understood) when it cannot."""
    if not text.strip():
        raise IntentError("the sentence is empty; say what you want, e.g. 'deploy a minecraft server for 10 "
                          "players on vlan 20'")
    reading = _read(text.strip())
    if reading.unknown:
        listed = ", ".join(shown(word) for word in reading.unknown[:_LISTED])
        more = len(reading.unknown) - _LISTED
        reading.fail(f"did not understand {listed}" + (f" and {more} more words" if more > 0 else ""))
    intents = _build(reading)
    _validate(reading, intents)
    return Understood(text=text.strip(), intents=intents, phrases=list(reading.phrases))
