# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""Typed Docker values and the parsers that turn module arguments into them.

Pure functions, no I/O: ports, memory sizes, CPU counts, commands and network attachments are
parsed and validated here, so bad input fails before anything touches the engine and the rules
are unit-tested without one.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.homelab.iac.plugins.module_utils._diff import SECRET_MASK

_MEMORY_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
# Docker reads every unit as binary, so 4g, 4gb, 4GiB and 4G all mean 4 * 1024**3 bytes.
_MEMORY_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([bkmgt]?)(?:i?b)?\s*$", re.IGNORECASE)
_DURATION_UNITS = {"ns": 1, "us": 10**3, "ms": 10**6, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}
_DURATION_PART_RE = re.compile(r"(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)")
_ENV_NAME_RE = re.compile(r"^[^=\s]+$")
# Variable names whose values are secret even when given in ``env`` (the planner's redact rule too).
_SECRET_NAME_RE = re.compile(r"(pass(word|phrase)?|secret|token|api[_-]?key|private[_-]?key|credential|tsig)", re.I)
MOUNT_TYPES = ("bind", "volume", "tmpfs")
# HOST_IP:HOST_PORT:CONTAINER_PORT[/proto]; an IPv6 host IP is written in brackets.
_PORT_RE = re.compile(
    r"^(?:\[(?P<ip6>[0-9a-fA-F:.]+)\]|(?P<ip4>\d{1,3}(?:\.\d{1,3}){3})):"
    r"(?P<host_port>\d+):(?P<container_port>\d+)(?:/(?P<proto>tcp|udp))?$"
)
# How dockerd words a taken host port: its own allocator ("port is already allocated") or the
# kernel via docker-proxy ("bind: address already in use").
_PORT_TAKEN_RE = re.compile(
    r"(?:Bind for|listen (?:tcp|udp)[46]?) \[?(?P<ip>[0-9a-fA-F.:]+?)\]?:(?P<port>\d+)"
)
_PORT_TAKEN_WORDS = ("port is already allocated", "address already in use")


class InvalidValue(ValueError):
    """A module argument cannot be parsed; the message names the option (and entry) at fault."""


@dataclass(frozen=True, order=True)
class PortBinding:
    """One published port. ``host_ip`` is always explicit."""

    host_ip: str
    host_port: int
    container_port: int
    protocol: str = "tcp"

    def __str__(self) -> str:
        host_ip = f"[{self.host_ip}]" if ":" in self.host_ip else self.host_ip
        return f"{host_ip}:{self.host_port}:{self.container_port}/{self.protocol}"

    @property
    def container_key(self) -> str:
        """Docker's key for the container side, e.g. ``80/tcp``."""
        return f"{self.container_port}/{self.protocol}"


@dataclass(frozen=True)
class NetworkAttachment:
    """A container's membership in one network."""

    name: str
    ipv4_address: str | None = None
    aliases: tuple[str, ...] = ()

    def view(self) -> dict[str, Any]:
        """Comparable form used in diffs."""
        return {"ipv4_address": self.ipv4_address, "aliases": sorted(self.aliases)}


@dataclass(frozen=True)
class NetworkSpec:
    """Everything needed to create a network."""

    name: str
    driver: str
    subnet: str | None
    gateway: str | None
    internal: bool
    labels: dict[str, str]
    driver_options: dict[str, str] | None = None  # the driver's options (macvlan's ``parent``)


@dataclass(frozen=True, order=True)
class Mount:
    """One filesystem mount: a host path (bind), a named volume or a tmpfs."""

    type: str
    source: str
    target: str
    read_only: bool = False

    def __str__(self) -> str:
        return f"{self.type}:{self.source}:{self.target}:{'ro' if self.read_only else 'rw'}"


@dataclass(frozen=True)
class Healthcheck:
    """Docker's healthcheck, durations in nanoseconds (the engine's unit); 0 means the engine default."""

    test: tuple[str, ...]
    interval: int = 0
    timeout: int = 0
    retries: int = 0
    start_period: int = 0

    def view(self) -> dict[str, Any]:
        """Comparable form used in diffs; durations in seconds so a reader recognises them."""
        return {
            "test": list(self.test),
            "interval": self.interval / 1e9,
            "timeout": self.timeout / 1e9,
            "retries": self.retries,
            "start_period": self.start_period / 1e9,
        }


@dataclass
class ContainerSpec:
    """Everything needed to create a container."""

    name: str
    image: str
    command: list[str] | None = None
    env: dict[str, str] = field(default_factory=dict)
    ports: list[PortBinding] = field(default_factory=list)
    networks: list[NetworkAttachment] | None = None
    memory: int | None = None
    nano_cpus: int | None = None
    restart_policy: str = "unless-stopped"
    labels: dict[str, str] = field(default_factory=dict)
    mounts: list[Mount] = field(default_factory=list)
    healthcheck: Healthcheck | None = None
    init: bool | None = None
    stop_signal: str | None = None
    stop_timeout: int | None = None


def parse_port(text: str, index: int) -> PortBinding:
    """Parse ``ports[index]``; the error names the entry and says why the host IP is required."""
    match = _PORT_RE.match(str(text).strip())
    if match is None:
        raise InvalidValue(
            f"ports[{index}]: {text!r} is not HOST_IP:HOST_PORT:CONTAINER_PORT[/tcp|udp]; "
            "the host IP is required (e.g. 127.0.0.1:8080:80) so nothing binds 0.0.0.0 silently"
        )
    host_port = int(match.group("host_port"))
    container_port = int(match.group("container_port"))
    for port in (host_port, container_port):
        if not 1 <= port <= 65535:
            raise InvalidValue(f"ports[{index}]: {text!r}: port {port} is outside 1-65535")
    host_ip = match.group("ip6") or match.group("ip4")
    return PortBinding(host_ip, host_port, container_port, match.group("proto") or "tcp")


def parse_ports(values: list[str] | None) -> list[PortBinding] | None:
    """Parse the ``ports`` option in the given order (indexes name entries in errors); None = unmanaged."""
    if values is None:
        return None
    bindings = [parse_port(value, index) for index, value in enumerate(values)]
    seen: dict[tuple[str, int, str], int] = {}
    for index, binding in enumerate(bindings):
        key = (binding.host_ip, binding.host_port, binding.protocol)
        if key in seen:
            raise InvalidValue(f"ports[{index}]: host port {binding} is also used by ports[{seen[key]}]")
        seen[key] = index
    return bindings


def parse_memory(text: str | int | None) -> int | None:
    """``512m`` / ``4g`` / ``1073741824`` -> bytes (binary units, as docker reads them)."""
    if text is None:
        return None
    match = _MEMORY_RE.match(str(text))
    if match is None:
        raise InvalidValue(f"memory: {text!r} is not a size such as 512m or 4g")
    return int(float(match.group(1)) * _MEMORY_UNITS[match.group(2).lower()])


def parse_duration(value: str | int | float | None, option: str) -> int | None:
    """``30s`` / ``1m30s`` / ``500ms`` / a number of seconds -> nanoseconds."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
        if seconds < 0:
            raise InvalidValue(f"{option}: {value} must not be negative")
        return round(seconds * 1e9)
    text = str(value).strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return round(float(text) * 1e9)
    parts = _DURATION_PART_RE.findall(text)
    if not parts or "".join(number + unit for number, unit in parts) != text:
        raise InvalidValue(f"{option}: {value!r} is not a duration such as 30s, 1m30s or 500ms")
    return round(sum(float(number) * _DURATION_UNITS[unit] for number, unit in parts))


def parse_healthcheck(value: dict[str, Any] | None) -> Healthcheck | None:
    """The ``healthcheck`` option; a string test runs in a shell (CMD-SHELL), like compose's."""
    if value is None:
        return None
    if value.get("disable"):
        return Healthcheck(("NONE",))
    test = value.get("test")
    if not test:
        raise InvalidValue("healthcheck.test: required unless healthcheck.disable is true")
    if isinstance(test, str):
        words: tuple[str, ...] = ("CMD-SHELL", test)
    else:
        words = tuple(str(word) for word in test)
        if words[0] not in ("CMD", "CMD-SHELL", "NONE"):
            words = ("CMD", *words)
    retries = int(value.get("retries") or 0)
    if retries < 0:
        raise InvalidValue(f"healthcheck.retries: {retries} must not be negative")
    return Healthcheck(
        test=words,
        interval=parse_duration(value.get("interval"), "healthcheck.interval") or 0,
        timeout=parse_duration(value.get("timeout"), "healthcheck.timeout") or 0,
        retries=retries,
        start_period=parse_duration(value.get("start_period"), "healthcheck.start_period") or 0,
    )


def parse_mounts(mounts: list[dict[str, Any]] | None, volumes: list[str] | None) -> list[Mount] | None:
    """The ``mounts`` (long form) and ``volumes`` (``SOURCE:TARGET[:ro]``) options as one sorted list.

    A ``volumes`` source starting with ``/`` is a host path (bind mount), anything else a named
    volume, as in ``docker run -v``. None when neither option is set (mounts are then not managed).
    """
    if mounts is None and volumes is None:
        return None
    result: list[Mount] = []
    for index, entry in enumerate(mounts or []):
        kind = entry.get("type") or "volume"
        if kind not in MOUNT_TYPES:
            raise InvalidValue(f"mounts[{index}].type: {kind!r} is not one of {', '.join(MOUNT_TYPES)}")
        source, target = str(entry.get("source") or ""), str(entry.get("target") or "")
        if not target.startswith("/"):
            raise InvalidValue(f"mounts[{index}].target: {target!r} must be an absolute path in the container")
        if kind != "tmpfs" and not source:
            raise InvalidValue(f"mounts[{index}].source: required for a {kind} mount")
        if kind == "bind" and not source.startswith("/"):
            raise InvalidValue(f"mounts[{index}].source: {source!r} must be an absolute host path")
        result.append(Mount(kind, "" if kind == "tmpfs" else source, target, bool(entry.get("read_only"))))
    for index, text in enumerate(volumes or []):
        parts = str(text).split(":")
        mode = parts.pop() if len(parts) == 3 else "rw"
        if len(parts) != 2 or mode not in ("ro", "rw") or not parts[0] or not parts[1].startswith("/"):
            raise InvalidValue(f"volumes[{index}]: {text!r} is not SOURCE:/TARGET[:ro|rw]")
        kind = "bind" if parts[0].startswith("/") else "volume"
        result.append(Mount(kind, parts[0], parts[1], mode == "ro"))
    targets: dict[str, Mount] = {}
    for mount in result:
        if mount.target in targets:
            raise InvalidValue(f"mounts/volumes: {mount.target} is mounted twice")
        targets[mount.target] = mount
    return sorted(result)


def looks_like_secret(name: str) -> bool:
    """True for a variable name such as ``DB_PASSWORD``, ``API_TOKEN`` or ``TLS_PRIVATE_KEY``."""
    return bool(_SECRET_NAME_RE.search(name))


def normalise_env(values: dict[str, Any] | None, option: str = "env") -> dict[str, str] | None:
    """Environment values as docker stores them: strings, booleans as ``true``/``false``, null as empty.

    YAML turns ``DEBUG: true`` into a boolean and ``PORT: 25565`` into an int; docker only knows
    strings, so both sides are compared as strings and key order never matters.
    """
    if values is None:
        return None
    result: dict[str, str] = {}
    for key, value in values.items():
        name = str(key)
        if not _ENV_NAME_RE.match(name):
            raise InvalidValue(f"{option}: {name!r} is not a variable name (no '=' or spaces)")
        if isinstance(value, bool):
            result[name] = "true" if value else "false"
        elif value is None:
            result[name] = ""
        else:
            result[name] = str(value)
    return dict(sorted(result.items()))


@dataclass(frozen=True)
class Environment:
    """A container's environment from ``env`` and ``secret_env``, and which values may be shown.

    Only the values of ``env`` variables with a harmless name are readable (``shown``); everything
    else - ``secret_env``, names that look secret, and variables a container has that the task does
    not set in ``env`` (they may have come from an earlier ``secret_env``) - reads ``********``.
    """

    values: dict[str, str] | None
    shown: frozenset[str] = frozenset()

    @property
    def managed(self) -> bool:
        """True when the task sets env or secret_env: the environment is then compared exactly."""
        return self.values is not None

    def split(self, values: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
        """``values`` as (readable, masked-in-output) parts; comparing both parts compares the whole."""
        readable = {key: value for key, value in values.items() if key in self.shown}
        hidden = {key: value for key, value in values.items() if key not in self.shown}
        return readable, hidden

    def masked(self, values: dict[str, str]) -> dict[str, str]:
        """``values`` with every value that may not be shown replaced by the mask."""
        return {key: value if key in self.shown else SECRET_MASK for key, value in values.items()}


def parse_environment(env: dict[str, Any] | None, secret_env: dict[str, Any] | None) -> Environment:
    """Merge the ``env`` and ``secret_env`` options; a variable in both is an error naming it."""
    plain = normalise_env(env)
    secret = normalise_env(secret_env, "secret_env")
    if plain is None and secret is None:
        return Environment(None)
    both = sorted(set(plain or {}) & set(secret or {}))
    if both:
        raise InvalidValue(
            f"env and secret_env both set {', '.join(both)}: keep each variable in one of them "
            "(secret_env for secret values)"
        )
    shown = frozenset(name for name in plain or {} if not looks_like_secret(name))
    return Environment(dict(sorted({**(plain or {}), **(secret or {})}.items())), shown)


def env_names_looking_secret(env: dict[str, Any] | None) -> list[str]:
    """``env`` variables whose name looks secret: they belong in ``secret_env`` (a warning says so)."""
    return sorted(str(name) for name in env or {} if looks_like_secret(str(name)))


def parse_cpus(value: float | None) -> int | None:
    """CPU count -> Docker's NanoCpus."""
    if value is None:
        return None
    if value < 0:
        raise InvalidValue(f"cpus: {value} must not be negative")
    return round(value * 1e9)


def parse_command(value: str | list[Any] | None) -> list[str] | None:
    """A command given as a list is taken as is; a string is split like a shell would."""
    if value is None:
        return None
    if isinstance(value, str):
        return shlex.split(value)
    return [str(item) for item in value]


def parse_networks(values: list[dict[str, Any]] | None) -> list[NetworkAttachment] | None:
    """Parse the ``networks`` option; names must be unique."""
    if values is None:
        return None
    attachments: list[NetworkAttachment] = []
    for index, value in enumerate(values):
        name = value.get("name")
        if not name:
            raise InvalidValue(f"networks[{index}]: name is required")
        if any(existing.name == name for existing in attachments):
            raise InvalidValue(f"networks[{index}]: network {name} is listed twice")
        aliases = tuple(sorted(value.get("aliases") or ()))
        attachments.append(NetworkAttachment(name, value.get("ipv4_address") or None, aliases))
    return attachments


def port_in_use_message(engine_message: str, ports: list[PortBinding]) -> str | None:
    """Turn dockerd's "port taken" error into one actionable line, or None if it is not one."""
    if not any(words in engine_message for words in _PORT_TAKEN_WORDS):
        return None
    match = _PORT_TAKEN_RE.search(engine_message)
    if match is None:
        return f"a host port in ports is already in use on the Docker host: {engine_message}"
    host_ip, host_port = match.group("ip"), int(match.group("port"))
    for index, binding in enumerate(ports):
        if binding.host_port == host_port and binding.host_ip in (host_ip, "0.0.0.0", "::"):
            return (
                f"port {host_ip}:{host_port} is already in use on the Docker host: "
                f"choose another host port in ports[{index}]"
            )
    return f"port {host_ip}:{host_port} is already in use on the Docker host"
