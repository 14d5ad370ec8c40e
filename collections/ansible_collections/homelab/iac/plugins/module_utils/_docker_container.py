# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""The ``docker container`` resource for the reconcile engine, and the docker_container module's logic.

What docker can change in place is updated in place (running state, network membership, memory,
CPUs, restart policy); everything else (image, command, env, ports, labels, mounts, healthcheck,
init, stop signal/timeout) needs a new container and is reported in ``recreated_because``. A
replacement keeps the old container (stopped, renamed) until the new one has started, so a failed
replacement puts the old one back: no partial change.

The environment is compared as one (``env`` merged with ``secret_env``) but diffed in two parts:
readable values under ``env``, masked ones under ``secret_env``.
"""

from __future__ import annotations

from typing import Any, NoReturn

from ansible_collections.homelab.iac.plugins.module_utils._docker_common import (
    ADOPT_ARG,
    DockerModuleClient,
    is_managed,
    not_managed,
    with_managed_label,
)
from ansible_collections.homelab.iac.plugins.module_utils._docker_container_views import (
    ContainerInspect,
    container_facts,
    container_view,
    env_view,
    networks_view,
    normalise_image_name,
    normalise_signal,
)
from ansible_collections.homelab.iac.plugins.module_utils._docker_engine import (
    DockerEngine,
    DockerEngineError,
)
from ansible_collections.homelab.iac.plugins.module_utils._docker_values import (
    ContainerSpec,
    InvalidValue,
    env_names_looking_secret,
    parse_command,
    parse_cpus,
    parse_environment,
    parse_healthcheck,
    parse_memory,
    parse_mounts,
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
    "env": {"type": "dict"},
    "secret_env": {"type": "dict", "no_log": True},
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
    "mounts": {
        "type": "list",
        "elements": "dict",
        "options": {
            "type": {"type": "str", "default": "volume", "choices": ["bind", "volume", "tmpfs"]},
            "source": {"type": "str"},
            "target": {"type": "str", "required": True},
            "read_only": {"type": "bool", "default": False},
        },
    },
    "volumes": {"type": "list", "elements": "str"},
    "healthcheck": {
        "type": "dict",
        "options": {
            "test": {"type": "raw"},
            "interval": {"type": "str"},
            "timeout": {"type": "str"},
            "retries": {"type": "int"},
            "start_period": {"type": "str"},
            "disable": {"type": "bool", "default": False},
        },
    },
    "init": {"type": "bool"},
    "stop_signal": {"type": "str"},
    "stop_timeout": {"type": "int"},
    **ADOPT_ARG,
}


class DockerContainer(Resource[ContainerInspect]):
    """A Docker container, reconciled to a desired spec and running state.

    ``image`` is required unless the task ``adopt``s an existing container: then the image is not
    managed when left out, a container without the managed label may be changed, and a recreated
    one keeps the old one's image and labels (unless the task sets them) and gains the managed label.
    """

    kind = "docker container"
    fields = (
        Field("image", replace=True),
        Field("image_id", replace=True),
        Field("command", replace=True),
        Field("env", replace=True),
        Field("secret_env", replace=True, secret=True),
        Field("ports", replace=True),
        Field("network_mode", replace=True),
        Field("labels", replace=True),
        Field("mounts", replace=True),
        Field("healthcheck", replace=True),
        Field("init", replace=True),
        Field("stop_signal", replace=True),
        Field("stop_timeout", replace=True),
        Field("networks"),
        Field("memory"),
        Field("cpus"),
        Field("restart_policy"),
        Field("running"),
    )

    def __init__(self, engine: DockerEngine, params: dict[str, Any]) -> None:
        self.engine = engine
        self.name: str = params["name"]
        state = params.get("state") or "started"
        self.running: bool | None = {"started": True, "stopped": False}.get(state)
        self.adopt = bool(params.get("adopt"))
        # Without adopt the image is required, as AnsibleModule's required_if once said it.
        self.manage_image = params.get("image") is not None
        if not self.manage_image and state != "absent" and not self.adopt:
            raise InvalidValue(f"state is {state} but all of the following are missing: image")
        # Unset labels are not compared; whatever the task says, the managed label is added.
        self.manage_labels = params.get("labels") is not None
        self.environment = parse_environment(params.get("env"), params.get("secret_env"))
        # Values under such names are masked anyway, but only secret_env keeps them out of the
        # arguments Ansible itself echoes and logs.
        self.warnings = [
            f"env: {name} looks like a secret; its value is masked in the diff and results, but Ansible "
            f"shows and logs env as given: move {name} to secret_env"
            for name in env_names_looking_secret(params.get("env"))
        ]
        mounts = parse_mounts(params.get("mounts"), params.get("volumes"))
        self.manage_mounts = mounts is not None
        self.spec = ContainerSpec(
            name=self.name,
            image=normalise_image_name(params["image"]) if self.manage_image else "",
            command=parse_command(params.get("command")),
            env=self.environment.values or {},
            networks=parse_networks(params.get("networks")),
            memory=parse_memory(params.get("memory")),
            nano_cpus=parse_cpus(params.get("cpus")),
            restart_policy=params.get("restart_policy") or "unless-stopped",
            labels=with_managed_label(params.get("labels")),
            mounts=mounts or [],
            healthcheck=parse_healthcheck(params.get("healthcheck")),
            init=params.get("init"),
            stop_signal=normalise_signal(params.get("stop_signal")),
            stop_timeout=params.get("stop_timeout"),
        )
        if self.spec.stop_timeout is not None and self.spec.stop_timeout < 0:
            raise InvalidValue(f"stop_timeout: {self.spec.stop_timeout} must not be negative")
        ports = parse_ports(params.get("ports"))
        self.manage_ports = ports is not None
        self.spec.ports = ports or []
        self._image: dict[str, Any] | None = None
        self._existing: ContainerInspect | None = None

    # -- reading and normalising -----------------------------------------------------------
    def read(self) -> ContainerInspect | None:
        self._existing = self.engine.inspect_container(self.name)
        return self._existing

    def image(self) -> dict[str, Any] | None:
        """The desired image as the engine has it locally (None when it is not there yet, or not managed)."""
        if self._image is None and self.spec.image:
            self._image = self.engine.inspect_image(self.spec.image)
        return self._image

    def current(self, observed: ContainerInspect) -> dict[str, Any]:
        # Compare env and labels against what the container's own image brings, not ours.
        image = self.engine.inspect_image(str(observed.get("Image", ""))) or {}
        view = container_view(observed, image.get("Config") or {})
        view["env"], view["secret_env"] = self.environment.split(view["env"])
        return view

    def desired(self) -> dict[str, Any]:
        spec = self.spec
        image = self.image()
        networks = spec.networks
        env, secret_env = self.environment.split(spec.env) if self.environment.managed else (None, None)
        return {
            "image": spec.image if self.manage_image else None,
            "image_id": image.get("Id") if image and self.manage_image else None,
            "command": spec.command,
            "env": env,
            "secret_env": secret_env,
            "ports": sorted(str(binding) for binding in spec.ports) if self.manage_ports else None,
            "network_mode": None if networks is None else ("none" if not networks else "networks"),
            "labels": dict(spec.labels) if self.manage_labels else None,
            "networks": None if networks is None else {n.name: n.view() for n in networks},
            "memory": spec.memory,
            "cpus": None if spec.nano_cpus is None else round(spec.nano_cpus / 1e9, 9),
            "restart_policy": spec.restart_policy,
            "running": self.running,
            "mounts": [str(mount) for mount in spec.mounts] if self.manage_mounts else None,
            "healthcheck": spec.healthcheck.view() if spec.healthcheck else None,
            "init": spec.init,
            "stop_signal": spec.stop_signal,
            "stop_timeout": spec.stop_timeout,
        }

    # -- guards ------------------------------------------------------------------------------
    def check_delete(self, observed: ContainerInspect) -> None:
        if not self.adopt and not is_managed((observed.get("Config") or {}).get("Labels")):
            raise not_managed(f"container {self.name}", "remove or recreate")

    def check_update(self, observed: ContainerInspect) -> None:
        # Starting, stopping or re-networking someone else's container is touching it too.
        self.check_delete(observed)

    def check_create(self) -> None:
        # An adopted container replaced without an image keeps its own (see _keep_unmanaged).
        if not self.spec.image and self._existing is None:
            raise ReconcileError(f"container {self.name} does not exist: image is required to create it")

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
        if self.adopt:
            self._keep_unmanaged(observed)
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
            self._reconnect(container_id, networks_view(observed))
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
        image_config = (self.engine.inspect_image(str(observed.get("Image", ""))) or {}).get("Config") or {}
        # Only values the task gives in env under a harmless name are readable.
        return {**container_facts(observed, image_config),
                "env": self.environment.masked(env_view(observed, image_config))}

    # -- helpers -----------------------------------------------------------------------------
    def _keep_unmanaged(self, observed: ContainerInspect) -> None:
        """An adopted container's successor keeps the image and labels the task does not set."""
        config = observed.get("Config") or {}
        if not self.manage_image:
            self.spec.image = normalise_image_name(str(config.get("Image") or ""))
            self._image = None
        if not self.manage_labels:
            own = container_view(observed, (self.engine.inspect_image(str(observed.get("Image", ""))) or {})
                                 .get("Config") or {})["labels"]  # fmt: skip
            self.spec.labels = with_managed_label(own)

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
    client = DockerModuleClient(CONTAINER_ARGUMENT_SPEC)
    state = "absent" if client.params["state"] == "absent" else "present"

    def build(engine: DockerEngine, params: dict[str, Any]) -> DockerContainer:
        container = DockerContainer(engine, params)
        for warning in container.warnings:
            client.module.warn(warning)
        return container

    client.reconcile(build, state, facts_key="container", reasons_key="recreated_because",
                     subject=f"container {client.params['name']}")
