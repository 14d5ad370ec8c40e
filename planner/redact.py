"""Keep secrets out of what is stored and shown.

Module results carry ``invocation.module_args`` (every argument, secrets included unless the module marks
them ``no_log``) and runner events carry ``task_args``; neither is ever stored. Any key that names a secret
has its value replaced, at any depth.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["MASK", "is_secret_key", "scrub"]

MASK = "********"
_SECRET = re.compile(r"(pass(word|phrase)?|secret|token|api[_-]?key|private[_-]?key|credential|tsig)", re.I)
_DROPPED = frozenset({"invocation", "module_args", "task_args", "_ansible_no_log", "env"})


def is_secret_key(key: str) -> bool:
    return bool(_SECRET.search(key))


def scrub(value: Any) -> Any:
    """A copy of ``value`` with secret-named keys masked and argument echoes dropped."""
    if isinstance(value, dict):
        clean: dict[str, Any] = {}
        for key, item in value.items():
            name = str(key)
            if name in _DROPPED:
                continue
            clean[name] = MASK if is_secret_key(name) and item not in (None, "") else scrub(item)
        return clean
    if isinstance(value, list | tuple):
        return [scrub(item) for item in value]
    return value
