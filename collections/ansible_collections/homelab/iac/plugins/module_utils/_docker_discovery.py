# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""Discovery for docker_info: networks, volumes and containers as discovery items (``_discovery``).

Each object is read the way its module reads it (one listing, then one inspect per object, images
inspected once through ``CachedReads``), and its spec is the kind's resource view built from the
identity options plus ``adopt: true``, so a check-mode run of docker_network, docker_volume or
docker_container with ``name`` and ``adopt: true`` returns it as ``diff.before``. The engine's own
networks (``bridge``, ``host``, ``none``) are not listed: no module manages them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ansible_collections.homelab.iac.plugins.module_utils._discovery import discovered, resource_name, unique_names
from ansible_collections.homelab.iac.plugins.module_utils._docker_common import MANAGED_LABEL, MANAGED_VALUE, is_managed
from ansible_collections.homelab.iac.plugins.module_utils._docker_container import DockerContainer
from ansible_collections.homelab.iac.plugins.module_utils._docker_engine import DockerEngine
from ansible_collections.homelab.iac.plugins.module_utils._docker_kinds import CachedReads
from ansible_collections.homelab.iac.plugins.module_utils._docker_network import DockerNetwork
from ansible_collections.homelab.iac.plugins.module_utils._docker_volume import DockerVolume
from ansible_collections.homelab.iac.plugins.module_utils._reconcile import Resource

#: Networks every engine has; they are the engine's, not anyone's resources.
DEFAULT_NETWORKS = frozenset({"bridge", "host", "none"})


def _items(
    kind: str,
    names: list[str],
    build: Callable[[str], Resource[Any]],
    read: Callable[[str], dict[str, Any] | None],
    labels: Callable[[dict[str, Any]], dict[str, Any] | None],
) -> list[dict[str, Any]]:
    items = []
    for name in sorted(set(names)):
        observed = read(name)
        if observed is None:  # removed between the listing and the inspect
            continue
        resource = build(name)
        items.append(discovered(kind, name, resource_name(name, kind), is_managed(labels(observed)),
                                resource.view(observed), resource.facts(observed)))  # fmt: skip
    return unique_names(items)


class DockerDiscovery:
    """Lists one engine's objects; ``managed_only`` keeps those with homelab-iac's label."""

    def __init__(self, engine: DockerEngine, managed_only: bool = False) -> None:
        # Duck-typed as a DockerEngine, as docker_batch hands it to the same resource classes.
        self.engine: Any = CachedReads(engine)
        self.labels = {MANAGED_LABEL: MANAGED_VALUE} if managed_only else None

    def _adopting(self, name: str) -> dict[str, Any]:
        return {"name": name, "adopt": True}

    def networks(self) -> list[dict[str, Any]]:
        """User networks (not bridge/host/none) as ``network`` items."""
        names = [str(n.get("Name")) for n in self.engine.list_networks(self.labels)
                 if n.get("Name") not in DEFAULT_NETWORKS]  # fmt: skip
        return _items("network", names, lambda name: DockerNetwork(self.engine, self._adopting(name)),
                      self.engine.inspect_network, lambda observed: observed.get("Labels"))  # fmt: skip

    def volumes(self) -> list[dict[str, Any]]:
        """Named volumes as ``volume`` items."""
        names = [str(v.get("Name")) for v in self.engine.list_volumes(self.labels)]
        return _items("volume", names, lambda name: DockerVolume(self.engine, self._adopting(name)),
                      self.engine.inspect_volume, lambda observed: observed.get("Labels"))  # fmt: skip

    def containers(self) -> list[dict[str, Any]]:
        """Containers, running or not, as ``container`` items."""
        names = [str(each).lstrip("/") for summary in self.engine.list_containers(self.labels)
                 for each in (summary.get("Names") or [])[:1]]  # fmt: skip
        return _items("container", names, lambda name: DockerContainer(self.engine, self._adopting(name)),
                      self.engine.inspect_container,
                      lambda observed: (observed.get("Config") or {}).get("Labels"))  # fmt: skip
