"""The emulator base class in process (no server): auth, persisted state, faults, request log.

The same behaviour is exercised over real HTTPS with the lab CA in
tests/integration/lab/test_emulator_framework.py; here it is quick and needs no lab.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.testclient import TestClient

from lab.emulator import BearerTokenAuth, Emulator, HeaderTokenAuth, register, registered_names, unregister
from lab.emulator.registry import emulator_class


class CounterEmulator(Emulator):
    """An API with one counter, authenticated with a custom header."""

    backend = "counter"
    auth = HeaderTokenAuth("X-Api-Key")

    def initial_state(self) -> dict[str, Any]:
        return {"count": 0}

    def routes(self) -> Sequence[BaseRoute]:
        return [Route("/api/count", self.count, methods=["GET", "POST"])]

    async def count(self, request: Request) -> Response:
        if request.method == "POST":
            self.state["count"] += 1
        return JSONResponse({"count": self.state["count"]})


CREDENTIALS = {"token": "s3cret-token"}
ADMIN = "admin-token"


def _client(directory: Path) -> TestClient:
    emulator = CounterEmulator("counter", directory, CREDENTIALS, ADMIN)
    return TestClient(emulator, base_url="https://127.0.0.1")


def test_requests_without_the_declared_credentials_are_refused(tmp_path: Path) -> None:
    client = _client(tmp_path)
    assert client.get("/api/count").status_code == 401
    assert client.get("/api/count", headers={"X-Api-Key": "wrong"}).status_code == 401
    assert client.get("/api/count", headers={"X-Api-Key": "s3cret-token"}).json() == {"count": 0}


def test_lab_endpoints_take_api_credentials_or_the_admin_token(tmp_path: Path) -> None:
    client = _client(tmp_path)
    assert client.get("/__lab/health").status_code == 200
    assert client.get("/__lab/state").status_code == 401
    assert client.get("/__lab/state", headers={"X-Lab-Token": ADMIN}).json() == {"count": 0}
    assert client.get("/__lab/state", headers={"X-Api-Key": "s3cret-token"}).json() == {"count": 0}


def test_state_survives_a_new_instance_on_the_same_directory(tmp_path: Path) -> None:
    headers = {"X-Api-Key": "s3cret-token"}
    _client(tmp_path).post("/api/count", headers=headers)
    assert _client(tmp_path).get("/api/count", headers=headers).json() == {"count": 1}


def test_a_status_fault_answers_instead_of_the_api_and_is_logged(tmp_path: Path) -> None:
    client = _client(tmp_path)
    headers = {"X-Api-Key": "s3cret-token"}
    armed = client.post("/__lab/faults", headers=headers, json={"status": 502, "body": "bad gateway"})
    assert armed.status_code == 201
    failed = client.post("/api/count", headers=headers)
    assert (failed.status_code, failed.text) == (502, "bad gateway")
    assert client.post("/api/count", headers=headers).json() == {"count": 1}

    log = client.get("/__lab/requests", headers=headers).json()["requests"]
    assert [(entry["method"], entry["path"], entry["status"], entry["fault"]) for entry in log] == [
        ("POST", "/api/count", 502, armed.json()["id"]),
        ("POST", "/api/count", 200, None),
    ]


def test_a_bad_fault_is_refused_with_the_field_named(tmp_path: Path) -> None:
    response = _client(tmp_path).post("/__lab/faults", headers={"X-Lab-Token": ADMIN}, json={"count": 1})
    assert response.status_code == 422
    assert response.json()["error"].startswith("status:")


def test_bearer_auth_checks_the_authorization_header() -> None:
    scheme = BearerTokenAuth()
    creds = scheme.generate()
    scope = {"type": "http", "headers": [(b"authorization", f"Bearer {creds['token']}".encode())]}
    assert scheme.check(Request(scope), creds)
    assert not scheme.check(Request({"type": "http", "headers": []}), creds)


def test_registering_an_emulator_makes_it_startable_by_name() -> None:
    register("counter", CounterEmulator)
    try:
        assert "counter" in registered_names()
        assert emulator_class("counter") is CounterEmulator
    finally:
        unregister("counter")
    assert "counter" not in registered_names()


def test_classes_defined_inside_functions_cannot_be_registered() -> None:
    class Local(Emulator):
        pass

    with pytest.raises(ValueError, match="module level"):
        register("local", Local)
