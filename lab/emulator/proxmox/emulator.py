"""The Proxmox VE emulator: ``/api2/json`` over HTTPS with API-token auth (reference §1).

One catch-all route dispatches to the handler tables of the area modules (qemu, lxc, snapshots,
cluster/storage/tasks), so unknown paths get PVE's 501 and every handler sees the parameters merged
exactly as pve-http-server merges them. Handlers are plain functions ``(params, user) -> data``
that raise ``ApiError``; the envelope, the reason phrase and the task clock live here, once.
"""

from __future__ import annotations

import re
import urllib.parse
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from lab.emulator.auth import AuthScheme, _same
from lab.emulator.base import Emulator
from lab.emulator.proxmox.cluster import ClusterApi, initial_state
from lab.emulator.proxmox.guests import GuestStore
from lab.emulator.proxmox.http import ApiError, PveResponse, error_response, install_reason_phrases, ok, read_params
from lab.emulator.proxmox.lxc import LxcApi
from lab.emulator.proxmox.qemu import QemuApi
from lab.emulator.proxmox.snapshots import SnapshotApi
from lab.emulator.proxmox.tasks import TaskBook

__all__ = ["ProxmoxEmulator", "PveTokenAuth"]

API_PREFIX = "/api2/json"
# PVE delays every unauthorized answer by ~3 s to slow down guessing (§1.3).
UNAUTHORIZED_DELAY = 3.0


def parse_token_header(value: str) -> tuple[str, str] | None:
    """``PVEAPIToken=USER@REALM!TOKENID=SECRET`` -> (token id, secret), or None.

    The server takes the text after ``PVEAPIToken`` and ``=`` or a space, up to the first ``;``,
    URI-unescapes it and splits at the *last* ``=``.
    """
    match = re.match(r"^PVEAPIToken[= ](.*)$", value)
    if not match:
        return None
    text = urllib.parse.unquote(match.group(1).split(";", 1)[0])
    token_id, sep, secret = text.rpartition("=")
    if not sep or not re.fullmatch(r"[^\s:@!]+@[^\s:@!]+![A-Za-z][A-Za-z0-9._-]*", token_id):
        return None
    return token_id, secret


class PveTokenAuth(AuthScheme):
    """API tokens: ``Authorization: PVEAPIToken=root@pam!iac=<uuid>``."""

    name = "pve-token"

    def generate(self) -> dict[str, str]:
        return {"user": "root@pam", "token_name": "iac", "token_id": "root@pam!iac", "secret": str(uuid.uuid4())}

    def check(self, request: HTTPConnection, credentials: Mapping[str, str]) -> bool:
        parsed = parse_token_header(request.headers.get("authorization", ""))
        if parsed is None:
            return False
        return _same(parsed[0], credentials["token_id"]) and _same(parsed[1], credentials["secret"])


class ProxmoxEmulator(Emulator):
    """A single-node PVE 8.4 (node ``pve``) with ``local`` and ``local-lvm`` storage."""

    backend: ClassVar[str] = "proxmox"
    auth: ClassVar[AuthScheme] = PveTokenAuth()

    def initial_state(self) -> dict[str, Any]:
        return initial_state()

    def routes(self) -> Sequence[BaseRoute]:
        install_reason_phrases()
        self.tasks = TaskBook(self.state, self._run_operation)
        self.guests = GuestStore(self.state, self.tasks)
        self.qemu = QemuApi(self.guests)
        self.lxc = LxcApi(self.guests)
        self.snapshots = SnapshotApi(self.guests)
        self.cluster = ClusterApi(self.guests)
        table = [*self.snapshots.routes(), *self.qemu.routes(), *self.lxc.routes(), *self.cluster.routes()]
        self.table = [(method, re.compile(f"^{pattern}/?$"), handler) for method, pattern, handler in table]
        methods = ["GET", "POST", "PUT", "DELETE"]
        return [Route(API_PREFIX + "/{path:path}", self.dispatch, methods=methods),
                Route("/{path:path}", self.no_format, methods=methods)]

    def _run_operation(self, operation: str, args: dict[str, Any]) -> list[str]:
        owners = {"unlock": self.guests, "power": self.guests, "destroy": self.guests, "template": self.guests,
                  "clone": self.qemu, "snapshot": self.snapshots, "delsnapshot": self.snapshots,
                  "rollback": self.snapshots, "add_volume": self.cluster}
        if operation == "noop":
            return []
        return getattr(owners[operation], f"op_{operation}")(args)  # type: ignore[no-any-return]

    def unauthorized(self, request: HTTPConnection) -> Response:
        """Empty body, the reason in the status line, after the server's deliberate delay."""
        header = request.headers.get("authorization")
        reason = "No ticket" if not header else "Authentication failed!"
        return PveResponse(None, status_code=401, reason=reason, delay=UNAUTHORIZED_DELAY, raw=b"")

    async def no_format(self, request: Request) -> Response:
        return PveResponse(None, status_code=501, reason="no such uri", raw=b"")

    async def dispatch(self, request: Request) -> Response:
        # Finish due tasks first, so this request sees their effects exactly like a poller would.
        if self.tasks.advance():
            self.save_state()
        path = "/" + request.path_params["path"].strip("/")
        method = request.method
        for route_method, pattern, handler in self.table:
            match = pattern.match(path)
            if match is None or route_method != method:
                continue
            try:
                params = await read_params(request, {k: urllib.parse.unquote(v) for k, v in match.groupdict().items()})
                result = handler(params, self._user(request))
            except ApiError as exc:
                return error_response(exc)
            return result if isinstance(result, Response) else ok(result)
        return error_response(ApiError(501, f"Method '{method} {path}' not implemented"))

    def _user(self, request: HTTPConnection) -> str:
        parsed = parse_token_header(request.headers.get("authorization", ""))
        return parsed[0] if parsed else "root@pam"
