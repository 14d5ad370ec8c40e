# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""Pure conversions between module arguments and the values Proxmox stores (no I/O, unit tested).

The server rewrites what it is given: it adds a MAC to every NIC, turns ``local-lvm:32`` into
``local-lvm:vm-100-disk-0,size=32G``, sorts and ``;``-joins tags and keeps ``sshkeys``
percent-encoded. Comparing the raw strings would report a change on every run, so both sides are
parsed into the same small dicts here and compared by the keys the user actually set.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, unquote

NIC_MODELS = ("virtio", "e1000", "e1000e", "rtl8139", "vmxnet3")
SIZE_UNITS = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


class InvalidValue(ValueError):
    """An argument that cannot be turned into a Proxmox value; the message names the option."""


def split_props(value: str) -> list[tuple[str, str]]:
    """``a,b=1,c=2`` -> [("", "a"), ("b", "1"), ("c", "2")]: bare items get an empty key."""
    items = []
    for part in filter(None, (item.strip() for item in str(value).split(","))):
        key, sep, val = part.partition("=")
        items.append((key, val) if sep else ("", part))
    return items


def size_gib(text: str) -> float:
    """``32G``/``512M``/``1T`` or a plain number of GiB -> GiB."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?", str(text).strip(), re.IGNORECASE)
    if not match:
        raise InvalidValue(f"size: cannot parse {text!r}; use GiB as a number or a size such as 32G")
    unit = match.group(2).upper()
    if not unit:
        return float(match.group(1))
    return float(match.group(1)) * SIZE_UNITS[unit] / SIZE_UNITS["G"]


def parse_qemu_nic(value: str) -> dict[str, Any]:
    """``virtio=BC:24:11:..,bridge=vmbr0,tag=20`` -> {model, mac, bridge, tag, ...} (ints where PVE has them)."""
    result: dict[str, Any] = {}
    for key, val in split_props(value):
        if key in NIC_MODELS:
            result["model"], result["mac"] = key, val.upper()
        elif key == "" and val in NIC_MODELS:
            result["model"] = val
        elif key == "macaddr":
            result["mac"] = val.upper()
        elif key in ("tag", "mtu", "queues"):
            result[key] = int(val)
        elif key in ("firewall", "link_down"):
            result[key] = val == "1"
        elif key:
            result[key] = val
    return result


def nic_to_api(nic: dict[str, Any], mac: str | None = None) -> str:
    """A NIC as PVE takes it; ``mac`` (the current one) keeps the address when the NIC is updated."""
    model = nic.get("model") or "virtio"
    address = nic.get("mac") or mac
    parts = [f"{model}={address.upper()}" if address else model]
    for key in sorted(k for k in nic if k not in ("model", "mac") and nic[k] is not None):
        value = nic[key]
        parts.append(f"{key}={int(value) if isinstance(value, bool) else value}")
    return ",".join(parts)


def parse_disk(value: str) -> dict[str, Any]:
    """``local-lvm:vm-100-disk-0,size=32G,ssd=1`` -> {volume, storage, size_gb, options}."""
    items = split_props(value)
    volume = items[0][1] if items and items[0][0] == "" else ""
    options = {key: val for key, val in items[1:] if key and key != "size"}
    size = next((val for key, val in items if key == "size"), None)
    return {
        "volume": volume,
        "storage": volume.split(":", 1)[0] if ":" in volume else None,
        "size_gb": size_gib(size) if size else None,
        "options": options,
    }


def disk_options_to_api(options: dict[str, Any]) -> dict[str, str]:
    """Option values as PVE stores them: booleans as 1/0, everything else as text."""
    return {str(k): str(int(v)) if isinstance(v, bool) else str(v) for k, v in (options or {}).items()}


def normalize_tags(tags: list[str] | str | None) -> list[str] | None:
    """Tags as PVE keeps them: lowercased, deduplicated, sorted."""
    if tags is None:
        return None
    items = re.split(r"[,; ]+", tags) if isinstance(tags, str) else [str(t) for t in tags]
    return sorted({t.strip().lower() for t in items if t and t.strip()})


def encode_sshkeys(keys: list[str]) -> str:
    """``sshkeys`` must be percent-encoded with nothing left unescaped (PVE's urlencoded format)."""
    return quote("\n".join(k.strip() for k in keys if k.strip()) + "\n", safe="")


def decode_sshkeys(value: str | None) -> list[str]:
    if not value:
        return []
    return [line.strip() for line in unquote(value).splitlines() if line.strip()]


def normalize_ipconfig(value: str) -> str:
    """``gw=1.2.3.1,ip=1.2.3.4/24`` -> keys in the order PVE prints (ip, gw, ip6, gw6)."""
    order = {"ip": 0, "gw": 1, "ip6": 2, "gw6": 3}
    items = [(k, v) for k, v in split_props(value) if k]
    return ",".join(f"{k}={v}" for k, v in sorted(items, key=lambda item: (order.get(item[0], 9), item[0])))


def agent_enabled(value: Any) -> bool:
    """``agent`` is ``1`` or ``enabled=1,fstrim_cloned_disks=1``."""
    first = str(value or "0").split(",", 1)[0]
    return first in ("1", "enabled=1")
