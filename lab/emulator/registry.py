"""Which emulators exist: a name → class registry the supervisor and ``python -m lab.emulator`` share.

A backend issue adds its emulator by writing the class and one line in ``BUILTIN_EMULATORS``
(``"opnsense": "lab.emulator.opnsense:OpnsenseEmulator"``); ``iac lab up`` then starts it. Entries
are import paths rather than classes so that listing the lab does not import every emulator.

Tests and tools may ``register`` more at run time. Each emulator runs in its own process, which
imports the class by its ``module:qualname`` path, so a registered class must be defined at module
level in an importable module.
"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lab.emulator.base import Emulator

__all__ = [
    "BUILTIN_EMULATORS",
    "emulator_class",
    "import_root",
    "load_target",
    "register",
    "registered_names",
    "target_of",
    "unregister",
]

#: Emulators started by ``iac lab up``: name → "module:Class". Product emulators arrive in later issues.
BUILTIN_EMULATORS: dict[str, str] = {
    "opnsense": "lab.emulator.opnsense:OpnsenseEmulator",
    "proxmox": "lab.emulator.proxmox:ProxmoxEmulator",
    "cloudflare": "lab.emulator.cloudflare:CloudflareEmulator",
}

_NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
_registry: dict[str, str] = dict(BUILTIN_EMULATORS)


def target_of(cls: type[Emulator]) -> str:
    """The ``module:qualname`` import path of an emulator class."""
    return f"{cls.__module__}:{cls.__qualname__}"


def register(name: str, emulator: type[Emulator] | str) -> None:
    """Add (or replace) an emulator under ``name``: a class, or its ``module:Class`` import path."""
    if not _NAME.match(name):
        raise ValueError(f"emulator name {name!r}: use lower-case letters, digits and dashes")
    if isinstance(emulator, str):
        target = emulator
    else:
        if "<locals>" in emulator.__qualname__ or emulator.__module__ == "__main__":
            raise ValueError(
                f"{emulator.__qualname__}: define emulator classes at module level of an importable"
                " module; each emulator runs in its own process and imports its class"
            )
        target = target_of(emulator)
    _registry[name] = target


def unregister(name: str) -> None:
    """Remove a run-time registration (restoring the built-in one if the name has one)."""
    if name in BUILTIN_EMULATORS:
        _registry[name] = BUILTIN_EMULATORS[name]
    else:
        _registry.pop(name, None)


def registered_names() -> list[str]:
    """Names of every emulator ``up()`` starts, sorted."""
    return sorted(_registry)


def registered_target(name: str) -> str:
    """The import path registered for ``name``."""
    try:
        return _registry[name]
    except KeyError:
        known = ", ".join(registered_names()) or "none"
        raise KeyError(f"unknown emulator {name!r} (registered: {known})") from None


def load_target(target: str) -> type[Emulator]:
    """Import a ``module:qualname`` path and check it names an Emulator subclass."""
    from lab.emulator.base import Emulator

    module_name, sep, qualname = target.partition(":")
    if not sep or not module_name or not qualname:
        raise ValueError(f"{target!r}: expected 'module:Class'")
    obj: object = importlib.import_module(module_name)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    if not (isinstance(obj, type) and issubclass(obj, Emulator)):
        raise TypeError(f"{target!r} is not an Emulator subclass")
    return obj


def emulator_class(name: str) -> type[Emulator]:
    """The class registered for ``name``, imported on demand."""
    return load_target(registered_target(name))


def import_root(target: str) -> Path | None:
    """The sys.path entry a child process needs to import ``target`` (None when not on disk).

    For ``tests.integration.lab.test_x:Echo`` loaded from ``/repo/tests/integration/lab/test_x.py``
    that is ``/repo``: the file's directory, up one level per dot in the module name.
    """
    module = sys.modules.get(target.partition(":")[0])
    file = getattr(module, "__file__", None)
    if not file:
        return None
    depth = target.partition(":")[0].count(".")
    path = Path(file).resolve().parent
    if Path(file).name == "__init__.py":
        depth -= 1
    for _ in range(depth):
        path = path.parent
    return path
