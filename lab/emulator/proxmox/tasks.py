"""Worker tasks: UPIDs that run for a short, realistic time and end ``OK`` or with the error text.

A fork-worker endpoint does its synchronous checks, reserves what it must (a placeholder config
with a ``lock``), and queues a task whose *operation* is stored as data (a name and arguments), so a
task survives an emulator restart with the state file. Due tasks are finished lazily, before any
API request is handled, so every client observes the same order as on a real server: the effect
of a task is visible exactly when its status turns ``stopped``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from lab.emulator.proxmox.http import ApiError

__all__ = ["TaskBook", "TaskFailed", "decode_upid"]

# Long enough that a client sees ``running`` at least once, short enough to keep tests fast.
DEFAULT_DURATION = 0.3
# Old finished tasks are dropped so the state file does not grow without bound.
KEEP_TASKS = 500


class TaskFailed(Exception):
    """Raised by a task operation: the task ends with ``TASK ERROR: <message>``."""


def encode_upid(node: str, pid: int, pstart: int, starttime: int, task_type: str, task_id: str, user: str) -> str:
    """``UPID:<node>:<pid>:<pstart>:<starttime>:<type>:<id>:<user>:`` (note the trailing colon)."""
    return f"UPID:{node}:{pid:08X}:{pstart:08X}:{starttime:08X}:{task_type}:{task_id}:{user}:"


def decode_upid(upid: str) -> dict[str, Any] | None:
    """The fields of a UPID, or None when it is malformed."""
    parts = upid.split(":")
    if len(parts) != 9 or parts[0] != "UPID" or parts[8] != "":
        return None
    try:
        pid, pstart, starttime = (int(part, 16) for part in parts[2:5])
    except ValueError:
        return None
    return {"node": parts[1], "pid": pid, "pstart": pstart, "starttime": starttime,
            "type": parts[5], "id": parts[6], "user": parts[7]}


class TaskBook:
    """The tasks kept in the emulator state under ``tasks`` (UPID -> record)."""

    def __init__(self, state: dict[str, Any], run_operation: Callable[[str, dict[str, Any]], list[str]]) -> None:
        self.state = state
        self.run_operation = run_operation
        state.setdefault("tasks", {})
        state.setdefault("task_counter", 0)

    @property
    def tasks(self) -> dict[str, dict[str, Any]]:
        return self.state["tasks"]  # type: ignore[no-any-return]

    def start(self, node: str, task_type: str, task_id: str, user: str, operation: str,
              args: dict[str, Any], log: list[str] | None = None, duration: float = DEFAULT_DURATION) -> str:
        """Queue a task and return its UPID."""
        self.state["task_counter"] += 1
        now = time.time()
        pid = (os.getpid() * 1000 + self.state["task_counter"]) & 0xFFFFFFF
        upid = encode_upid(node, pid, int(now * 100) & 0xFFFFFFF, int(now), task_type, task_id, user)
        self.tasks[upid] = {
            "upid": upid, "node": node, "pid": pid, "pstart": int(now * 100) & 0xFFFFFFF,
            "starttime": int(now), "type": task_type, "id": task_id, "user": user,
            "status": "running", "ends_at": now + duration, "operation": operation, "args": args,
            "log": list(log or []),
        }
        return upid

    def advance(self) -> bool:
        """Finish every due task in start order; True when any finished (the state changed)."""
        now = time.time()
        due = sorted((t for t in self.tasks.values() if t["status"] == "running" and t["ends_at"] <= now),
                     key=lambda t: t["ends_at"])
        for task in due:
            try:
                task["log"].extend(self.run_operation(task["operation"], task["args"]))
            except (TaskFailed, ApiError) as exc:
                message = exc.message if isinstance(exc, ApiError) else str(exc)
                task["log"].append(f"TASK ERROR: {message}")
                task["exitstatus"] = message
            else:
                task["log"].append("TASK OK")
                task["exitstatus"] = "OK"
            task["status"] = "stopped"
            task["endtime"] = int(now)
        if due and len(self.tasks) > KEEP_TASKS:
            finished = sorted((t for t in self.tasks.values() if t["status"] == "stopped"), key=lambda t: t["ends_at"])
            for task in finished[: len(self.tasks) - KEEP_TASKS]:
                del self.tasks[task["upid"]]
        return bool(due)

    def get(self, upid: str) -> dict[str, Any]:
        """The task record; 400 as PVE answers for malformed or unknown UPIDs."""
        if decode_upid(upid) is None:
            raise ApiError.params({"upid": "unable to parse worker upid"})
        task = self.tasks.get(upid)
        if task is None:
            raise ApiError.params({"upid": "no such task"})
        return task

    def status(self, upid: str) -> dict[str, Any]:
        """``GET /nodes/{node}/tasks/{upid}/status``."""
        task = self.get(upid)
        result = {key: task[key] for key in ("upid", "node", "pid", "pstart", "starttime", "type", "id", "status")}
        user, _, token = task["user"].partition("!")
        result["user"] = user
        if token:
            result["tokenid"] = token
        if task["status"] == "stopped":
            result["exitstatus"] = task["exitstatus"]
        return result

    def log(self, upid: str, start: int = 0, limit: int = 50) -> tuple[list[dict[str, Any]], int]:
        """``GET .../log``: ``[{n, t}]`` lines from ``start`` (0-based), at most ``limit``, and the total."""
        lines = self.get(upid)["log"]
        window = lines[start : start + limit] if limit > 0 else lines[start:]
        return [{"n": start + index + 1, "t": text} for index, text in enumerate(window)], len(lines)

    def listing(self, vmid: str | None = None) -> list[dict[str, Any]]:
        """``GET /nodes/{node}/tasks``: newest first."""
        items = [t for t in self.tasks.values() if vmid is None or t["id"] == vmid]
        items.sort(key=lambda t: t["ends_at"], reverse=True)
        return [{"upid": t["upid"], "node": t["node"], "type": t["type"], "id": t["id"], "user": t["user"],
                 "starttime": t["starttime"], "status": t.get("exitstatus", "running")} for t in items]
