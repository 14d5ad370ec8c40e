"""The base every emulator builds on: auth, persisted state, request log, faults and ``/__lab/*``.

A product emulator (OPNsense, Proxmox, Cloudflare) subclasses ``Emulator``, declares how its API
authenticates (``auth``), what it starts with (``initial_state``) and its routes (``routes``), and
gets the rest for free. Handlers read and mutate ``self.state``; after every request that may write
(anything but GET/HEAD/OPTIONS) the state is saved to disk.

Lab endpoints (not logged, never subject to faults):

==========================  =========================================================================
``GET /__lab/health``       no auth; ``{"status": "ok"}`` once the emulator serves
``GET /__lab/state``        the emulator's state
``GET /__lab/requests``     the request log; ``DELETE`` clears it
``GET /__lab/faults``       armed faults; ``POST`` arms one (see ``faults.py``); ``DELETE`` clears all
==========================  =========================================================================

Every ``/__lab/*`` endpoint but health accepts either the emulator's own API credentials or the lab
admin token (``lab.admin_token`` in the credentials file) in an ``X-Lab-Token`` header, so a test can
inspect an emulator whose auth scheme it does not speak.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from starlette.applications import Starlette
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Message, Receive, Scope, Send

from lab.emulator.auth import AuthScheme, BearerTokenAuth
from lab.emulator.faults import Fault, FaultBook, FaultError
from lab.emulator.state import JsonStateFile, RequestLog, snapshot

__all__ = ["HEALTH_PATH", "LAB_TOKEN_HEADER", "Emulator"]

HEALTH_PATH = "/__lab/health"
LAB_TOKEN_HEADER = "X-Lab-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

log = logging.getLogger("lab.emulator")


class Emulator:
    """An emulated HTTPS API; one instance per emulator process.

    Subclasses set ``backend`` (the inventory group, e.g. ``"opnsense"``), ``auth`` and optionally
    ``public_paths`` (path prefixes served without auth, such as a login endpoint), and override
    ``initial_state``, ``routes`` and, for unusual schemes, ``authenticate``/``unauthorized``.
    """

    backend: ClassVar[str] = "generic"
    auth: ClassVar[AuthScheme] = BearerTokenAuth()
    public_paths: ClassVar[tuple[str, ...]] = ()

    def __init__(self, name: str, directory: Path, credentials: Mapping[str, str], admin_token: str) -> None:
        self.name = name
        self.directory = directory
        self.credentials = dict(credentials)
        self.admin_token = admin_token
        self.faults = FaultBook()
        self.requests = RequestLog()
        self.store = JsonStateFile(directory / "state.json")
        loaded = self.store.load()
        self.state: dict[str, Any] = loaded if loaded is not None else self.initial_state()
        if loaded is None:
            self.save_state()
        self._api = Starlette(routes=list(self.routes()))
        self._lab = Starlette(routes=self._lab_routes())

    # Hooks for subclasses -----------------------------------------------------------------------
    def initial_state(self) -> dict[str, Any]:
        """The state of a factory-fresh appliance (used once, when no state file exists)."""
        return {}

    def routes(self) -> Sequence[BaseRoute]:
        """The API's starlette routes; handlers are usually bound methods of the subclass."""
        return []

    def authenticate(self, request: HTTPConnection) -> bool:
        """True when the request may use the API; by default the declared ``auth`` scheme decides."""
        return self.auth.check(request, self.credentials)

    def unauthorized(self, request: HTTPConnection) -> Response:
        """The answer to an unauthenticated request; override to match the real API's error shape."""
        return JSONResponse(
            {"error": "authentication required"}, status_code=401, headers=self.auth.challenge_headers()
        )

    def fault_response(self, fault: Fault) -> Response:
        """The answer an injected status fault gives: its body as JSON, or as text when a string."""
        assert fault.status is not None
        if isinstance(fault.body, str):
            return PlainTextResponse(fault.body, status_code=fault.status)
        body = fault.body if fault.body is not None else {"error": f"injected fault {fault.id}"}
        return JSONResponse(body, status_code=fault.status)

    @classmethod
    def inventory_vars(cls, url: str, ca_cert: str) -> dict[str, Any]:
        """Host variables of this emulator in the lab inventory (never credentials)."""
        return {"api_url": url, "ca_cert": ca_cert}

    # Services for subclasses --------------------------------------------------------------------
    def save_state(self) -> None:
        """Persist ``self.state`` now (also done automatically after every writing request)."""
        self.store.save(self.state)

    # ASGI entry point ---------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._api(scope, receive, send)
            return
        path: str = scope["path"]
        if path == "/__lab" or path.startswith("/__lab/"):
            await self._lab(scope, receive, send)
            return
        await self._serve_api(scope, receive, send)

    async def _serve_api(self, scope: Scope, receive: Receive, send: Send) -> None:
        method: str = scope["method"]
        path: str = scope["path"]
        started = time.monotonic()
        status: list[int] = []

        async def tracking_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        fault: Fault | None = None
        try:
            request = HTTPConnection(scope)
            public = any(path.startswith(prefix) for prefix in self.public_paths)
            if not public and not self.authenticate(request):
                await self.unauthorized(request)(scope, receive, tracking_send)
                return
            fault = self.faults.take(method, path)
            if fault is not None and fault.delay:
                await asyncio.sleep(fault.delay)
            if fault is not None and fault.drop:
                await _drop_connection(send)
                return
            if fault is not None and fault.status is not None:
                await self.fault_response(fault)(scope, receive, tracking_send)
                return
            try:
                await self._api(scope, receive, tracking_send)
            finally:
                if method not in _SAFE_METHODS:
                    self.save_state()
        finally:
            dropped = fault is not None and fault.drop
            self.requests.record(
                method,
                path,
                None if dropped or not status else status[0],
                time.monotonic() - started,
                fault=fault.id if fault is not None else None,
                dropped=dropped,
            )

    # /__lab/* -----------------------------------------------------------------------------------
    def _lab_routes(self) -> list[BaseRoute]:
        return [
            Route(HEALTH_PATH, self._health, methods=["GET"]),
            Route("/__lab/state", self._lab_state, methods=["GET"]),
            Route("/__lab/requests", self._lab_requests, methods=["GET", "DELETE"]),
            Route("/__lab/faults", self._lab_faults, methods=["GET", "POST", "DELETE"]),
        ]

    def _lab_allowed(self, request: Request) -> bool:
        token = request.headers.get(LAB_TOKEN_HEADER, "")
        if token and hmac.compare_digest(token.encode(), self.admin_token.encode()):
            return True
        return self.authenticate(request)

    async def _health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "name": self.name, "backend": self.backend})

    async def _lab_state(self, request: Request) -> Response:
        if not self._lab_allowed(request):
            return self.unauthorized(request)
        return JSONResponse(snapshot(self.state))

    async def _lab_requests(self, request: Request) -> Response:
        if not self._lab_allowed(request):
            return self.unauthorized(request)
        if request.method == "DELETE":
            self.requests.clear()
            return JSONResponse({"requests": []})
        return JSONResponse({"requests": self.requests.entries()})

    async def _lab_faults(self, request: Request) -> Response:
        if not self._lab_allowed(request):
            return self.unauthorized(request)
        if request.method == "DELETE":
            return JSONResponse({"cleared": self.faults.clear()})
        if request.method == "POST":
            try:
                spec = await request.json()
            except ValueError:
                return JSONResponse({"error": "body: expected JSON"}, status_code=400)
            try:
                fault = self.faults.add(spec)
            except FaultError as err:
                return JSONResponse({"error": str(err)}, status_code=422)
            return JSONResponse(fault.to_dict(), status_code=201)
        return JSONResponse({"faults": [fault.to_dict() for fault in self.faults.armed()]})


async def _drop_connection(send: Send) -> None:
    """Close the client's socket without a response, as a crashed appliance or a cut cable would.

    ASGI has no word for this, so we reach the transport through uvicorn's response cycle, whose
    bound ``send`` we were given (the server runs uvicorn's h11 protocol with no wrapping
    middleware, see ``server.py``). ``abort()`` skips the TLS close_notify: the client sees the
    connection reset with no HTTP answer at all.
    """
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:
        # Without a transport the best we can do is fail loudly rather than answer normally.
        raise RuntimeError("cannot drop the connection: the server does not expose its transport")
    transport.abort()
    # Let the protocol notice the disconnect before we return, so it does not try to send a 500.
    for _ in range(3):
        await asyncio.sleep(0)
