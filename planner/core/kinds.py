"""The kind registry: everything the planner knows about a resource kind, in one ``KindSpec`` per kind.

A kind is ``<backend>.<thing>`` and maps 1:1 onto a module of the collection (``docker.container`` ↔
``homelab.iac.docker_container``). Its spec says which module and batch item carry it, which fields
identify it (what a module needs to remove it), which fields force a replace, whether removing it loses
data, which safety net its module offers, what it claims on its endpoint (a VLAN tag, a subnet, a name, a
vmid, host ports) and what capacity it needs. The graph, conflicts, policy, rendering, rollback and restore
all read this one place; ``tests/unit/planner/core/test_kinds.py`` holds it against the collection's
argument specs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from planner.core.sizes import memory_mib
from planner.secrets import is_secret_ref

__all__ = [
    "BACKENDS",
    "KINDS",
    "BackendSpec",
    "Claims",
    "KindSpec",
    "OfKind",
    "backend_of",
    "kind_of",
    "kind_spec",
    "module_for",
]

Demand = Callable[[Mapping[str, Any]], tuple[float, float]]
TaskArgs = Callable[[dict[str, Any]], dict[str, Any]]


def module_for(kind: str) -> str:
    """The fully qualified module that manages a kind: ``docker.container`` → ``homelab.iac.docker_container``."""
    return "homelab.iac." + kind.replace(".", "_")


def backend_of(kind: str) -> str:
    """The backend of a kind, or of an address: ``docker.container(.web)`` → ``docker``."""
    return kind.split(".", 1)[0]


def kind_of(address: str) -> str:
    """The kind of an address: ``docker.container.web`` → ``docker.container``."""
    return ".".join(address.split(".", 2)[:2])


@dataclass(frozen=True)
class BackendSpec:
    """What one backend (= one action group of the collection) shares across its kinds."""

    name: str
    # Module connection option → the inventory host var that sets it (``module_defaults: group/...``).
    # Secrets have entries too, so an inventory may set them from a vault or a lookup; unset, each module
    # falls back to its environment variable, which is how `iac` hands the lab's credentials over.
    connection: Mapping[str, str] = field(default_factory=dict)
    batch_module: str | None = None
    # A batch-wide argument that takes the backend's own safety net before the first write (recorded).
    batch_safety_net: str | None = None


@dataclass(frozen=True)
class Claims:
    """The spec fields holding what a resource takes on its endpoint; two resources may not take the same."""

    name: str | None = None  # an identifying name besides the address (a container's name)
    tag: str | None = None  # a VLAN tag
    subnet: str | None = None  # a subnet (overlaps conflict within the kind)
    vmid: str | None = None  # a Proxmox guest id
    ports: str | None = None  # host ports published (``[ip:]host:container[/proto]``)


class OfKind:
    """What a ``kind`` name tells of a thing of that kind (a ``KindSpec``, a ``Resource``): its backend and module."""

    __slots__ = ()
    kind: str

    @property
    def backend(self) -> str:
        return backend_of(self.kind)

    @property
    def module(self) -> str:
        """The fully qualified module that manages this kind."""
        return module_for(self.kind)


@dataclass(frozen=True)
class KindSpec(OfKind):
    """What a resource kind is."""

    kind: str
    # The options that identify the resource (from its module's documentation), plus those the module
    # requires on every call: what removing it needs. A field the spec does not hold is left out.
    identity: tuple[str, ...] = ("name",)
    # Arguments a removal adds (a guest this deployment started is stopped to be removed; a volume is archived).
    absent_extra: Mapping[str, Any] = field(default_factory=dict)
    # Fields whose change the module can only make by recreating the resource.
    replace_fields: tuple[str, ...] = ()
    holds_data: bool = False  # removing it destroys data a user may want back
    removable: bool = True  # its module can make it absent (a Proxmox template cannot go back to a VM)
    batched: bool = False  # the backend's batch module takes it as an item
    # An item argument that takes the module's own safety net before an in-place change.
    safety_net: str | None = None
    claims: Claims = Claims()
    demand: Demand | None = None  # memory (MiB) and CPUs it reserves on its endpoint
    # Module options only this kind's module takes (module_defaults of a group would hand them to all).
    connection: Mapping[str, str] = field(default_factory=dict)
    task_args: TaskArgs | None = None  # how the spec becomes the task's arguments, when not as it is
    # The spec fields ``iac import`` adopts an existing object by, joined with "/" (``vtnet2/77``).
    import_id: tuple[str, ...] = ()
    # Fields an adopted object's record carries into every later desired spec (``adopt: true`` for Docker).
    sticky: tuple[str, ...] = ()

    @property
    def item_kind(self) -> str:
        """The ``kind`` of a batch item: ``opnsense.firewall_rule`` → ``firewall_rule``."""
        return self.kind.split(".", 1)[1]

    @property
    def batch_module(self) -> str | None:
        """The batch module that takes this kind as an item, or None (it gets a task of its own)."""
        return BACKENDS[self.backend].batch_module if self.batched else None

    def replaced_by(self, before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
        """The fields that make going from ``before`` to ``after`` a replacement: replace fields that ``after``
        sets to another value (a field ``after`` leaves out is not managed, so the module keeps it)."""
        return [name for name in self.replace_fields
                if after.get(name) is not None and after.get(name) != before.get(name)]

    def absent_spec(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        """Module arguments that remove the resource ``spec`` describes."""
        kept = {name: spec[name] for name in self.identity if name in spec}
        return {**kept, **self.absent_extra, "state": "absent"}

    def demand_of(self, spec: Mapping[str, Any]) -> tuple[float, float]:
        """Memory (MiB) and CPUs ``spec`` reserves; zero for an absent resource or a kind that reserves nothing."""
        if self.demand is None or spec.get("state") == "absent":
            return 0.0, 0.0
        return self.demand(spec)


def _memory(spec: Mapping[str, Any]) -> float:
    try:
        return memory_mib(spec["memory"]) if spec.get("memory") is not None else 0.0
    except ValueError:
        return 0.0  # a reference, resolved only at run time


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _container_demand(spec: Mapping[str, Any]) -> tuple[float, float]:
    return _memory(spec), _number(spec.get("cpus") or 0)


def _vm_demand(spec: Mapping[str, Any]) -> tuple[float, float]:
    cores, sockets = spec.get("cores") or 0, spec.get("sockets") or 1
    cpus = cores * sockets if isinstance(cores, int) and isinstance(sockets, int) else 0
    return _memory(spec), _number(cpus)


def _lxc_demand(spec: Mapping[str, Any]) -> tuple[float, float]:
    return _memory(spec), _number(spec.get("cores") or 0)


def _split_secret_env(spec: dict[str, Any]) -> dict[str, Any]:
    """A container's ``{secret: NAME}`` env entries go to ``secret_env``, which the module keeps ``no_log``.

    The plan (and the state store) keeps them in ``env``; only the task splits them, so plain values such
    as ``POSTGRES_DB: dev`` stay readable in Ansible's output while secret values never appear.
    """
    env = spec.get("env")
    if not isinstance(env, dict) or not any(is_secret_ref(value) for value in env.values()):
        return spec
    split: dict[str, Any] = {}
    for key, value in spec.items():
        if key == "env":
            split["env"] = {name: item for name, item in env.items() if not is_secret_ref(item)}
            split["secret_env"] = {name: item for name, item in env.items() if is_secret_ref(item)}
        else:
            split[key] = value
    return split


BACKENDS: Mapping[str, BackendSpec] = MappingProxyType({spec.name: spec for spec in (
    BackendSpec("docker", {"docker_host": "docker_host", "timeout": "docker_timeout"},
                batch_module="homelab.iac.docker_batch"),
    BackendSpec(
        "opnsense",
        {"api_url": "api_url", "ca_cert": "ca_cert", "validate_certs": "validate_certs",
         "api_key": "opnsense_api_key", "api_secret": "opnsense_api_secret"},
        batch_module="homelab.iac.opnsense_batch",
        batch_safety_net="backup_before_change",  # the config backup id before the first write is recorded
    ),
    BackendSpec(
        "proxmox",
        {"api_url": "api_url", "ca_cert": "ca_cert", "validate_certs": "validate_certs", "node": "proxmox_node",
         "api_user": "proxmox_user", "api_token_id": "proxmox_token_id",
         "api_token_secret": "proxmox_token_secret"},
        batch_module="homelab.iac.proxmox_batch",
    ),
    BackendSpec(
        "dns",
        {"provider": "dns_provider", "zone": "dns_zone", "server": "dns_server", "port": "dns_port",
         "key_name": "tsig_key_name", "key_algorithm": "tsig_key_algorithm", "key_secret": "tsig_key_secret",
         "cloudflare_base_url": "cloudflare_base_url", "cloudflare_ca_cert": "cloudflare_ca_cert",
         "cloudflare_api_token": "cloudflare_api_token"},
        batch_module="homelab.iac.dns_batch",
    ),
)})

_CONTAINER_REPLACE = ("image", "command", "env", "ports", "labels", "mounts", "healthcheck",
                      "init", "stop_signal", "stop_timeout")
_GUEST_SNAPSHOT = "snapshot_before_change"  # Proxmox's own safety net, recorded with the run
# A Docker object adopted without homelab-iac's label is removed (and changed) only with ``adopt: true``.
_ADOPTABLE = ("name", "adopt")

KINDS: Mapping[str, KindSpec] = MappingProxyType({spec.kind: spec for spec in (
    KindSpec("docker.container", identity=_ADOPTABLE, sticky=("adopt",), batched=True, import_id=("name",),
             replace_fields=_CONTAINER_REPLACE, claims=Claims(name="name", ports="ports"), demand=_container_demand,
             task_args=_split_secret_env),
    KindSpec("docker.network", identity=_ADOPTABLE, sticky=("adopt",), batched=True, import_id=("name",),
             replace_fields=("driver", "driver_options", "subnet", "gateway", "internal", "labels"),
             claims=Claims(name="name", subnet="subnet")),
    # A removal archives the volume's contents first (to IAC_VOLUME_ARCHIVE_DIR, set by the executor), recorded.
    KindSpec("docker.volume", identity=_ADOPTABLE, sticky=("adopt",), batched=True, import_id=("name",),
             holds_data=True,
             replace_fields=("driver", "driver_options", "labels"), absent_extra={"archive": True},
             claims=Claims(name="name")),
    KindSpec("docker.image", batched=True),
    KindSpec("docker.stack"),
    KindSpec("opnsense.vlan", identity=("parent", "tag"), batched=True, import_id=("parent", "tag"),
             claims=Claims(tag="tag")),
    # opnsense_interface requires description even to remove an assignment.
    KindSpec("opnsense.interface", identity=("device", "description"), batched=True,
             claims=Claims(name="description")),
    KindSpec("opnsense.alias", batched=True, import_id=("name",), claims=Claims(name="name")),
    # The module derives the rule's uuid from its name; an adopted rule (made by hand) is known by its uuid.
    KindSpec("opnsense.firewall_rule", identity=("name", "uuid"), batched=True, import_id=("uuid",),
             claims=Claims(name="name")),
    # NAT rules, like filter rules, are known by a uuid derived from their name, or by the uuid of one made by hand.
    KindSpec("opnsense.nat_port_forward", identity=("name", "uuid"), batched=True, import_id=("uuid",),
             claims=Claims(name="name")),
    KindSpec("opnsense.nat_outbound", identity=("name", "uuid"), batched=True, import_id=("uuid",),
             claims=Claims(name="name")),
    KindSpec("opnsense.nat_one_to_one", identity=("name", "uuid"), batched=True, import_id=("uuid",),
             claims=Claims(name="name")),
    KindSpec("opnsense.dhcp_subnet", identity=("subnet",), batched=True, claims=Claims(subnet="subnet")),
    KindSpec("opnsense.dhcp_reservation", identity=("subnet", "hw_address", "ip_address"), batched=True),
    KindSpec("opnsense.host_override", identity=("hostname", "domain", "rr"), batched=True),
    KindSpec("opnsense.haproxy_server", identity=("name", "address", "port"), batched=True),
    KindSpec("opnsense.haproxy_backend", batched=True),
    KindSpec("opnsense.haproxy_frontend", identity=("name", "bind"), batched=True),
    KindSpec("opnsense.wireguard_server", batched=True),
    KindSpec("opnsense.wireguard_peer", identity=("name", "public_key", "tunnel_address"), batched=True),
    KindSpec("proxmox.vm", identity=("vmid", "name"), absent_extra={"force": True}, holds_data=True, batched=True,
             import_id=("vmid",),
             safety_net=_GUEST_SNAPSHOT, claims=Claims(name="name", vmid="vmid"), demand=_vm_demand),
    KindSpec("proxmox.lxc", identity=("vmid", "hostname"), absent_extra={"force": True}, holds_data=True,
             batched=True, import_id=("vmid",), safety_net=_GUEST_SNAPSHOT, claims=Claims(name="hostname", vmid="vmid"),
             demand=_lxc_demand),
    KindSpec("proxmox.template", identity=("vmid", "name"), batched=True, removable=False),
    KindSpec("proxmox.snapshot", identity=("vmid", "name", "guest_type", "snapname"), holds_data=True),
    KindSpec("proxmox.storage_content", identity=("storage", "content", "filename", "appliance", "url"),
             batched=True),
    KindSpec("dns.record", identity=("name", "type", "value", "zone"), batched=True, import_id=("name", "type")),
    # Both sides, whole: each names where its answer lives (zone, provider, TSIG key and its secret reference).
    KindSpec("dns.split_horizon", identity=("name", "type", "zone", "internal", "public")),
    KindSpec("dns.ddns", identity=("name", "type", "value", "zone")),
    # The cert modules remove the files a task names; the options only a create needs are left out.
    KindSpec("cert.ca", identity=("cert_path", "key_path", "intermediate")),
    KindSpec("cert.issue", identity=("cert_path", "key_path", "fullchain_path")),
    KindSpec("cert.acme", identity=("private_key_path", "fullchain_path", "cert_path"),
             connection={"acme_directory": "acme_directory", "acme_ca_cert": "acme_ca_cert"}),
    KindSpec("cert.deploy", identity=("cert_dest", "key_dest", "fullchain_dest", "bundle_dest")),
)})

_UNKNOWN: dict[str, KindSpec] = {}


def kind_spec(kind: str) -> KindSpec:
    """The spec of ``kind``; a kind the registry does not know gets the defaults (a task of its own,
    identified by ``name``), so a plan stored by a newer version still renders."""
    found = KINDS.get(kind)
    if found is None:
        found = _UNKNOWN.setdefault(kind, KindSpec(kind))
    return found
