"""A homelab that already has things: objects made by hand are refused, listed, adopted with no write, and
then declared by an intent file with 0 changes (issue 15: import / adopt, plan-time refresh of collisions).

A VLAN, an alias and a firewall rule made through the OPNsense emulator's API, a VM through Proxmox's, a
Cloudflare record through Cloudflare's and a container straight on the lab engine (no homelab-iac label),
none of them through homelab-iac. The service ``iac`` uses runs against the session lab and PostgreSQL.
"""

from __future__ import annotations

import secrets
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import httpx
import pytest
import yaml

from planner.adapters.execute import AnsibleRunnerExecutor
from planner.core.plan import Action
from planner.errors import ConflictError
from planner.service import Service
from planner.state.records import DeploymentStatus
from planner.state.sql import SqlStateStore
from tests.integration.reliability.labview import LabView, baseline, lab_view

__all__ = ["baseline", "lab_view"]  # fixtures this module uses

pytestmark = [pytest.mark.integration]

S = secrets.token_hex(3)
TAG = 3000 + secrets.randbelow(900)
RECORD = f"legacy-{S}.example.com"


class HandMade:
    """What a person made through each API, and how to take it away again (whatever state says)."""

    def __init__(self, lab_home: Path, docker_host: str) -> None:
        credentials = yaml.safe_load((lab_home / "credentials.yml").read_text())
        ca = ssl.create_default_context(cafile=str(lab_home / "ca" / "ca.crt"))
        opnsense, pve, cloudflare = (credentials["emulators"][name] for name in ("opnsense", "proxmox", "cloudflare"))
        self.opnsense = httpx.Client(base_url=opnsense["url"] + "/api/", verify=ca, timeout=20,
                                     auth=(opnsense["credentials"]["key"], opnsense["credentials"]["secret"]))
        token = pve["credentials"]
        self.pve = httpx.Client(base_url=pve["url"] + "/api2/json", verify=ca, timeout=20,
                                headers={"Authorization": f"PVEAPIToken={token['token_id']}={token['secret']}"})
        self.cloudflare = httpx.Client(base_url=cloudflare["url"] + "/client/v4", verify=ca, timeout=20,
                                       headers={"Authorization": f"Bearer {cloudflare['credentials']['token']}"})
        self.docker = docker.DockerClient(base_url=docker_host)
        self.ids: dict[str, str] = {}

    def make(self) -> None:
        vlan = self.opnsense.post("interfaces/vlan_settings/addItem", json={"vlan": {
            "if": "vtnet2", "tag": str(TAG), "pcp": "0", "proto": "", "descr": f"legacy {S}", "vlanif": ""}}).json()
        alias = self.opnsense.post("firewall/alias/addItem", json={"alias": {
            "enabled": "1", "name": f"legacy_{S}", "type": "host", "content": "10.9.9.9", "description": "by hand"}})
        rule = self.opnsense.post("firewall/filter/addRule", json={"rule": {
            "enabled": "1", "action": "pass", "quick": "1", "interface": "lan", "direction": "in",
            "ipprotocol": "inet", "protocol": "TCP", "source_net": "any", "destination_net": "any",
            "destination_port": "8081", "log": "0", "description": f"legacy rule {S}"}}).json()
        forward = self.opnsense.post("firewall/d_nat/addRule", json={"rule": {
            "sequence": "100", "interface": "wan", "ipprotocol": "inet", "protocol": "tcp",
            "destination": {"network": "wanip", "port": "8443"}, "target": "10.9.9.9", "local-port": "443",
            "descr": f"legacy forward {S}"}}).json()
        self.ids.update(vlan=vlan["uuid"], alias=alias.json()["uuid"], rule=rule["uuid"], forward=forward["uuid"])
        for area in ("interfaces/vlan_settings/reconfigure", "firewall/alias/reconfigure", "firewall/filter/apply",
                     "firewall/d_nat/apply"):
            self.opnsense.post(area).raise_for_status()
        vmid = int(self.pve.get("/cluster/nextid").json()["data"])
        self.pve.post("/nodes/pve/qemu", data={"vmid": vmid, "name": f"legacy-vm-{S}", "memory": 512, "cores": 1,
                                               "ostype": "l26", "description": "by hand"}).raise_for_status()
        self.ids["vmid"] = str(vmid)
        zone = next(z for z in self.cloudflare.get("/zones").json()["result"] if z["name"] == "example.com")
        record = self.cloudflare.post(f"/zones/{zone['id']}/dns_records", json={
            "type": "A", "name": RECORD, "content": "192.0.2.55", "ttl": 300, "proxied": False}).json()["result"]
        self.ids.update(zone=zone["id"], record=record["id"])
        self.docker.containers.run("homelab/busybox:latest", ["httpd", "-f", "-p", "8080", "-h", "/www"],
                                   name=f"legacy-web-{S}", detach=True)

    def remove(self) -> None:
        """Whatever is left (a test that failed half-way), by hand again."""
        for path in (f"firewall/filter/delRule/{self.ids.get('rule')}", f"firewall/alias/delItem/{self.ids.get('alias')}",
                     f"interfaces/vlan_settings/delItem/{self.ids.get('vlan')}",
                     f"firewall/d_nat/delRule/{self.ids.get('forward')}"):
            self.opnsense.post(path)
        for area in ("firewall/filter/apply", "firewall/alias/reconfigure", "interfaces/vlan_settings/reconfigure",
                     "firewall/d_nat/apply"):
            self.opnsense.post(area)
        if "vmid" in self.ids:
            self.pve.delete(f"/nodes/pve/qemu/{self.ids['vmid']}", params={"purge": 1})
        if "record" in self.ids:
            self.cloudflare.delete(f"/zones/{self.ids['zone']}/dns_records/{self.ids['record']}")
        for container in self.docker.containers.list(all=True, filters={"name": f"legacy-web-{S}"}):
            container.remove(force=True)
        for client in (self.opnsense, self.pve, self.cloudflare, self.docker):
            client.close()


@pytest.fixture
def hand_made(lab_home: Path, lab: Any) -> Iterator[HandMade]:
    made = HandMade(lab_home, lab.docker_host)
    try:
        made.make()
        yield made
    finally:
        made.remove()


INTENTS = f"""stack: legacy
intents:
  - {{kind: vlan, name: legacy, tag: {TAG}, parent: vtnet2, description: legacy {S}}}
  - kind: container
    name: legacy-web-{S}
    image: homelab/busybox:latest
    command: [httpd, -f, -p, "8080", -h, /www]
    restart_policy: "no"
  - {{kind: dns_record, name: legacy-record, record: {RECORD}, type: A, value: 192.0.2.55, ttl: 300,
     endpoint: lab-cloudflare}}
"""


def _writes(view: LabView) -> dict[str, list[str]]:
    found = {}
    for name, client in view.emulators.items():
        entries = client.get("/__lab/requests").raise_for_status().json()["requests"]
        found[name] = [f"{e['method']} {e['path']}" for e in entries if e["method"] != "GET"]
    return found


def test_what_was_made_by_hand_is_refused_listed_adopted_without_a_write_and_then_declared(
    hand_made: HandMade, pg_store: SqlStateStore, tmp_path: Path, lab_view: LabView,
) -> None:  # fmt: skip
    service = Service(pg_store, AnsibleRunnerExecutor(tmp_path / "runs"), workdir=tmp_path / "deployments")
    intents = tmp_path / "legacy.yaml"
    intents.write_text(INTENTS)

    # Before adoption: the plan refuses, naming each collision and the command that adopts it; nothing stored.
    with pytest.raises(ConflictError) as refused:
        service.plan(intents, refresh=True)
    message = str(refused.value)
    assert f"`iac import opnsense.vlan.legacy vtnet2/{TAG} --stack legacy`" in message
    assert f"`iac import docker.container.legacy-web-{S} legacy-web-{S} --stack legacy`" in message
    assert f"`iac import dns.record.legacy-record {RECORD}/A --stack legacy`" in message
    assert service.deployments() == []

    # Listed, each with its import id.
    listed = {(c.endpoint, c.kind, c.id) for c in service.import_candidates()}
    wanted = {("lab-opnsense", "opnsense.vlan", f"vtnet2/{TAG}"), ("lab-opnsense", "opnsense.alias", f"legacy_{S}"),
              ("lab-opnsense", "opnsense.firewall_rule", hand_made.ids["rule"]),
              ("lab-opnsense", "opnsense.nat_port_forward", hand_made.ids["forward"]),
              ("lab-proxmox", "proxmox.vm", hand_made.ids["vmid"]),
              ("lab-cloudflare", "dns.record", f"{RECORD}/A"),
              ("lab-docker", "docker.container", f"legacy-web-{S}")}
    assert wanted <= listed, wanted - listed

    # Adopted, one by one, with zero writes to any emulator and the container untouched.
    for client in lab_view.emulators.values():
        client.delete("/__lab/requests")
    container = hand_made.docker.containers.get(f"legacy-web-{S}")
    for address, object_id in [("opnsense.vlan.legacy", f"vtnet2/{TAG}"), ("opnsense.alias.legacy", f"legacy_{S}"),
                               ("opnsense.firewall_rule.legacy", hand_made.ids["rule"]),
                               ("opnsense.nat_port_forward.legacy", hand_made.ids["forward"]),
                               ("proxmox.vm.legacy", hand_made.ids["vmid"]),
                               ("dns.record.legacy-record", f"{RECORD}/A"),
                               (f"docker.container.legacy-web-{S}", f"legacy-web-{S}")]:
        planned = service.plan_import(address, object_id, stack="legacy")
        assert [c.action for c in planned.plan.changes] == [Action.IMPORT]
        result = service.apply(planned.deployment.id)
        assert result.deployment.status is DeploymentStatus.SUCCEEDED, result.deployment.error
    assert _writes(lab_view) == {name: [] for name in lab_view.emulators}
    again = hand_made.docker.containers.get(f"legacy-web-{S}")
    assert (again.id, again.labels, again.status) == (container.id, container.labels, "running")
    assert {c.kind for c in service.import_candidates() if S in c.id or c.id in hand_made.ids.values()} == set()

    # Declared by the intent file: 0 changes, and applying it writes nothing either.
    planned = service.plan(intents, refresh=True)
    assert {c.address: c.action.value for c in planned.plan.changes} == {
        "opnsense.vlan.legacy": "noop", f"docker.container.legacy-web-{S}": "noop", "dns.record.legacy-record": "noop"}
    assert service.apply(planned.deployment.id).results == []
    assert _writes(lab_view) == {name: [] for name in lab_view.emulators}

    # Adopted is owned: the stack's destroy removes it (the VM holds data), and nothing of it is left.
    destroy = service.plan_destroy(stack="legacy", allow_data_loss=True)
    assert len(destroy.plan.changes) == 7
    result = service.apply(destroy.deployment.id)
    assert result.deployment.status is DeploymentStatus.SUCCEEDED, result.deployment.error
    assert hand_made.docker.containers.list(all=True, filters={"name": f"legacy-web-{S}"}) == []
    assert hand_made.pve.get(f"/nodes/pve/qemu/{hand_made.ids['vmid']}/status/current").status_code >= 400
    left = {(c.kind, c.id) for c in service.import_candidates()}
    assert not any(S in object_id or object_id in hand_made.ids.values() for _, object_id in left)


BROWNFIELD = f"""stack: brownfield
intents:
  - {{kind: vlan, name: legacy, tag: {TAG}, parent: vtnet2, description: declared by the file}}
  - kind: container
    name: legacy-web-{S}
    image: homelab/busybox:latest
    command: [httpd, -f, -p, "8080", -h, /www]
"""


def test_the_brownfield_reproduction_takes_nothing_over_and_removes_nothing_it_did_not_make(
    hand_made: HandMade, pg_store: SqlStateStore, tmp_path: Path, lab_view: LabView,
) -> None:  # fmt: skip
    """Issue 15's reproduction: a VLAN and an unlabelled container made by hand, then a file declaring both."""
    from datetime import UTC, datetime

    service = Service(pg_store, AnsibleRunnerExecutor(tmp_path / "runs"), workdir=tmp_path / "deployments")
    intents = tmp_path / "brownfield.yaml"
    intents.write_text(BROWNFIELD)
    before_anything = datetime.now(UTC)
    for client in lab_view.emulators.values():
        client.delete("/__lab/requests")
    container = hand_made.docker.containers.get(f"legacy-web-{S}")

    with pytest.raises(ConflictError) as refused:  # refused before any write, naming both and the import
        service.plan(intents, refresh=True)
    assert f"iac import opnsense.vlan.legacy vtnet2/{TAG} --stack brownfield" in str(refused.value)
    assert f"iac import docker.container.legacy-web-{S} legacy-web-{S} --stack brownfield" in str(refused.value)
    assert _writes(lab_view) == {name: [] for name in lab_view.emulators}

    # Forced through without the read: the run fails, takes nothing over, and its undo removes nothing.
    result = service.apply(service.plan(intents).deployment.id)
    assert result.deployment.status is DeploymentStatus.ROLLED_BACK, result.deployment.error
    messages = {r.address: r.message for r in result.results}
    assert "existed on lab-opnsense before this deployment" in messages["opnsense.vlan.legacy"]
    assert "was not created by homelab.iac" in messages[f"docker.container.legacy-web-{S}"]
    assert service.resources() == []  # nothing recorded: it changed nothing it may keep
    assert not any("delItem" in write or "delRule" in write for write in _writes(lab_view)["opnsense"])
    vlans = hand_made.opnsense.post("interfaces/vlan_settings/searchItem", json={}).json()["rows"]
    assert [row["descr"] for row in vlans if str(row["tag"]) == str(TAG)] == [f"legacy {S}"]  # put back as found
    again = hand_made.docker.containers.get(f"legacy-web-{S}")
    assert (again.id, again.status) == (container.id, "running")

    # A restore to before homelab-iac ever ran has nothing of these to remove.
    restore = service.plan_restore(at=before_anything, allow_data_loss=True)
    assert restore.plan.changes == []
