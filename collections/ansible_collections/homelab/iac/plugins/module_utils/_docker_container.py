# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""The ``docker container`` resource for the reconcile engine, and the docker_container module's logic.

What docker can change in place is updated in place (running state, network membership, memory,
CPUs, restart policy); everything else needs a new container and is reported in
``recreated_because``. A replacement keeps the old container (stopped, renamed) until the new one
has started, so a failed replacement puts the old one back: no partial change.
"""

from __future__ import annotations

from typing import Any, NoReturn

from ansible_collections.homelab.iac.plugins.module_utils._docker_common import (
    MANAGED_LABEL,
    MANAGED_VALUE,
    DockerModuleClient,
)
from ansible_collections.homelab.iac.plugins.module_utils._docker_engine import (
    DockerEngine,
    DockerEngineError,
)
from ansible_collections.homelab.iac.plugins.module_utils._docker_values import (
    ContainerSpec,
    NetworkAttachment,
    PortBinding,
    parse_command,
    parse_cpus,
    parse_memory,
    parse_networks,
    parse_ports,
    port_in_use_message,
)
from ansible_collections.homelab.iac.plugins.module_utils._reconcile import (
    Field,
    ReconcileError,
    Resource,
)

CONTAINER_ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    "name": {"type": "str", "required": True},
    "state": {
        "type": "str",
        "default": "started",
        "choices": ["started", "stopped", "present", "absent"],
    },
    "image": {"type": "str"},
    "command": {"type": "raw"},
    "env": {"type": "dict", "no_log": True},
    "ports": {"type": "list", "elements": "str"},
    "networks": {
        "type": "list",
        "elements": "dict",
        "options": {
            "name": {"type": "str", "required": True},
            "ipv4_address": {"type": "str"},
            "aliases": {"type": "list", "elements": "str"},
        },
    },
    "memory": {"type": "str"},
    "cpus": {"type": "float"},
    "restart_policy": {
        "type": "str",
        "default": "unless-stopped",
        "choices": ["no", "always", "unless-stopped", "on-failure"],
    },
    "labels": {"type": "dict"},
}
CONTAINER_REQUIRED_IF = [(key, value, ["image"]) for key, value in (("state", "started"),
                                                                    ("state", "stopped"),
                                                                    ("state", "present"))]

# Network modes that are not memberships: moving into or out of them needs a new container.
_SPECIAL_NETWORKS = ("none", "host")

ContainerInspect = dict[str, Any]


def normalise_image_name(name: str) -> str:
    """``busybox`` -> ``busybox:latest`` so equivalent spellings compare equal."""
    if "@" in name:
        return name
    last = name.rsplit("/", 1)[-1]
    return name if ":" in last else f"{name}:latest"


def _env_dict(entries: list[str] | None) -> dict[str, str]:
    pairs = (entry.split("=", 1) for entry in entries or [])
    return {pair[0]: pair[1] if len(pair) > 1 else "" for pair in pairs}


def _without_inherited(values: dict[str, str], inherited: dict[str, str]) -> dict[str, str]:
    """Drop entries the image itself defines (same key and value): they are not the task's to manage."""
    return {key: value for key, value in values.items() if inherited.get(key) != value}


def _network_mode(observed: ContainerInspect) -> str:
    mode = str((observed.get("HostConfig") or {}).get("NetworkMode") or "default")
    return mode if mode in _SPECIAL_NETWORKS or mode.startswith("container:") else "networks"


def _ports_view(observed: ContainerInspect) -> list[str]:
    bindings = (observed.get("HostConfig") or {}).get("PortBindings") or {}
    result = []
    for container_key, hosts in bindings.items():
        port, _sep, protocol = container_key.partition("/")
        for host in hosts or []:
            binding = PortBinding(host.get("HostIp") or "0.0.0.0", int(host["HostPort"]), int(port), protocol or "tcp")
            result.append(str(binding))
    return sorted(result)


def _networks_view(observed: ContainerInspect) -> dict[str, dict[str, Any]]:
    # Docker adds the container's short id as an alias on every user network; it is not ours.
    short_id = str(observed.get("Id", ""))[:12]
    networks = (observed.get("NetworkSettings") or {}).get("Networks") or {}
    view = {}
    for name, endpoint in networks.items():
        if name in _SPECIAL_NETWORKS:
            continue
        ipam = endpoint.get("IPAMConfig") or {}
        aliases = [alias for alias in endpoint.get("Aliases") or [] if alias != short_id]
        view[name] = NetworkAttachment(name, ipam.get("IPv4Address") or None, tuple(sorted(aliases))).view()
    return view


def _cpus(host_config: dict[str, Any]) -> float:
    if host_config.get("NanoCpus"):
        return round(host_config["NanoCpus"] / 1e9, 9)
    if host_config.get("CpuQuota") and host_config.get("CpuPeriod"):
        return round(host_config["CpuQuota"] / host_config["CpuPeriod"], 9)
    return 0.0


class DockerContainer(Resource[ContainerInspect]):
    """A Docker container, reconciled to a desired spec and running state."""

    kind = "docker container"
    fields = (
        Field("image", replace=True),
        Field("image_id", replace=True),
        Field("command", replace=True),
        Field("env", replace=True, secret=True),
        Field("ports", replace=True),
        Field("network_mode", replace=True),
        Field("labels", replace=True),
        Field("networks"),
        Field("memory"),
        Field("cpus"),
        Field("restart_policy"),
        Field("running"),
    )

    def __init__(self, engine: DockerEngine, params: dict[str, Any]) -> None:
        self.engine = engine
        self.name: str = params["name"]
        self.running: bool | None = {"started": True, "stopped": False}.get(params.get("state") or "started")
        # Unset labels are not compared; whatever the task says, the managed label is added.
        self.manage_labels = params.get("labels") is not None
        labels = {str(key): str(value) for key, value in (params.get("labels") or {}).items()}
        labels[MANAGED_LABEL] = MANAGED_VALUE
        env = params.get("env")
        self.manage_env = env is not None
        self.spec = ContainerSpec(
            name=self.name,
            image=normalise_image_name(params.get("image") or ""),
            command=parse_command(params.get("command")),
            env={str(key): str(value) for key, value in (env or {}).items()},
            networks=parse_networks(params.get("networks")),
            memory=parse_memory(params.get("memory")),
            nano_cpus=parse_cpus(params.get("cpus")),
            restart_policy=params.get("restart_policy") or "unless-stopped",
            labels=labels,
        )
        ports = parse_ports(params.get("ports"))
        self.manage_ports = ports is not None
        self.spec.ports = ports or []
        self._image: dict[str, Any] | None = None

    # -- reading and normalising -----------------------------------------------------------
    def read(self) -> ContainerInspect | None:
        return self.engine.inspect_container(self.name)

    def image(self) -> dict[str, Any] | None:
        """The desired image as the engine has it locally (None when it is not there yet)."""
        if self._image is None:
            self._image = self.engine.inspect_image(self.spec.image)
        return self._image

    def current(self, observed: ContainerInspect) -> dict[str, Any]:
        config = observed.get("Config") or {}
        host_config = observed.get("HostConfig") or {}
        # Compare env and labels against what the container's own image brings, not ours.
        image = self.engine.inspect_image(str(observed.get("Image", ""))) or {}
        image_config = image.get("Config") or {}
        return {
            "image": normalise_image_name(str(config.get("Image", ""))),
            "image_id": observed.get("Image"),
            "command": list(config.get("Cmd") or []),
            "env": _without_inherited(_env_dict(config.get("Env")), _env_dict(image_config.get("Env"))),
            "ports": _ports_view(observed),
            "network_mode": _network_mode(observed),
            "labels": _without_inherited(dict(config.get("Labels") or {}), image_config.get("Labels") or {}),
            "networks": _networks_view(observed),
            "memory": int(host_config.get("Memory") or 0),
            "cpus": _cpus(host_config),
            "restart_policy": (host_config.get("RestartPolicy") or {}).get("Name") or "no",
            "running": bool((observed.get("State") or {}).get("Running")),
        }

    def desired(self) -> dict[str, Any]:
        spec = self.spec
        image = self.image()
        networks = spec.networks
        return {
            "image": spec.image,
            "image_id": image.get("Id") if image else None,
            "command": spec.command,
            "env": dict(spec.env) if self.manage_env else None,
            "ports": sorted(str(binding) for binding in spec.ports) if self.manage_ports else None,
            "network_mode": None if networks is None else ("none" if not networks else "networks"),
            "labels": dict(spec.labels) if self.manage_labels else None,
            "networks": None if networks is None else {n.name: n.view() for n in networks},
            "memory": spec.memory,
            "cpus": None if spec.nano_cpus is None else round(spec.nano_cpus / 1e9, 9),
            "restart_policy": spec.restart_policy,
            "running": self.running,
        }

    # -- guards ------------------------------------------------------------------------------
    def check_delete(self, observed: ContainerInspect) -> None:
        labels = (observed.get("Config") or {}).get("Labels") or {}
        if labels.get(MANAGED_LABEL) != MANAGED_VALUE:
            raise ReconcileError(
                f"container {self.name} was not created by homelab.iac (no label {MANAGED_LABEL}="
                f"{MANAGED_VALUE}): refusing to remove or recreate it; remove it by hand or pick another name"
            )

    # -- acting ------------------------------------------------------------------------------
    def create(self) -> None:
        self._ensure_image()
        container_id = self.engine.create_container(self.spec)
        try:
            for attachment in (self.spec.networks or [])[1:]:
                self.engine.connect(attachment.name, container_id, attachment.ipv4_address, list(attachment.aliases))
            if self.running:
                self._start(container_id)
        except (DockerEngineError, ReconcileError):
            # Leave nothing half-made behind: the container exists only because of this run.
            self.engine.remove_container(container_id)
            raise

    def replace(self, observed: ContainerInspect, reasons: list[str]) -> None:
        self._ensure_image()
        old_id = str(observed["Id"])
        was_running = bool((observed.get("State") or {}).get("Running"))
        # Stopping frees the old container's host ports and static IPs for its successor; the
        # rename frees its name. Both are undone if the successor cannot be made to work.
        if was_running:
            self.engine.stop_container(old_id)
        self.engine.rename_container(old_id, f"{self.name}-homelab-iac-replaced-{old_id[:12]}")
        try:
            self.create()
        except (DockerEngineError, ReconcileError):
            self.engine.rename_container(old_id, self.name)
            if was_running:
                self.engine.start_container(old_id)
            raise
        self.engine.remove_container(old_id)

    def update(self, observed: ContainerInspect, changed: list[str]) -> None:
        container_id = str(observed["Id"])
        limits = {"memory", "cpus", "restart_policy"} & set(changed)
        if limits:
            self.engine.update_container(
                container_id,
                memory=self.spec.memory if "memory" in limits else None,
                nano_cpus=self.spec.nano_cpus if "cpus" in limits else None,
                restart_policy=self.spec.restart_policy if "restart_policy" in limits else None,
            )
        if "networks" in changed:
            self._reconnect(container_id, _networks_view(observed))
        if "running" in changed:
            if self.running:
                self._start(container_id)
            else:
                self.engine.stop_container(container_id)

    def delete(self, observed: ContainerInspect) -> None:
        self.engine.remove_container(str(observed["Id"]))

    def facts(self, observed: ContainerInspect | None) -> dict[str, Any]:
        if observed is None:
            return {}
        networks = (observed.get("NetworkSettings") or {}).get("Networks") or {}
        config = observed.get("Config") or {}
        return {
            "id": observed.get("Id"),
            "name": str(observed.get("Name", "")).lstrip("/"),
            "image": config.get("Image"),
            "status": (observed.get("State") or {}).get("Status"),
            "ports": _ports_view(observed),
            "networks": {name: {"ip": endpoint.get("IPAddress") or None} for name, endpoint in networks.items()},
            "labels": dict(config.get("Labels") or {}),
        }

    # -- helpers -----------------------------------------------------------------------------
    def _ensure_image(self) -> None:
        if self.image() is not None:
            return
        try:
            self.engine.pull_image(self.spec.image)
        except DockerEngineError as exc:
            raise ReconcileError(
                f"image {self.spec.image} is not on the Docker host and could not be pulled: {exc}"
            ) from exc
        self._image = self.engine.inspect_image(self.spec.image)
        if self._image is None:
            raise ReconcileError(f"image {self.spec.image} is still missing after pulling it")

    def _start(self, container_id: str) -> None:
        try:
            self.engine.start_container(container_id)
        except DockerEngineError as exc:
            message = port_in_use_message(str(exc), self.spec.ports)
            raise ReconcileError(message or f"container {self.name} could not start: {exc}") from exc

    def _reconnect(self, container_id: str, current: dict[str, dict[str, Any]]) -> None:
        wanted = {attachment.name: attachment for attachment in self.spec.networks or []}
        for name, view in current.items():
            if name not in wanted or wanted[name].view() != view:
                self.engine.disconnect(name, container_id)
        for name, attachment in wanted.items():
            if current.get(name) != attachment.view():
                self.engine.connect(name, container_id, attachment.ipv4_address, list(attachment.aliases))


def run_container_module() -> NoReturn:
    """Everything homelab.iac.docker_container does, so the module file stays documentation + main()."""
    client = DockerModuleClient(CONTAINER_ARGUMENT_SPEC, required_if=CONTAINER_REQUIRED_IF)
    state = "absent" if client.params["state"] == "absent" else "present"
    client.reconcile(DockerContainer, state, facts_key="container", reasons_key="recreated_because")
