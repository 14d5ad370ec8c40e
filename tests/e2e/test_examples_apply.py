"""Every file in examples/ applies in the lab with ``iac apply FILE --yes``, and web-app.yaml undoes itself.

One lab for the module (the session lab of tests/fixtures/lab.py) and one state: a private ``IAC_HOME`` whose
SQLite database is the default a user gets, and a private ``HOME`` (certificates go to
``~/.local/state/homelab-iac/certs`` on the certs endpoint). ``DEV_DB_PASSWORD`` is exported, as the
dev-environment example asks; the DNS TSIG secrets come from the lab inventory's env file.

1. examples/web-app.yaml (DNS split horizon, internal CA + certificate, Docker, HAProxy on OPNsense) with its
   last wave failed by the OPNsense emulator (``POST /__lab/faults`` on ``addFrontend``): the deployment ends
   ``rolled_back`` and nothing is left behind - every emulator's ``/__lab/state`` and the Docker engine's
   managed objects equal the snapshot taken before, the certificate files are gone and BIND answers the
   name in neither view.
2. Then every example in ``ORDER``: the apply succeeds, a second apply changes nothing, ``iac drift`` exits 0
   (over everything applied so far). The examples share one state on purpose: none conflicts with another.
   minecraft.yaml and network-segment.yaml declare the same ``gaming`` segment (VLAN 20) with the same fields,
   so whichever comes second finds its segment in place; that is how a user adds a game to a segment.
   minecraft-wan.yaml is the same stack as minecraft.yaml with ``expose_wan: true``: it adds the port forward.

Host ports are the one thing the lab shares with the machine. An example whose port is held by something
outside this module (the demo's Minecraft server on 25565, another engineer's lab) runs as a copy with free
ports instead: a port the file spells out (hello's 18080, stack's 18081) is replaced in its text, as
tests/e2e/test_cli_hello.py does; a default one (web-app's 18090, minecraft's 25565) moves with the intent's
``host_port``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import dns.message
import dns.query
import dns.tsigkeyring
import pytest
import yaml

from lab.dns.daemon import free_port, port_free
from lab.supervisor import LabStatus
from planner.core.builder import expand_intents
from planner.intents import Endpoints, load_intent_file
from planner.paths import project_root
from tests.e2e.cli import IAC
from tests.integration.reliability.test_minecraft_faults import OPNSENSE_ERROR, LabView

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

EXAMPLES = project_root() / "examples"
# Simple things first, then what builds on them; web-app last (its rollback test runs before all of them).
ORDER = [
    "hello.yaml", "dns-record.yaml", "certificate.yaml", "vlan.yaml", "network-segment.yaml", "minecraft.yaml",
    "minecraft-wan.yaml", "stack.yaml", "vm.yaml", "lxc.yaml", "vpn-access.yaml", "dev-environment.yaml",
    "web-app.yaml",
]  # fmt: skip
WEB_APP_NAME = "wiki.lab.home.arpa"
# What the failed web-app run made before its last wave, each undone (with a change) by the rollback.
UNDONE = ("cert.ca.homelab-ca", "cert.issue.wiki", "dns.split_horizon.wiki", "docker.container.wiki-1",
          "docker.container.wiki-2", "opnsense.haproxy_server.wiki-1", "opnsense.haproxy_backend.wiki")  # fmt: skip
LAB_ENDPOINTS = Endpoints(by_backend={"docker": ["lab-docker"], "opnsense": ["lab-opnsense"],
                                      "proxmox": ["lab-proxmox"], "dns": ["lab-bind", "lab-cloudflare"],
                                      "certs": ["lab-pebble"]}, source="the lab inventory")  # fmt: skip


class Examples:
    """The module's state: environment for ``iac``, the ports its examples hold, the certificates' directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = {**os.environ, "IAC_HOME": str(root / "state"), "HOME": str(root / "home"),
                    "DEV_DB_PASSWORD": "e2e-db-password"}  # fmt: skip
        for name in ("IAC_DATABASE_URL", "IAC_DEBUG"):
            self.env.pop(name, None)
        (root / "home").mkdir()
        self.ports: set[int] = set()
        self.host_ports: dict[str, int] = {}  # intent → the host_port a copy gave it
        self.cert_dir = root / "home" / ".local" / "state" / "homelab-iac" / "certs"

    def iac(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([IAC, *args], env=self.env, capture_output=True, text=True, timeout=600,
                              cwd=project_root())  # fmt: skip
        if check and done.returncode != 0:
            raise AssertionError(f"iac {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        return done

    def apply(self, path: Path, check: bool = True) -> dict[str, Any]:
        done = self.iac("apply", str(path), "--yes", "--json", check=check)
        return dict(json.loads(done.stdout))

    def runnable(self, name: str) -> Path:
        """The example, or a copy with free host ports where a port it would publish is held by someone else.

        A port the file spells out is replaced in its text; a default one (minecraft's 25565, web-app's 18090)
        moves by setting the intent's ``host_port`` to the first port of a free run as long as the ports
        that intent publishes.
        """
        path = EXAMPLES / name
        text = path.read_text()
        resources = expand_intents(load_intent_file(path), LAB_ENDPOINTS)
        published = {int(port): resource.origin for resource in resources
                     for port in re.findall(r"127\.0\.0\.1:(\d+):", json.dumps(resource.spec))}  # fmt: skip
        held = sorted(port for port in set(published) - self.ports if not port_free(port))
        self.ports |= set(published)
        # An intent a later example declares again (minecraft-wan.yaml's server) keeps the ports it was moved to.
        moved = {origin for origin in published.values() if origin in self.host_ports}
        for port in held:
            if re.search(rf"\b{port}\b", re.sub(r"#.*", "", text)):  # spelled out, not only in a comment
                text = re.sub(rf"\b{port}\b", str(free_port()), text)
            else:
                moved.add(published[port])
        if moved:
            data = yaml.safe_load(text)
            for intent in data["intents"]:
                if intent["name"] in moved:
                    count = sum(1 for origin in published.values() if origin == intent["name"])
                    intent["host_port"] = self.host_ports.setdefault(intent["name"], _free_run(count))
            text = yaml.safe_dump(data, sort_keys=False)
        if text == path.read_text():
            return path
        copy = self.root / name
        copy.write_text(text)
        return copy


def _free_run(count: int) -> int:
    """The first of ``count`` consecutive loopback ports that are all free now."""
    for _ in range(50):
        first = free_port()
        if first + count <= 65535 and all(port_free(first + step) for step in range(count)):
            return first
    raise AssertionError(f"no run of {count} free loopback ports")


@pytest.fixture(scope="module")
def examples(lab: LabStatus, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Examples]:
    started = datetime.now().astimezone()
    examples = Examples(tmp_path_factory.mktemp("examples"))
    yield examples
    # The lab is shared by the whole session: take back everything the examples deployed (a restore to
    # before the first one, through iac itself), so later tests find the lab as this module found it.
    examples.iac("restore", "--at", started.strftime("%Y-%m-%d %H:%M:%S"), "--allow-data-loss", "--yes")


@pytest.fixture(scope="module")
def lab_view(lab: LabStatus, lab_home: Path) -> Iterator[LabView]:
    view = LabView(lab, lab_home)
    yield view
    view.close()


def _bind_answers(lab_home: Path, name: str) -> dict[str, list[str]]:
    """The A answers for ``name`` in BIND's internal view (internal key) and its public view (ddns key)."""
    inventory = yaml.safe_load(Path(os.environ["IAC_INVENTORY"]).read_text())
    port = inventory["all"]["children"]["dns"]["hosts"]["lab-bind"]["dns_port"]
    keys = yaml.safe_load((lab_home / "credentials.yml").read_text())["bind"]["keys"]
    answers = {}
    for view, key_name in (("internal", "internal-key"), ("public", "ddns-key")):
        key = keys[key_name]
        query = dns.message.make_query(name, "A")
        query.use_tsig(dns.tsigkeyring.from_text({key["name"]: (key["algorithm"], key["secret"])}), keyname=key["name"])
        response = dns.query.tcp(query, "127.0.0.1", port=port, timeout=3)
        answers[view] = sorted(item.to_text() for rrset in response.answer for item in rrset)
    return answers


def _differences(before: Any, after: Any, path: str = "") -> list[str]:
    """Where two snapshots differ, as readable paths (the whole snapshots are too large for a message).

    A section missing on one side and empty on the other is no difference: the OPNsense emulator adds an
    area's container (``haproxy/backends``) on its first item and keeps it empty after the last is removed,
    as OPNsense keeps an empty element in config.xml.
    """
    if isinstance(before, dict) and isinstance(after, dict):
        found = []
        for key in sorted(set(before) | set(after), key=str):
            if (key not in after and before[key] in ({}, [])) or (key not in before and after[key] in ({}, [])):
                continue
            if key not in after or key not in before:
                found.append(f"{path}/{key}: {before.get(key, '<none>')!r} -> {after.get(key, '<none>')!r}")
            else:
                found += _differences(before[key], after[key], f"{path}/{key}")
        return found
    return [] if before == after else [f"{path}: {before!r} -> {after!r}"]


def test_every_example_is_applied_here() -> None:
    assert sorted(ORDER) == sorted(path.name for path in EXAMPLES.glob("*.yaml"))


def test_web_app_failing_in_its_last_wave_is_rolled_back_without_a_trace(
    examples: Examples, lab_view: LabView, lab_home: Path
) -> None:
    web_app = examples.runnable("web-app.yaml")
    before = lab_view.snapshot()
    assert _bind_answers(lab_home, WEB_APP_NAME) == {"internal": [], "public": []}
    fault = {"match": {"method": "POST", "path_prefix": "/api/haproxy/settings/addFrontend"}, "status": 500,
             "body": OPNSENSE_ERROR}  # fmt: skip
    lab_view.opnsense.post("/__lab/faults", json=fault).raise_for_status()
    try:
        result = examples.apply(web_app, check=False)
    finally:
        lab_view.opnsense.delete("/__lab/faults").raise_for_status()
    deployment = result["deployment"]
    assert deployment["status"] == "rolled_back", deployment
    assert "opnsense.haproxy_frontend.wiki" in deployment["error"]
    undone = {entry["address"]: entry["status"] for entry in result["rollback"]}
    assert {address: undone.get(address) for address in UNDONE} == dict.fromkeys(UNDONE, "changed")
    after = lab_view.snapshot()
    assert _differences(before, after) == []
    assert (examples.cert_dir / "wiki").is_dir()  # written here (directories stay), and every file removed:
    assert sorted(path for path in examples.cert_dir.rglob("*") if path.is_file()) == []
    assert _bind_answers(lab_home, WEB_APP_NAME) == {"internal": [], "public": []}
    status = json.loads(examples.iac("status", deployment["id"], "--json").stdout)
    assert status["deployment"]["status"] == "rolled_back"


@pytest.mark.parametrize("name", ORDER)
def test_example_applies_then_changes_nothing_and_shows_no_drift(examples: Examples, name: str) -> None:
    path = examples.runnable(name)
    first = examples.apply(path)
    assert first["deployment"]["status"] == "succeeded", first["deployment"]
    again = examples.apply(path)
    assert again["deployment"]["status"] == "succeeded"
    assert again["changed"] == 0, [r for r in again["resources"] if r["status"] != "ok"]
    drift = examples.iac("drift", "--json", check=False)
    report = json.loads(drift.stdout)
    assert drift.returncode == 0, [r for r in report["resources"] if r["status"] != "in_sync"]
    assert report["drift"] is False
