"""Values the Proxmox server rewrites, parses or validates, reproduced for the emulator.

Everything here is pure so the rewriting rules (reference §3.2, §3.3, §3.8, §4.1) can be unit
tested without a server: property strings (``virtio,bridge=vmbr0,tag=20``), generated MACs, disk
allocation syntax (``local-lvm:32`` becomes ``local-lvm:vm-100-disk-0,size=32G``), tag sorting and
the percent-encoding check on ``sshkeys``.
"""

from __future__ import annotations

import re
import secrets
import urllib.parse
from typing import Any

__all__ = [
    "DISK_KEY_RE",
    "NEW_DISK_RE",
    "ParamError",
    "format_size",
    "normalize_tags",
    "parse_property_string",
    "parse_size",
    "print_property_string",
    "random_mac",
]

# Keys of QEMU drives and LXC mount points; the value's first item is the volume.
DISK_KEY_RE = re.compile(r"^(scsi|virtio|sata|ide|efidisk|tpmstate|unused)\d+$")
LXC_DISK_KEY_RE = re.compile(r"^(rootfs|mp\d+)$")
# ``[storage:]size-in-GiB`` asks the server to allocate a new volume (qemu-server Drive.pm).
NEW_DISK_RE = re.compile(r"^(?:([^/:\s]+):)?(\d+(?:\.\d+)?)$")
NIC_MODELS = ("virtio", "e1000", "e1000e", "rtl8139", "vmxnet3")
TAG_RE = re.compile(r"^[a-z0-9_][a-z0-9_\-+.]*$", re.IGNORECASE)
SSHKEYS_RE = re.compile(r"^[-%a-zA-Z0-9_.!~*'()]*$")
PROXMOX_OUI = "BC:24:11"


class ParamError(Exception):
    """A parameter that fails validation: becomes 400 with ``errors[name] = message``."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


def parse_property_string(value: str, default_key: str | None = None) -> dict[str, str]:
    """``a=1,b=2`` as an ordered dict; a bare first item goes under ``default_key``."""
    result: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        key, sep, val = item.partition("=")
        if not sep:
            if default_key is None or default_key in result:
                raise ValueError(f"missing value for '{item}'")
            result[default_key] = item
        else:
            result[key] = val
    return result


def print_property_string(first: list[tuple[str, str]], rest: dict[str, str]) -> str:
    """``first`` items in order, then the rest sorted by key, as pve-common prints them."""
    items = [f"{key}={val}" if key else val for key, val in first]
    items += [f"{key}={rest[key]}" for key in sorted(rest)]
    return ",".join(items)


def random_mac() -> str:
    """A random unicast MAC under the Proxmox OUI, as ``add_random_macs`` generates."""
    return PROXMOX_OUI + "".join(f":{byte:02X}" for byte in secrets.token_bytes(3))


def format_size(size_bytes: int) -> str:
    """The largest exact unit (``32G``, ``512M``), as ``JSONSchema::format_size`` prints sizes."""
    for unit, factor in (("T", 1 << 40), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
        if size_bytes % factor == 0 and size_bytes >= factor:
            return f"{size_bytes // factor}{unit}"
    return str(size_bytes)


def parse_size(text: str) -> int:
    """``32G`` / ``512M`` / ``1T`` / plain bytes as bytes."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([KMGT]?)", text.strip())
    if not match:
        raise ValueError(f"unable to parse size '{text}'")
    factor = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}[match.group(2)]
    return int(float(match.group(1)) * factor)


def normalize_tags(value: str) -> str:
    """Split on ``,``/``;``/space, dedupe, lowercase, sort, join with ``;`` (GuestHelpers)."""
    tags: set[str] = set()
    for tag in filter(None, re.split(r"[,; ]+", value)):
        if not TAG_RE.match(tag):
            raise ParamError("tags", f"invalid format - invalid tag '{tag}'")
        tags.add(tag.lower())
    return ";".join(sorted(tags))


def rewrite_qemu_nic(key: str, value: str) -> str:
    """``virtio,bridge=vmbr0,tag=20`` -> ``virtio=BC:24:11:..,bridge=vmbr0,tag=20`` (model/MAC first)."""
    try:
        props = parse_property_string(value, default_key="model")
    except ValueError as exc:
        raise ParamError(key, f"invalid format - {exc}") from None
    model = next((name for name in props if name in NIC_MODELS), None)
    mac = props.pop(model, "") if model else ""
    if model is None:
        model = props.pop("model", None)
        mac = props.pop("macaddr", "")
        if model is None:
            raise ParamError(key, "invalid format - format error\nmodel: property is missing and it is not optional")
    if not mac:
        mac = random_mac()
    elif not re.fullmatch(r"(?:[0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}", mac):
        raise ParamError(key, f"invalid format - format error\nmacaddr: value does not match the regex pattern: {mac}")
    for name in ("tag", "mtu", "queues"):
        if name in props and not props[name].isdigit():
            got = props[name]
            raise ParamError(key, f"invalid format - format error\n{name}: type check ('integer') failed - got '{got}'")
    return print_property_string([(model, mac.upper())], props)


def rewrite_lxc_nic(key: str, value: str) -> str:
    """``name=eth0,bridge=vmbr0,ip=dhcp`` -> name first, ``hwaddr`` and ``type=veth`` added, rest sorted."""
    try:
        props = parse_property_string(value)
    except ValueError as exc:
        raise ParamError(key, f"invalid format - {exc}") from None
    if "name" not in props:
        raise ParamError(key, "invalid format - format error\nname: property is missing and it is not optional")
    name = props.pop("name")
    props.setdefault("hwaddr", random_mac())
    props["hwaddr"] = props["hwaddr"].upper()
    props.setdefault("type", "veth")
    return print_property_string([("name", name)], props)


def check_sshkeys(value: str) -> str:
    """``sshkeys`` must arrive percent-encoded; the server stores it as it came."""
    if not SSHKEYS_RE.match(value):
        raise ParamError("sshkeys", "invalid urlencoded string: " + value[:40])
    urllib.parse.unquote(value)
    return value


def check_memory(value: Any, minimum: int = 16) -> str:
    """``memory``: ``[current=]<MiB>`` in PVE 8, at least ``minimum``."""
    text = str(value)
    number = text.split("=", 1)[1] if text.startswith("current=") else text
    if not re.fullmatch(r"\d+", number):
        raise ParamError("memory", f"invalid format - current: type check ('integer') failed - got '{number}'")
    if int(number) < minimum:
        raise ParamError("memory", f"invalid format - current: value must have a minimum value of {minimum}")
    return number
