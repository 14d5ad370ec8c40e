"""``game_server``: a game server container on a network segment, sized from the game and player count."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from planner.core.resources import Resource
from planner.core.sizes import memory_mib
from planner.errors import IntentError, shown
from planner.intents.base import ExpansionContext, Facts, Intent, Ipv4AddressText, StackRef, intent_meta
from planner.intents.container import check_size
from planner.intents.network import InlineSegment, Segment, firewall_rule, segment_for
from planner.intents.placement import Placement, place

__all__ = ["GAMES", "Game", "GamePort", "GameServerIntent", "PublicDns", "Sizing", "size_for"]

MAX_CPUS = 4.0


@dataclass(frozen=True)
class GamePort:
    """One port or port range a game listens on."""

    first: int
    last: int
    protocol: Literal["tcp", "udp"]

    @property
    def range(self) -> str:
        return str(self.first) if self.first == self.last else f"{self.first}-{self.last}"


@dataclass(frozen=True)
class Game:
    """What a game needs: its image, ports, data directory, environment and sizing rule."""

    image: str
    ports: tuple[GamePort, ...]
    data_path: str
    base_mib: int
    mib_per_player: int
    base_cpus: float
    players_per_cpu: int
    max_players: int
    env: dict[str, str] = field(default_factory=dict)


GAMES: dict[str, Game] = {
    "minecraft": Game(
        image="itzg/minecraft-server:latest", ports=(GamePort(25565, 25565, "tcp"),), data_path="/data",
        base_mib=1024, mib_per_player=100, base_cpus=1.0, players_per_cpu=10, max_players=200,
        env={"EULA": "TRUE"},
    ),
    "valheim": Game(
        image="lloesche/valheim-server:latest", ports=(GamePort(2456, 2457, "udp"),), data_path="/config",
        base_mib=2048, mib_per_player=128, base_cpus=2.0, players_per_cpu=10, max_players=64,
    ),
    "factorio": Game(
        image="factoriotools/factorio:stable", ports=(GamePort(34197, 34197, "udp"),), data_path="/factorio",
        base_mib=1024, mib_per_player=50, base_cpus=1.0, players_per_cpu=20, max_players=200,
    ),
    "terraria": Game(
        image="ryshe/terraria:latest", ports=(GamePort(7777, 7777, "tcp"),), data_path="/root/.local/share/Terraria",
        base_mib=512, mib_per_player=32, base_cpus=1.0, players_per_cpu=16, max_players=200,
    ),
}

SIZING_RULE = (
    "memory = base + per-player MiB x players, rounded up to a multiple of 512 MiB; "
    "cpus = base + players / players-per-CPU, rounded up to 0.5, at most 4. "
    "minecraft: 1024 MiB + 100/player, 1 CPU + 1 per 10 players (Java heap MEMORY = 75% of the memory, "
    "rounded down to 256 MiB); valheim: 2048 + 128/player, 2 CPUs + 1 per 10; factorio: 1024 + 50/player, "
    "1 + 1 per 20; terraria: 512 + 32/player, 1 + 1 per 16. Minecraft for 10 players: 2048m, 2 CPUs, heap 1536M."
)


@dataclass(frozen=True)
class Sizing:
    """Memory (MiB) and CPUs of a game server."""

    memory_mib: int
    cpus: float

    @property
    def memory(self) -> str:
        return f"{self.memory_mib}m"

    @property
    def heap(self) -> str:
        """The Java heap for a JVM game: 75% of the memory, rounded down to 256 MiB (at least 256 MiB)."""
        return f"{max(256, self.memory_mib * 3 // 4 // 256 * 256)}M"


def size_for(game: str, players: int) -> Sizing:
    """The documented sizing rule (SIZING_RULE) for ``players`` of ``game``."""
    rule = GAMES[game]
    memory = math.ceil((rule.base_mib + rule.mib_per_player * players) / 512) * 512
    cpus = rule.base_cpus + math.ceil(players / rule.players_per_cpu * 2) / 2
    return Sizing(memory_mib=memory, cpus=min(MAX_CPUS, cpus))


class PublicDns(BaseModel):
    """A public name for the server: a ``dns.record`` on a DNS endpoint (Cloudflare, BIND, ...)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, description="Record name, absolute (mc.example.com) or relative to zone.")
    zone: str | None = Field(default=None, description="Zone of the record; default: found by the provider.")
    value: Ipv4AddressText | None = Field(
        default=None, description="The public (WAN) address the name points to; required, the planner cannot know it."
    )
    endpoint: str | None = Field(default=None, description="DNS endpoint (inventory group dns).")


class GameServerIntent(Intent):
    """A game server container on a network segment, sized from the game and the number of players."""

    summary: ClassVar[str] = (
        "A game server (minecraft, valheim, factorio, terraria) on a network segment: container sized for the "
        "players, firewall rules for its ports, internal DNS name, optional WAN exposure and public DNS."
    )
    details: ClassVar[str] = "Sizing rule: " + SIZING_RULE
    example: ClassVar[str] = """\
kind: game_server
name: minecraft
game: minecraft
players: 10                  # -> memory 2048m, cpus 2.0 (see the sizing rule)
segment: gaming              # a network_segment intent in the same file, or its fields inline
# address: 10.0.20.10        # default: the .10 host of the segment
# expose_wan: true           # allow the game port in from the internet (policy asks for this flag)
# public_dns: {name: mc.example.com, value: 203.0.113.7, endpoint: lab-cloudflare}
"""

    kind: Literal["game_server"]
    game: Literal["minecraft", "valheim", "factorio", "terraria"] = Field(
        description="The game; each has a default image, ports and sizing rule."
    )
    players: int = Field(description="Expected concurrent players, 1-200 (per-game maximum applies).")
    segment: str | StackRef | InlineSegment = Field(
        description="Name of a network_segment intent in this file, {stack, name} of one another stack deployed, "
        "or a mapping of network_segment fields."
    )
    address: Ipv4AddressText | None = Field(
        default=None, description="The server's IPv4 address in the segment; default .10."
    )
    image: str | None = Field(default=None, description="Image override; default: the game's image.")
    memory: str | None = Field(default=None, description="Memory override (e.g. 4g); default: the sizing rule.")
    cpus: float | None = Field(default=None, gt=0, description="CPU override; default: the sizing rule.")
    expose_wan: bool = Field(default=False, description="Allow the game's ports in from the WAN (explicit opt-in).")
    dns_name: str | None = Field(
        default=None, description="Internal DNS name (Unbound host override); default <name>.<segment domain>."
    )
    public_dns: PublicDns | None = Field(
        default=None, description="Public DNS record: {name, value, zone?, endpoint?}."
    )
    publish_address: Ipv4AddressText = Field(
        default="127.0.0.1",
        description="Host address the ports are published on; the lab allows only 127.0.0.1, use the host's LAN "
        "address (or 0.0.0.0) on a real Docker host.",
    )
    host_port: int | None = Field(
        default=None, ge=1, le=65535,
        description="Host port for the game's first port (default: the game's own, e.g. 25565); further ports "
        "shift with it. Two servers of one game on one Docker host need different host ports.",
    )
    network_driver: Literal["bridge", "macvlan"] | None = Field(
        default=None,
        description="How the container joins its segment: macvlan (on the VLAN itself, with its own address; "
        "needs the Docker endpoint's NIC on the segment, declared as networks: in the inventory) or bridge "
        "(behind the Docker host, reached through published ports). Default: macvlan where the inventory "
        "declares the NIC, else bridge; the plan says which and why.",
    )
    endpoint: str | None = Field(default=None, description="Docker endpoint; same as docker_endpoint.")
    docker_endpoint: str | None = Field(default=None, description="Docker endpoint; default: the only one.")
    opnsense_endpoint: str | None = Field(default=None, description="OPNsense endpoint; default: the segment's.")

    @field_validator("players")
    @classmethod
    def _players(cls, value: int, info: ValidationInfo) -> int:
        if not 1 <= value <= 200:
            raise ValueError(f"{shown(value)} players is outside 1-200")
        game = info.data.get("game")
        if isinstance(game, str) and value > GAMES[game].max_players:
            raise ValueError(f"{shown(value)} players is more than {game} supports here ({GAMES[game].max_players})")
        return value

    @field_validator("memory")
    @classmethod
    def _memory(cls, value: str | None) -> str | None:
        return check_size(value)

    def sizing(self) -> Sizing:
        return size_for(self.game, self.players)

    def _server_address(self, segment: Segment, context: ExpansionContext) -> str:
        if self.address is None:
            return str(segment.host(10))
        try:
            address = segment.check_address(self.address, "address")
        except ValueError as err:
            raise IntentError(f"{context.where}.address: {err}") from None
        if segment.pool[0] <= address <= segment.pool[1]:
            raise IntentError(
                f"{context.where}.address: {address} is inside the segment's DHCP pool "
                f"{segment.pool[0]}-{segment.pool[1]}; pick an address outside it"
            )
        return str(address)

    def _host_shift(self, game: Game) -> int:
        """How far ``host_port`` moves the game's ports on the Docker host (0: published as the game's own)."""
        return 0 if self.host_port is None else self.host_port - game.ports[0].first

    def _published(self, game: Game) -> list[str]:
        """Where the game's ports are published on the Docker host, were the container behind it."""
        shift = self._host_shift(game)
        return [f"{self.publish_address}:{on_host.range}/{on_host.protocol}"
                for on_host in (GamePort(p.first + shift, p.last + shift, p.protocol) for p in game.ports)]

    def _forward_target(self, placement: Placement, address: str, port: GamePort, shift: int) -> tuple[str, int]:
        """Where the WAN's forward sends a game port: the server's own address on its VLAN; behind a bridge, the
        Docker host's publishing address and port when that is one the firewall can reach, else (loopback or
        every address: the host's LAN address is not known) still the server's address, as the rules are."""
        reachable = placement.driver == "bridge" and self.publish_address not in ("127.0.0.1", "0.0.0.0")
        return (self.publish_address, port.first + shift) if reachable else (address, port.first)

    def _placement(self, segment: Segment, docker: str, context: ExpansionContext) -> Placement:
        return place(self.network_driver, context.endpoints.uplinks(docker), segment=segment.name,
                     vlan=segment.vlan, endpoint=docker, where=context.where)

    def _dns_name(self, segment: Segment) -> str:
        return self.dns_name or f"{self.name}.{segment.domain}"

    def outputs(self, context: ExpansionContext, facts: Facts) -> dict[str, Any]:
        """The server's address and game ports on its segment, its DNS name (and what a player connects to),
        the ports published on the Docker host, and the public name when there is one."""
        segment, _ = segment_for(self.segment, self, context)
        game = GAMES[self.game]
        docker = context.endpoints.resolve("docker", self.docker_endpoint or self.endpoint, context.where)
        dns_name = self._dns_name(segment)
        found: dict[str, Any] = {
            "address": self._server_address(segment, context),
            "ports": [f"{port.range}/{port.protocol}" for port in game.ports],
            "dns_name": dns_name,
            "connect": f"{dns_name}:{game.ports[0].first}",
            "published": self._published(game) if self._placement(segment, docker, context).driver == "bridge"
            else [],
            "segment": segment.name,
        }
        if self.public_dns is not None:
            found["public_dns"] = self.public_dns.name
        return found

    def expand(self, context: ExpansionContext) -> list[Resource]:
        segment, resources = segment_for(self.segment, self, context)
        docker = context.endpoints.resolve("docker", self.docker_endpoint or self.endpoint, context.where)
        opnsense = segment.endpoint
        if self.opnsense_endpoint is not None:
            opnsense = context.endpoints.resolve("opnsense", self.opnsense_endpoint, context.where)
        game = GAMES[self.game]
        address = self._server_address(segment, context)
        meta = intent_meta(self, **segment.meta())
        sizing = self.sizing()

        placement = self._placement(segment, docker, context)
        network = Resource(kind="docker.network", name=segment.name, endpoint=docker, origin=self.name, meta=meta,
                           spec=placement.network_spec(segment.name, str(segment.network), str(segment.gateway)))
        volume = Resource(kind="docker.volume", name=f"{self.name}-data", endpoint=docker, origin=self.name,
                          meta=meta, spec={"name": f"{self.name}-data", "state": "present"})
        env = dict(game.env)
        if self.memory is not None:
            sizing = Sizing(memory_mib=int(memory_mib(self.memory)), cpus=sizing.cpus)
        if self.game == "minecraft":
            env["MEMORY"] = sizing.heap
            env["MAX_PLAYERS"] = str(self.players)
        shift = self._host_shift(game)
        ports = [
            f"{self.publish_address}:{number + shift}:{number}/{port.protocol}"
            for port in game.ports for number in range(port.first, port.last + 1)
        ]
        if any(not 1 <= number + shift <= 65535 for port in game.ports for number in (port.first, port.last)):
            raise IntentError(f"{context.where}.host_port: {self.host_port} puts a {self.game} port outside 1-65535")
        published = self._published(game)
        shown_placement = placement.shown(segment=segment.name, vlan=segment.vlan, address=address, endpoint=docker,
                                          published=published)
        if placement.driver == "macvlan":
            ports = []  # the container has its own address on the VLAN: nothing to publish on the host
        container = Resource(
            kind="docker.container", name=self.name, endpoint=docker, origin=self.name,
            meta={**meta, "placement": shown_placement},
            depends_on=(network.address, volume.address),
            spec={
                "name": self.name, "image": self.image or game.image, "state": "started", "env": env,
                "ports": ports, "networks": [{"name": segment.name, "ipv4_address": address}],
                "volumes": [f"{volume.name}:{game.data_path}"],
                "memory": self.memory or sizing.memory, "cpus": self.cpus or sizing.cpus,
                "restart_policy": "unless-stopped",
            },
        )
        resources += [network, volume, container]
        resources += self._firewall(segment, opnsense, address, game, placement)
        resources += self._dns(segment, opnsense, address, context)
        return resources

    def _port_forward(self, name: str, endpoint: str, segment: Segment, port: GamePort,
                      target: tuple[str, int]) -> Resource:
        """The WAN's port forward to the server, registering its linked filter rule (OPNsense's "Register
        rule": the firewall generates the pass rule for the forwarded traffic itself, and drops it with the
        forward)."""
        address, local_port = target
        return Resource(
            kind="opnsense.nat_port_forward", name=name, endpoint=endpoint, origin=self.name,
            spec={"name": name, "description": f"{self.name}: {self.game} {port.range}/{port.protocol} from the "
                  "internet", "interface": ["wan"], "ipprotocol": "inet", "protocol": port.protocol,
                  "destination_net": "wanip", "destination_port": port.range, "target": address,
                  "local_port": str(local_port), "filter_rule": "register", "state": "present"},
            meta=intent_meta(self, **segment.meta(), source_segment="internet", source_role="wan",
                             destination_segment=segment.name, destination_role=segment.role,
                             wan_exposure=True, wan_exposure_requested=True),
        )

    def _firewall(self, segment: Segment, endpoint: str, address: str, game: Game,
                  placement: Placement) -> list[Resource]:
        rules = []
        for number, port in enumerate(game.ports):
            suffix = "" if number == 0 else f"-{number + 1}"
            ports = {"protocol": port.protocol.upper(), "destination_net": [address], "destination_port": port.range}
            target = self._forward_target(placement, address, port, self._host_shift(game))
            rules.append(firewall_rule(
                f"{self.name}-game{suffix}", endpoint,
                {"interface": [segment.interface()], "source_net": [segment.interface()], **ports,
                 "description": f"{self.name}: {self.game} {port.range}/{port.protocol} from {segment.name}",
                 "sequence": 150, "action": "pass"},
                intent_meta(self, **segment.meta(), source_segment=segment.name, source_role=segment.role,
                            destination_segment=segment.name, destination_role=segment.role, wan_exposure=False),
                self.name,
            ))
            if self.expose_wan:
                rules.append(self._port_forward(f"{self.name}-wan{suffix}", endpoint, segment, port, target))
        return rules

    def _dns(self, segment: Segment, endpoint: str, address: str, context: ExpansionContext) -> list[Resource]:
        hostname, _, domain = self._dns_name(segment).partition(".")
        if not domain:
            raise IntentError(
                f"{context.where}.dns_name: {shown(self.dns_name)} needs a domain, e.g. mc.gaming.home.arpa"
            )
        meta = intent_meta(self, **segment.meta())
        found = [Resource(
            kind="opnsense.host_override", name=self.name, endpoint=endpoint, origin=self.name, meta=meta,
            spec={"hostname": hostname, "domain": domain, "rr": "A", "server": address,
                  "description": f"{self.game} server {self.name}", "state": "present"},
        )]
        if self.public_dns is not None:
            public = self.public_dns
            if public.value is None:
                raise IntentError(
                    f"{context.where}.public_dns.value: required; give the public (WAN) address {public.name} "
                    "should point to"
                )
            dns = context.endpoints.resolve("dns", public.endpoint, f"{context.where}.public_dns")
            spec: dict[str, Any] = {"name": public.name, "type": "A", "value": public.value, "state": "present"}
            if public.zone:
                spec["zone"] = public.zone
            found.append(Resource(kind="dns.record", name=f"{self.name}-public", endpoint=dns, spec=spec,
                                  origin=self.name, meta=intent_meta(self)))
        return found
