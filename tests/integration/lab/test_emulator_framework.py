"""The emulator framework over real HTTPS with the lab CA, in its own process under the supervisor.

``NotesEmulator`` stands in for the product emulators of later issues: it is registered for this
module, started by ``lab.up()`` (which proves up is idempotent for the running dockerd too) and
stopped again afterwards.
"""

from __future__ import annotations

import ssl
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

import lab as lab_package
from lab.emulator import BasicAuth, Emulator, register, unregister
from lab.layout import LabLayout
from lab.services import EmulatorService
from lab.supervisor import LabStatus

pytestmark = pytest.mark.integration


class NotesEmulator(Emulator):
    """A tiny API: a list of notes behind HTTP Basic key/secret."""

    backend = "notes"
    auth = BasicAuth(key_field="key", secret_field="secret")

    def initial_state(self) -> dict[str, Any]:
        return {"notes": []}

    def routes(self) -> Sequence[BaseRoute]:
        return [Route("/api/notes", self.notes, methods=["GET", "POST"])]

    async def notes(self, request: Request) -> Response:
        if request.method == "POST":
            self.state["notes"].append((await request.json())["text"])
            return JSONResponse({"notes": self.state["notes"]}, status_code=201)
        return JSONResponse({"notes": self.state["notes"]})


@dataclass
class NotesLab:
    """How a test reaches the running emulator."""

    home: Path
    url: str
    key: str
    secret: str
    admin_token: str
    ssl_context: ssl.SSLContext

    def client(self, authenticated: bool = True, timeout: float = 10.0) -> httpx.Client:
        return httpx.Client(
            base_url=self.url,
            verify=self.ssl_context,
            auth=(self.key, self.secret) if authenticated else None,
            timeout=timeout,
        )

    def admin(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, verify=self.ssl_context, headers={"X-Lab-Token": self.admin_token}, timeout=10.0
        )


@pytest.fixture(scope="module")
def notes(lab: LabStatus, lab_home: Path) -> Iterator[NotesLab]:
    register("notes", NotesEmulator)
    try:
        status = lab_package.up(lab_home)
        assert status.service("notes").healthy
        credentials = yaml.safe_load((lab_home / "credentials.yml").read_text())
        entry = credentials["emulators"]["notes"]
        yield NotesLab(
            home=lab_home,
            url=entry["url"],
            key=entry["credentials"]["key"],
            secret=entry["credentials"]["secret"],
            admin_token=credentials["lab"]["admin_token"],
            ssl_context=ssl.create_default_context(cafile=status.ca_cert),
        )
    finally:
        EmulatorService(LabLayout(lab_home), "notes").stop()
        unregister("notes")


@pytest.fixture(autouse=True)
def _no_faults_left(notes: NotesLab) -> Iterator[None]:
    yield
    with notes.admin() as admin:
        admin.delete("/__lab/faults")


def test_the_emulator_serves_https_signed_by_the_lab_ca_on_loopback(notes: NotesLab) -> None:
    assert notes.url.startswith("https://127.0.0.1:")
    with notes.client() as client:
        assert client.get("/api/notes").status_code == 200
    # A client that does not trust the lab CA refuses the certificate.
    with pytest.raises(httpx.ConnectError), httpx.Client(verify=ssl.create_default_context()) as untrusting:
        untrusting.get(notes.url + "/api/notes")


def test_requests_without_credentials_are_refused(notes: NotesLab) -> None:
    with notes.client(authenticated=False) as client:
        assert client.get("/api/notes").status_code == 401
        assert client.get("/__lab/state").status_code == 401
        assert client.get("/api/notes", auth=(notes.key, "wrong")).status_code == 401
    with notes.admin() as admin:
        assert admin.get("/__lab/state").status_code == 200


def test_credentials_stay_out_of_the_inventory_and_in_a_private_file(notes: NotesLab, lab: LabStatus) -> None:
    credentials_file = notes.home / "credentials.yml"
    assert stat.S_IMODE(credentials_file.stat().st_mode) == 0o600
    inventory_text = Path(lab_package.status(notes.home).inventory or "").read_text()
    inventory = yaml.safe_load(inventory_text)
    assert inventory["all"]["children"]["notes"]["hosts"]["lab-notes"]["api_url"] == notes.url
    assert notes.secret not in inventory_text and notes.key not in inventory_text


def test_status_lists_the_emulator_with_url_pid_and_health(notes: NotesLab) -> None:
    service = lab_package.status(notes.home).service("notes")
    assert (service.url, service.health) == (notes.url, "healthy")
    assert service.pid is not None


def test_state_persists_across_a_restart(notes: NotesLab) -> None:
    with notes.client() as client:
        client.post("/api/notes", json={"text": "buy cables"}).raise_for_status()
    service = EmulatorService(LabLayout(notes.home), "notes")
    old_pid = service.pid()
    assert service.stop()
    assert lab_package.status(notes.home).service("notes").health == "down"

    restarted = lab_package.up(notes.home).service("notes")
    assert restarted.healthy and restarted.pid != old_pid and restarted.url == notes.url
    with notes.client() as client:
        assert "buy cables" in client.get("/api/notes").json()["notes"]
        assert "buy cables" in client.get("/__lab/state").json()["notes"]


def test_a_status_fault_fails_the_next_matching_requests_only(notes: NotesLab) -> None:
    with notes.admin() as admin:
        armed = admin.post(
            "/__lab/faults",
            json={
                "match": {"method": "POST", "path_prefix": "/api/notes"},
                "count": 2,
                "status": 503,
                "body": {"error": "busy"},
            },
        )
        assert armed.status_code == 201
    with notes.client() as client:
        assert client.get("/api/notes").status_code == 200  # other methods pass
        for _ in range(2):
            failed = client.post("/api/notes", json={"text": "x"})
            assert (failed.status_code, failed.json()) == (503, {"error": "busy"})
        assert client.post("/api/notes", json={"text": "after the fault"}).status_code == 201


def test_a_delay_fault_makes_a_client_with_a_short_timeout_give_up(notes: NotesLab) -> None:
    with notes.admin() as admin:
        admin.post("/__lab/faults", json={"match": {"path_prefix": "/api/notes"}, "delay": 3}).raise_for_status()
    with notes.client(timeout=0.5) as impatient, pytest.raises(httpx.ReadTimeout):
        impatient.get("/api/notes")
    with notes.client() as client:
        assert client.get("/api/notes").status_code == 200


def test_a_drop_fault_closes_the_connection_without_an_answer(notes: NotesLab) -> None:
    with notes.admin() as admin:
        admin.post("/__lab/faults", json={"match": {"method": "GET"}, "drop": True}).raise_for_status()
    with notes.client() as client:
        with pytest.raises(httpx.TransportError):
            client.get("/api/notes")
        assert client.get("/api/notes").status_code == 200
    with notes.admin() as admin:
        log = admin.get("/__lab/requests").json()["requests"]
    dropped = [entry for entry in log if entry["dropped"]]
    assert dropped and dropped[-1]["status"] is None and dropped[-1]["path"] == "/api/notes"


def test_delete_faults_disarms_them(notes: NotesLab) -> None:
    with notes.admin() as admin:
        admin.post("/__lab/faults", json={"status": 500, "count": 10}).raise_for_status()
        assert admin.delete("/__lab/faults").json() == {"cleared": 1}
    with notes.client() as client:
        assert client.get("/api/notes").status_code == 200


def test_the_request_log_shows_method_path_status_and_no_secrets(notes: NotesLab) -> None:
    with notes.admin() as admin:
        admin.delete("/__lab/requests")
    with notes.client() as client:
        client.post("/api/notes", json={"text": "secret-note-body"})
        client.get("/api/notes?token=query-secret")
    with notes.client(authenticated=False) as anonymous:
        anonymous.get("/api/notes")
    with notes.admin() as admin:
        response = admin.get("/__lab/requests")
    entries = response.json()["requests"]
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("POST", "/api/notes", 201),
        ("GET", "/api/notes", 200),
        ("GET", "/api/notes", 401),
    ]
    assert all(entry["time"] for entry in entries)
    for secret in ("secret-note-body", "query-secret", notes.secret):
        assert secret not in response.text
