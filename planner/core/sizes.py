"""Memory sizes as people and APIs write them, in MiB: one reading for intents, sizing rules and policy."""

from __future__ import annotations

import re
from typing import Any

from planner.errors import shown

__all__ = ["memory_mib"]

_SIZE = re.compile(r"^\s*(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>[bkmgt]?)(?:i?b)?\s*$", re.IGNORECASE)
_UNIT_MIB = {"b": 1 / 2**20, "k": 1 / 2**10, "m": 1.0, "g": 2.0**10, "t": 2.0**20}


def memory_mib(value: Any) -> float:
    """A memory size in MiB: ``"512m"`` → 512, ``"4g"``/``"4GB"``/``"4GiB"`` → 4096 (binary units, as Docker);
    a bare number is bytes in a string and MiB as an int (Proxmox). Raises ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError(f"{shown(value)} is not a size")
    if isinstance(value, int | float):
        return float(value)
    match = _SIZE.match(str(value))
    if not match:
        raise ValueError(f"{shown(value)} is not a size; write it like 512m or 16g")
    return float(match["number"]) * _UNIT_MIB[(match["unit"] or "b").lower()]
