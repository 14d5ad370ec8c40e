"""The Proxmox emulator's rewriting rules and task clock, without a server (reference §2, §3.2, §3.3)."""

from __future__ import annotations

import re
import time

import pytest

from lab.emulator.proxmox.http import ApiError, validate
from lab.emulator.proxmox.tasks import TaskBook, TaskFailed, decode_upid
from lab.emulator.proxmox.values import (
    ParamError,
    check_memory,
    check_sshkeys,
    format_size,
    normalize_tags,
    rewrite_lxc_nic,
    rewrite_qemu_nic,
)


def test_nic_gets_a_proxmox_mac_and_sorted_keys() -> None:
    value = rewrite_qemu_nic("net0", "virtio,tag=20,firewall=1,bridge=vmbr0")
    assert re.fullmatch(r"virtio=BC:24:11(:[0-9A-F]{2}){3},bridge=vmbr0,firewall=1,tag=20", value)
    assert rewrite_qemu_nic("net0", "virtio=bc:24:11:00:00:01,bridge=vmbr0") == "virtio=BC:24:11:00:00:01,bridge=vmbr0"
    lxc = rewrite_lxc_nic("net0", "name=eth0,ip=dhcp,bridge=vmbr0")
    assert re.fullmatch(r"name=eth0,bridge=vmbr0,hwaddr=BC:24:11(:[0-9A-F]{2}){3},ip=dhcp,type=veth", lxc)
    with pytest.raises(ParamError, match="tag"):
        rewrite_qemu_nic("net0", "virtio,tag=x")


def test_tags_sizes_memory_sshkeys() -> None:
    assert normalize_tags("web,Prod web") == "prod;web"
    assert format_size(32 << 30) == "32G" and format_size(512 << 20) == "512M" and format_size(1 << 40) == "1T"
    assert check_memory("current=2048") == "2048"
    with pytest.raises(ParamError, match="minimum value of 16"):
        check_memory("8")
    with pytest.raises(ParamError, match="invalid urlencoded string"):
        check_sshkeys("ssh-ed25519 AAAA")


def test_strict_booleans_and_unknown_parameters() -> None:
    assert validate({"start": "1", "vmid": "100"}, {"start": "boolean", "vmid": "vmid"}) == {"start": 1, "vmid": 100}
    with pytest.raises(ApiError) as error:
        validate({"start": "true", "x": "1", "vmid": "99"}, {"start": "boolean", "vmid": "vmid"}, required=("node",))
    assert error.value.status == 400 and error.value.errors == {
        "start": "type check ('boolean') failed - got 'true'",
        "x": "property is not defined in schema and the schema does not allow additional properties",
        "vmid": "value does not look like a valid VM ID",
        "node": "property is missing and it is not optional",
    }


def test_tasks_run_then_stop_with_ok_or_the_error_text() -> None:
    calls: list[str] = []

    def run(operation: str, args: dict[str, object]) -> list[str]:
        calls.append(operation)
        if operation == "boom":
            raise TaskFailed("VM 100 already running")
        return ["did it"]

    book = TaskBook({}, run)
    ok = book.start("pve", "qmstart", "100", "root@pam!iac", "fine", {}, duration=0.05)
    bad = book.start("pve", "qmstart", "100", "root@pam!iac", "boom", {}, duration=0.05)
    assert decode_upid(ok) is not None and ok.endswith(":qmstart:100:root@pam!iac:")
    assert book.status(ok)["status"] == "running" and not book.advance()
    time.sleep(0.06)
    assert book.advance() and calls == ["fine", "boom"]
    assert book.status(ok)["exitstatus"] == "OK" and book.status(ok)["tokenid"] == "iac"
    assert book.status(bad)["exitstatus"] == "VM 100 already running"
    lines, total = book.log(bad)
    assert lines[-1] == {"n": total, "t": "TASK ERROR: VM 100 already running"}
    with pytest.raises(ApiError) as error:
        book.status("UPID:nope")
    assert error.value.errors == {"upid": "unable to parse worker upid"}
