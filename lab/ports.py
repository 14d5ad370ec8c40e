"""Loopback ports for what the lab runs: whether one is free, a free one, keeping a recorded one.

Services keep their ports across restarts (the inventory and the DNS forwarders name them), so a
recorded port is taken again unless something else holds it meanwhile.
"""

from __future__ import annotations

import socket

from lab.errors import LabError

__all__ = ["free_port", "kept_port", "port_free"]


def port_free(port: int, udp: bool = False) -> bool:
    """True when 127.0.0.1:port can be bound (TCP, and UDP too when ``udp``)."""
    kinds = (socket.SOCK_STREAM, socket.SOCK_DGRAM) if udp else (socket.SOCK_STREAM,)
    for kind in kinds:
        with socket.socket(socket.AF_INET, kind) as probe:
            # Same option as uvicorn and socketserver, so a port in TIME_WAIT from our last run counts as free.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def free_port(udp: bool = False) -> int:
    """A currently free loopback port (TCP, and UDP too when ``udp``)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port_free(port, udp):
            return port
    raise LabError("no free loopback port")


def kept_port(recorded: object, running: bool = False, udp: bool = False) -> int:
    """The ``recorded`` port while its process still runs or the port is free, else a free one."""
    if isinstance(recorded, int) and recorded > 0 and (running or port_free(recorded, udp)):
        return recorded
    return free_port(udp)
