"""Pure Proxmox value conversions: what the server rewrites must compare equal to what was asked."""

from __future__ import annotations

import pytest
from ansible_collections.homelab.iac.plugins.module_utils._proxmox_snapshot import parse_age, prune_candidates
from ansible_collections.homelab.iac.plugins.module_utils._proxmox_values import (
    InvalidValue,
    agent_enabled,
    decode_sshkeys,
    encode_sshkeys,
    nic_to_api,
    normalize_ipconfig,
    normalize_tags,
    parse_disk,
    parse_qemu_nic,
    size_gib,
)


def test_nic_parsed_from_the_rewritten_form() -> None:
    assert parse_qemu_nic("virtio=bc:24:11:5e:7a:01,bridge=vmbr0,firewall=1,tag=20") == {
        "model": "virtio", "mac": "BC:24:11:5E:7A:01", "bridge": "vmbr0", "firewall": True, "tag": 20}


def test_nic_update_keeps_the_current_mac() -> None:
    assert nic_to_api({"model": "virtio", "bridge": "vmbr0", "tag": 30}, "BC:24:11:00:00:01") == (
        "virtio=BC:24:11:00:00:01,bridge=vmbr0,tag=30")
    assert nic_to_api({"model": "e1000", "firewall": True}) == "e1000,firewall=1"


def test_disk_spec_and_sizes() -> None:
    assert parse_disk("local-lvm:vm-100-disk-0,size=32G,ssd=1") == {
        "volume": "local-lvm:vm-100-disk-0", "storage": "local-lvm", "size_gb": 32.0, "options": {"ssd": "1"}}
    assert size_gib("512M") == 0.5 and size_gib("1T") == 1024 and size_gib("8") == 8
    with pytest.raises(InvalidValue, match="size"):
        size_gib("big")


def test_tags_sshkeys_ipconfig_agent() -> None:
    assert normalize_tags(["Web", "prod", "web"]) == ["prod", "web"]
    assert normalize_tags("prod;web") == ["prod", "web"] and normalize_tags(None) is None
    encoded = encode_sshkeys(["ssh-ed25519 AAAA+/= me@host"])
    assert encoded == "ssh-ed25519%20AAAA%2B%2F%3D%20me%40host%0A"
    assert decode_sshkeys(encoded) == ["ssh-ed25519 AAAA+/= me@host"]
    assert normalize_ipconfig("gw=10.0.0.1,ip=10.0.0.5/24") == "ip=10.0.0.5/24,gw=10.0.0.1"
    assert agent_enabled("enabled=1,fstrim_cloned_disks=1") and not agent_enabled(None)


def test_retention_prunes_oldest_matching_and_never_the_named_one() -> None:
    snaps = [{"name": f"auto-{i}", "snaptime": 1000 + i} for i in range(1, 5)]
    snaps += [{"name": "manual", "snaptime": 1}, {"name": "current"}]
    assert prune_candidates(snaps, keep=2, max_age=None, prefix="auto-", protect="auto-4", now=2000) == [
        "auto-1", "auto-2"]
    assert prune_candidates(snaps, keep=None, max_age=997, prefix="auto-", protect="auto-4", now=2000) == [
        "auto-1", "auto-2"]
    assert parse_age("7d") == 604800 and parse_age("30m") == 1800
    with pytest.raises(InvalidValue):
        parse_age("soon")
