"""Errors a user can act on.

Every error that reaches the CLI or the MCP server is an ``IacError``: one line that says what is wrong
and what to do. Anything else is a bug and is reported as such, still without a traceback.

An error carries its parts as data, not as one adapter's sentence: the ``message`` (what is wrong), where
(``source``, a file or "sentence"; ``field``, the field path in it or the request ``Argument`` at fault) and
a ``Remedy`` (what to do: a ``Fix`` and what it applies to). Each adapter words the parts its own way
through a ``Wording``: the CLI says ``--allow host-capacity`` and ``iac intents show container``, the MCP
server ``allow: ['host-capacity']`` and ``describe_intent_kind``; ``str(err)`` is the core's plain words.

An error that quotes what the user gave quotes it through ``shown``, so a 5,000-character name comes back
as its first 80 characters and its length, not as a 5,000-character line.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from enum import StrEnum
from typing import assert_never

__all__ = [
    "ECHO_LIMIT",
    "PLAIN",
    "Argument",
    "ConflictError",
    "EndpointError",
    "ExecutionError",
    "Fix",
    "IacError",
    "IntentError",
    "LockConflict",
    "PolicyError",
    "Remedy",
    "StateError",
    "Wording",
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


class Fix(StrEnum):
    """The kinds of remedy an error offers; what each applies to is the remedy's ``argument``."""

    ALLOW_RULE = "allow_rule"  # waive policy rule ARGUMENT for this plan
    ALLOW_DATA_LOSS = "allow_data_loss"  # plan the restore again, letting what holds data be removed
    SHOW_FIELDS = "show_fields"  # compare with the fields of intent kind ARGUMENT
    LIST_KINDS = "list_kinds"  # look at the intent kinds and an example
    WRITE_INTENT = "write_intent"  # rephrase a sentence, or state the intent itself (of kind ARGUMENT, if known)
    LIST_DEPLOYMENTS = "list_deployments"  # look at the recorded deployments and their ids
    LIST_RESOURCES = "list_resources"  # look at the resources homelab-iac manages
    LIST_STACKS = "list_stacks"  # look at the deployed stacks
    WAIT_OR_ROLL_BACK = "wait_or_roll_back"  # wait for deployment ARGUMENT, or roll it back if it crashed


@dataclass(frozen=True)
class Remedy:
    """What the user can do about an error, as data: a ``Fix`` and what it applies to (a rule, an intent kind,
    a deployment id); ``Wording.remedy`` puts it in words."""

    fix: Fix
    argument: str = ""


@dataclass(frozen=True)
class Argument:
    """A request's argument named as the service names it (``allow``, ``at``, ``deployment_id``, ``out``), with
    the value given: the ``field`` of an error about a request rather than an intent. ``Wording.argument``
    names it (``--allow X`` on the command line, ``allow: X`` for a tool)."""

    name: str
    value: str | None = None


class Wording:
    """How an error's parts become words. This base is the core's plain wording, ``str(err)``; the CLI and the
    MCP server subclass it to name their own flags, commands and tools."""

    def argument(self, name: str, value: str | None) -> str:
        """An argument as this adapter's caller gives it; ``value`` is already cut to an echo's length."""
        return name if value is None else f"{name} {value}"

    def remedy(self, remedy: Remedy) -> str:
        """A remedy as something this adapter's caller can do."""
        argument = remedy.argument
        match remedy.fix:
            case Fix.ALLOW_RULE:
                return f"waive rule {argument} for this plan"
            case Fix.ALLOW_DATA_LOSS:
                return "plan it again allowing data loss, if that is what you want"
            case Fix.SHOW_FIELDS:
                return f"check the spelling against the fields of {argument or 'the kind'}"
            case Fix.LIST_KINDS:
                return "the intent catalog lists the kinds, each with an example"
            case Fix.WRITE_INTENT:
                return f"rephrase, or write the {argument or 'intent'} intent itself"
            case Fix.LIST_DEPLOYMENTS:
                return "the recorded deployments are listed with their ids"
            case Fix.LIST_RESOURCES:
                return "the managed resources are listed with their addresses"
            case Fix.LIST_STACKS:
                return "the deployed stacks are listed by name"
            case Fix.WAIT_OR_ROLL_BACK:
                return f"wait for it or, if it crashed, roll back deployment {argument}"
        assert_never(remedy.fix)


#: The core's own words (``str(err)``).
PLAIN = Wording()


class IacError(Exception):
    """Base of every user-facing error: what is wrong (``message``), where (``source``, ``field``) and what to do
    (``remedy``). ``text(wording)`` is the one line an adapter shows, ``str(err)`` that line in plain words."""

    def __init__(
        self, message: str, *, source: str | None = None, field: str | Argument | None = None,
        remedy: Remedy | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.field = field
        self.remedy = remedy

    def text(self, wording: Wording = PLAIN) -> str:
        """``source: field: message; remedy``, the parts there are, in ``wording``'s words."""
        where = self.field
        if isinstance(where, Argument):
            where = wording.argument(where.name, None if where.value is None else shorten(where.value))
        line = ": ".join(part for part in (self.source, where, self.message) if part)
        return line if self.remedy is None else f"{line}; {wording.remedy(self.remedy)}"

    def __str__(self) -> str:
        return self.text()


class IntentError(IacError):
    """An intent file or intent that cannot be accepted; the message names the field path."""


class ConflictError(IacError):
    """Resources that cannot coexist (two specs for one address, a dependency cycle, a missing reference)."""


class PolicyError(IacError):
    """A plan that breaks a policy rule (and no waiver allows it), or a policy file or ``allow`` that cannot be
    accepted; the message names the rule and the change that broke it."""


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
        super().__init__(f"deployment {short} ({holder}) is changing {', '.join(self.addresses)}",
                         remedy=Remedy(Fix.WAIT_OR_ROLL_BACK, short))
