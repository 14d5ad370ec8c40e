"""Emulator of the Proxmox VE 8 API (``/api2/json``), faithful to shared/reference/proxmox-api.md.

Areas, one module each: ``http`` (envelope, reason phrases, parameter rules), ``values`` (what the
server rewrites), ``tasks`` (UPIDs), ``guests``/``qemu``/``lxc``/``snapshots`` (guests) and
``cluster`` (version, nodes, storage, tasks endpoints). ``emulator`` ties them to the lab framework.
"""

from lab.emulator.proxmox.emulator import ProxmoxEmulator, PveTokenAuth

__all__ = ["ProxmoxEmulator", "PveTokenAuth"]
