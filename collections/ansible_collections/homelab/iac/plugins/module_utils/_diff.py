# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""One difference tracker for every module: the single source of ``changed`` and ``diff``.

Each module compares current and desired state property by property and records the result here.
``changed``, the planned action and ``diff.before``/``diff.after`` are all derived from the same
records, so they can never disagree, and secrets are masked in exactly one place.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SECRET_MASK = "********"
# Shown on the "after" side of a masked value that changes, so a diff still tells the reader that
# a secret moved without revealing either value.
SECRET_CHANGED_MASK = "******** (changed)"

Comparator = Callable[[Any, Any], bool]
_IMMUTABLE = (str, int, float, bool, type(None), bytes, frozenset)


def _snapshot(value: Any) -> Any:
    """A copy the caller cannot change afterwards; immutable values need none (most fields are)."""
    return value if isinstance(value, _IMMUTABLE) else copy.deepcopy(value)


def mask_secret(value: Any) -> Any:
    """Return ``value`` with every secret leaf replaced by the mask; dict keys stay readable."""
    if value is None:
        return None
    if isinstance(value, dict):
        return {key: SECRET_MASK for key in value}
    if isinstance(value, (list, tuple)):
        return [SECRET_MASK for _item in value]
    return SECRET_MASK


def _mask_pair(before: Any, after: Any) -> tuple[Any, Any]:
    """Mask both sides; keep dict keys so added/removed variables show, mark changed values."""
    if isinstance(before, dict) and isinstance(after, dict):
        masked_after = {}
        for key, value in after.items():
            changed = key in before and before[key] != value
            masked_after[key] = SECRET_CHANGED_MASK if changed else SECRET_MASK
        return mask_secret(before), masked_after
    masked_before = mask_secret(before)
    masked_after = mask_secret(after)
    if before is not None and after is not None and before != after:
        masked_after = SECRET_CHANGED_MASK
    return masked_before, masked_after


@dataclass(frozen=True)
class Difference:
    """One compared property whose current value differs from the desired one (already masked)."""

    name: str
    before: Any
    after: Any


@dataclass
class _Record:
    name: str
    before: Any
    after: Any
    secret: bool
    differs: bool


class DifferenceTracker:
    """Collects compared properties and renders ``changed`` and the masked diff from them."""

    def __init__(self) -> None:
        self._records: list[_Record] = []

    def add(
        self,
        name: str,
        before: Any,
        after: Any,
        secret: bool = False,
        equal: Comparator | None = None,
    ) -> bool:
        """Record property ``name``; return True when it differs. ``equal`` overrides ``==``."""
        differs = not (equal(before, after) if equal is not None else before == after)
        self._records.append(
            _Record(name, _snapshot(before), _snapshot(after), secret, differs)
        )
        return differs

    @property
    def has_differences(self) -> bool:
        """True when at least one recorded property differs."""
        return any(record.differs for record in self._records)

    def changed_names(self) -> list[str]:
        """Names of the differing properties, in the order they were recorded."""
        return [record.name for record in self._records if record.differs]

    def differences(self) -> list[Difference]:
        """The differing properties with secrets masked."""
        result = []
        for record in self._records:
            if record.differs:
                before, after = self._rendered(record)
                result.append(Difference(record.name, before, after))
        return result

    def diff(self, only_differences: bool = False) -> dict[str, dict[str, Any]]:
        """``{"before": {...}, "after": {...}}`` for Ansible's diff mode, secrets masked.

        All recorded properties are shown by default so the reader sees the whole resource;
        ``only_differences`` narrows it to what changes.
        """
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        for record in self._records:
            if only_differences and not record.differs:
                continue
            before[record.name], after[record.name] = self._rendered(record)
        return {"before": before, "after": after}

    @staticmethod
    def _rendered(record: _Record) -> tuple[Any, Any]:
        if record.secret:
            return _mask_pair(record.before, record.after)
        return record.before, record.after


def masked_view(view: dict[str, Any], secret_names: frozenset[str]) -> dict[str, Any]:
    """Copy of a whole resource view with its secret properties masked (create/delete diffs)."""
    return {
        name: mask_secret(value) if name in secret_names else _snapshot(value)
        for name, value in view.items()
    }
