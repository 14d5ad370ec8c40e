"""Start a command with the environment the executor answers on the run's terminal, never on disk.

ansible-runner writes the environment of every run to ``artifacts/<uuid>/command`` before the run starts,
so whatever cleans that file up afterwards never happens to a process that is killed. The executor
therefore gives ansible-runner only variables that are safe to record, and starts ansible-playbook through
this script, which asks for the rest: it prints ``PROMPT`` on its pseudo-terminal, reads one JSON line
(ansible-runner answers it from ``passwords``, its channel for secrets, which it keeps in memory), puts
the variables into its environment and execs the command it was given.

Run by path (``python -I env_relay.py COMMAND...``), before anything else is imported: standard library only.
"""

from __future__ import annotations

import json
import os
import select
import sys
import termios
import tty

__all__ = ["PROMPT", "main"]

PROMPT = "homelab-iac: the run's environment?"
_WAIT_SECONDS = 60


def _read_line(fd: int) -> bytes:
    """Bytes from ``fd`` up to the first newline, or SystemExit after ``_WAIT_SECONDS`` of silence."""
    line = b""
    while b"\n" not in line:
        ready, _, _ = select.select([fd], [], [], _WAIT_SECONDS)
        if not ready:
            raise SystemExit(f"{PROMPT} no answer within {_WAIT_SECONDS} s; start runs through homelab-iac")
        chunk = os.read(fd, 65536)
        if not chunk:
            raise SystemExit(f"{PROMPT} the terminal closed before the answer")
        line += chunk
    return line.split(b"\n", 1)[0].rstrip(b"\r")


def main(argv: list[str]) -> None:
    """Ask for the environment, add it to this process's, then become ``argv[1:]``."""
    if len(argv) < 2:
        raise SystemExit("usage: env_relay.py COMMAND [ARG...]")
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd) if os.isatty(fd) else None
    if saved is not None:
        # Raw: the answer is not echoed, no line-length limit (a canonical line stops at 4095 bytes), and no
        # byte of it is taken for a control character.
        tty.setraw(fd)
    try:
        os.write(sys.stdout.fileno(), (PROMPT + "\r\n").encode())
        answer = json.loads(_read_line(fd))
    finally:
        if saved is not None:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)
    os.environ.update({str(name): str(value) for name, value in answer.items()})
    os.execvp(argv[1], argv[1:])


if __name__ == "__main__":
    main(sys.argv)
