"""Import: adopt what an endpoint already has (made by hand) without writing anything to it.

``candidates`` lists, per endpoint, the objects no resource of homelab-iac is: one info task per endpoint
(``planner.adapters.render.render_discovery``), each object with the address it would get and its import
id. ``plan_import`` plans adopting one: an ``import`` change whose spec is the object as its endpoint
reported it, in the module's own arguments. Applying it records the resource for the stack and runs no
module; the stack owns it from then on like anything it made.
"""

from __future__ import annotations

import ast
import functools
import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from planner.core.kinds import backend_of, kind_of, kind_spec, module_for
from planner.core.plan import Action, Change, Plan
from planner.core.refresh import import_id
from planner.errors import Argument, EndpointError, Fix, IacError, Remedy, shown
from planner.paths import collections_path
from planner.redact import scrub
from planner.service.context import Operation, Ports
from planner.service.results import PlanResult

__all__ = ["Candidate", "Importing"]

_ADDRESS = re.compile(r"^[a-z0-9]+\.[a-z0-9_]+\.[a-z0-9][a-z0-9_.@-]*$")


@dataclass(frozen=True)
class Candidate:
    """One object an endpoint has, as discovery reported it."""

    endpoint: str
    kind: str  # the resource kind it would be: opnsense.vlan
    id: str  # what ``iac import ADDRESS ID`` names it by: vtnet2/77
    name: str  # a suggested resource name
    labelled: bool  # carries homelab-iac's own mark (Docker labels): made by homelab-iac, elsewhere
    spec: dict[str, Any]
    facts: dict[str, Any]

    @property
    def address(self) -> str:
        return f"{self.kind}.{self.name}"


class Importing:
    """List what endpoints have that nobody manages, and plan adopting it."""

    def __init__(self, ports: Ports) -> None:
        self.ports = ports

    def candidates(self, *, endpoint: str | None = None, kind: str | None = None) -> list[Candidate]:
        """What ``endpoint`` (default: every endpoint that can be read) has and homelab-iac does not manage,
        of ``kind`` when given."""
        operation = Operation(self.ports)
        found = self._discover(operation, self._endpoints(operation, endpoint))
        managed = _managed_ids(operation)
        return [c for c in found if (kind is None or c.kind == kind) and (c.endpoint, c.kind, c.id) not in managed]

    def plan_import(self, address: str, object_id: str, *, stack: str, endpoint: str | None = None) -> PlanResult:
        """Store a plan that adopts the object ``object_id`` as ``address`` for ``stack``: nothing is written to
        the endpoint, neither now nor when it is applied."""
        if not _ADDRESS.match(address):
            raise IacError("is not a resource address (kind.name, e.g. opnsense.vlan.legacy)",
                           field=Argument("address", address))
        kind = kind_of(address)
        if not kind_spec(kind).import_id:
            raise IacError(f"{kind} cannot be adopted by id; adopt what it belongs to",
                           field=Argument("address", address))
        operation = Operation(self.ports)
        recorded = {record.address: record for record in operation.live()}
        if address in recorded:
            raise IacError(f"{shown(address)} is managed already", remedy=Remedy(Fix.LIST_RESOURCES))
        hosts = self._endpoints(operation, endpoint, backend=backend_of(kind))
        found = [c for c in self._discover(operation, hosts) if c.kind == kind and c.id == object_id]
        if not found:
            where = hosts[0] if len(hosts) == 1 else ", ".join(hosts)
            raise IacError(f"{where} has no {kind} {shown(object_id)}; `iac import --endpoint {hosts[0]}` lists what "
                           "can be adopted there", field=Argument("id", object_id))
        if len(found) > 1:
            raise IacError(f"{', '.join(c.endpoint for c in found)} each have {kind} {shown(object_id)}; name the "
                           "endpoint of the one to adopt", field=Argument("endpoint"))
        candidate = found[0]
        owner = _managed_ids(operation).get((candidate.endpoint, candidate.kind, candidate.id))
        if owner is not None:
            raise IacError(f"{kind} {object_id} on {candidate.endpoint} is managed already, as {owner}",
                           remedy=Remedy(Fix.LIST_RESOURCES))
        name = address[len(kind) + 1:]
        change = Change.planned(address, kind, name, candidate.endpoint, module_for(kind), Action.IMPORT, None,
                                adopted_spec(candidate), [], 1, "")
        source = f"import {address} {object_id}"
        plan = Plan(source=source, created_at=datetime.now(UTC), intents=[], changes=[change], waves=[[address]],
                    stack=stack, targets=[address], observed={address: scrub(candidate.facts)})
        deployment = self.ports.store.create_deployment({"source": source, "stack": stack, "intents": []},
                                                        plan.model_dump(mode="json"))
        from planner.service.rendering import render

        project = render(operation, plan.to_run(), self.ports.project_dir(deployment.id), deployment.id)
        return PlanResult(deployment, plan, project)

    # --- reading the endpoints ---------------------------------------------------------------------------

    def _endpoints(self, operation: Operation, endpoint: str | None, backend: str | None = None) -> list[str]:
        from planner.adapters.render import DISCOVERY_READS

        hosts = operation.inventory.hosts
        if endpoint is not None:
            host = hosts.get(endpoint)
            if host is None or host.backend not in DISCOVERY_READS or (backend and host.backend != backend):
                readable = [name for name, h in hosts.items() if h.backend in DISCOVERY_READS
                            and (backend is None or h.backend == backend)]
                raise IacError(f"is not {'a ' + backend if backend else 'an'} endpoint discovery reads (known: "
                               f"{', '.join(readable) or 'none'})", field=Argument("endpoint", endpoint))
            return [endpoint]
        chosen = [name for name, host in hosts.items() if host.backend in DISCOVERY_READS
                  and (backend is None or host.backend == backend)]
        if not chosen:
            raise IacError(f"{operation.inventory.path} has no endpoint to read"
                           + (f" of backend {backend}" if backend else ""))
        return chosen

    def _discover(self, operation: Operation, endpoints: list[str]) -> list[Candidate]:
        from planner.adapters.render import discovery_task, render_discovery

        inventory = operation.inventory
        run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        project = render_discovery(endpoints, inventory, self.ports.workdir / "discovery" / run_id)
        tasks = {discovery_task(endpoint): endpoint for endpoint in endpoints}
        found: list[Candidate] = []
        failures: list[str] = []

        def on_event(event: dict[str, Any]) -> None:
            data: dict[str, Any] = event.get("event_data") or {}
            endpoint = tasks.get(str(data.get("task", "")))
            kind = str(event.get("event", ""))
            if endpoint is None or data.get("host") not in (None, endpoint):
                return
            res: dict[str, Any] = data.get("res") or {}
            if kind == "runner_on_ok":
                backend = inventory.hosts[endpoint].backend
                found.extend(Candidate(endpoint, f"{backend}.{item['kind']}", str(item["id"]), str(item["name"]),
                                       bool(item.get("managed")), dict(item.get("spec") or {}),
                                       dict(item.get("facts") or {}))
                             for item in _items(res))
            elif kind in ("runner_on_failed", "runner_on_unreachable"):
                failures.append(f"{endpoint}: {res.get('msg') or 'failed'}")

        run = self.ports.executor.run(project, on_event=on_event, env=operation.environment)
        if failures or not run.ok:
            raise EndpointError("cannot read what the endpoints have: " + ("; ".join(failures) or run.status))
        return found


def _items(res: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The discovery items of an info module's result, wherever its sections put them (one level deep)."""
    for value in res.values():
        if isinstance(value, list):
            yield from (item for item in value if isinstance(item, dict) and {"kind", "id", "spec"} <= set(item))
        elif isinstance(value, dict):
            yield from _items({key: inner for key, inner in value.items() if isinstance(inner, list)})


def _managed_ids(operation: Operation) -> dict[tuple[str, str, str], str]:
    """``(endpoint, kind, import id)`` of every managed resource → its address."""
    managed: dict[tuple[str, str, str], str] = {}
    for record in operation.live():
        for facts in (record.spec, record.observed, *(v for v in record.observed.values() if isinstance(v, dict))):
            identity = import_id(record.kind, facts) if isinstance(facts, dict) else None
            if identity:
                managed[(record.endpoint, record.kind, identity)] = record.address
        if record.kind == "dns.record":  # a record's id is its absolute name and type
            zone, name = record.spec.get("zone"), str(record.spec.get("name", ""))
            absolute = name if not zone or name.endswith(str(zone)) else f"{name}.{zone}"
            identity = f"{absolute.rstrip('.')}/{record.spec.get('type')}"
            managed[(record.endpoint, record.kind, identity)] = record.address
    return managed


# --- the adopted spec: the object in its module's own arguments ---------------------------------------------


@functools.cache
def module_options(module: str) -> frozenset[str]:
    """The option names of a collection module (``homelab.iac.opnsense_vlan``), from its DOCUMENTATION."""
    import yaml

    path = collections_path() / "ansible_collections" / "homelab" / "iac" / "plugins" / "modules" / \
        f"{module.rsplit('.', 1)[1]}.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "DOCUMENTATION" for t in node.targets):
            documentation = yaml.safe_load(ast.literal_eval(node.value))
            return frozenset((documentation.get("options") or {}).keys())
    return frozenset()


def adopted_spec(candidate: Candidate) -> dict[str, Any]:
    """The spec an adopted object is recorded with: what its endpoint reported, in the arguments of its kind's
    module (what the module compares and would keep), plus what identifies it and ``state``."""
    kind, spec = candidate.kind, dict(candidate.spec)
    if kind == "docker.container":
        spec = _container_args(spec)
    options = module_options(module_for(kind))
    adopted = {key: value for key, value in spec.items() if key in options and value not in (None, "", [], {})}
    if kind.startswith("docker."):
        adopted["adopt"] = True  # no homelab-iac label: its module may touch it (labels come with a recreate)
    if kind == "dns.record":  # its absolute name: the provider finds the zone, as for a record an intent declares
        name, rtype = candidate.id.split("/")[:2]
        adopted.update(name=name, type=rtype)
    for field in kind_spec(kind).import_id:
        if field not in adopted and field in candidate.facts:
            adopted[field] = candidate.facts[field]
    if kind == "docker.container":
        adopted["state"] = "started" if candidate.spec.get("running", True) else "stopped"
    else:
        adopted["state"] = "present"
    return adopted


def _container_args(view: dict[str, Any]) -> dict[str, Any]:
    """A container's comparable view as ``docker_container`` arguments: networks as a list, memory in MiB,
    no engine-side fields (image id, network mode, masked secrets)."""
    args = {key: value for key, value in view.items()
            if key not in ("image_id", "network_mode", "running", "secret_env", "networks", "memory", "cpus")}
    networks = view.get("networks")
    if isinstance(networks, dict) and networks:
        args["networks"] = [{"name": name, **({"ipv4_address": attached["ipv4_address"]}
                                             if isinstance(attached, dict) and attached.get("ipv4_address") else {})}
                            for name, attached in networks.items()]
    memory = view.get("memory")
    if isinstance(memory, int) and memory > 0:
        args["memory"] = f"{memory // 1048576}m"
    cpus = view.get("cpus")
    if isinstance(cpus, int | float) and cpus > 0:
        args["cpus"] = cpus
    return args


def generated_intents(stack: str, changes: list[Change]) -> str:
    """An intent file declaring what ``changes`` adopted, for the kinds an intent can declare (a VLAN, a
    container, a DNS record); the others are named in a comment: the stack keeps them as adopted."""
    import yaml

    intents: list[dict[str, Any]] = []
    kept: list[str] = []
    for change in changes:
        spec = change.after or {}
        name = re.sub(r"[^a-z0-9-]+", "-", change.name.lower()).strip("-")[:62] or "adopted"
        if change.kind == "opnsense.vlan":
            intents.append({"kind": "vlan", "name": name, "tag": spec["tag"], "parent": spec["parent"],
                            **({"description": spec["description"]} if spec.get("description") else {}),
                            "endpoint": change.endpoint})
        elif change.kind == "dns.record":
            intents.append({"kind": "dns_record", "name": name, "record": spec["name"], "type": spec["type"],
                            "value": spec["value"],
                            **{key: spec[key] for key in ("ttl", "zone", "priority", "proxied", "comment")
                               if spec.get(key) is not None},
                            "endpoint": change.endpoint})
        elif change.kind == "docker.container":
            container: dict[str, Any] = {"kind": "container", "name": spec.get("name", name), "image": spec["image"]}
            container.update({key: spec[key] for key in ("command", "ports", "memory", "cpus", "restart_policy",
                                                         "labels") if spec.get(key) not in (None, [], {})})
            plain_env = {k: v for k, v in (spec.get("env") or {}).items() if isinstance(v, str)}
            if plain_env:
                container["env"] = plain_env
            networks = spec.get("networks") or []
            if networks:
                container["network"] = {**networks[0], "create": False}
            container["endpoint"] = change.endpoint
            intents.append(container)
        else:
            kept.append(change.address)
    head = f"# Written by `iac import --generate`: what stack {stack} adopted, as intents. Plan it: 0 changes.\n"
    if kept:
        head += "# Adopted without an intent kind (the stack keeps them): " + ", ".join(kept) + "\n"
    return head + yaml.safe_dump({"version": 1, "stack": stack, "intents": intents}, sort_keys=False)
