"""Small builders for the tasks the collection's integration playbooks are made of."""

from __future__ import annotations

import secrets
from typing import Any

IMAGE = "homelab/busybox:latest"
MANAGED_LABEL = "io.homelab-iac.managed"
# busybox as PID 1 ignores SIGTERM, so `docker stop` would wait its full timeout; this command
# serves /www on port 80 and exits promptly on SIGTERM.
WEB_COMMAND = ["sh", "-c", "trap 'exit 0' TERM; httpd -p 80 -h /www; while true; do sleep 1; done"]


def task(name: str, module: str, args: dict[str, Any], **keywords: Any) -> dict[str, Any]:
    """A task calling ``homelab.iac.<module>``."""
    return {"name": name, f"homelab.iac.{module}": args, **keywords}


def check(name: str, *conditions: str) -> dict[str, Any]:
    """An assert task."""
    return {"name": name, "ansible.builtin.assert": {"that": list(conditions), "quiet": True}}


def block(tasks: list[dict[str, Any]], cleanup: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tasks in a block whose ``always:`` cleans up."""
    return [{"name": "scenario", "block": tasks, "always": cleanup}]


def fetch(name: str, url: str, register: str) -> dict[str, Any]:
    """GET ``url`` until it answers 200 (a freshly started server needs a moment)."""
    return {"name": name, "ansible.builtin.uri": {"url": url, "return_content": True},
            "register": register, "retries": 20, "delay": 0.25, "until": f"{register}.status == 200"}


def subnet_base() -> str:
    """A random ``10.X.Y`` /24 base, so concurrent lab engines on this host do not share bridge subnets."""
    return f"10.{secrets.randbelow(200) + 20}.{secrets.randbelow(250) + 1}"
