"""The Proxmox emulator pinned to the documented wire shapes, with plain httpx (reference §1-§7, §10).

Requests are written as the reference shows them, not as our client sends them, so the emulator
cannot drift toward our own modules' habits.
"""

from __future__ import annotations

import asyncio
import ssl
import time

import httpx
import pytest

from tests.integration.proxmox.conftest import PveEndpoint, wait_task

pytestmark = pytest.mark.integration

TEMPLATE = "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst"


def test_envelope_version_and_unknown_path(api: httpx.Client) -> None:
    response = api.get("/version")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"data": {"version": "8.4.1", "release": "8.4", "repoid": "2a5fa54a8503f96d"}}
    missing = api.get("/nodes/pve/nothing-here")
    assert missing.status_code == 501
    assert missing.reason_phrase == "Method 'GET /nodes/pve/nothing-here' not implemented"


def test_token_auth_401_empty_body_and_delay(pve: PveEndpoint) -> None:
    async def probe(headers: dict[str, str]) -> tuple[httpx.Response, float]:
        async with httpx.AsyncClient(verify=ssl.create_default_context(cafile=pve.ca_cert)) as client:
            started = time.monotonic()
            response = await client.get(pve.url + "/api2/json/version", headers=headers)
            return response, time.monotonic() - started

    async def both() -> list[tuple[httpx.Response, float]]:
        wrong = f"PVEAPIToken={pve.token_id}=00000000-0000-0000-0000-000000000000"
        return await asyncio.gather(probe({}), probe({"Authorization": wrong}))

    (missing, slow1), (wrong, slow2) = asyncio.run(both())
    assert (missing.status_code, missing.reason_phrase, missing.content) == (401, "No ticket", b"")
    assert (wrong.status_code, wrong.reason_phrase, wrong.content) == (401, "Authentication failed!", b"")
    assert slow1 >= 2.5 and slow2 >= 2.5


def test_create_rewrites_values_and_rejects_duplicates(api: httpx.Client) -> None:
    form = {"vmid": "810", "name": "web01", "memory": "2048", "cores": "2", "net0": "virtio,bridge=vmbr0,tag=20",
            "scsi0": "local-lvm:32", "scsihw": "virtio-scsi-single", "tags": "web,prod",
            "sshkeys": "ssh-ed25519%20AAAA%20me%40host"}
    created = api.post("/nodes/pve/qemu", data=form)
    upid = created.json()["data"]
    assert upid.startswith("UPID:pve:") and upid.endswith(":qmcreate:810:root@pam!iac:")
    assert len(upid.split(":")) == 9
    first = api.get(f"/nodes/pve/tasks/{upid}/status").json()["data"]
    assert first["status"] == "running" and "exitstatus" not in first
    assert wait_task(api, upid)["exitstatus"] == "OK"
    config = api.get("/nodes/pve/qemu/810/config").json()["data"]
    assert config["net0"].startswith("virtio=BC:24:11:") and config["net0"].endswith(",bridge=vmbr0,tag=20")
    assert config["scsi0"] == "local-lvm:vm-810-disk-0,size=32G"
    assert config["tags"] == "prod;web" and config["memory"] == "2048" and config["cores"] == 2
    assert config["sshkeys"] == "ssh-ed25519%20AAAA%20me%40host"
    assert config["boot"] == "order=scsi0;net0" and len(config["digest"]) == 40
    assert {"meta", "smbios1", "vmgenid"} <= set(config)

    again = api.post("/nodes/pve/qemu", data={"vmid": "810"})
    assert again.status_code == 500
    assert again.reason_phrase == "unable to create VM 810 - VM 810 already exists on node 'pve'"
    assert again.json()["data"] is None
    nextid = api.get("/cluster/nextid", params={"vmid": "810"})
    assert nextid.status_code == 400 and nextid.reason_phrase == "Parameter verification failed."
    assert nextid.json()["errors"] == {"vmid": "VM 810 already exists"}
    assert wait_task(api, api.delete("/nodes/pve/qemu/810").json()["data"])["exitstatus"] == "OK"
    gone = api.get("/nodes/pve/qemu/810/config")
    assert gone.status_code == 500
    assert gone.reason_phrase == "Configuration file 'nodes/pve/qemu-server/810.conf' does not exist"


def test_parameter_validation_400(api: httpx.Client) -> None:
    response = api.post("/nodes/pve/qemu", data={"vmid": "abc", "start": "True", "bogus": "1", "memory": "x"})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["vmid"] == "type check ('integer') failed - got 'abc'"
    assert errors["start"] == "type check ('boolean') failed - got 'True'"
    assert errors["bogus"] == "property is not defined in schema and the schema does not allow additional properties"
    low = api.post("/nodes/pve/qemu", data={"vmid": "99"})
    assert low.json()["errors"] == {"vmid": "value does not look like a valid VM ID"}
    body_on_get = api.request("GET", "/version", content=b"x=1")
    assert body_on_get.status_code == 501


def test_power_failures_surface_where_pve_puts_them(api: httpx.Client) -> None:
    wait_task(api, api.post("/nodes/pve/qemu", data={"vmid": "811", "memory": "512"}).json()["data"])
    reboot = api.post("/nodes/pve/qemu/811/status/reboot")
    assert reboot.status_code == 500 and reboot.reason_phrase == "VM 811 not running"
    stop = api.post("/nodes/pve/qemu/811/status/stop").json()["data"]
    assert wait_task(api, stop)["exitstatus"] == "OK"  # a no-op on a stopped VM
    assert wait_task(api, api.post("/nodes/pve/qemu/811/status/start").json()["data"])["exitstatus"] == "OK"
    twice = api.post("/nodes/pve/qemu/811/status/start")
    assert twice.status_code == 200
    assert wait_task(api, twice.json()["data"])["exitstatus"] == "VM 811 already running"
    log = api.get(f"/nodes/pve/tasks/{twice.json()['data']}/log").json()
    assert log["data"][-1] == {"n": log["total"], "t": "TASK ERROR: VM 811 already running"}
    current = api.get("/nodes/pve/qemu/811/status/current").json()["data"]
    assert current["status"] == "running" and current["ha"] == {"managed": 0}
    destroy = api.delete("/nodes/pve/qemu/811")
    assert destroy.status_code == 500 and destroy.reason_phrase == "VM 811 is running - destroy failed"
    wait_task(api, api.post("/nodes/pve/qemu/811/status/shutdown").json()["data"])
    wait_task(api, api.delete("/nodes/pve/qemu/811").json()["data"])


def test_snapshots_list_current_last_and_fail_in_task(api: httpx.Client) -> None:
    wait_task(api, api.post("/nodes/pve/qemu", data={"vmid": "812", "scsi0": "local-lvm:4"}).json()["data"])
    for name in ("before", "after"):
        snap = api.post("/nodes/pve/qemu/812/snapshot", data={"snapname": name, "description": name})
        assert ":qmsnapshot:812:" in snap.json()["data"] and wait_task(api, snap.json()["data"])["exitstatus"] == "OK"
    listing = api.get("/nodes/pve/qemu/812/snapshot").json()["data"]
    assert listing[-1]["name"] == "current" and listing[-1]["description"] == "You are here!"
    assert listing[-1]["parent"] == "after"
    assert {s["name"]: s.get("parent") for s in listing[:-1]} == {"before": None, "after": "before"}
    duplicate = api.post("/nodes/pve/qemu/812/snapshot", data={"snapname": "before"})
    assert wait_task(api, duplicate.json()["data"])["exitstatus"] == "snapshot name 'before' already used"
    api.put("/nodes/pve/qemu/812/config", data={"cores": "4"})
    rollback = api.post("/nodes/pve/qemu/812/snapshot/before/rollback").json()["data"]
    assert wait_task(api, rollback)["exitstatus"] == "OK"
    config = api.get("/nodes/pve/qemu/812/config").json()["data"]
    assert "cores" not in config and config["parent"] == "before"
    missing = api.delete("/nodes/pve/qemu/812/snapshot/nope").json()["data"]
    assert wait_task(api, missing)["exitstatus"] == "snapshot 'nope' does not exist"
    for name in ("after", "before"):
        wait_task(api, api.delete(f"/nodes/pve/qemu/812/snapshot/{name}").json()["data"])
    assert [s["name"] for s in api.get("/nodes/pve/qemu/812/snapshot").json()["data"]] == ["current"]
    wait_task(api, api.delete("/nodes/pve/qemu/812").json()["data"])


def test_template_and_linked_clone(api: httpx.Client) -> None:
    wait_task(api, api.post("/nodes/pve/qemu", data={"vmid": "813", "name": "tpl", "scsi0": "local-lvm:8",
                                                     "net0": "virtio,bridge=vmbr0"}).json()["data"])
    wait_task(api, api.post("/nodes/pve/qemu/813/template").json()["data"])
    config = api.get("/nodes/pve/qemu/813/config").json()["data"]
    assert config["template"] == 1 and config["scsi0"] == "local-lvm:base-813-disk-0,size=8G"
    bad = api.post("/nodes/pve/qemu/813/clone", data={"newid": "814", "full": "0", "storage": "local-lvm"})
    assert bad.status_code == 400 and "not allowed for linked clones" in bad.json()["errors"]["storage"]
    clone = api.post("/nodes/pve/qemu/813/clone", data={"newid": "814"}).json()["data"]
    assert ":qmclone:813:" in clone
    assert api.get("/nodes/pve/qemu/814/config").json()["data"]["lock"] == "clone"
    wait_task(api, clone)
    cloned = api.get("/nodes/pve/qemu/814/config").json()["data"]
    assert cloned["name"] == "Copy-of-VM-tpl" and "template" not in cloned
    assert cloned["scsi0"] == "local-lvm:base-813-disk-0/vm-814-disk-0,size=8G"
    assert cloned["net0"] == config["net0"]
    taken = api.post("/nodes/pve/qemu/813/clone", data={"newid": "814"})
    assert taken.reason_phrase == "unable to create VM 814: config file already exists"
    for vmid in ("814", "813"):
        wait_task(api, api.delete(f"/nodes/pve/qemu/{vmid}").json()["data"])


def test_lxc_create_and_synchronous_preconditions(api: httpx.Client) -> None:
    form = {"vmid": "820", "ostemplate": TEMPLATE, "hostname": "ct1", "rootfs": "local-lvm:8",
            "net0": "name=eth0,bridge=vmbr0,ip=dhcp,tag=20", "unprivileged": "1", "tags": "b a"}
    wait_task(api, api.post("/nodes/pve/lxc", data=form).json()["data"])
    config = api.get("/nodes/pve/lxc/820/config").json()["data"]
    assert config["rootfs"] == "local-lvm:vm-820-disk-0,size=8G" and config["tags"] == "a;b"
    assert config["net0"].startswith("name=eth0,bridge=vmbr0,hwaddr=BC:24:11:")
    assert config["net0"].endswith(",ip=dhcp,tag=20,type=veth")
    not_running = api.post("/nodes/pve/lxc/820/status/stop")
    assert not_running.status_code == 500 and not_running.reason_phrase == "CT 820 not running"
    wait_task(api, api.post("/nodes/pve/lxc/820/status/start").json()["data"])
    running = api.post("/nodes/pve/lxc/820/status/start")
    assert running.reason_phrase == "CT 820 already running"
    refused = api.delete("/nodes/pve/lxc/820")
    assert refused.reason_phrase == "unable to destroy CT 820 - container is running"
    wait_task(api, api.delete("/nodes/pve/lxc/820", params={"force": "1"}).json()["data"])
    missing = api.post("/nodes/pve/lxc", data={**form, "ostemplate": "local:vztmpl/nope.tar.zst"})
    assert missing.status_code == 500 and "does not exist" in missing.reason_phrase


def test_storage_content_cluster_and_task_log(api: httpx.Client) -> None:
    content = api.get("/nodes/pve/storage/local/content", params={"content": "vztmpl"}).json()["data"]
    assert TEMPLATE in [item["volid"] for item in content]
    unsupported = api.post("/nodes/pve/aplinfo", data={"storage": "local-lvm",
                                                      "template": "alpine-3.20-default_20240908_amd64.tar.xz"})
    assert unsupported.reason_phrase == "storage 'local-lvm' does not support templates"
    unknown = api.post("/nodes/pve/aplinfo", data={"storage": "local", "template": "nope"})
    assert unknown.json()["errors"] == {"template": "no such template"}
    wait_task(api, api.post("/nodes/pve/aplinfo", data={
        "storage": "local", "template": "alpine-3.20-default_20240908_amd64.tar.xz"}).json()["data"])
    volids = [i["volid"] for i in api.get("/nodes/pve/storage/local/content").json()["data"]]
    assert "local:vztmpl/alpine-3.20-default_20240908_amd64.tar.xz" in volids and volids == sorted(volids, key=str.lower)
    upid = api.post("/nodes/pve/qemu", data={"vmid": "830"}).json()["data"]
    fresh = [r for r in api.get("/cluster/resources", params={"type": "vm"}).json()["data"] if r["vmid"] == 830]
    assert fresh[0]["status"] == "unknown" and "name" not in fresh[0]
    wait_task(api, upid)
    assert api.get(f"/nodes/pve/tasks/{upid}/log", params={"limit": 1}).json()["total"] >= 1
    assert api.get("/nodes/pve/tasks/UPID:bad/status").json()["errors"] == {"upid": "unable to parse worker upid"}
    wait_task(api, api.delete("/nodes/pve/qemu/830").json()["data"])
    assert api.get("/nodes").json()["data"][0]["node"] == "pve"
    unknown_node = api.get("/nodes/nope/qemu")
    assert unknown_node.status_code == 500 and unknown_node.reason_phrase.startswith("hostname lookup 'nope' failed")
