"""Render a plan as a self-contained Ansible project: ``site.yml``, ``inventory/``, ``ansible.cfg``.

``site.yml`` holds one play per wave; each play targets the endpoints of that wave, sets connection
options once per backend through ``module_defaults: group/homelab.iac.<backend>``, and runs one task per
resource, named by the resource's address so results can be matched back to it. Values that look like
Jinja are written as ``!unsafe`` so Ansible never templates user data.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import yaml

from planner.inventory import EndpointInventory
from planner.paths import collections_path
from planner.plan import Change, Plan
from planner.secrets import is_secret_ref, render_secret

__all__ = ["CONNECTION_OPTIONS", "register_name", "render_project"]

# Module connection option -> inventory host var, per backend. Backends add theirs here.
CONNECTION_OPTIONS: dict[str, dict[str, str]] = {
    "docker": {"docker_host": "docker_host", "timeout": "docker_timeout"},
}

_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("planner", "templates"),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    autoescape=False,
)


class _Jinja(str):
    """An expression homelab-iac writes on purpose; every other string that looks like Jinja is ``!unsafe``."""


# libyaml's emitter when PyYAML has it (much faster on large plans); the same YAML either way.
if TYPE_CHECKING:
    _Base = yaml.SafeDumper
else:
    _Base = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_Base):
    """Block-style YAML whose user strings that look like Jinja are tagged ``!unsafe``."""

    def ignore_aliases(self, data: Any) -> bool:
        return True  # never anchors and aliases: a playbook is read by people


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if any(marker in value for marker in ("{{", "{%", "{#")):
        return dumper.represent_scalar("!unsafe", value)
    return dumper.represent_str(value)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_Jinja, lambda dumper, value: dumper.represent_str(str(value)))


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=120, allow_unicode=True)


def register_name(address: str) -> str:
    """The variable a task registers its result in: ``docker.network.hello-net`` → ``iac_docker_network_hello_net``."""
    return "iac_" + "".join(ch if ch.isalnum() else "_" for ch in address)


def _with_secrets(value: Any) -> Any:
    """Module arguments with every ``{secret: NAME}`` replaced by a lookup of NAME at run time."""
    if is_secret_ref(value):
        return _Jinja(render_secret(value["secret"]))
    if isinstance(value, dict):
        return {key: _with_secrets(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_with_secrets(item) for item in value]
    return value


def _task(change: Change) -> dict[str, Any]:
    args = _with_secrets(dict(change.after or {}))
    return {"name": change.address, change.module: args, "register": register_name(change.address)}


def _module_defaults(backends: list[str]) -> dict[str, dict[str, str]]:
    defaults: dict[str, dict[str, str]] = {}
    for backend in backends:
        options = CONNECTION_OPTIONS.get(backend)
        if options:
            defaults[f"group/homelab.iac.{backend}"] = {
                option: _Jinja("{{ " + var + " | default(omit) }}") for option, var in options.items()
            }
    return defaults


def _plays(plan: Plan) -> list[dict[str, Any]]:
    plays = []
    by_address = {change.address: change for change in plan.changes}
    for number, addresses in enumerate(plan.waves, start=1):
        changes = [by_address[address] for address in addresses]
        endpoints = sorted({change.endpoint for change in changes})
        tasks: list[dict[str, Any]] = []
        for endpoint in endpoints:
            mine = [_task(change) for change in changes if change.endpoint == endpoint]
            if len(endpoints) == 1:
                tasks += mine
            else:
                when = _Jinja(f"inventory_hostname == {endpoint!r}")
                tasks.append({"name": f"Wave {number} on {endpoint}", "when": when, "block": mine})
        play: dict[str, Any] = {
            "name": f"Wave {number}: {', '.join(addresses)}",
            "hosts": ":".join(endpoints),
            "gather_facts": False,
            "any_errors_fatal": True,
        }
        defaults = _module_defaults(sorted({change.kind.split('.')[0] for change in changes}))
        if defaults:
            play["module_defaults"] = defaults
        play["tasks"] = tasks
        plays.append(play)
    return plays


def _inventory(plan: Plan, inventory: EndpointInventory) -> dict[str, Any]:
    children: dict[str, Any] = {}
    for endpoint in plan.endpoints:
        host = inventory.hosts[endpoint]
        children.setdefault(host.backend, {"hosts": {}})["hosts"][endpoint] = dict(host.vars) or None
    all_vars = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable, **inventory.all_vars}
    return {"all": {"vars": all_vars, "children": children}}


def render_project(plan: Plan, inventory: EndpointInventory, out_dir: Path, *, deployment_id: str) -> Path:
    """Write the project for ``plan`` into ``out_dir`` (created if needed) and return ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "inventory").mkdir(exist_ok=True)
    (out_dir / "collections").mkdir(exist_ok=True)
    header = (
        f"# Generated by homelab-iac from {plan.source} (deployment {deployment_id}).\n"
        "# One play per wave; run it with: ansible-playbook site.yml\n"
    )
    (out_dir / "site.yml").write_text(header + "---\n" + _dump(_plays(plan)), encoding="utf-8")
    (out_dir / "inventory" / "hosts.yml").write_text(_dump(_inventory(plan, inventory)), encoding="utf-8")
    (out_dir / "collections" / "requirements.yml").write_text(
        _dump({"collections": [{"name": "homelab.iac", "version": ">=0.1.0"}]}), encoding="utf-8"
    )
    context = {
        "deployment_id": deployment_id,
        "collections_path": collections_path(),
        "python": sys.executable,
        "source": plan.source,
        "created_at": plan.created_at.isoformat(timespec="seconds"),
        "changes": plan.changes,
    }
    (out_dir / "ansible.cfg").write_text(_TEMPLATES.get_template("ansible.cfg.j2").render(context), encoding="utf-8")
    (out_dir / "README.md").write_text(_TEMPLATES.get_template("README.md.j2").render(context), encoding="utf-8")
    (out_dir / "plan.json").write_text(plan.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return out_dir
