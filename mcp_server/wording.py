"""Errors in a language model's words: the tools it can call and their arguments, never the CLI's flags.

The planner's errors carry their remedy as data (``planner.errors.Remedy``); this is how the MCP server says
it. A remedy that needs the user's consent (a waiver, removing data) says so, since the model must ask first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import assert_never

from planner.errors import Fix, IacError, Remedy, Wording

__all__ = ["MODEL_WORDING", "ModelWording", "worded_as"]


class ModelWording(Wording):
    """Arguments as a tool takes them (``allow: X``) and remedies as tool calls (``describe_intent_kind``)."""

    def argument(self, name: str, value: str | None) -> str:
        return name if value is None else f"{name}: {value}"

    def remedy(self, remedy: Remedy) -> str:
        argument = remedy.argument
        of_kind = f" with kind {argument!r}" if argument else ""
        match remedy.fix:
            case Fix.ALLOW_RULE:
                return f"if the user accepts it, plan again with allow: {[argument]} (recorded in the plan as a waiver)"
            case Fix.ALLOW_DATA_LOSS:
                return "call it again with allow_data_loss: true, only if the user asked for it"
            case Fix.SHOW_FIELDS:
                return f"check the spelling (describe_intent_kind{of_kind} lists the fields)"
            case Fix.LIST_KINDS:
                return "list_intent_kinds lists the kinds and describe_intent_kind gives an example"
            case Fix.WRITE_INTENT:
                return f"rephrase, or pass an intent document as `intent` (describe_intent_kind{of_kind} shows one)"
            case Fix.LIST_DEPLOYMENTS:
                return "list_deployments lists them"
            case Fix.LIST_RESOURCES:
                return "list_resources lists what homelab-iac manages"
            case Fix.LIST_STACKS:
                return "the stacks tool lists them"
            case Fix.WAIT_OR_ROLL_BACK:
                return (f"apply again once it has finished or, if it crashed, call rollback with deployment_id "
                        f"{argument!r}")
        assert_never(remedy.fix)


MODEL_WORDING = ModelWording()


@contextmanager
def worded_as(error: Callable[[str], Exception]) -> Iterator[None]:
    """An ``IacError`` raised in the block goes on as ``error`` (the SDK's tool or resource error) with its one
    line in the model's words, without the planner's traceback."""
    try:
        yield
    except IacError as err:
        raise error(err.text(MODEL_WORDING)) from None
