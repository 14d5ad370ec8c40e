"""The OPNsense emulator: HTTP Basic key/secret, one router for ``/api/*``, and the lab switches.

Credentials: ``key``/``secret`` is a full administrator; ``limited_key``/``limited_secret`` is a
monitoring user whose privileges cover only firmware status and diagnostics, so the 403 path of
§1.2 can be exercised. The modelled release is 26.7 unless ``IAC_LAB_OPNSENSE_VERSION`` (at first
start) or ``POST /__lab/version`` picks another; 25.7 brings back the firewall savepoint family
and removes the interface assignment API.
"""

from __future__ import annotations

import copy
import os
import secrets
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from lab.emulator.auth import BasicAuth
from lab.emulator.base import Emulator
from lab.emulator.opnsense import firewall, interfaces, nat, services, system, trust, vpn_proxy
from lab.emulator.opnsense.core import (
    AREAS,
    Appliance,
    Call,
    InternalError,
    Router,
    UserError,
    endpoint_not_found,
    error_response,
    parse_body,
)

__all__ = ["VERSIONS", "OpnsenseAuth", "OpnsenseEmulator"]

VERSION_ENV = "IAC_LAB_OPNSENSE_VERSION"
#: Releases the emulator can present: version → nickname.
VERSIONS = {"26.7.1": "Witty Wolf", "26.1.5": "Vicious Viper", "25.7.5": "Visionary Viper"}
DEFAULT_VERSION = "26.7.1"
# URI prefixes the limited (monitoring) user holds a privilege for.
_LIMITED_PRIVILEGES = ("/api/core/firmware/status", "/api/diagnostics/")


class OpnsenseAuth(BasicAuth):
    """Basic key/secret, plus a second, unprivileged key pair for the 403 path."""

    def generate(self) -> dict[str, str]:
        values = super().generate()
        values["limited_key"] = secrets.token_urlsafe(30)
        values["limited_secret"] = secrets.token_urlsafe(30)
        return values

    def user(self, request: HTTPConnection, credentials: Mapping[str, str]) -> str | None:
        """``"admin"``, ``"limited"`` or None (not authenticated)."""
        if self.check(request, credentials):
            return "admin"
        limited = {
            self.key_field: credentials.get("limited_key", ""),
            self.secret_field: credentials.get("limited_secret", ""),
        }
        if limited[self.key_field] and self.check(request, limited):
            return "limited"
        return None


def _series(version: str) -> str:
    return ".".join(version.split(".")[:2])


def factory_config() -> dict[str, Any]:
    """config.xml of a fresh install with three NICs, LAN addressed, nothing else configured."""
    return {
        "system": {"hostname": "OPNsense", "domain": "lab.internal"},
        "interfaces": {
            "wan": {"if": "vtnet0", "descr": "WAN", "enable": "1", "lock": "1", "ipaddr": "dhcp"},
            "lan": {
                "if": "vtnet1",
                "descr": "LAN",
                "enable": "1",
                "lock": "1",
                "ipaddr": "192.168.1.1",
                "subnet": "24",
            },
        },
        "vlans": {},
        "aliases": {},
        "filter": {"rules": {}, "snatrules": {}, "onetoone": {}},
        # Port forwards (DNat, config nat/rule) and the outbound NAT mode (nat/outbound/mode, unset: automatic).
        "nat": {"rules": {}, "outbound_mode": ""},
        "kea": {
            "general": {"enabled": "0", "interfaces": "", "valid_lifetime": "4000", "fwrules": "1"},
            "subnets": {},
            "reservations": {},
        },
        "unbound": {"hosts": {}},
        "haproxy": {},
        "wireguard": {},
    }


class OpnsenseEmulator(Emulator):
    """OPNsense's REST API as a client behind ``https://<fw>/api`` sees it."""

    backend: ClassVar[str] = "opnsense"
    auth: ClassVar[OpnsenseAuth] = OpnsenseAuth(realm="OPNsense")

    def initial_state(self) -> dict[str, Any]:
        version = os.environ.get(VERSION_ENV, DEFAULT_VERSION)
        if version not in VERSIONS:
            version = DEFAULT_VERSION
        config = factory_config()
        return {
            "meta": {"version": version, "series": _series(version), "nickname": VERSIONS[version]},
            "config": config,
            # What the services run: the same as the saved config until an apply says otherwise.
            "running": {section: copy.deepcopy(config[section]) for area in AREAS.values() for section in area},
            "revisions": [],
        }

    def routes(self) -> Sequence[BaseRoute]:
        self.router = Router()
        for area in (interfaces, firewall, nat, services, system, trust, vpn_proxy):
            area.register(self.router)
        return [Route("/api/{path:path}", self._dispatch, methods=["GET", "POST", "PUT", "DELETE", "PATCH"])]

    def authenticate(self, request: HTTPConnection) -> bool:
        return self.auth.user(request, self.credentials) is not None

    def unauthorized(self, request: HTTPConnection) -> Response:
        if "authorization" not in request.headers:
            return Response(b"", status_code=401)  # no header and no GUI session: empty body
        return JSONResponse({"status": 401, "message": "Authentication Failed"}, status_code=401)

    @property
    def appliance(self) -> Appliance:
        return Appliance(self.state, self.directory)

    async def _dispatch(self, request: Request) -> Response:
        path = request.path_params["path"]
        if self.auth.user(request, self.credentials) == "limited" and not request.url.path.startswith(
            _LIMITED_PRIVILEGES
        ):
            return JSONResponse({"status": 403, "message": "Forbidden"}, status_code=403)
        app = self.appliance
        resolved = self.router.resolve(path, app.series)
        if resolved is None:
            return endpoint_not_found()
        handler, params = resolved
        body = await parse_body(request)
        if isinstance(body, Response):
            return body
        call = Call(request.method, params, dict(request.query_params), body)
        # Handlers mutate a copy so a refused write (UserError half-way) leaves the config untouched.
        before = copy.deepcopy(self.state) if request.method != "GET" else None
        try:
            result = handler(app, call)
        except (UserError, InternalError) as exc:
            if before is not None:
                self.state.clear()
                self.state.update(before)
            return error_response(exc)
        if isinstance(result, Response):
            return result
        return JSONResponse(result)

    # Lab extras -----------------------------------------------------------------------------------
    def _lab_routes(self) -> list[BaseRoute]:
        return [*super()._lab_routes(), Route("/__lab/version", self._lab_version, methods=["GET", "POST"])]

    async def _lab_version(self, request: Request) -> Response:
        if not self._lab_allowed(request):
            return self.unauthorized(request)
        if request.method == "POST":
            try:
                version = str((await request.json())["version"])
            except (ValueError, KeyError, TypeError):
                return JSONResponse({"error": 'body: expected {"version": ...}'}, status_code=400)
            if version not in VERSIONS:
                return JSONResponse({"error": f"unknown version; one of {sorted(VERSIONS)}"}, status_code=422)
            self.state["meta"] = {"version": version, "series": _series(version), "nickname": VERSIONS[version]}
            self.save_state()
        return JSONResponse(self.state["meta"])
