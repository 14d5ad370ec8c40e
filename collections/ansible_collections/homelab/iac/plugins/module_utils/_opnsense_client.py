# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""The OPNsense backend's HTTP client: connection options, one session, the API's error shapes.

``OpnsenseApi`` is the single I/O boundary of the opnsense modules (``call``); everything above
it works on decoded JSON, so unit tests swap it for an in-memory fake. It knows the traps of
reference §1: an action-only POST must not carry a JSON content type (400 "Invalid JSON syntax"),
a refusal is an HTTP 500 with ``errorMessage``/``errorTitle``, and a validation failure hides
behind an HTTP 200 ``{"result": "failed", "validations": {...}}``.
"""

from __future__ import annotations

import json
import traceback
from typing import Any

from ansible.module_utils.basic import env_fallback

try:
    import requests
except ImportError:
    REQUESTS_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    REQUESTS_IMPORT_ERROR = None

DEFAULT_TIMEOUT_SECONDS = 30

# Kept in step with doc_fragments/_opnsense.py.
OPNSENSE_COMMON_ARGS: dict[str, dict[str, Any]] = {
    "api_url": {"type": "str", "fallback": (env_fallback, ["OPNSENSE_URL"])},
    "api_key": {"type": "str", "no_log": True, "fallback": (env_fallback, ["OPNSENSE_API_KEY"])},
    "api_secret": {"type": "str", "no_log": True, "fallback": (env_fallback, ["OPNSENSE_API_SECRET"])},
    "ca_cert": {"type": "path", "fallback": (env_fallback, ["OPNSENSE_CA_CERT"])},
    "validate_certs": {"type": "bool", "default": True, "fallback": (env_fallback, ["OPNSENSE_VALIDATE_CERTS"])},
    "timeout": {"type": "int", "default": DEFAULT_TIMEOUT_SECONDS, "fallback": (env_fallback, ["OPNSENSE_TIMEOUT"])},
}


class OpnsenseError(Exception):
    """A failed API call, worded for the user (status, the API's own message).

    ``status`` is the HTTP status of a refused request, None for failures without one.
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class OpnsenseValidationError(OpnsenseError):
    """``{"result": "failed", "validations": {...}}``: the fields the API rejected and why."""

    def __init__(self, what: str, validations: dict[str, Any]) -> None:
        self.validations = {key: value if isinstance(value, list) else [value] for key, value in validations.items()}
        detail = "; ".join(f"{key}: {' / '.join(map(str, texts))}" for key, texts in self.validations.items())
        super().__init__(f"{what} rejected by OPNsense: {detail or 'no validation details given'}")


def describe_failure(status: int, body: Any, path: str) -> str:
    """One line for an HTTP error, using the body shapes of reference §1.2."""
    if isinstance(body, dict):
        if "errorMessage" in body:
            title = f"{body['errorTitle']}: " if body.get("errorTitle") else ""
            hint = " (is the plugin installed and the release new enough?)" if status == 404 else ""
            return f"OPNsense refused {path} (HTTP {status}): {title}{body['errorMessage']}{hint}"
        if "message" in body:
            return f"OPNsense refused {path} (HTTP {status}): {body['message']}"
    if status == 401:
        return f"OPNsense refused {path} (HTTP 401): check api_key and api_secret"
    return f"OPNsense refused {path} (HTTP {status})"


class OpnsenseApi:
    """One HTTP session to ``<api_url>/api``; counts reads and writes for the idempotency proofs."""

    def __init__(
        self,
        api_url: str,
        api_key: str,
        api_secret: str,
        ca_cert: str | None = None,
        validate_certs: bool = True,
        timeout: int = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        if REQUESTS_IMPORT_ERROR is not None:
            raise OpnsenseError("the Python library requests is required by the homelab.iac opnsense modules")
        self.base = api_url.rstrip("/") + "/api/"
        self.timeout = timeout
        self.session = requests.Session()
        self.session.auth = (api_key, api_secret)
        # Passed with every request: requests lets REQUESTS_CA_BUNDLE override a session-level verify.
        self.verify: bool | str = (ca_cert or True) if validate_certs else False
        self.reads = 0
        self.writes = 0

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Send one request and return the decoded JSON (or text for downloads)."""
        if method == "GET":
            self.reads += 1
        else:
            self.writes += 1
        kwargs: dict[str, Any] = {"timeout": self.timeout, "verify": self.verify}
        if body is not None:
            kwargs["json"] = body  # sets the JSON content type only when there is a body
        try:
            response = self.session.request(method, self.base + path, **kwargs)
        except requests.RequestException as exc:
            raise OpnsenseError(f"cannot reach OPNsense at {self.base}: {exc}") from None
        try:
            decoded: Any = response.json()
        except ValueError:
            decoded = response.text
        if response.status_code != 200:
            raise OpnsenseError(describe_failure(response.status_code, decoded, path), response.status_code)
        return decoded

    def get(self, path: str) -> Any:
        return self.call("GET", path)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.call("POST", path, body)

    def download(self, path: str) -> str:
        """A raw text download (config.xml)."""
        self.reads += 1
        try:
            response = self.session.get(self.base + path, timeout=self.timeout, verify=self.verify)
        except requests.RequestException as exc:
            raise OpnsenseError(f"cannot reach OPNsense at {self.base}: {exc}") from None
        if response.status_code != 200:
            try:
                body: Any = response.json()
            except ValueError:
                body = None
            raise OpnsenseError(describe_failure(response.status_code, body, path), response.status_code)
        return response.text


def check_saved(what: str, answer: Any) -> dict[str, Any]:
    """Raise unless an add/set answer says ``saved``; return the answer."""
    if isinstance(answer, dict) and answer.get("result") == "saved":
        return answer
    if isinstance(answer, dict) and answer.get("validations"):
        raise OpnsenseValidationError(what, answer["validations"])
    raise OpnsenseError(f"{what}: unexpected answer from OPNsense: {json.dumps(answer)[:300]}")


def api_from_params(params: dict[str, Any]) -> OpnsenseApi:
    """Build the client from the shared connection options, naming what is missing."""
    missing = [
        f"{name} (or ${env})"
        for name, env in (
            ("api_url", "OPNSENSE_URL"),
            ("api_key", "OPNSENSE_API_KEY"),
            ("api_secret", "OPNSENSE_API_SECRET"),
        )
        if not params.get(name)
    ]
    if missing:
        raise OpnsenseError(f"missing connection options: {', '.join(missing)}")
    return OpnsenseApi(
        params["api_url"],
        params["api_key"],
        params["api_secret"],
        ca_cert=params.get("ca_cert"),
        validate_certs=params.get("validate_certs", True),
        timeout=params.get("timeout") or DEFAULT_TIMEOUT_SECONDS,
    )
