"""Import / adopt against the real lab: objects made by hand are listed by the ``*_info`` modules, read back
by their own module in check mode with only the identity options, and adopted with zero writes.

Each scenario makes its objects the way a person would (the emulators' APIs, the docker SDK, a signed
dynamic update), runs one ansible-playbook that lists them, reads each back in check mode (single module
and batch item) and dumps what it registered, then checks from Python that every listed spec equals the
read's ``diff.before`` and that nothing was written: the emulators' request logs hold no write, the
Docker engine's event stream no change, BIND's SOA serial is where it was.
"""

from __future__ import annotations

import json
import os
import secrets
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dns.message
import dns.query
import dns.rcode
import dns.tsigkeyring
import dns.update
import docker
import httpx
import pytest
import yaml

from lab.supervisor import LabStatus
from tests.integration.collection.conftest import ANSIBLE_PLAYBOOK, COLLECTIONS_PATH
from tests.integration.collection.playbook_tasks import IMAGE, MANAGED_LABEL, subnet_base
from tests.integration.dns.conftest import DnsLabInfo, cloudflare_client, dns_lab  # noqa: F401 - fixtures
from tests.integration.dns.lookup import resolve
from tests.integration.opnsense.conftest import Opnsense, opnsense  # noqa: F401 - fixture
from tests.integration.proxmox.conftest import PveEndpoint, pve, wait_task  # noqa: F401 - fixture

pytestmark = pytest.mark.integration


class Lab:
    """The session lab's endpoints, credentials and request logs, as the tests reach them."""

    def __init__(self, lab: LabStatus, lab_home: Path) -> None:
        self.status = lab
        self.credentials = yaml.safe_load((lab_home / "credentials.yml").read_text())
        self.ca = str(lab_home / "ca" / "ca.crt")
        self.verify = ssl.create_default_context(cafile=self.ca)
        headers = {"X-Lab-Token": self.credentials["lab"]["admin_token"]}
        self.admin = {name: httpx.Client(base_url=entry["url"], headers=headers, verify=self.verify, timeout=20)
                      for name, entry in self.credentials["emulators"].items()}  # fmt: skip

    def clear_requests(self, emulator: str) -> None:
        self.admin[emulator].delete("/__lab/requests").raise_for_status()

    def writes(self, emulator: str) -> list[str]:
        """Every request since the log was cleared that was not a read."""
        entries = self.admin[emulator].get("/__lab/requests").raise_for_status().json()["requests"]
        return [f"{e['method']} {e['path']}" for e in entries if e["method"] not in ("GET", "HEAD")]

    def close(self) -> None:
        for client in self.admin.values():
            client.close()


@pytest.fixture
def lab_view(lab: LabStatus, lab_home: Path) -> Iterator[Lab]:
    view = Lab(lab, lab_home)
    yield view
    view.close()


def run_play(tmp_path: Path, tasks: list[dict[str, Any]], defaults: dict[str, Any], env: dict[str, str]) -> Any:
    """Run ``tasks`` as one localhost play; return what every task registered (``register`` names)."""
    registered = [task["register"] for task in tasks if "register" in task]
    out = tmp_path / f"registered-{secrets.token_hex(3)}.json"
    dump = "{{ {" + ", ".join(f"'{name}': {name}" for name in registered) + "} | to_json }}"
    tasks = [*tasks, {"name": "dump", "ansible.builtin.copy": {"dest": str(out), "content": dump, "mode": "0600"}}]
    play = [{"hosts": "localhost", "gather_facts": False, "module_defaults": defaults, "tasks": tasks}]
    path = tmp_path / f"play-{secrets.token_hex(3)}.yml"
    path.write_text(yaml.safe_dump(play, sort_keys=False))
    inventory = tmp_path / "inventory.ini"
    inventory.write_text(f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    run_env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS_PATH), "ANSIBLE_NOCOLOR": "1",
               "ANSIBLE_LOCALHOST_WARNING": "0", "ANSIBLE_RETRY_FILES_ENABLED": "0", **env}  # fmt: skip
    run_env.pop("DOCKER_HOST", None)
    done = subprocess.run([str(ANSIBLE_PLAYBOOK), "-i", str(inventory), str(path)], env=run_env,
                          capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-8000:]
    for secret in env.values():
        assert secret not in output, "a secret reached the output"
    return json.loads(out.read_text())


def by_id(items: list[dict[str, Any]], import_id: str) -> dict[str, Any]:
    found = [item for item in items if item["id"] == import_id]
    assert len(found) == 1, f"{import_id} listed {len(found)} times in {[item['id'] for item in items]}"
    return found[0]


def _check_read(name: str, module: str, args: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, f"homelab.iac.{module}": args, "check_mode": True, "diff": True, "register": name}


# -- OPNsense ----------------------------------------------------------------------------------------------
def test_hand_made_vlan_alias_and_rule_are_listed_and_read_back_without_a_write(
    opnsense: Opnsense, lab_view: Lab, tmp_path: Path  # noqa: F811 - pytest fixture
) -> None:
    s = secrets.token_hex(3)
    tag = 3000 + secrets.randbelow(1000)
    api = httpx.Client(base_url=opnsense.url + "/api/", auth=(opnsense.key, opnsense.secret),
                       verify=lab_view.verify, timeout=20)  # fmt: skip
    made: list[str] = []
    try:
        vlan = api.post("interfaces/vlan_settings/addItem", json={"vlan": {
            "if": "vtnet2", "tag": str(tag), "pcp": "0", "proto": "", "descr": f"Hand VLAN {s}", "vlanif": ""}}).json()
        made.append(f"interfaces/vlan_settings/delItem/{vlan['uuid']}")
        alias_name = f"hand_{s}"
        alias = api.post("firewall/alias/addItem", json={"alias": {
            "enabled": "1", "name": alias_name, "type": "host", "content": "10.9.9.9\n10.9.9.10",
            "description": "made by hand"}}).json()
        made.append(f"firewall/alias/delItem/{alias['uuid']}")
        rule = api.post("firewall/filter/addRule", json={"rule": {
            "enabled": "1", "action": "block", "quick": "1", "interface": "lan", "direction": "in",
            "ipprotocol": "inet", "protocol": "TCP", "source_net": "any", "destination_net": alias_name,
            "destination_port": "8080", "log": "0", "description": f"Hand rule {s}"}}).json()
        made.insert(0, f"firewall/filter/delRule/{rule['uuid']}")
        assert {vlan["result"], alias["result"], rule["result"]} == {"saved"}, (vlan, alias, rule)
        api.post("interfaces/vlan_settings/reconfigure")
        lab_view.clear_requests("opnsense")

        got = run_play(tmp_path, [
            {"name": "list", "homelab.iac.opnsense_info": {"gather": ["vlans", "aliases", "rules"]}, "register": "info"},
            _check_read("vlan_read", "opnsense_vlan", {"parent": "vtnet2", "tag": tag}),
            _check_read("alias_read", "opnsense_alias", {"name": alias_name}),
            _check_read("rule_read", "opnsense_firewall_rule", {"uuid": rule["uuid"]}),
            _check_read("batch_read", "opnsense_batch", {"items": [
                {"kind": "vlan", "parent": "vtnet2", "tag": tag}, {"kind": "alias", "name": alias_name},
                {"kind": "firewall_rule", "uuid": rule["uuid"]}]}),
        ], {"group/homelab.iac.opnsense": {"api_url": opnsense.url, "ca_cert": opnsense.ca_cert}},
            {"OPNSENSE_API_KEY": opnsense.key, "OPNSENSE_API_SECRET": opnsense.secret})  # fmt: skip

        info = got["info"]["opnsense"]
        listed_vlan = by_id(info["vlans"], f"vtnet2/{tag}")
        listed_alias = by_id(info["aliases"], alias_name)
        listed_rule = by_id(info["rules"], rule["uuid"])
        assert (listed_vlan["kind"], listed_vlan["name"], listed_vlan["managed"]) == ("vlan", f"hand-vlan-{s}", False)
        assert listed_vlan["spec"]["device"].startswith("vlan0") and listed_vlan["facts"]["uuid"] == vlan["uuid"]
        assert listed_alias["spec"]["content"] == ["10.9.9.10", "10.9.9.9"] and listed_alias["name"] == f"hand-{s}"
        assert listed_rule["spec"]["destination_port"] == "8080" and listed_rule["spec"]["action"] == "block"
        assert listed_rule["kind"] == "firewall_rule" and listed_rule["name"] == f"hand-rule-{s}"
        assert not any(item["id"] in ("bogons", "sshlockout") or item["id"].startswith("__") for item in info["aliases"])
        for listed, single, index in ((listed_vlan, "vlan_read", 0), (listed_alias, "alias_read", 1),
                                      (listed_rule, "rule_read", 2)):  # fmt: skip
            assert got[single]["diff"]["before"] == listed["spec"], single
            assert got["batch_read"]["results"][index]["diff"]["before"] == listed["spec"], index
        assert lab_view.writes("opnsense") == [], "listing and reading back wrote to the firewall"
    finally:
        for path in made:
            api.post(path)
        for area in ("firewall/filter/apply", "firewall/alias/reconfigure", "interfaces/vlan_settings/reconfigure"):
            api.post(area)
        api.close()


# -- Docker ------------------------------------------------------------------------------------------------
def _state(engine: docker.DockerClient, prefix: str) -> dict[str, Any]:
    """What could change of the hand-made objects: ids, labels, options, the container's state."""
    container = engine.containers.get(f"{prefix}-app").attrs
    network = engine.networks.get(f"{prefix}-net").attrs
    volume = engine.volumes.get(f"{prefix}-vol").attrs
    return {
        "container": (container["Id"], container["Config"]["Labels"], container["State"]["StartedAt"],
                      container["HostConfig"]["Memory"], container["HostConfig"]["RestartPolicy"]),
        "network": (network["Id"], network["Labels"], network["Internal"]),
        "volume": (volume["Name"], volume["Labels"], volume["CreatedAt"]),
    }  # fmt: skip


def test_hand_made_network_volume_and_container_are_listed_and_adopted_without_a_write(
    engine: docker.DockerClient, prefix: str, docker_host: str, tmp_path: Path
) -> None:
    base = subnet_base()
    net, vol, app = f"{prefix}-net", f"{prefix}-vol", f"{prefix}-app"
    ipam = docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(subnet=f"{base}.0/24", gateway=f"{base}.1")])
    engine.networks.create(net, driver="bridge", ipam=ipam, labels={"owner": "me"})
    engine.volumes.create(vol, labels={"owner": "me"})
    engine.containers.run(IMAGE, ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"], name=app,
                          detach=True, network=net, environment={"MODE": "hand", "DB_PASSWORD": "hunter2"},
                          volumes={vol: {"bind": "/data", "mode": "rw"}}, labels={"owner": "me"},
                          restart_policy={"Name": "unless-stopped"})  # fmt: skip
    before = _state(engine, prefix)
    since = time.time_ns()
    identity = [{"kind": "network", "name": net, "adopt": True}, {"kind": "volume", "name": vol, "adopt": True},
                {"kind": "container", "name": app, "adopt": True}]  # fmt: skip

    got = run_play(tmp_path, [
        {"name": "list", "homelab.iac.docker_info": {"containers": False, "networks": True, "volumes": True,
                                                     "container_specs": True}, "register": "info"},
        _check_read("network_read", "docker_network", {"name": net, "adopt": True}),
        _check_read("volume_read", "docker_volume", {"name": vol, "adopt": True}),
        _check_read("container_read", "docker_container", {"name": app, "adopt": True}),
        _check_read("batch_read", "docker_batch", {"items": identity}),
        {"name": "adopt for real: nothing differs", "homelab.iac.docker_batch": {"items": identity},
         "register": "adopted"},
        {"name": "without adopt a replacement is refused", "homelab.iac.docker_network": {"name": net, "internal": True},
         "register": "refused", "ignore_errors": True},
    ], {"group/homelab.iac.docker": {"docker_host": docker_host}}, {})  # fmt: skip
    # The stream's since/until take seconds; the events carry nanoseconds, so the setup's own are left out.
    events = [event for event in engine.events(since=since // 10**9, until=int(time.time()) + 1, decode=True)
              if event.get("Type") in ("container", "network", "volume") and event.get("timeNano", 0) > since
              and prefix in json.dumps(event.get("Actor") or {})]  # fmt: skip

    assert _state(engine, prefix) == before and MANAGED_LABEL not in engine.networks.get(net).attrs["Labels"]
    assert events == [], f"listing and adopting changed the engine: {events}"
    info = got["info"]
    listed = {"network": by_id(info["networks"], net), "volume": by_id(info["volumes"], vol),
              "container": by_id(info["container_specs"], app)}  # fmt: skip
    assert all(item["managed"] is False for item in listed.values())
    assert not any(item["id"] in ("bridge", "host", "none") for item in info["networks"])
    assert listed["network"]["spec"] == {"driver": "bridge", "driver_options": None, "subnet": f"{base}.0/24",
                                         "gateway": f"{base}.1", "internal": False, "labels": {"owner": "me"}}  # fmt: skip
    assert listed["network"]["facts"]["containers"] == [app]
    spec = listed["container"]["spec"]
    assert spec["image"] == IMAGE and spec["running"] is True and list(spec["networks"]) == [net]
    assert spec["labels"] == {"owner": "me"} and spec["restart_policy"] == "unless-stopped"
    assert spec["secret_env"]["DB_PASSWORD"] == "********" and "hunter2" not in json.dumps(got)
    assert listed["container"]["facts"]["id"] == before["container"][0]
    for index, kind in enumerate(("network", "volume", "container")):
        assert got[f"{kind}_read"]["diff"]["before"] == listed[kind]["spec"], kind
        assert got["batch_read"]["results"][index]["diff"]["before"] == listed[kind]["spec"], kind
    assert [result["action"] for result in got["adopted"]["results"]] == ["noop"] * 3 and not got["adopted"]["changed"]
    assert got["refused"]["failed"] and f"network {net} was not created by homelab.iac" in got["refused"]["msg"]
    assert "adopt: true" in got["refused"]["msg"]


# -- Proxmox -----------------------------------------------------------------------------------------------
def test_hand_made_vm_is_listed_and_read_back_without_a_write(
    pve: PveEndpoint, lab_view: Lab, tmp_path: Path  # noqa: F811 - pytest fixture
) -> None:
    s = secrets.token_hex(3)
    api = httpx.Client(base_url=pve.url + "/api2/json", verify=lab_view.verify,
                       headers={"Authorization": pve.header}, timeout=10)  # fmt: skip
    vmid = int(api.get("/cluster/nextid").json()["data"])
    name = f"hand-vm-{s}"
    try:
        upid = api.post("/nodes/pve/qemu", data={"vmid": vmid, "name": name, "memory": 1024, "cores": 2,
                                                 "ostype": "l26", "net0": "virtio,bridge=vmbr0",
                                                 "description": "made by hand"}).json()["data"]  # fmt: skip
        wait_task(api, upid)
        lab_view.clear_requests("proxmox")
        got = run_play(tmp_path, [
            {"name": "list", "homelab.iac.proxmox_info": {"gather": ["guest_specs"]}, "register": "info"},
            _check_read("vm_read", "proxmox_vm", {"vmid": vmid, "name": name}),
            _check_read("batch_read", "proxmox_batch", {"items": [{"kind": "vm", "vmid": vmid, "name": name}]}),
        ], {"group/homelab.iac.proxmox": {"api_url": pve.url, "api_token_id": pve.token_id, "ca_cert": pve.ca_cert,
                                          "node": "pve"}},
            {"PROXMOX_TOKEN_SECRET": pve.secret})  # fmt: skip
        listed = by_id(got["info"]["guest_specs"], str(vmid))
        assert (listed["kind"], listed["name"], listed["managed"]) == ("vm", name, False)
        assert listed["spec"]["memory"] == 1024 and listed["spec"]["description"] == "made by hand"
        mac = listed["facts"]["macs"]["net0"]
        assert listed["spec"]["nics"]["net0"]["mac"] == mac and len(mac) == 17
        assert got["vm_read"]["diff"]["before"] == listed["spec"] and got["vm_read"]["action"] == "noop"
        assert got["batch_read"]["results"][0]["diff"]["before"] == listed["spec"]
        assert lab_view.writes("proxmox") == [], "listing and reading back wrote to Proxmox"
    finally:
        api.delete(f"/nodes/pve/qemu/{vmid}", params={"purge": 1})
        api.close()


# -- DNS ---------------------------------------------------------------------------------------------------
def _dns_defaults(where: DnsLabInfo) -> dict[str, Any]:
    return {"group/homelab.iac.dns": {"cloudflare_base_url": where.cloudflare_url, "cloudflare_ca_cert": where.ca_cert,
                                      "server": "127.0.0.1", "port": where.bind_port, "key_name": "ddns-key"}}


def test_hand_made_cloudflare_record_is_listed_and_read_back_without_a_write(
    dns_lab: DnsLabInfo, cloudflare_client: Any, lab_view: Lab, tmp_path: Path  # noqa: F811 - pytest fixtures
) -> None:
    name = f"legacy-{secrets.token_hex(3)}.example.com"
    zone = next(z for z in cloudflare_client.zones.list() if z.name == "example.com")
    record = cloudflare_client.dns.records.create(zone_id=zone.id, type="A", name=name, content="192.0.2.44", ttl=300,
                                                  proxied=False, comment="made by hand")  # fmt: skip
    try:
        lab_view.clear_requests("cloudflare")
        read = {"provider": "cloudflare", "zone": "example.com", "name": name, "type": "A", "value": "192.0.2.44"}
        got = run_play(tmp_path, [
            {"name": "list", "homelab.iac.dns_info": {"provider": "cloudflare", "zone": "example.com"}, "register": "info"},
            _check_read("record_read", "dns_record", read),
            _check_read("batch_read", "dns_batch", {"provider": "cloudflare", "zone": "example.com", "items": [
                {"kind": "record", "name": name, "type": "A", "value": "192.0.2.44"}]}),
        ], _dns_defaults(dns_lab), {"CLOUDFLARE_API_TOKEN": dns_lab.cloudflare_token})  # fmt: skip
        listed = by_id(got["info"]["records"], f"{name}/A")
        assert listed["name"] == name.removesuffix(".example.com") + "-a" and listed["managed"] is False
        assert listed["spec"] == {"value": "192.0.2.44", "ttl": 300, "proxied": False, "comment": "made by hand",
                                  "priority": None}  # fmt: skip
        assert listed["facts"]["id"] == record.id and listed["facts"]["zone"] == "example.com"
        assert got["record_read"]["diff"]["before"] == listed["spec"] and got["record_read"]["action"] == "noop"
        assert got["batch_read"]["results"][0]["diff"]["before"] == listed["spec"]
        assert lab_view.writes("cloudflare") == [], "listing and reading back wrote to Cloudflare"
    finally:
        cloudflare_client.dns.records.delete(record.id, zone_id=zone.id)


def _soa_serial(where: DnsLabInfo, keyring: Any) -> int:
    query = dns.message.make_query(where.zone + ".", "SOA")
    query.use_tsig(keyring, keyname="ddns-key")
    return int(dns.query.tcp(query, "127.0.0.1", port=where.bind_port, timeout=5).answer[0][0].serial)


def test_hand_made_bind_record_is_listed_by_a_signed_transfer_and_read_back_without_a_write(
    dns_lab: DnsLabInfo, tmp_path: Path  # noqa: F811 - pytest fixture
) -> None:
    key = dns_lab.key("ddns-key")
    keyring = dns.tsigkeyring.from_text({"ddns-key": (key["algorithm"], key["secret"])})
    name = f"legacy-{secrets.token_hex(3)}.{dns_lab.zone}"

    def update(build: Any) -> None:
        message = dns.update.UpdateMessage(dns_lab.zone + ".", keyring=keyring, keyname="ddns-key")
        build(message)
        assert dns.query.tcp(message, "127.0.0.1", port=dns_lab.bind_port, timeout=5).rcode() == dns.rcode.NOERROR

    update(lambda u: (u.add(name + ".", 300, "A", "192.0.2.44"), u.add(name + ".", 300, "A", "192.0.2.45")))
    try:
        serial = _soa_serial(dns_lab, keyring)
        rfc = {"provider": "rfc2136", "zone": dns_lab.zone}
        got = run_play(tmp_path, [
            {"name": "list", "homelab.iac.dns_info": rfc, "register": "info"},
            _check_read("record_read", "dns_record", {**rfc, "name": name, "type": "A", "value": "192.0.2.45"}),
        ], _dns_defaults(dns_lab), {"DNS_TSIG_KEY_SECRET": key["secret"]})  # fmt: skip
        records = got["info"]["records"]
        first, second = by_id(records, f"{name}/A/192.0.2.44"), by_id(records, f"{name}/A/192.0.2.45")
        assert first["spec"] == {"value": "192.0.2.44", "ttl": 300, "proxied": None, "comment": None, "priority": None}
        assert {first["name"], second["name"]} == {f"{name.split('.')[0]}-a", f"{name.split('.')[0]}-a-2"}
        assert got["record_read"]["diff"]["before"] == second["spec"] and got["record_read"]["action"] == "noop"
        assert not any(item["facts"]["type"] == "NS" and item["facts"]["name"] == dns_lab.zone for item in records)
        assert by_id(records, f"www.{dns_lab.zone}/A")["spec"]["value"] == "203.0.113.10"  # the external view's copy
        assert _soa_serial(dns_lab, keyring) == serial, "listing and reading back changed the zone"
        assert resolve(dns_lab.bind_port, name, key=key) == ["192.0.2.44", "192.0.2.45"]
    finally:
        update(lambda u: u.delete(name + "."))


def test_an_adopted_container_is_changed_in_place_then_recreated_with_the_label(
    engine: docker.DockerClient, prefix: str, docker_host: str, tmp_path: Path
) -> None:
    app = f"{prefix}-legacy"
    engine.containers.run(IMAGE, ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"], name=app,
                          detach=True, labels={"owner": "me"}, restart_policy={"Name": "unless-stopped"})  # fmt: skip
    old_id = engine.containers.get(app).id
    got = run_play(tmp_path, [
        {"name": "a limit, in place", "homelab.iac.docker_container": {"name": app, "adopt": True, "memory": "64m"},
         "register": "limited"},
        {"name": "a new command: recreated", "homelab.iac.docker_container": {
            "name": app, "adopt": True, "memory": "64m", "command": ["sh", "-c", "sleep 3600"]},
         "register": "recreated"},
        {"name": "managed now: adopt is needed no more", "homelab.iac.docker_container": {
            "name": app, "image": IMAGE, "memory": "64m", "command": ["sh", "-c", "sleep 3600"]},
         "register": "again"},
    ], {"group/homelab.iac.docker": {"docker_host": docker_host}}, {})  # fmt: skip
    assert (got["limited"]["action"], got["limited"]["updated"]) == ("update", ["memory"])
    assert got["limited"]["container"]["id"] == old_id and MANAGED_LABEL not in got["limited"]["container"]["labels"]
    assert got["recreated"]["action"] == "replace" and got["recreated"]["recreated_because"] == ["command"]
    container = engine.containers.get(app)
    assert container.id != old_id and container.attrs["Config"]["Image"] == IMAGE and container.status == "running"
    assert container.labels["owner"] == "me" and container.labels[MANAGED_LABEL] == "true"
    assert got["again"]["action"] == "noop"
