"""``--uplink``'s veth pairs on this machine: made once, kept as asked, removed by name, one lab's never another's."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from lab.errors import LabError
from lab.uplinks import ensure_uplinks, parse_uplinks, remove_uplinks, uplink_names

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(os.geteuid() != 0, reason="veth pairs need root")]


def _addresses(name: str) -> list[str]:
    shown = subprocess.run(["ip", "-o", "-4", "addr", "show", "dev", name], capture_output=True, text=True)
    return [line.split()[3] for line in shown.stdout.splitlines()]


def _exists(name: str) -> bool:
    return subprocess.run(["ip", "link", "show", "dev", name], capture_output=True).returncode == 0


def test_pairs_are_made_once_readdressed_as_asked_and_removed_with_their_lab(tmp_path: Path) -> None:
    mine, other = tmp_path / "a" / "lab", tmp_path / "b" / "lab"
    [uplink] = uplink_names(mine, parse_uplinks(["gaming=10.0.79.1/24"]))
    [theirs] = uplink_names(other, parse_uplinks(["gaming"]))
    assert uplink.parent != theirs.parent and len(uplink.peer) <= 15
    try:
        ensure_uplinks([uplink])
        ensure_uplinks([uplink])  # again: nothing to do, no error
        ensure_uplinks([theirs])
        assert _addresses(uplink.peer) == ["10.0.79.1/24"] and _addresses(uplink.parent) == []
        [moved] = uplink_names(mine, [("gaming", "10.0.80.1/24")])
        ensure_uplinks([moved])
        assert _addresses(uplink.peer) == ["10.0.80.1/24"]
        remove_uplinks(mine)
        assert not _exists(uplink.parent) and not _exists(uplink.peer)
        assert _exists(theirs.parent)  # another lab's wire is not this lab's to remove
    finally:
        remove_uplinks(mine)
        remove_uplinks(other)
    assert not _exists(theirs.parent)


def test_a_bad_uplink_names_the_option_and_how_to_write_it() -> None:
    with pytest.raises(LabError, match="'Gaming' is not a segment name"):
        parse_uplinks(["Gaming=10.0.20.1/24"])
    with pytest.raises(LabError, match="'10.0.20.300/24' is not an IPv4 address with its prefix"):
        parse_uplinks(["gaming=10.0.20.300/24"])
