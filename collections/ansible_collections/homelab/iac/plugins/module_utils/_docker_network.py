# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""The ``docker network`` resource for the reconcile engine, and the docker_network module's logic."""

from __future__ import annotations

import dataclasses
from typing import Any, NoReturn

from ansible_collections.homelab.iac.plugins.module_utils._docker_common import (
    ADOPT_ARG,
    DockerModuleClient,
    is_managed,
    not_managed,
    string_map,
    with_managed_label,
)
from ansible_collections.homelab.iac.plugins.module_utils._docker_engine import DockerEngine
from ansible_collections.homelab.iac.plugins.module_utils._docker_values import NetworkSpec
from ansible_collections.homelab.iac.plugins.module_utils._reconcile import (
    Field,
    ReconcileError,
    Resource,
)

NETWORK_ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    "name": {"type": "str", "required": True},
    "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
    "driver": {"type": "str", "default": "bridge"},
    "subnet": {"type": "str"},
    "gateway": {"type": "str"},
    "driver_options": {"type": "dict"},
    "internal": {"type": "bool", "default": False},
    "labels": {"type": "dict"},
    "force": {"type": "bool", "default": False},
    **ADOPT_ARG,
}

NetworkInspect = dict[str, Any]


def _ipam_config(observed: NetworkInspect) -> dict[str, Any]:
    configs = (observed.get("IPAM") or {}).get("Config") or []
    return dict(configs[0]) if configs else {}


def attached_containers(observed: NetworkInspect) -> dict[str, str]:
    """Container id -> name for every container attached to the network."""
    return {
        container_id: str(endpoint.get("Name") or container_id[:12])
        for container_id, endpoint in (observed.get("Containers") or {}).items()
    }


class DockerNetwork(Resource[NetworkInspect]):
    """A Docker network. Docker cannot change any network property in place, so every difference
    (including labels) means delete + create; attached containers block that unless ``force``.

    With ``adopt`` a network without the managed label may be replaced too; its successor keeps the
    old one's labels (unless the task sets ``labels``) and gains the managed label.
    """

    kind = "docker network"
    fields = (
        Field("driver", replace=True),
        Field("subnet", replace=True),
        Field("gateway", replace=True),
        Field("driver_options", replace=True),
        Field("internal", replace=True),
        Field("labels", replace=True),
    )

    def __init__(self, engine: DockerEngine, params: dict[str, Any]) -> None:
        self.engine = engine
        self.name: str = params["name"]
        self.force: bool = bool(params.get("force"))
        self.adopt: bool = bool(params.get("adopt"))
        self._existing: NetworkInspect | None = None
        # Unset labels are not compared; whatever the task says, the managed label is added.
        self.manage_labels = params.get("labels") is not None
        self.spec = NetworkSpec(
            name=self.name,
            driver=params.get("driver") or "bridge",
            subnet=params.get("subnet"),
            gateway=params.get("gateway"),
            driver_options=None if params.get("driver_options") is None else string_map(params["driver_options"]),
            internal=bool(params.get("internal")),
            labels=with_managed_label(params.get("labels")),
        )

    def read(self) -> NetworkInspect | None:
        self._existing = self.engine.inspect_network(self.name)
        return self._existing

    def current(self, observed: NetworkInspect) -> dict[str, Any]:
        ipam = _ipam_config(observed)
        return {
            "driver": observed.get("Driver"),
            "subnet": ipam.get("Subnet") or None,
            "gateway": ipam.get("Gateway") or None,
            "driver_options": string_map(observed.get("Options")) or None,  # none given and none set are one
            "internal": bool(observed.get("Internal")),
            "labels": dict(observed.get("Labels") or {}),
        }

    def desired(self) -> dict[str, Any]:
        return {
            "driver": self.spec.driver,
            "subnet": self.spec.subnet,
            "gateway": self.spec.gateway,
            "driver_options": self.spec.driver_options or None,
            "internal": self.spec.internal,
            "labels": dict(self.spec.labels) if self.manage_labels else None,
        }

    def check_delete(self, observed: NetworkInspect) -> None:
        if not self.adopt and not is_managed(observed.get("Labels")):
            raise not_managed(f"network {self.name}", "remove or replace")
        containers = attached_containers(observed)
        if containers and not self.force:
            names = ", ".join(sorted(containers.values()))
            raise ReconcileError(
                f"network {self.name} has containers attached ({names}): refusing to remove or replace it; "
                "detach them first or set force: true to disconnect them"
            )

    def create(self) -> None:
        spec = self.spec
        if self.adopt and not self.manage_labels and self._existing is not None:
            spec = dataclasses.replace(spec, labels=with_managed_label(self._existing.get("Labels")))
        self.engine.create_network(spec)

    def delete(self, observed: NetworkInspect) -> None:
        network_id = str(observed["Id"])
        for container_id in attached_containers(observed):
            self.engine.disconnect(network_id, container_id)
        self.engine.remove_network(network_id)

    def facts(self, observed: NetworkInspect | None) -> dict[str, Any]:
        if observed is None:
            return {}
        view = self.current(observed)
        return {
            "id": observed.get("Id"),
            "name": observed.get("Name"),
            "driver": view["driver"],
            "subnet": view["subnet"],
            "gateway": view["gateway"],
            "driver_options": view["driver_options"],
            "internal": view["internal"],
            "labels": view["labels"],
            "containers": sorted(attached_containers(observed).values()),
        }


def run_network_module() -> NoReturn:
    """Everything homelab.iac.docker_network does, so the module file stays documentation + main()."""
    client = DockerModuleClient(NETWORK_ARGUMENT_SPEC)
    state = client.params["state"]
    client.reconcile(DockerNetwork, state, facts_key="network", reasons_key="replaced_because")
