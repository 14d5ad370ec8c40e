"""The core does no I/O: importing it (every module of it) loads none of the I/O libraries."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import planner.core

IO_LIBRARIES = ("sqlalchemy", "alembic", "yaml", "httpx", "docker", "ansible_runner", "jinja2", "psycopg")


def _loaded_after(statement: str) -> list[str]:
    probe = f"import sys, json; {statement}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    loaded = json.loads(out)
    return sorted({name.split(".")[0] for name in loaded} & set(IO_LIBRARIES))


def test_importing_every_module_of_the_core_loads_no_io_library() -> None:
    modules = [f"planner.core.{info.name}" for info in pkgutil.iter_modules(planner.core.__path__)]
    assert "planner.core.builder" in modules and "planner.core.kinds" in modules
    assert _loaded_after("; ".join(f"import {name}" for name in modules)) == []


def test_the_policy_rules_and_the_intents_load_no_io_library() -> None:
    assert _loaded_after("import planner.policy, planner.intents, planner.core.builder") == []


def test_the_service_loads_a_use_case_and_its_adapters_only_when_one_is_called() -> None:
    """``iac status`` reads the store: building the Service must not pull in rendering, ansible-runner or
    the intents (that cost every command about 0.2 s)."""
    loaded = _loaded_after("import planner.service; import sys; "
                           "assert not [m for m in sys.modules if m.startswith(('planner.service.planning', "
                           "'planner.service.deploying', 'planner.service.drift', 'planner.adapters', "
                           "'planner.intents'))], sorted(sys.modules)")  # fmt: skip
    assert loaded == []
