# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""The docker_stack module's logic: a named group of volumes, networks and services converged together.

Members are reconciled by the same resource classes as the single-resource modules (volumes, then
networks, then services in ``depends_on`` order). Anything labelled with the stack that is no
longer in the definition is removed; ``state: absent`` removes everything labelled with the stack
and nothing else. Volumes hold data, so they are only removed with ``purge_volumes: true``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NoReturn

from ansible_collections.homelab.iac.plugins.module_utils._docker_common import (
    MANAGED_LABEL,
    MANAGED_VALUE,
    DockerModuleClient,
)
from ansible_collections.homelab.iac.plugins.module_utils._docker_compose import STACK_LABEL, translate
from ansible_collections.homelab.iac.plugins.module_utils._docker_engine import DockerEngineError
from ansible_collections.homelab.iac.plugins.module_utils._docker_kinds import KINDS, CachedReads, Kind
from ansible_collections.homelab.iac.plugins.module_utils._docker_values import InvalidValue
from ansible_collections.homelab.iac.plugins.module_utils._reconcile import Outcome, ReconcileError, Reconciler

STACK_ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    "name": {"type": "str", "required": True},
    "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
    "definition": {"type": "dict"},
    "purge_volumes": {"type": "bool", "default": False},
}
# Where each kind's results go, keyed by the member's short name in the definition.
_SECTIONS = {"volume": "volumes", "network": "networks", "container": "services"}


class StackError(Exception):
    """A member failed; the message names it. Results so far travel with it."""


@dataclass
class StackResult:
    """What the stack run did, member by member."""

    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    networks: dict[str, dict[str, Any]] = field(default_factory=dict)
    volumes: dict[str, dict[str, Any]] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    kept_volumes: list[str] = field(default_factory=list)
    diffs: list[dict[str, Any]] = field(default_factory=list)
    changed: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The module's return values (without diff)."""
        return {
            "changed": self.changed,
            "services": self.services,
            "networks": self.networks,
            "volumes": self.volumes,
            "removed": self.removed,
            "kept_volumes": self.kept_volumes,
        }


class Stack:
    """Converges one stack on one engine."""

    def __init__(self, engine: Any, name: str, check_mode: bool, purge_volumes: bool) -> None:
        self.engine = CachedReads(engine)
        self.name = name
        self.check_mode = check_mode
        self.purge_volumes = purge_volumes
        self.result = StackResult()

    def members(self, definition: dict[str, Any]) -> tuple[list[tuple[Kind, str, dict[str, Any]]], set[str]]:
        """Validated arguments of every member, before anything changes; and the values to hide."""
        plan = translate(self.name, definition)
        members: list[tuple[Kind, str, dict[str, Any]]] = []
        secrets: set[str] = set()
        for kind_name, section in (("volume", plan.volumes), ("network", plan.networks), ("container", plan.services)):
            kind = KINDS[kind_name]
            for short, params in section.items():
                if kind_name == "volume":
                    # Recreating a volume deletes its data: the stack-wide switch decides, as for removal.
                    params = {**params, "purge": self.purge_volumes}
                validated, hidden = kind.validate(params, f"{_SECTIONS[kind_name]}.{short}")
                members.append((kind, short, validated))
                secrets |= hidden
        return members, secrets

    def converge(self, members: list[tuple[Kind, str, dict[str, Any]]]) -> None:
        """Make every member present, then remove what the stack owns but no longer defines."""
        for kind, short, params in members:
            outcome = self._reconcile(kind, params, "present", f"{_SECTIONS[kind.name]}.{short}")
            entry: dict[str, Any] = {
                "name": params["name"],
                "action": outcome.action.value,
                kind.reasons_key: outcome.replaced_because,
                "updated": outcome.updated,
                **outcome.facts,
            }
            getattr(self.result, _SECTIONS[kind.name])[short] = entry
        wanted = {(kind.name, params["name"]) for kind, _short, params in members}
        self.remove_owned(keep=wanted)

    def remove_owned(self, keep: set[tuple[str, str]]) -> None:
        """Remove containers, networks and (with purge_volumes) volumes labelled with the stack."""
        labels = {STACK_LABEL: self.name, MANAGED_LABEL: MANAGED_VALUE}
        containers = self.engine.list_containers(labels)
        owned = [
            ("container", sorted(str((c.get("Names") or ["/"])[0]).lstrip("/") for c in containers)),
            ("network", sorted(str(n.get("Name")) for n in self.engine.list_networks(labels))),
            ("volume", sorted(str(v.get("Name")) for v in self.engine.list_volumes(labels))),
        ]
        for kind_name, names in owned:
            for name in names:
                if (kind_name, name) in keep:
                    continue
                if kind_name == "volume" and not self.purge_volumes:
                    self.result.kept_volumes.append(name)
                    continue
                self._reconcile(KINDS[kind_name], {"name": name, "state": "absent"}, "absent", "removal")
                self.result.removed.append(f"{kind_name} {name}")

    def _reconcile(self, kind: Kind, params: dict[str, Any], state: str, where: str) -> Outcome:
        try:
            outcome = Reconciler(kind.resource(self.engine, params), self.check_mode).run(state)
        except (InvalidValue, ReconcileError, DockerEngineError) as exc:
            raise StackError(f"{where} ({kind.name} {params['name']}): {exc}") from exc
        if outcome.changed:
            self.result.changed = True
            header = f"{kind.name} {params['name']}"
            self.result.diffs.append({"before_header": header, "after_header": header, **outcome.diff})
        return outcome


def run_stack_module() -> NoReturn:
    """Everything homelab.iac.docker_stack does, so the module file stays documentation + main()."""
    client = DockerModuleClient(STACK_ARGUMENT_SPEC, required_if=[("state", "present", ["definition"])])
    params = client.params
    stack = Stack(client.engine, params["name"], client.check_mode, params["purge_volumes"])
    try:
        if params["state"] == "present":
            members, secrets = stack.members(params["definition"])
            client.module.no_log_values.update(secrets)
            stack.converge(members)
        else:
            stack.remove_owned(keep=set())
    except InvalidValue as exc:
        client.fail(str(exc))
    except StackError as exc:
        client.fail(str(exc), **stack.result.as_dict())
    result = stack.result.as_dict()
    if client.diff_mode:
        result["diff"] = stack.result.diffs
    client.module.exit_json(**result)
    raise AssertionError("exit_json returned")
