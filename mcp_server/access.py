"""Who may do what: bearer tokens with scopes for the HTTP transport, and the check every tool makes.

The tokens file (``--tokens FILE`` or ``$IAC_MCP_TOKENS``) has one token per line, ``#`` comments allowed::

    # principal     scopes            token
    claude-desktop  read,plan,apply   4f0c8a3e9b1d47c2a6e5f8d0b3c7a9e1
    dashboard       read              b2d94c1e7a3f40c8959e1d6a2f7b8c30

Scopes build on each other: ``plan`` includes ``read``, ``apply`` includes both. The file must be
readable by its owner alone (mode 0600), and tokens must be at least 16 characters. Over stdio nobody
presents a token: the caller is the local user who started the server, like the CLI.
"""

from __future__ import annotations

import getpass
import hmac
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import AccessToken

from planner.errors import IacError

__all__ = ["SCOPES", "TOKENS_ENV", "Grant", "TokenFile", "caller", "load_tokens"]

TOKENS_ENV = "IAC_MCP_TOKENS"
SCOPES = ("read", "plan", "apply")
_MIN_TOKEN_LENGTH = 16


@dataclass(frozen=True)
class Grant:
    """A caller and the scopes it holds."""

    principal: str
    scopes: frozenset[str]

    def require(self, scope: str, tool: str) -> None:
        """Refuse the call (a tool error) unless the caller holds ``scope``."""
        if scope not in self.scopes:
            held = ", ".join(s for s in SCOPES if s in self.scopes) or "none"
            raise IacError(
                f"{tool}: refused, the token of {self.principal!r} has scopes {held} and {tool} needs "
                f"`{scope}`; ask for a token with the `{scope}` scope"
            )


def _expand(scopes: set[str]) -> frozenset[str]:
    if "apply" in scopes:
        scopes |= {"plan", "read"}
    if "plan" in scopes:
        scopes.add("read")
    return frozenset(scopes)


def caller() -> Grant:
    """The grant of the current request: its bearer token's over HTTP, the local user's otherwise."""
    token = get_access_token()
    if token is None:
        return Grant(f"local:{getpass.getuser()}", frozenset(SCOPES))
    return Grant(token.client_id, frozenset(token.scopes))


class TokenFile:
    """A ``TokenVerifier`` over the tokens of one file."""

    def __init__(self, grants: dict[str, Grant]) -> None:
        self._grants = grants

    def __len__(self) -> int:
        return len(self._grants)

    async def verify_token(self, token: str) -> AccessToken | None:
        for known, grant in self._grants.items():
            if hmac.compare_digest(known.encode(), token.encode()):
                return AccessToken(token=token, client_id=grant.principal, scopes=sorted(grant.scopes))
        return None


def load_tokens(path: Path | None = None) -> TokenFile:
    """Read the tokens file (``path``, else ``$IAC_MCP_TOKENS``); every problem is one ``IacError`` line."""
    raw = str(path) if path is not None else os.environ.get(TOKENS_ENV)
    if not raw:
        raise IacError(
            f"--http needs bearer tokens: pass --tokens FILE or set {TOKENS_ENV} to a 0600 file of lines "
            "`principal scopes token` (scopes from read,plan,apply)"
        )
    file = Path(raw).expanduser()
    try:
        mode = file.stat().st_mode
        text = file.read_text(encoding="utf-8")
    except OSError as err:
        raise IacError(f"tokens file {file}: cannot read it ({err.strerror})") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise IacError(f"tokens file {file}: others can read it (mode {stat.S_IMODE(mode):04o}); chmod 600 {file}")
    grants: dict[str, Grant] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        where = f"tokens file {file}, line {number}"
        if len(fields) != 3:
            raise IacError(f"{where}: expected `principal scopes token`, got {len(fields)} fields")
        principal, scope_text, token = fields
        scopes = {s for s in scope_text.split(",") if s}
        unknown = sorted(scopes - set(SCOPES))
        if unknown or not scopes:
            raise IacError(f"{where}: scopes: {unknown[0] if unknown else scope_text!r} is not one of "
                           f"{', '.join(SCOPES)}")
        if len(token) < _MIN_TOKEN_LENGTH:
            raise IacError(f"{where}: token: shorter than {_MIN_TOKEN_LENGTH} characters; "
                           "generate one with `python -c 'import secrets; print(secrets.token_hex(16))'`")
        if token in grants:
            raise IacError(f"{where}: token: the same token is already given to {grants[token].principal!r}")
        grants[token] = Grant(principal, _expand(scopes))
    if not grants:
        raise IacError(f"tokens file {file}: holds no tokens; add lines `principal scopes token`")
    return TokenFile(grants)
