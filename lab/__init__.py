"""The lab: a whole homelab on loopback (real dockerd, HTTPS API emulators, a lab CA).

Public API::

    import lab
    status = lab.up()        # idempotent; writes credentials and the inventory
    status = lab.status()    # every service with url or socket, pid and health
    lab.down()               # stops exactly what the lab started, by pid

Paths follow ``lab.layout.lab_home()`` (``$IAC_HOME/lab``); the inventory goes to
``$IAC_INVENTORY`` or ``inventories/lab/hosts.yml``.
"""

from lab.services import ServiceStatus
from lab.supervisor import LabStatus, Supervisor, down, status, up

__all__ = ["LabStatus", "ServiceStatus", "Supervisor", "down", "status", "up"]
