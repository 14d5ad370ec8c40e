# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""The one I/O boundary of the Docker backend: a narrow engine port over the ``docker`` SDK.

Resource classes talk only to ``DockerEngine``. Reads return plain inspect dicts (None when the
object does not exist); writes are separate methods, so a fake engine in the unit tests can record
them and prove that an idempotent rerun makes no write call. SDK errors become
``DockerEngineError`` carrying the engine's own message.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.homelab.iac.plugins.module_utils._docker_values import (
    ContainerSpec,
    NetworkSpec,
)

try:
    from docker.errors import APIError, DockerException, NotFound
    from docker.types import IPAMConfig, IPAMPool
except ImportError:
    # _docker_common reports the missing SDK before an engine is ever built; these stand-ins only
    # keep this file importable (ansible-test's import sanity test, unit tests with a fake engine).
    class DockerException(Exception):  # type: ignore[no-redef]
        """Placeholder for docker.errors.DockerException."""

    class APIError(DockerException):  # type: ignore[no-redef]
        """Placeholder for docker.errors.APIError."""

    class NotFound(APIError):  # type: ignore[no-redef]
        """Placeholder for docker.errors.NotFound."""


class DockerEngineError(Exception):
    """An engine call failed; ``str()`` is the engine's explanation."""


def _explain(exc: Exception) -> str:
    explanation = getattr(exc, "explanation", None)
    return str(explanation or exc)


class DockerEngine:
    """Docker engine operations used by the collection (low-level ``docker.APIClient`` underneath)."""

    def __init__(self, api: Any) -> None:
        self.api = api

    # -- reads -------------------------------------------------------------------------------
    def inspect_network(self, name: str) -> dict[str, Any] | None:
        """Inspect a network by exact name (dockerd would also match an id prefix)."""
        network = self._inspect(self.api.inspect_network, name)
        return network if network is not None and network.get("Name") == name else None

    def inspect_container(self, name: str) -> dict[str, Any] | None:
        """Inspect a container by exact name."""
        container = self._inspect(self.api.inspect_container, name)
        if container is None or container.get("Name", "").lstrip("/") != name:
            return None
        return container

    def inspect_image(self, name: str) -> dict[str, Any] | None:
        """Inspect a local image by name or id."""
        return self._inspect(self.api.inspect_image, name)

    # -- writes ------------------------------------------------------------------------------
    def pull_image(self, name: str) -> None:
        """Pull ``name`` (``repo[:tag]``; a missing tag means latest)."""
        repository, _sep, tag = name.rpartition(":")
        if not repository or "/" in tag:
            repository, tag = name, "latest"
        self._call(self.api.pull, repository, tag=tag)

    def create_network(self, spec: NetworkSpec) -> str:
        """Create a network and return its id."""
        ipam = None
        if spec.subnet or spec.gateway:
            ipam = IPAMConfig(pool_configs=[IPAMPool(subnet=spec.subnet, gateway=spec.gateway)])
        created = self._call(
            self.api.create_network,
            spec.name,
            driver=spec.driver,
            ipam=ipam,
            internal=spec.internal,
            labels=spec.labels,
        )
        return str(created["Id"])

    def remove_network(self, network_id: str) -> None:
        """Remove a network (it must have no endpoints)."""
        self._call(self.api.remove_network, network_id)

    def connect(self, network: str, container: str, ipv4_address: str | None, aliases: list[str]) -> None:
        """Attach a container to a network."""
        self._call(
            self.api.connect_container_to_network,
            container,
            network,
            ipv4_address=ipv4_address,
            aliases=aliases or None,
        )

    def disconnect(self, network: str, container: str) -> None:
        """Detach a container from a network (forced: also works for stopped containers)."""
        self._call(self.api.disconnect_container_from_network, container, network, force=True)

    def create_container(self, spec: ContainerSpec) -> str:
        """Create (not start) a container; it joins the first network at creation."""
        port_bindings: dict[str, list[tuple[str, int]]] = {}
        for binding in spec.ports:
            port_bindings.setdefault(binding.container_key, []).append((binding.host_ip, binding.host_port))
        first = spec.networks[0] if spec.networks else None
        host_config = self.api.create_host_config(
            port_bindings=port_bindings or None,
            mem_limit=spec.memory or None,
            # Twice the memory, docker's own default, written out so a later in-place memory update
            # can set both values consistently.
            memswap_limit=2 * spec.memory if spec.memory else None,
            nano_cpus=spec.nano_cpus or None,
            restart_policy={"Name": spec.restart_policy},
            network_mode=first.name if first else ("none" if spec.networks == [] else None),
        )
        networking_config = None
        if first is not None:
            endpoint = self.api.create_endpoint_config(
                ipv4_address=first.ipv4_address, aliases=list(first.aliases) or None
            )
            networking_config = self.api.create_networking_config({first.name: endpoint})
        created = self._call(
            self.api.create_container,
            spec.image,
            command=spec.command,
            name=spec.name,
            environment=spec.env or None,
            labels=spec.labels,
            ports=[(b.container_port, b.protocol) for b in spec.ports] or None,
            host_config=host_config,
            networking_config=networking_config,
        )
        return str(created["Id"])

    def start_container(self, container: str) -> None:
        """Start a container."""
        self._call(self.api.start, container)

    def stop_container(self, container: str) -> None:
        """Stop a container (dockerd's default grace period)."""
        self._call(self.api.stop, container)

    def remove_container(self, container: str) -> None:
        """Remove a container, running or not."""
        self._call(self.api.remove_container, container, force=True)

    def rename_container(self, container: str, name: str) -> None:
        """Rename a container."""
        self._call(self.api.rename, container, name)

    def update_container(
        self, container: str, memory: int | None, nano_cpus: int | None, restart_policy: str | None
    ) -> None:
        """Change limits and the restart policy of an existing container in place."""
        data: dict[str, Any] = {}
        if memory is not None:
            data["Memory"] = memory
            data["MemorySwap"] = 2 * memory if memory else 0
        if nano_cpus is not None:
            data["NanoCpus"] = nano_cpus
        if restart_policy is not None:
            data["RestartPolicy"] = {"Name": restart_policy}
        # The SDK's update_container() cannot send NanoCpus (the field `--cpus` sets), so post the
        # documented /containers/{id}/update body through the client's public session methods.
        url = f"{self.api.base_url}/v{self.api.api_version}/containers/{container}/update"
        try:
            response = self.api.post(url, json=data, timeout=self.api.timeout)
        except DockerException as exc:
            raise DockerEngineError(_explain(exc)) from exc
        if response.status_code >= 400:
            try:
                message = response.json().get("message", response.text)
            except ValueError:
                message = response.text
            raise DockerEngineError(str(message).strip())

    # -- helpers -----------------------------------------------------------------------------
    @staticmethod
    def _inspect(method: Any, name: str) -> dict[str, Any] | None:
        try:
            return dict(method(name))
        except NotFound:
            return None
        except DockerException as exc:
            raise DockerEngineError(_explain(exc)) from exc

    @staticmethod
    def _call(method: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except DockerException as exc:
            raise DockerEngineError(_explain(exc)) from exc
