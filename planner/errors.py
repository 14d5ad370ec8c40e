"""Errors a user can act on.

Every error that reaches the CLI or the MCP server is an ``IacError``: one line that says what is wrong
and what to do. Anything else is a bug and is reported as such, still without a traceback.
"""

from __future__ import annotations

__all__ = [
    "ConflictError",
    "EndpointError",
    "ExecutionError",
    "IacError",
    "IntentError",
    "LockConflict",
    "PolicyError",
    "StateError",
]


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
