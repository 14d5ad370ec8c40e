# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""The docker resource kinds by name, for the modules that handle many resources in one process.

docker_batch and docker_stack reconcile containers, networks, volumes and images with the very
classes the single-resource modules use; this file maps a kind name to its class and argument spec,
validates one item's arguments the way AnsibleModule would, and offers ``CachedReads``, the engine
wrapper that lets a batch read each object once.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible_collections.homelab.iac.plugins.module_utils._docker_container import (
    CONTAINER_ARGUMENT_SPEC,
    DockerContainer,
)
from ansible_collections.homelab.iac.plugins.module_utils._docker_engine import DockerEngine
from ansible_collections.homelab.iac.plugins.module_utils._docker_image import IMAGE_ARGUMENT_SPEC, DockerImage
from ansible_collections.homelab.iac.plugins.module_utils._docker_network import NETWORK_ARGUMENT_SPEC, DockerNetwork
from ansible_collections.homelab.iac.plugins.module_utils._docker_values import InvalidValue
from ansible_collections.homelab.iac.plugins.module_utils._docker_volume import VOLUME_ARGUMENT_SPEC, DockerVolume
from ansible_collections.homelab.iac.plugins.module_utils._reconcile import Resource


@dataclass(frozen=True)
class Kind:
    """One resource kind as the many-resource modules see it."""

    name: str
    resource: Callable[[Any, dict[str, Any]], Resource[Any]]
    argument_spec: dict[str, dict[str, Any]]
    facts_key: str
    reasons_key: str
    required_if: list[Any] = field(default_factory=list)
    mutually_exclusive: list[Any] = field(default_factory=list)

    def validate(self, params: dict[str, Any], where: str) -> tuple[dict[str, Any], set[str]]:
        """Arguments with defaults applied, and the values to hide (no_log); InvalidValue names ``where``."""
        validator = ArgumentSpecValidator(
            self.argument_spec, required_if=self.required_if, mutually_exclusive=self.mutually_exclusive
        )
        result = validator.validate(params)
        if result.error_messages:
            raise InvalidValue(f"{where} ({self.name}): {'; '.join(result.error_messages)}")
        return result.validated_parameters, set(result._no_log_values)

    def state(self, params: dict[str, Any]) -> str:
        """The reconcile state (present/absent) that the item's ``state`` means."""
        return "absent" if params.get("state") == "absent" else "present"


KINDS: dict[str, Kind] = {
    "container": Kind("container", DockerContainer, CONTAINER_ARGUMENT_SPEC, "container", "recreated_because"),
    "network": Kind("network", DockerNetwork, NETWORK_ARGUMENT_SPEC, "network", "replaced_because"),
    "volume": Kind("volume", DockerVolume, VOLUME_ARGUMENT_SPEC, "volume", "replaced_because"),
    "image": Kind(
        "image",
        DockerImage,
        IMAGE_ARGUMENT_SPEC,
        "image",
        "replaced_because",
        mutually_exclusive=[("build", "load_path")],
    ),
}

# Which cached reads a write can make stale. Connecting a container changes both its own inspect
# and the network's; image writes never change a container, and so on.
_INVALIDATES = {
    "container": ("container", "network"),
    "network": ("network", "container"),
    "volume": ("volume",),
    "image": ("image",),
}
_WRITE_KINDS = {
    "create_container": "container",
    "start_container": "container",
    "stop_container": "container",
    "remove_container": "container",
    "rename_container": "container",
    "update_container": "container",
    "connect": "network",
    "disconnect": "network",
    "create_network": "network",
    "remove_network": "network",
    "create_volume": "volume",
    "remove_volume": "volume",
    "pull_image": "image",
    "build_image": "image",
    "load_image": "image",
    "tag_image": "image",
    "remove_image": "image",
}


class CachedReads:
    """A DockerEngine whose inspect reads are served from memory until a write makes them stale.

    The containers that exist are listed once up front, so a batch creating twenty containers
    makes one list call instead of twenty failing inspects; the image shared by those containers is
    inspected once. Writes pass straight through.

    Safe to share between threads: with ``connect`` (a factory of further DockerEngine
    connections), every worker thread talks to the engine over its own connection, while the
    cache, the listing and the set of touched names are shared under a lock. A read that was
    in flight while a write of a kind it depends on happened is returned but not cached, and two
    threads asking for the same object wait for one read.
    """

    def __init__(self, engine: DockerEngine, connect: Callable[[], DockerEngine] | None = None) -> None:
        self._main = engine
        self._connect = connect
        self._local = threading.local()
        self._lock = threading.Lock()
        self._key_locks: dict[tuple[str, str], threading.Lock] = {}
        self._cache: dict[tuple[str, str], dict[str, Any] | None] = {}
        self._generation = {kind: 0 for kind in _INVALIDATES}
        self._summaries: dict[str, dict[str, Any]] | None = None
        # Names a write may have created since the listing: those are asked for again.
        self._touched: set[str] = set()

    @property
    def engine(self) -> DockerEngine:
        """The calling thread's connection (the main one unless ``connect`` was given)."""
        if self._connect is None or threading.current_thread() is threading.main_thread():
            return self._main
        engine = getattr(self._local, "engine", None)
        if engine is None:
            engine = self._local.engine = self._connect()
        return engine

    def container_summaries(self) -> dict[str, dict[str, Any]]:
        """The containers that existed at the first call, by name (one list call per batch)."""
        with self._lock:
            if self._summaries is None:
                summaries = self._main.list_containers()
                self._summaries = {
                    str(each).lstrip("/"): item for item in summaries for each in item.get("Names") or []
                }
            return self._summaries

    def inspect_container(self, name: str) -> dict[str, Any] | None:
        """Inspect a container by exact name (None without a call if it did not exist at the start)."""
        existing = self.container_summaries()
        with self._lock:
            unknown = name not in existing and name not in self._touched
        if unknown:
            return None
        return self._read("container", name, "inspect_container")

    def inspect_network(self, name: str) -> dict[str, Any] | None:
        """Inspect a network (cached)."""
        return self._read("network", name, "inspect_network")

    def inspect_volume(self, name: str) -> dict[str, Any] | None:
        """Inspect a volume (cached)."""
        return self._read("volume", name, "inspect_volume")

    def inspect_image(self, name: str) -> dict[str, Any] | None:
        """Inspect an image (cached)."""
        return self._read("image", name, "inspect_image")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        method = getattr(self.engine, name)
        kind = _WRITE_KINDS.get(name)
        if kind is None:
            return method

        def write(*args: Any, **kwargs: Any) -> Any:
            try:
                return method(*args, **kwargs)
            finally:
                stale = _INVALIDATES[kind]
                with self._lock:
                    for each in stale:
                        self._generation[each] += 1
                    self._cache = {key: value for key, value in self._cache.items() if key[0] not in stale}
                    for arg in args:
                        self._touched.add(str(getattr(arg, "name", arg)))

        return write

    def _read(self, kind: str, name: str, method: str) -> dict[str, Any] | None:
        # ``method`` is looked up on the calling thread's connection at call time.
        key = (kind, name)
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._cache:
                    return copy.deepcopy(self._cache[key])
                generation = self._generation[kind]
            value = getattr(self.engine, method)(name)
            with self._lock:
                if self._generation[kind] == generation:
                    self._cache[key] = value
            return copy.deepcopy(value)
