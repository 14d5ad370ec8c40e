"""The Cloudflare API v4 emulator: zones and DNS records at ``/client/v4``, plus a DNS listener.

Token auth as the real API does it (``Authorization: Bearer``; a missing header is 400/9106, a
wrong token 403/10000). Every answer uses the ``success/errors/messages/result`` envelope; lists
add ``result_info``. Records are kept per zone in the persisted state; the listener started in the
constructor serves them over DNS on the port recorded in ``dns.json`` next to the state file.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Sequence
from typing import Any, ClassVar

from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from lab.emulator.auth import AuthScheme, BearerTokenAuth
from lab.emulator.base import Emulator
from lab.emulator.cloudflare.dns_listener import DnsListener, choose_port
from lab.emulator.cloudflare.records import (
    ApiError,
    check_conflicts,
    envelope,
    filter_records,
    paginate,
    validate_record,
)

__all__ = ["API_PREFIX", "PUBLIC_ZONES", "CloudflareEmulator"]

API_PREFIX = "/client/v4"
#: Zones the lab account owns. ``example.com`` is the public zone BIND forwards to this emulator.
PUBLIC_ZONES = ("example.com", "example.net")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _error(exc: ApiError) -> JSONResponse:
    return JSONResponse(envelope(None, errors=[exc.error]), status_code=exc.status)


def _zone_view(zone: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in zone.items() if key != "records"}


class CloudflareEmulator(Emulator):
    """One account with the zones of ``PUBLIC_ZONES``; records served over DNS as well as HTTPS."""

    backend: ClassVar[str] = "dns"
    auth: ClassVar[AuthScheme] = BearerTokenAuth()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        record_file = self.directory / "dns.json"
        self.dns = DnsListener(choose_port(record_file), self._published)
        self.dns.start()
        # Written after binding, so a reader (the lab's BIND setup) only ever sees a live port.
        record_file.write_text(json.dumps({"port": self.dns.port}) + "\n")

    # Framework hooks -------------------------------------------------------------------------
    def initial_state(self) -> dict[str, Any]:
        zones = {}
        for name in PUBLIC_ZONES:
            zone_id = secrets.token_hex(16)
            zones[zone_id] = {
                "id": zone_id,
                "name": name,
                "status": "active",
                "paused": False,
                "type": "full",
                "name_servers": ["ns1.lab.invalid", "ns2.lab.invalid"],
                "account": {"id": "0" * 32, "name": "homelab-iac lab"},
                "created_on": _now(),
                "modified_on": _now(),
                "records": {},
            }
        return {"zones": zones}

    @classmethod
    def inventory_vars(cls, url: str, ca_cert: str) -> dict[str, Any]:
        return {"dns_provider": "cloudflare", "cloudflare_base_url": url + API_PREFIX, "cloudflare_ca_cert": ca_cert}

    def authenticate(self, request: HTTPConnection) -> bool:
        return self.auth.check(request, self.credentials)

    def unauthorized(self, request: HTTPConnection) -> Response:
        if not request.headers.get("authorization") and not request.headers.get("x-auth-key"):
            exc = ApiError(400, 9106, "Missing X-Auth-Key, X-Auth-Email or Authorization headers")
        else:
            exc = ApiError(403, 10000, "Authentication error")
        return _error(exc)

    def routes(self) -> Sequence[BaseRoute]:
        p = API_PREFIX
        return [
            Route(p + "/user/tokens/verify", self._verify, methods=["GET"]),
            Route(p + "/zones", self._zones, methods=["GET"]),
            Route(p + "/zones/{zone_id}", self._zone, methods=["GET"]),
            Route(p + "/zones/{zone_id}/dns_records", self._records, methods=["GET", "POST"]),
            Route(
                p + "/zones/{zone_id}/dns_records/{record_id}", self._record, methods=["GET", "PUT", "PATCH", "DELETE"]
            ),
            Route(p + "/{rest:path}", self._no_route, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
        ]

    # DNS listener source ---------------------------------------------------------------------
    def _published(self) -> tuple[list[str], list[dict[str, Any]]]:
        # Copies taken on the listener's thread; the API mutates the dicts on the event loop.
        zones = list(self.state["zones"].values())
        return [z["name"] for z in zones], [dict(r) for z in zones for r in list(z["records"].values())]

    # Handlers ----------------------------------------------------------------------------------
    def _zone_or_error(self, zone_id: str) -> dict[str, Any]:
        zone = self.state["zones"].get(zone_id)
        if zone is None:
            raise ApiError(
                400, 7003, "Could not route to /zones/" + zone_id + ", perhaps your object identifier is invalid?"
            )
        found: dict[str, Any] = zone
        return found

    async def _verify(self, request: Request) -> Response:
        return JSONResponse(envelope({"id": "0" * 32, "status": "active"}))

    async def _no_route(self, request: Request) -> Response:
        return JSONResponse(
            envelope(None, errors=[{"code": 7000, "message": "No route for that URI"}]), status_code=400
        )

    async def _zones(self, request: Request) -> Response:
        query = dict(request.query_params)
        zones = [_zone_view(z) for z in self.state["zones"].values()]
        if "name" in query:
            zones = [z for z in zones if z["name"] == query["name"].lower().rstrip(".")]
        try:
            page, info = paginate(sorted(zones, key=lambda z: z["name"]), query, default_per_page=20)
        except ApiError as exc:
            return _error(exc)
        return JSONResponse(envelope(page, info))

    async def _zone(self, request: Request) -> Response:
        try:
            zone = self._zone_or_error(request.path_params["zone_id"])
        except ApiError as exc:
            return _error(exc)
        return JSONResponse(envelope(_zone_view(zone)))

    async def _records(self, request: Request) -> Response:
        try:
            zone = self._zone_or_error(request.path_params["zone_id"])
            if request.method == "GET":
                listed = filter_records(list(zone["records"].values()), dict(request.query_params))
                page, info = paginate(listed, dict(request.query_params))
                return JSONResponse(envelope(page, info))
            body = await self._body(request)
            record = validate_record(body, zone["name"])
            check_conflicts(record, list(zone["records"].values()))
            now = _now()
            record.update(id=secrets.token_hex(16), settings={}, meta={}, created_on=now, modified_on=now)
            zone["records"][record["id"]] = record
            return JSONResponse(envelope(record))
        except ApiError as exc:
            return _error(exc)

    async def _record(self, request: Request) -> Response:
        try:
            zone = self._zone_or_error(request.path_params["zone_id"])
            record_id = request.path_params["record_id"]
            stored = zone["records"].get(record_id)
            if stored is None:
                raise ApiError(404, 81044, "Record does not exist.")
            if request.method == "GET":
                return JSONResponse(envelope(stored))
            if request.method == "DELETE":
                del zone["records"][record_id]
                return JSONResponse(envelope({"id": record_id}))
            body = await self._body(request)
            # PUT overwrites (omitted fields fall back to defaults); PATCH keeps what is not sent.
            partial = stored if request.method == "PATCH" else None
            record = validate_record(body, zone["name"], partial=partial)
            others = [r for r in zone["records"].values() if r["id"] != record_id]
            check_conflicts(record, others)
            record.update(id=record_id, settings={}, meta={}, created_on=stored["created_on"], modified_on=_now())
            zone["records"][record_id] = record
            return JSONResponse(envelope(record))
        except ApiError as exc:
            return _error(exc)

    @staticmethod
    async def _body(request: Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            raise ApiError(400, 6007, "Malformed JSON in request body") from None
        if not isinstance(body, dict):
            raise ApiError(400, 6007, "Malformed JSON in request body")
        return body
