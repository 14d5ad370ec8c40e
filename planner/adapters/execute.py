"""The executor port: run a rendered project and stream its events.

``AnsibleRunnerExecutor`` drives ansible-runner with one private data dir per run (shared dirs race, see
ansible/ansible-runner#808) and hands every event to the caller as it happens. ``ScriptedExecutor`` is
the in-memory fake for unit tests: it replays events a test scripts.
"""

from __future__ import annotations

import json
import os
import re
import sys
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from planner.adapters.env_relay import PROMPT
from planner.errors import ExecutionError
from planner.paths import volume_archives

__all__ = ["VOLUME_ARCHIVE_ENV", "AnsibleRunnerExecutor", "EventHandler", "Executor", "RunResult", "ScriptedExecutor",
           "run_environment"]

EventHandler = Callable[[dict[str, Any]], None]
# homelab.iac.docker_volume's archive_dir falls back to it: where a removed volume's tar is written first.
VOLUME_ARCHIVE_ENV = "IAC_VOLUME_ARCHIVE_DIR"


@dataclass(frozen=True)
class RunResult:
    """How a run ended: ``successful``, ``failed``, ``canceled`` or ``timeout``, with ansible's rc."""

    status: str
    rc: int
    stats: dict[str, Any] = field(default_factory=dict)
    detail: str = ""  # for a run that failed outside any task: ansible's own last words

    @property
    def ok(self) -> bool:
        return self.status == "successful"


class Executor(Protocol):
    def run(
        self, project: Path, *, on_event: EventHandler, check: bool = False, env: Mapping[str, str] | None = None
    ) -> RunResult:
        """Run ``project/site.yml`` against ``project/inventory``; call ``on_event`` for every runner event.

        ``env`` adds environment variables for the run only (credentials the modules fall back to).
        """


def run_environment(project: Path, env: Mapping[str, str] | None, volume_archives: Path) -> dict[str, str]:
    """The environment of one run: this process's, the run's own ``env`` over it, and what every run gets.

    Every run gets ``IAC_VOLUME_ARCHIVE_DIR`` (``volume_archives``, unless this process or ``env`` sets it),
    so removing a Docker volume writes its archive there first.
    """
    return {VOLUME_ARCHIVE_ENV: str(volume_archives), **os.environ, **(env or {}),
            "ANSIBLE_CONFIG": str(project / "ansible.cfg"),
            "IAC_STATE_RECORDER": "off"}  # the state_recorder callback would record the run twice


class AnsibleRunnerExecutor:
    """Runs the project with ansible-runner in a fresh private data dir under ``runs_dir``.

    ``volume_archives`` is where removed Docker volumes are archived first; by default
    ``<IAC_HOME>/archives/volumes``.
    """

    def __init__(self, runs_dir: Path, *, timeout: int | None = None, volume_archives: Path | None = None) -> None:
        self.runs_dir = runs_dir
        self.timeout = timeout
        self.volume_archives = volume_archives

    def run(
        self, project: Path, *, on_event: EventHandler, check: bool = False, env: Mapping[str, str] | None = None
    ) -> RunResult:
        # imported here: ansible-runner is slow to import and only the executor needs it
        from ansible_runner import Runner, RunnerConfig
        from ansible_runner.utils import signal_handler

        private = self.runs_dir / uuid.uuid4().hex[:12]
        private.mkdir(parents=True, mode=0o700)
        cmdline = "--check --diff" if check else "--diff"

        def handle(event: dict[str, Any]) -> bool:
            on_event(event)
            return True

        # ansible-playbook lives beside this interpreter (the venv), which need not be on PATH; runner
        # looks it up in this process's PATH before it starts the run.
        bindir = str(Path(sys.executable).parent)
        if bindir not in os.environ.get("PATH", "").split(os.pathsep):
            os.environ["PATH"] = os.pathsep.join([bindir, os.environ.get("PATH", "")])
        archives = self.volume_archives or volume_archives()
        archives.mkdir(parents=True, exist_ok=True, mode=0o700)
        given = run_environment(project, env, archives)
        held = {name: value for name, value in given.items() if not _recordable(name)}
        try:
            config = RunnerConfig(
                private_data_dir=str(private),
                project_dir=str(project),
                playbook="site.yml",
                inventory=str(project / "inventory" / "hosts.yml"),
                envvars={name: value for name, value in given.items() if name not in held},
                cmdline=cmdline,
                quiet=True,
                timeout=self.timeout,
                passwords={re.escape(PROMPT): json.dumps(held)},
            )
            config.prepare()
            # Runner writes config.env to artifacts/<uuid>/command before the run starts (and it seeded it
            # with this process's whole environment): what is held back reaches ansible-playbook only
            # through env_relay's prompt, answered from memory.
            config.env = {name: value for name, value in config.env.items() if name not in held}
            config.command = [sys.executable, "-I", str(_RELAY), *config.command]
            runner = Runner(config, event_handler=handle, cancel_callback=signal_handler())
            runner.run()
        except Exception as err:  # ansible-runner raises plain exceptions for setup problems
            raise ExecutionError(f"could not start ansible-runner in {private}: {err}") from None
        status = str(runner.status)
        detail = "" if status == "successful" else _last_words(private)
        return RunResult(status=status, rc=int(runner.rc or 0), stats=dict(runner.stats or {}), detail=detail)


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_RELAY = Path(__file__).with_name("env_relay.py")
# What ansible-runner may record of a run's environment: its own and ansible's settings, locale and paths.
# Everything else (credentials exported or from iac_env_file, IAC_DATABASE_URL, ...) is held back.
_RECORDABLE_PREFIXES = ("ANSIBLE_", "RUNNER_", "AWX_", "LC_", "PYTHON")
_RECORDABLE_NAMES = frozenset({"PATH", "HOME", "LANG", "LANGUAGE", "PWD", "SHELL", "TERM", "USER", "LOGNAME", "TZ",
                               "TMPDIR", "VIRTUAL_ENV", VOLUME_ARCHIVE_ENV})
_SECRET_WORDS = ("PASS", "SECRET", "TOKEN", "KEY", "CREDENTIAL", "AUTH")


def _recordable(name: str) -> bool:
    """Whether an environment variable may be written to the run's artifacts (never one named like a secret)."""
    if any(word in name.upper() for word in _SECRET_WORDS):
        return False
    return name in _RECORDABLE_NAMES or name.startswith(_RECORDABLE_PREFIXES)


def _last_words(private: Path) -> str:
    """The line of ansible's output that says why a run failed (``ERROR! ...``), else its last line."""
    lines: list[str] = []
    for stdout in private.glob("artifacts/*/stdout"):
        text = _ANSI.sub("", stdout.read_text(errors="replace"))  # ansible colours its output
        lines += [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        if line.startswith("ERROR!") or "was not found" in line:
            return line[:500]
    return lines[-1][:500] if lines else ""


class ScriptedExecutor:
    """A fake executor: each run replays the next scripted events and ends with the scripted status.

    ``ScriptedExecutor(events, status).then(more_events)`` scripts two runs; the last script repeats. A
    check-mode run (drift, a plan's refresh) replays the scripts given with ``checking(events)`` instead, and
    without any finds nothing: it consumes no run's script, as a real check changes nothing.
    A scripted event may name a resource instead of a task (``event_data: {address: ..., res: {...}}``,
    ``res`` as the resource's single module would return it); the fake turns it into the event the
    rendered project's task for that resource would produce (a batch result where the resource is batched).
    """

    def __init__(self, events: Iterable[dict[str, Any]] = (), status: str = "successful") -> None:
        self.scripts: list[tuple[list[dict[str, Any]], str]] = [(list(events), status)]
        self.check_scripts: list[tuple[list[dict[str, Any]], str]] = []
        self.runs: list[tuple[Path, bool]] = []

    def then(self, events: Iterable[dict[str, Any]] = (), status: str = "successful") -> ScriptedExecutor:
        self.scripts.append((list(events), status))
        return self

    def checking(self, events: Iterable[dict[str, Any]] = (), status: str = "successful") -> ScriptedExecutor:
        """Script the next check-mode run."""
        self.check_scripts.append((list(events), status))
        return self

    def run(
        self, project: Path, *, on_event: EventHandler, check: bool = False, env: Mapping[str, str] | None = None
    ) -> RunResult:
        done = sum(1 for _, checked in self.runs if checked == check)
        scripts = self.check_scripts if check else self.scripts
        events, status = scripts[min(done, len(scripts) - 1)] if scripts else ([], "successful")
        self.runs.append((project, check))
        groups: dict[str, Any] | None = None
        for event in events:
            data = event.get("event_data") or {}
            if "address" in data:
                if groups is None:
                    groups = _groups_of(project)
                event = _as_task_event(event, groups)
            on_event(event)
        return RunResult(status=status, rc=0 if status == "successful" else 2)


def _groups_of(project: Path) -> dict[str, Any]:
    from planner.core.plan import Plan
    from planner.core.tasks import task_groups

    plan = Plan.model_validate_json((project / "plan.json").read_text())
    return {address: (group, index) for group in task_groups(plan) for index, address in enumerate(group.addresses)}


_NOT_FACTS = frozenset({"changed", "failed", "msg", "diff", "invocation", "action", "updated"})


def _as_task_event(event: dict[str, Any], groups: dict[str, Any]) -> dict[str, Any]:
    data = dict(event["event_data"])
    group, index = groups[data.pop("address")]
    res: dict[str, Any] = dict(data.get("res") or {})
    data.setdefault("host", group.endpoint)
    data["task"] = group.name
    if group.batched:
        facts = next((value for key, value in res.items() if key not in _NOT_FACTS and isinstance(value, dict)), {})
        item = {"index": index, "changed": bool(res.get("changed")), "facts": facts}
        if "action" in res:  # what the module decided (create, update, noop, ...), as a batch item says
            item["action"] = res["action"]
        if "diff" in res:
            item["diff"] = res["diff"]
        if event.get("event") == "runner_on_ok":
            data["res"] = {**res, "results": [item]}
        else:
            data["res"] = {"failed": True, "msg": res.get("msg", "failed"), "failed_index": index, "results": []}
    return {**event, "event_data": data}
