"""Errors a user can act on.

Every error that reaches the CLI or the MCP server is an ``IacError``: one line that says what is wrong
and what to do. Anything else is a bug and is reported as such, still without a traceback.

An error that quotes what the user gave quotes it through ``shown``, so a 5,000-character name comes back
as its first 80 characters and its length, not as a 5,000-character line.
"""

from __future__ import annotations

import sys

__all__ = [
    "ECHO_LIMIT",
    "ConflictError",
    "EndpointError",
    "ExecutionError",
    "IacError",
    "IntentError",
    "LockConflict",
    "PolicyError",
    "StateError",
    "shorten",
    "shown",
]

#: How much of a value an error quotes before cutting it.
ECHO_LIMIT = 80


def shorten(text: str, limit: int = ECHO_LIMIT) -> str:
    """``text`` as an error echoes it: whole up to ``limit`` characters, else its start, "…" and its length."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text)} characters)"


def shown(value: object) -> str:
    """A value the user gave, as an error quotes it: its ``repr``, cut after ``ECHO_LIMIT`` characters (a number
    after as many digits), so the error stays a line to read however long the value."""
    if isinstance(value, str):
        return repr(value) if len(value) <= ECHO_LIMIT else f"{value[:ECHO_LIMIT]!r}… ({len(value)} characters)"
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            digits = str(value)
        except ValueError:  # more digits than Python turns into text (sys.set_int_max_str_digits)
            return f"a number of more than {sys.get_int_max_str_digits()} digits"
        return digits if len(digits) <= ECHO_LIMIT else f"{digits[:ECHO_LIMIT]}… ({len(digits)} digits)"
    return shorten(repr(value))


class IacError(Exception):
    """Base of every user-facing error: ``str(err)`` is the one line the user sees."""


class IntentError(IacError):
    """An intent file or intent that cannot be accepted; the message names the field path."""


class ConflictError(IacError):
    """Resources that cannot coexist (two specs for one address, a dependency cycle, a missing reference)."""


class PolicyError(IacError):
    """A plan that breaks a policy rule (and no ``--allow RULE`` waives it), or a policy file or ``--allow``
    that cannot be accepted; the message names the rule and the change that broke it."""


class EndpointError(IacError):
    """An endpoint (Docker engine, API) that is unreachable or refuses what the plan needs."""


class ExecutionError(IacError):
    """A run of the rendered project that could not start or did not finish."""


class StateError(IacError):
    """The state database is unreachable or holds something unexpected."""


class LockConflict(StateError):
    """Another deployment, still alive, holds a lock on a resource this one wants to change.

    ``holder_deployment_id`` and ``holder`` (``host:pid``) name who holds it; ``addresses`` are the
    wanted addresses it holds.
    """

    def __init__(self, holder_deployment_id: str, holder: str, addresses: list[str]) -> None:
        self.holder_deployment_id = holder_deployment_id
        self.holder = holder
        self.addresses = list(addresses)
        short = holder_deployment_id[:8]
        super().__init__(
            f"deployment {short} ({holder}) is changing {', '.join(self.addresses)}; "
            f"wait for it (--wait) or, if it crashed, `iac rollback {short}`"
        )
