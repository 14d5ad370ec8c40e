"""The wire rules of pve-http-server: envelope, error text in the status line, parameter handling.

Proxmox clients read the error message from the HTTP reason phrase (``500 VM 100 already
running``); proxmoxer ignores the body. uvicorn always writes the standard phrase, so the
emulator swaps uvicorn's phrase table for one that consults a context variable set by
``PveResponse`` just around its own ``http.response.start``. The emulator runs in its own process
(one per emulator), so patching uvicorn there touches nothing else.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import re
import urllib.parse
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from lab.emulator.proxmox.values import ParamError

__all__ = ["ApiError", "PveResponse", "error_response", "ok", "read_params", "validate"]

_REASON: contextvars.ContextVar[str | None] = contextvars.ContextVar("pve_reason", default=None)


class _ReasonPhrases(dict):  # type: ignore[type-arg]
    """uvicorn's STATUS_PHRASES, answering the current response's custom phrase when one is set."""

    def __getitem__(self, status: int) -> bytes:
        custom = _REASON.get()
        if custom is not None:
            return custom.encode("latin-1", "replace")
        return dict.__getitem__(self, status)  # type: ignore[no-any-return]


def install_reason_phrases() -> None:
    """Let responses carry PVE's own reason phrase (idempotent)."""
    from uvicorn.protocols.http import h11_impl

    if not isinstance(h11_impl.STATUS_PHRASES, _ReasonPhrases):
        h11_impl.STATUS_PHRASES = _ReasonPhrases(h11_impl.STATUS_PHRASES)


class PveResponse(Response):
    """A JSON response as pve-http-server sends it, optionally with a custom reason phrase."""

    media_type = "application/json;charset=UTF-8"

    def __init__(self, body: Any, status_code: int = 200, reason: str | None = None, delay: float = 0.0,
                 raw: bytes | None = None) -> None:
        content = raw if raw is not None else json.dumps(body, separators=(",", ":")).encode()
        super().__init__(content, status_code=status_code, headers={"Server": "pve-api-daemon/3.0"})
        self.reason = reason
        self.delay = delay

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.delay:
            await asyncio.sleep(self.delay)
        token = _REASON.set(self.reason)
        try:
            await super().__call__(scope, receive, send)
        finally:
            _REASON.reset(token)


class ApiError(Exception):
    """An error answered as PVE does: code, first message line as reason, optional ``errors``."""

    def __init__(self, status: int, message: str, errors: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = dict(errors) if errors else None

    @classmethod
    def params(cls, errors: Mapping[str, str]) -> ApiError:
        """400 "Parameter verification failed." with per-parameter messages."""
        return cls(400, "Parameter verification failed.", errors)


def ok(data: Any, **extra: Any) -> PveResponse:
    """``{"data": ...}`` plus top-level extras such as ``total``."""
    return PveResponse({"data": data, **extra})


def error_response(error: ApiError) -> PveResponse:
    """The error body (``data: null``, ``errors``, ``message``) with the message as reason phrase."""
    first_line = error.message.split("\n", 1)[0].strip()
    body: dict[str, Any] = {"data": None, "message": error.message}
    if error.errors:
        body["errors"] = error.errors
    return PveResponse(body, status_code=error.status, reason=first_line)


async def read_params(request: Request, path_params: Mapping[str, str]) -> dict[str, Any]:
    """Request parameters merged as pve-http-server merges them.

    POST/PUT: form or JSON body, query string over it. GET/DELETE: query string only, a body is
    refused with 501. Path parameters are merged last; a conflicting duplicate is a 400.
    """
    method = request.method
    body = await request.body()
    params: dict[str, Any] = {}
    if method in ("GET", "DELETE", "HEAD"):
        if body:
            raise ApiError(501, "Unexpected content for method '" + method + "'")
    elif body:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("application/json"):
            try:
                decoded = json.loads(body)
            except ValueError:
                raise ApiError(400, "malformed JSON body") from None
            if not isinstance(decoded, dict):
                raise ApiError(400, "malformed JSON body")
            params.update({key: _json_scalar(value) for key, value in decoded.items()})
        else:
            params.update(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
    params.update(request.query_params.items())
    for name, value in path_params.items():
        if name in params and str(params[name]) != str(value):
            raise ApiError(400, "duplicate parameter (already defined in URI) with conflicting values!")
        params[name] = str(value)
    return params


def _json_scalar(value: Any) -> Any:
    # JSON bodies may carry real booleans; keep them so the boolean check can accept them.
    if isinstance(value, bool) or value is None:
        return value
    return str(value) if isinstance(value, int | float) else value


# Parameter schemas ------------------------------------------------------------------------------
# A schema maps a parameter name (or a regex for indexed keys such as net\d+) to a type name.
VMID_RE = re.compile(r"^[1-9][0-9]{2,8}$")


def _check(name: str, kind: str, value: Any) -> Any:
    if kind == "boolean":
        if value is True or value is False:
            return int(value)
        if str(value) in ("0", "1"):
            return int(value)
        raise ParamError(name, f"type check ('boolean') failed - got '{value}'")
    text = str(value)
    if kind == "integer":
        if not re.fullmatch(r"-?\d+", text):
            raise ParamError(name, f"type check ('integer') failed - got '{text}'")
        return int(text)
    if kind == "vmid":
        if not re.fullmatch(r"-?\d+", text):
            raise ParamError(name, f"type check ('integer') failed - got '{text}'")
        if not VMID_RE.match(text):
            raise ParamError(name, "value does not look like a valid VM ID")
        return int(text)
    if kind == "number":
        try:
            return float(text)
        except ValueError:
            raise ParamError(name, f"type check ('number') failed - got '{text}'") from None
    if kind.startswith("enum:"):
        choices = kind[5:].split("|")
        if text not in choices:
            raise ParamError(name, f"value '{text}' does not have a value in the enumeration '{', '.join(choices)}'")
    return text


def validate(params: Mapping[str, Any], schema: Mapping[str, str], required: tuple[str, ...] = ()) -> dict[str, Any]:
    """Check ``params`` against ``schema`` like JSONSchema.pm; raise one 400 naming every bad one.

    Schema keys starting with ``^`` are regexes for indexed keys (``^net\\d+$``).
    """
    errors: dict[str, str] = {}
    checked: dict[str, Any] = {}
    patterns = [(re.compile(key), kind) for key, kind in schema.items() if key.startswith("^")]
    for name, value in params.items():
        kind = schema.get(name)
        if kind is None:
            kind = next((k for pattern, k in patterns if pattern.match(name)), None)
        if kind is None:
            errors[name] = "property is not defined in schema and the schema does not allow additional properties"
            continue
        try:
            checked[name] = _check(name, kind, value)
        except ParamError as exc:
            errors[exc.name] = exc.message
    for name in required:
        if name not in params:
            errors[name] = "property is missing and it is not optional"
    if errors:
        raise ApiError.params(errors)
    return checked
