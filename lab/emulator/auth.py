"""Authentication schemes an emulator declares, the way the real API authenticates.

An emulator picks one with a class attribute (``auth = BasicAuth()``) or overrides
``Emulator.authenticate`` for anything stranger (Proxmox tickets). A scheme knows two things: how to
generate credentials the first time the lab starts the emulator, and how to check a request against
them. Comparisons use ``hmac.compare_digest`` so the emulator does not leak secrets through timing,
which matters little on loopback but costs nothing and keeps the habit.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from abc import ABC, abstractmethod
from collections.abc import Mapping

from starlette.requests import HTTPConnection

__all__ = ["AuthScheme", "BasicAuth", "BearerTokenAuth", "HeaderTokenAuth", "NoAuth"]


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


class AuthScheme(ABC):
    """How an API authenticates its callers."""

    #: Short name recorded in the credentials file so a reader knows how to use the values.
    name: str = "custom"

    @abstractmethod
    def generate(self) -> dict[str, str]:
        """Fresh credentials, generated once at the emulator's first start."""

    @abstractmethod
    def check(self, request: HTTPConnection, credentials: Mapping[str, str]) -> bool:
        """True when ``request`` carries ``credentials``."""

    def challenge_headers(self) -> dict[str, str]:
        """Headers of a 401 response (e.g. ``WWW-Authenticate``)."""
        return {}


class BasicAuth(AuthScheme):
    """HTTP Basic with an API key as user name and a secret as password (OPNsense style)."""

    name = "basic"

    def __init__(self, key_field: str = "key", secret_field: str = "secret", realm: str = "lab") -> None:
        self.key_field = key_field
        self.secret_field = secret_field
        self.realm = realm

    def generate(self) -> dict[str, str]:
        return {self.key_field: secrets.token_urlsafe(30), self.secret_field: secrets.token_urlsafe(30)}

    def check(self, request: HTTPConnection, credentials: Mapping[str, str]) -> bool:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic" or not encoded:
            return False
        try:
            user, sep, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return (
            bool(sep) and _same(user, credentials[self.key_field]) and _same(password, credentials[self.secret_field])
        )

    def challenge_headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": f'Basic realm="{self.realm}"'}


class BearerTokenAuth(AuthScheme):
    """``Authorization: Bearer <token>`` (Cloudflare API tokens)."""

    name = "bearer"

    def __init__(self, field: str = "token") -> None:
        self.field = field

    def generate(self) -> dict[str, str]:
        return {self.field: secrets.token_urlsafe(30)}

    def check(self, request: HTTPConnection, credentials: Mapping[str, str]) -> bool:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and bool(token) and _same(token.strip(), credentials[self.field])

    def challenge_headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": "Bearer"}


class HeaderTokenAuth(AuthScheme):
    """A token in a custom header, e.g. ``X-Auth-Key``; ``prefix`` for forms like ``PVEAPIToken=``."""

    name = "header"

    def __init__(self, header: str, field: str = "token", prefix: str = "") -> None:
        self.header = header
        self.field = field
        self.prefix = prefix

    def generate(self) -> dict[str, str]:
        return {self.field: secrets.token_urlsafe(30)}

    def check(self, request: HTTPConnection, credentials: Mapping[str, str]) -> bool:
        value = request.headers.get(self.header, "")
        if not value.startswith(self.prefix):
            return False
        return _same(value[len(self.prefix) :], credentials[self.field])


class NoAuth(AuthScheme):
    """No authentication at all; only for APIs that really have none."""

    name = "none"

    def generate(self) -> dict[str, str]:
        return {}

    def check(self, request: HTTPConnection, credentials: Mapping[str, str]) -> bool:
        return True
