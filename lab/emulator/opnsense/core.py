"""The OPNsense API envelope: routing, request bodies, error bodies, config revisions and apply.

Everything here reproduces behaviour every OPNsense controller shares (reference §1): the router
accepts snake_case and camelCase commands case-insensitively and never enforces HTTP methods, a
JSON content type with an empty body is a 400, business-rule refusals are HTTP 500 with
``errorMessage``/``errorTitle``, and every successful write saves the config at once, with a
backup revision, while the running services only change on their area's apply call.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

__all__ = [
    "AREAS",
    "Appliance",
    "Call",
    "Handler",
    "InternalError",
    "Router",
    "UserError",
    "endpoint_not_found",
    "reconfigure",
]

#: Which config sections each apply/reconfigure call puts into service.
AREAS: dict[str, tuple[str, ...]] = {
    "vlans": ("vlans",),
    "interfaces": ("interfaces",),
    "aliases": ("aliases",),
    # ``filter reload`` loads the whole pf ruleset: filter rules and every NAT area (port forwards in ``nat``).
    "filter": ("filter", "nat"),
    "kea": ("kea",),
    "unbound": ("unbound",),
    "haproxy": ("haproxy",),
    "wireguard": ("wireguard",),
}

#: How many backups ``Config::cleanupBackups`` keeps (System → Configuration → History default).
BACKUP_COUNT = 60


class UserError(Exception):
    """A business-rule refusal (PHP UserException): HTTP 500 with errorMessage/errorTitle."""

    def __init__(self, message: str, title: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.title = title


class InternalError(Exception):
    """Any other exception: HTTP 500 "Unexpected error, check log for details"."""


def endpoint_not_found() -> JSONResponse:
    """The 24.7+ router's answer to an unknown path or missing path parameters."""
    return JSONResponse({"errorMessage": "Endpoint not found"}, status_code=404)


@dataclass
class Call:
    """One API request as an action sees it: positional path params and merged parameters."""

    method: str
    params: list[str]
    query: dict[str, str]
    body: dict[str, Any]

    @property
    def is_post(self) -> bool:
        return self.method == "POST"

    def arg(self, name: str, default: Any = None) -> Any:
        """A request parameter from the body first, then the query string (PHP $_REQUEST)."""
        if name in self.body:
            return self.body[name]
        return self.query.get(name, default)


Handler = Callable[["Appliance", Call], Any]


def reconfigure(area: str, key: str = "status") -> Handler:
    """A service's ``reconfigure`` action: on POST, put ``area`` into service and answer ``{key: "ok"}``.

    A GET answers ``{key: "failed"}`` and changes nothing; HAProxy says ``status``, WireGuard ``result``.
    """

    def action(app: Appliance, call: Call) -> dict[str, str]:
        if not call.is_post:
            return {key: "failed"}
        app.apply(area)
        return {key: "ok"}

    return action


@dataclass(frozen=True)
class _Action:
    handler: Handler
    nparams: int
    available: Callable[[tuple[int, int]], bool]


def _norm(word: str) -> str:
    # PHP method names are case-insensitive and the router turns snake_case into CamelCase.
    return word.replace("_", "").lower()


@dataclass
class Router:
    """``/api/<module>/<controller>/<command>/<params...>`` → action, as OPNsense's own router does."""

    actions: dict[tuple[str, str, str], _Action] = field(default_factory=dict)

    def add(
        self,
        module: str,
        controller: str,
        command: str,
        handler: Handler,
        nparams: int = 0,
        available: Callable[[tuple[int, int]], bool] = lambda series: True,
    ) -> None:
        """Register an action; ``nparams`` required path params; ``available(series)`` gates by version."""
        self.actions[(_norm(module), _norm(controller), _norm(command))] = _Action(handler, nparams, available)

    def resolve(self, path: str, series: tuple[int, int]) -> tuple[Handler, list[str]] | None:
        parts = [part for part in path.split("/") if part]
        if len(parts) < 3:
            return None
        action = self.actions.get((_norm(parts[0]), _norm(parts[1]), _norm(parts[2])))
        if action is None or not action.available(series):
            return None
        params = parts[3:]
        if len(params) < action.nparams:
            return None  # ParameterMismatchException → 404 since 24.7
        return action.handler, params


class Appliance:
    """The firewall behind the API: the saved config, what is running, and the backup history."""

    def __init__(self, state: dict[str, Any], directory: Path) -> None:
        self.state = state
        self.directory = directory

    @property
    def config(self) -> dict[str, Any]:
        return self.state["config"]

    @property
    def running(self) -> dict[str, Any]:
        return self.state["running"]

    @property
    def series(self) -> tuple[int, int]:
        major, minor = self.state["meta"]["series"].split(".")
        return int(major), int(minor)

    @property
    def backup_dir(self) -> Path:
        return self.directory / "backup"

    def save(self, description: str) -> str:
        """Config::save(): persist now and keep a backup revision. Returns the backup id."""
        revisions: list[dict[str, Any]] = self.state.setdefault("revisions", [])
        stamp = time.time()
        if revisions and stamp <= revisions[-1]["time"]:
            stamp = revisions[-1]["time"] + 0.0001  # two saves within the same 100 µs
        # PHP prints microtime(true) with 14 significant digits: 4 decimals today.
        backup_id = f"config-{stamp:.4f}.xml"
        self.backup_dir.mkdir(parents=True, exist_ok=True)
        (self.backup_dir / f"{backup_id}.json").write_text(json.dumps(self.config))
        revisions.append(
            {
                "time": stamp,
                "id": backup_id,
                "description": description,
                "username": "root@127.0.0.1",
            }
        )
        while len(revisions) > BACKUP_COUNT:
            old = revisions.pop(0)
            (self.backup_dir / f"{old['id']}.json").unlink(missing_ok=True)
        return backup_id

    def backup(self, backup_id: str) -> dict[str, Any] | None:
        """The config saved in one backup, or None when it does not exist (any more)."""
        known = {revision["id"] for revision in self.state.get("revisions", [])}
        path = self.backup_dir / f"{backup_id}.json"
        if backup_id not in known or not path.is_file():
            return None
        loaded: dict[str, Any] = json.loads(path.read_text())
        return loaded

    def apply(self, area: str) -> None:
        """Put an area's saved config into service (what reconfigure/apply does)."""
        for section in AREAS[area]:
            self.running[section] = copy.deepcopy(self.config.get(section))


async def parse_body(request: Request) -> dict[str, Any] | Response:
    """The JSON or form body as a dict, or the 400 OPNsense gives for an unparsable JSON body."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await request.body()
    if content_type == "application/json":
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            # An API client sending the JSON content type with an empty body hits this (§1.3).
            return JSONResponse({"status": 400, "message": "Invalid JSON syntax"}, status_code=400)
        return parsed
    if content_type == "application/x-www-form-urlencoded" and raw:
        form = await request.form()
        return {key: value for key, value in form.items() if isinstance(value, str)}
    return {}


def error_response(exc: Exception) -> JSONResponse:
    """HTTP 500 bodies of api.php for a UserException and for anything else."""
    if isinstance(exc, UserError):
        return JSONResponse({"errorMessage": exc.message, "errorTitle": exc.title}, status_code=500)
    return JSONResponse({"errorMessage": "Unexpected error, check log for details"}, status_code=500)
