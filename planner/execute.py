"""The executor port: run a rendered project and stream its events.

``AnsibleRunnerExecutor`` drives ansible-runner with one private data dir per run (shared dirs race, see
ansible/ansible-runner#808) and hands every event to the caller as it happens. ``ScriptedExecutor`` is
the in-memory fake for unit tests: it replays events a test scripts.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from planner.errors import ExecutionError

__all__ = ["AnsibleRunnerExecutor", "EventHandler", "Executor", "RunResult", "ScriptedExecutor"]

EventHandler = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class RunResult:
    """How a run ended: ``successful``, ``failed``, ``canceled`` or ``timeout``, with ansible's rc."""

    status: str
    rc: int
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "successful"


class Executor(Protocol):
    def run(self, project: Path, *, on_event: EventHandler, check: bool = False) -> RunResult:
        """Run ``project/site.yml`` against ``project/inventory``; call ``on_event`` for every runner event."""


class AnsibleRunnerExecutor:
    """Runs the project with ansible-runner in a fresh private data dir under ``runs_dir``."""

    def __init__(self, runs_dir: Path, *, timeout: int | None = None) -> None:
        self.runs_dir = runs_dir
        self.timeout = timeout

    def run(self, project: Path, *, on_event: EventHandler, check: bool = False) -> RunResult:
        import ansible_runner  # imported here: it is slow to import and only the executor needs it

        private = self.runs_dir / uuid.uuid4().hex[:12]
        private.mkdir(parents=True)
        cmdline = "--check --diff" if check else "--diff"

        def handle(event: dict[str, Any]) -> bool:
            on_event(event)
            return True

        try:
            runner = ansible_runner.run(
                private_data_dir=str(private),
                project_dir=str(project),
                playbook="site.yml",
                inventory=str(project / "inventory" / "hosts.yml"),
                envvars={"ANSIBLE_CONFIG": str(project / "ansible.cfg"), "PATH": os.environ.get("PATH", "")},
                cmdline=cmdline,
                event_handler=handle,
                quiet=True,
                timeout=self.timeout,
                suppress_env_files=True,
            )
        except Exception as err:  # ansible-runner raises plain exceptions for setup problems
            raise ExecutionError(f"could not start ansible-runner in {private}: {err}") from None
        return RunResult(status=str(runner.status), rc=int(runner.rc or 0), stats=dict(runner.stats or {}))


class ScriptedExecutor:
    """A fake executor: replays scripted events and ends with the scripted status."""

    def __init__(self, events: Iterable[dict[str, Any]] = (), status: str = "successful") -> None:
        self.events = list(events)
        self.status = status
        self.runs: list[tuple[Path, bool]] = []

    def run(self, project: Path, *, on_event: EventHandler, check: bool = False) -> RunResult:
        self.runs.append((project, check))
        for event in self.events:
            on_event(event)
        return RunResult(status=self.status, rc=0 if self.status == "successful" else 2)
