"""The lab's one error: a ``LabError`` is an ``IacError``, so the CLI shows it as one line."""

from __future__ import annotations

from planner.errors import IacError

__all__ = ["LabError"]


class LabError(IacError):
    """The lab could not be started, stopped or inspected."""
