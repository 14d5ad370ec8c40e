"""Render a plan as a self-contained Ansible project: ``site.yml``, ``inventory/``, ``ansible.cfg``.

``site.yml`` holds one play per wave; each play targets the endpoints of that wave, sets connection
options once per backend through ``module_defaults: group/homelab.iac.<backend>``, and runs one task per
resource, named by the resource's address so results can be matched back to it. Values that look like
Jinja are written as ``!unsafe`` so Ansible never templates user data.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TextIO

import jinja2

from planner.adapters.inventory import EndpointInventory
from planner.core.kinds import BACKENDS, KINDS, kind_spec
from planner.core.perf import without_cyclic_gc
from planner.core.plan import Action, Change, Plan
from planner.core.refs import KNOWN_AFTER_APPLY, MISSING, find_output, is_ref, resolve_refs
from planner.core.tasks import WAVE_GATE, TaskGroup, task_groups
from planner.errors import IacError
from planner.paths import collections_path
from planner.secrets import is_secret_ref, render_secret

__all__ = ["render_project"]

_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("planner.adapters", "templates"),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    autoescape=False,
)


# Options only some modules of a group take (module_defaults of a group would hand them to every module).
_MODULE_CONNECTION = {spec.module: spec.connection for spec in KINDS.values() if spec.connection}


class _Jinja(str):
    """An expression homelab-iac writes on purpose; every other string that looks like Jinja is ``!unsafe``."""


# Playbooks are written by a small block-YAML emitter of our own: plan data is only mappings, lists, strings,
# numbers, booleans and nulls, and PyYAML's representer (even with libyaml's emitter) spends seconds per
# 10,000 resources walking it. Strings are plain when unambiguous, else JSON-quoted (valid YAML); lists are
# indented under their key, as yamllint and ansible-lint expect.
_PLAIN = re.compile(r"^[A-Za-z_/][A-Za-z0-9_./@+=-]*(?: [A-Za-z0-9_./@+=()-]+)*$")
_RESERVED = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null", "none"})
_JINJA_MARKER = re.compile(r"\{[{%#]")
# Tuples, not ``dict | list``: that expression builds a new union each time, and these run per value.
_NESTED = (dict, list)
_NUMBER = (int, float)
# A JSON string is a valid double-quoted YAML scalar. One encoder for all (json.dumps with an option makes one
# per call).
_quoted = json.JSONEncoder(ensure_ascii=False).encode


def _scalar(value: Any) -> str:
    """A value written on its key's line: a scalar, or an empty mapping or list."""
    if isinstance(value, str):
        return _string(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _NUMBER):
        return repr(value)
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    raise TypeError(f"cannot write {type(value).__name__} into a playbook: {value!r}")


def _string(value: str) -> str:
    if isinstance(value, _Jinja):
        return _quoted(str(value))
    return _plain_string(value)


# Keys and most values recur on every resource (``state: started``, an image, a network's name): each
# distinct string is written once. Only for a plain ``str``: an expression of ours (_Jinja) is equal to the
# plain string, and a cache that told them apart by type (``typed``) would build a key for every lookup.
@functools.lru_cache(maxsize=8192)
def _plain_string(value: str) -> str:
    if "{" in value and _JINJA_MARKER.search(value):
        return "!unsafe " + _quoted(value)
    if _PLAIN.match(value) and value.lower() not in _RESERVED:
        return value
    return _quoted(value)


class _BlockYaml:
    """Writes plan data to ``out`` as block YAML, a few thousand lines at a time: a playbook of 100,000
    resources (24 MB) is never held whole, neither as lines nor as one string."""

    _CHUNK = 10_000  # lines

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.lines: list[str] = []
        self.written = False

    def write(self, data: Any) -> None:
        self._emit(data, 0, "")
        if self.lines or not self.written:
            self._flush()

    def _flush(self) -> None:
        self.out.write("\n".join(self.lines) + "\n")
        self.lines.clear()
        self.written = True

    def _emit(self, value: Any, indent: int, lead: str) -> None:
        """The lines of a mapping or list at ``indent``; the first starts with ``lead`` (the indent itself, or
        the ``- `` of the list item the value is, so no line is rewritten once made)."""
        pad = " " * indent
        lines = self.lines
        if isinstance(value, dict):
            for key, item in value.items():
                if type(item) is str:  # most values: checked first
                    lines.append(f"{lead}{_plain_string(str(key))}: {_plain_string(item)}")
                elif isinstance(item, _NESTED) and item:
                    lines.append(f"{lead}{_plain_string(str(key))}:")
                    self._emit(item, indent + 2, pad + "  ")
                else:
                    lines.append(f"{lead}{_plain_string(str(key))}: {_scalar(item)}")
                lead = pad
        else:
            for item in value:
                if type(item) is str:
                    lines.append(f"{lead}- {_plain_string(item)}")
                elif isinstance(item, _NESTED) and item:
                    self._emit(item, indent + 2, lead + "- ")
                else:
                    lines.append(f"{lead}- {_scalar(item)}")
                lead = pad
                if len(lines) >= self._CHUNK:
                    self._flush()


def _write_yaml(path: Path, data: Any, header: str = "") -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(header)
        _BlockYaml(out).write(data)


def _with_secrets(value: Any) -> Any:
    """Module arguments with every ``{secret: NAME}`` replaced by a lookup of NAME at run time."""
    if is_secret_ref(value):
        return _Jinja(render_secret(value["secret"]))
    # Only mappings and lists are visited: most values are scalars, and this runs for every resource.
    if isinstance(value, dict):
        return {key: _with_secrets(item) if isinstance(item, _NESTED) else item for key, item in value.items()}
    if isinstance(value, list):
        return [_with_secrets(item) if isinstance(item, _NESTED) else item for item in value]
    return value


def _has_placeholders(value: dict[str, Any] | list[Any]) -> bool:
    """Whether ``value`` is or holds a reference or a secret (looked for without copying anything)."""
    items: Iterable[Any] = value
    if isinstance(value, dict):
        # A reference has two keys, a secret one: most mappings are neither, and their length says so.
        if len(value) <= 2 and (is_ref(value) or is_secret_ref(value)):
            return True
        items = value.values()
    for item in items:  # noqa: SIM110 - a loop, not any() over a generator: this runs for every change
        if isinstance(item, _NESTED) and item and _has_placeholders(item):
            return True
    return False


class _Tasks:
    """Renders the plan's task groups; resolves references from earlier waves or from recorded facts."""

    def __init__(self, plan: Plan, known_facts: Mapping[str, Mapping[str, Any]]) -> None:
        self.known = known_facts
        self.groups = task_groups(plan)
        self.changes = {change.address: change for change in plan.changes}

    @functools.cached_property
    def place(self) -> dict[str, tuple[TaskGroup, int]]:
        """Each address's task and its index there; made for the first reference (most plans have none)."""
        return {address: (group, index) for group in self.groups for index, address in enumerate(group.addresses)}

    def _ref(self, consumer: Change, address: str, output: str) -> Any:
        known = find_output(self.known.get(address), output)
        placed = self.place.get(address)
        if placed is not None and placed[0].batched and self.changes[address].wave < consumer.wave:
            group, index = placed
            expression = (
                f"hostvars[{group.endpoint!r}][{group.register!r}]['results'][{index}]['facts'][{output!r}]"
            )
            # What a check-mode run reads when the producer's result has no such fact (check mode created
            # nothing): the recorded value if there is one (a literal Jinja reads as JSON does; bools are ints),
            # else "(known after apply)", which every module refuses outside check mode.
            fallback = known if isinstance(known, str | int | float) else KNOWN_AFTER_APPLY
            return _Jinja("{{ " + expression + f" | default({json.dumps(fallback)})" + " }}")
        if known is MISSING:
            raise IacError(
                f"{consumer.address} refers to the {output!r} of {address}, which is not known yet: "
                f"apply {address} first (it must exist before {consumer.address} can use it)"
            )
        return known

    def args(self, change: Change) -> Mapping[str, Any]:
        """The task arguments of ``change`` (not to be changed: they may be the plan's own spec)."""
        after = change.after or {}
        if not _has_placeholders(after):
            return after  # the common case: no reference or secret, so nothing to rewrite or split
        spec = resolve_refs(after, lambda address, output: self._ref(change, address, output))
        to_task = kind_spec(change.kind).task_args
        args: dict[str, Any] = _with_secrets(to_task(spec) if to_task is not None else spec)
        return args

    def task(self, group: TaskGroup, when: str | None) -> dict[str, Any]:
        if group.batched:
            items = []
            # Asked once per task, not per item: a property that splits the kind, and an enum member (a
            # descriptor on Python 3.11).
            item_kinds: dict[str, str] = {}
            update = Action.UPDATE
            for address in group.addresses:
                change = self.changes[address]
                spec = kind_spec(change.kind)
                item_kind = item_kinds.get(change.kind) or item_kinds.setdefault(change.kind, spec.item_kind)
                item = {"kind": item_kind, **self.args(change)}
                if spec.safety_net is not None and change.action is update:
                    item[spec.safety_net] = True  # the module's own safety net before an in-place change
                items.append(item)
            args: dict[str, Any] = {"items": items}
            backend = BACKENDS[kind_spec(self.changes[group.addresses[0]].kind).backend]
            if backend.batch_safety_net is not None:
                args[backend.batch_safety_net] = True  # taken before the first write, recorded with the run
        else:
            args = dict(self.args(self.changes[group.addresses[0]]))
        task: dict[str, Any] = {"name": group.name, group.module: args, "register": group.register}
        if when is not None:
            task["when"] = _Jinja(when)
        return task


def _module_defaults(groups: list[str], modules: list[str]) -> dict[str, dict[str, str]]:
    wanted = [(f"group/homelab.iac.{group}", backend.connection if (backend := BACKENDS.get(group)) else None)
              for group in groups]
    wanted += [(module, _MODULE_CONNECTION.get(module)) for module in modules]
    return {
        key: {option: _Jinja("{{ " + var + " | default(omit) }}") for option, var in options.items()}
        for key, options in wanted
        if options
    }


def _plays(plan: Plan, inventory: EndpointInventory, known_facts: Mapping[str, Mapping[str, Any]]) -> list[Any]:
    tasks = _Tasks(plan, known_facts)
    plays = []
    for number, addresses in enumerate(plan.waves, start=1):
        groups = [group for group in tasks.groups if group.wave == number]
        endpoints = sorted({group.endpoint for group in groups})
        several = len(endpoints) > 1
        play: dict[str, Any] = {
            "name": f"Wave {number}: {len(addresses)} resource{'s' if len(addresses) != 1 else ''} on "
                    + ", ".join(endpoints),
            "hosts": ":".join(endpoints),
            "gather_facts": False,
            # Each endpoint works through its own tasks at its own pace (free ignores any_errors_fatal: the
            # gate below stops every endpoint at the first failed wave instead).
            "strategy": "free",
        }
        backends = sorted({_group_of(endpoint, inventory) for endpoint in endpoints})
        defaults = _module_defaults(backends, sorted({group.module for group in groups}))
        if defaults:
            play["module_defaults"] = defaults
        if number > 1:
            play["pre_tasks"] = [_wave_gate([group for group in tasks.groups if group.wave < number])]
        play["tasks"] = [
            tasks.task(group, f"inventory_hostname == {group.endpoint!r}" if several else None) for group in groups
        ]
        plays.append(play)
    return plays


def _wave_gate(earlier: list[TaskGroup]) -> dict[str, Any]:
    """Ends the play, and so every later one, when a task of an earlier wave failed on any endpoint.

    A meta task costs no module call. Failed hosts leave later plays, but the others would go on, and
    ``ansible_play_hosts`` only counts the hosts of this play: the registered results say who failed. A
    result that is not there (``--limit``, a resumed run) is no failure. In check mode nothing is written,
    so there is nothing to roll back and the drift check wants every wave checked.
    """
    failures = [_Jinja(f"{{{{ hostvars[{group.endpoint!r}][{group.register!r}] | default({{}}) is failed }}}}")
                for group in earlier]  # one line each: the project's lines stay within yamllint's limit
    return {"name": WAVE_GATE, "ansible.builtin.meta": "end_play", "vars": {"iac_earlier_failures": failures},
            "when": _Jinja("not ansible_check_mode and true in iac_earlier_failures")}


def _group_of(endpoint: str, inventory: EndpointInventory) -> str:
    host = inventory.hosts.get(endpoint)
    return host.backend if host is not None else ""


def _inventory(plan: Plan, inventory: EndpointInventory) -> dict[str, Any]:
    children: dict[str, Any] = {}
    for endpoint in plan.endpoints:
        host = inventory.hosts[endpoint]
        children.setdefault(host.backend, {"hosts": {}})["hosts"][endpoint] = dict(host.vars) or None
    all_vars = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable, **inventory.all_vars}
    return {"all": {"vars": all_vars, "children": children}}


@without_cyclic_gc
def render_project(
    plan: Plan,
    inventory: EndpointInventory,
    out_dir: Path,
    *,
    deployment_id: str,
    known_facts: Mapping[str, Mapping[str, Any]] | None = None,
) -> Path:
    """Write the project for ``plan`` into ``out_dir`` (created if needed) and return ``out_dir``.

    ``known_facts`` (address → recorded observed facts) resolves references to resources this project does
    not produce in an earlier wave, and is the fallback for those it does (a check-mode run creates nothing).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "inventory").mkdir(exist_ok=True)
    (out_dir / "collections").mkdir(exist_ok=True)
    header = (
        f"# Generated by homelab-iac from {plan.source} (deployment {deployment_id}).\n"
        "# One play per wave; run it with: ansible-playbook site.yml\n"
    )
    plays = _plays(plan, inventory, known_facts or {})
    _write_yaml(out_dir / "site.yml", plays, header + "---\n")
    _write_yaml(out_dir / "inventory" / "hosts.yml", _inventory(plan, inventory))
    _write_yaml(out_dir / "collections" / "requirements.yml",
                {"collections": [{"name": "homelab.iac", "version": ">=0.1.0"}]})
    context = {
        "deployment_id": deployment_id,
        "collections_path": collections_path(),
        "python": sys.executable,
        "source": plan.source,
        "created_at": plan.created_at.isoformat(timespec="seconds"),
        # The README's table, as plain tuples: Jinja reads an attribute through Python, four per change.
        "rows": [(change.wave, change.address, change.action.value, change.endpoint) for change in plan.changes],
    }
    (out_dir / "ansible.cfg").write_text(_TEMPLATES.get_template("ansible.cfg.j2").render(context), encoding="utf-8")
    (out_dir / ".yamllint").write_text(_TEMPLATES.get_template("yamllint.j2").render(context), encoding="utf-8")
    (out_dir / "README.md").write_text(_TEMPLATES.get_template("README.md.j2").render(context), encoding="utf-8")
    with (out_dir / "plan.json").open("wb") as handle:
        handle.writelines(plan.json_chunks())
        handle.write(b"\n")
    return out_dir


#: What a discovery reads on an endpoint of each backend: the backend's info module and its arguments.
DISCOVERY_READS: Mapping[str, tuple[str, dict[str, Any]]] = {
    "opnsense": ("homelab.iac.opnsense_info", {"gather": ["vlans", "aliases", "rules", "nat"]}),
    "docker": ("homelab.iac.docker_info", {"containers": False, "stats": False, "networks": True, "volumes": True,
                                           "container_specs": True}),
    "proxmox": ("homelab.iac.proxmox_info", {"gather": ["guest_specs"]}),
    "dns": ("homelab.iac.dns_info", {}),
}


def discovery_task(endpoint: str) -> str:
    """The name of the task that lists ``endpoint``'s objects (what the event handler finds it by)."""
    return f"Discover on {endpoint}"


def render_discovery(endpoints: Iterable[str], inventory: EndpointInventory, out_dir: Path) -> Path:
    """A project of one play that lists every object of each of ``endpoints`` (one info task each, in
    parallel): what ``iac import`` adopts from. It reads and never writes."""
    chosen = [endpoint for endpoint in endpoints if inventory.hosts[endpoint].backend in DISCOVERY_READS]
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "inventory").mkdir(exist_ok=True)
    backends = sorted({inventory.hosts[endpoint].backend for endpoint in chosen})
    tasks = []
    for endpoint in chosen:
        module, args = DISCOVERY_READS[inventory.hosts[endpoint].backend]
        tasks.append({"name": discovery_task(endpoint), module: dict(args),
                      "when": _Jinja(f"inventory_hostname == {endpoint!r}")})
    play: dict[str, Any] = {"name": "Discover what the endpoints hold", "hosts": ":".join(chosen),
                            "gather_facts": False, "strategy": "free", "tasks": tasks}
    defaults = _module_defaults(backends, [])
    if defaults:
        play["module_defaults"] = defaults
    _write_yaml(out_dir / "site.yml", [play], "# Generated by homelab-iac: iac import's discovery.\n---\n")
    children: dict[str, Any] = {}
    for endpoint in chosen:
        host = inventory.hosts[endpoint]
        children.setdefault(host.backend, {"hosts": {}})["hosts"][endpoint] = dict(host.vars) or None
    all_vars = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable, **inventory.all_vars}
    _write_yaml(out_dir / "inventory" / "hosts.yml", {"all": {"vars": all_vars, "children": children}})
    context = {"deployment_id": "discovery", "collections_path": collections_path(), "python": sys.executable,
               "source": "discovery", "created_at": "", "rows": []}
    (out_dir / "ansible.cfg").write_text(_TEMPLATES.get_template("ansible.cfg.j2").render(context), encoding="utf-8")
    return out_dir
