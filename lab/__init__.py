"""The lab: a whole homelab on loopback (real dockerd, HTTPS API emulators, a lab CA).

Public API::

    import lab
    status = lab.up()        # idempotent; writes credentials and the inventory
    status = lab.status()    # every service with url or socket, pid and health
    lab.down()               # stops exactly what the lab started, by pid

Paths follow ``lab.layout.lab_home()`` (``$IAC_HOME/lab``); the inventory goes to
``$IAC_INVENTORY`` or ``inventories/lab/hosts.yml``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lab.services import ServiceStatus
    from lab.supervisor import LabStatus, Supervisor, down, status, up

__all__ = ["LabStatus", "ServiceStatus", "Supervisor", "down", "status", "up"]

# Loaded on first use: ``iac --help`` and the emulator processes import lab submodules (lab.cli,
# lab.emulator) without paying for the supervisor's Docker SDK, httpx and cryptography.
_HOMES = {"ServiceStatus": "lab.services", "LabStatus": "lab.supervisor", "Supervisor": "lab.supervisor",
          "down": "lab.supervisor", "status": "lab.supervisor", "up": "lab.supervisor"}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'lab' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
