# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""The one I/O boundary of the Docker backend: a narrow engine port over the ``docker`` SDK.

Resource classes talk only to ``DockerEngine``. Reads return plain inspect dicts (None when the
object does not exist); writes are separate methods, so a fake engine in the unit tests can record
them and prove that an idempotent rerun makes no write call. SDK errors become
``DockerEngineError`` carrying the engine's own message.
"""

from __future__ import annotations

import contextlib
import secrets
from typing import Any, BinaryIO

from ansible_collections.homelab.iac.plugins.module_utils._docker_values import (
    ContainerSpec,
    NetworkSpec,
)

try:
    from docker.errors import APIError, DockerException, NotFound
    from docker.types import IPAMConfig, IPAMPool
    from docker.types import Mount as SdkMount
except ImportError:
    # _docker_common reports the missing SDK before an engine is ever built; these stand-ins only
    # keep this file importable (ansible-test's import sanity test, unit tests with a fake engine).
    class DockerException(Exception):  # type: ignore[no-redef]
        """Placeholder for docker.errors.DockerException."""

    class APIError(DockerException):  # type: ignore[no-redef]
        """Placeholder for docker.errors.APIError."""

    class NotFound(APIError):  # type: ignore[no-redef]
        """Placeholder for docker.errors.NotFound."""


# Where the helper container of ``export_volume`` mounts the volume.
VOLUME_EXPORT_MOUNT = "/volume"


class DockerEngineError(Exception):
    """An engine call failed; ``str()`` is the engine's explanation."""


def _explain(exc: Exception) -> str:
    explanation = getattr(exc, "explanation", None)
    return str(explanation or exc)


def _healthcheck_body(spec: ContainerSpec) -> dict[str, Any] | None:
    check = spec.healthcheck
    if check is None:
        return None
    return {
        "test": list(check.test),
        "interval": check.interval,
        "timeout": check.timeout,
        "retries": check.retries,
        "start_period": check.start_period,
    }


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

    def inspect_volume(self, name: str) -> dict[str, Any] | None:
        """Inspect a named volume."""
        return self._inspect(self.api.inspect_volume, name)

    def list_containers(self, labels: dict[str, str] | None = None) -> list[dict[str, Any]]:
        """Summaries of all containers (running or not), optionally only those carrying ``labels``."""
        filters = {"label": [f"{key}={value}" for key, value in (labels or {}).items()]} if labels else None
        return list(self._call(self.api.containers, all=True, filters=filters))

    def list_networks(self, labels: dict[str, str] | None = None) -> list[dict[str, Any]]:
        """Summaries of the networks (only those carrying ``labels`` when given)."""
        filters = {"label": [f"{key}={value}" for key, value in labels.items()]} if labels else None
        return list(self._call(self.api.networks, filters=filters))

    def list_volumes(self, labels: dict[str, str] | None = None) -> list[dict[str, Any]]:
        """Summaries of the volumes (only those carrying ``labels`` when given)."""
        filters = {"label": [f"{key}={value}" for key, value in labels.items()]} if labels else None
        return list((self._call(self.api.volumes, filters=filters) or {}).get("Volumes") or [])

    def containers_using_volume(self, name: str) -> list[str]:
        """Names of the containers, running or not, that mount volume ``name`` (which blocks removing it)."""
        found = self._call(self.api.containers, all=True, filters={"volume": name})
        return sorted(str((item.get("Names") or [item.get("Id")])[0]).lstrip("/") for item in found or [])

    def list_images(self) -> list[dict[str, Any]]:
        """Summaries of the local images."""
        return list(self._call(self.api.images))

    def container_stats(self, container: str) -> dict[str, Any]:
        """One sample of a running container's resource usage (one_shot: no 1 s wait for a second sample)."""
        return dict(self._call(self.api.stats, container, stream=False, one_shot=True))

    def engine_version(self) -> dict[str, Any]:
        """``docker version`` of the engine."""
        return dict(self._call(self.api.version))

    def engine_info(self) -> dict[str, Any]:
        """``docker info`` of the engine."""
        return dict(self._call(self.api.info))

    # -- writes ------------------------------------------------------------------------------
    def create_volume(self, name: str, driver: str, driver_options: dict[str, str], labels: dict[str, str]) -> None:
        """Create a named volume."""
        self._call(self.api.create_volume, name, driver=driver, driver_opts=driver_options or None, labels=labels)

    def remove_volume(self, name: str) -> None:
        """Remove a named volume and its data (the engine refuses while a container uses it)."""
        self._call(self.api.remove_volume, name)

    def export_volume(self, name: str, image: str, out: BinaryIO) -> None:
        """Write a tar of volume ``name``'s contents (entries ``./...``) to ``out``.

        Through a helper container made from the local ``image``, created but never started (so its
        command never runs and any image will do), with the volume mounted read-only at ``/volume``; the
        helper is removed afterwards, also when the copy fails.
        """
        host_config = self.api.create_host_config(
            mounts=[SdkMount(VOLUME_EXPORT_MOUNT, name, type="volume", read_only=True)]
        )
        created = self._call(
            self.api.create_container,
            image,
            command=["true"],
            name=f"iac-archive-{name}-{secrets.token_hex(3)}",
            labels={"io.homelab-iac.archive-of": name},
            host_config=host_config,
            network_disabled=True,
        )
        helper = str(created["Id"])
        try:
            stream, _stat = self._call(self.api.get_archive, helper, VOLUME_EXPORT_MOUNT + "/.")
            try:
                for chunk in stream:
                    out.write(chunk)
            except Exception as exc:  # a broken stream (urllib3's own errors) or a full disk
                raise DockerEngineError(f"copying volume {name} failed: {_explain(exc)}") from exc
        except BaseException:
            with contextlib.suppress(DockerException):  # the first failure is the one to report
                self.api.remove_container(helper, force=True)
            raise
        # A helper left behind would keep the volume in use: that is a failure of its own.
        self._call(self.api.remove_container, helper, force=True)

    def build_image(
        self, path: str, tag: str, dockerfile: str | None, args: dict[str, str], labels: dict[str, str]
    ) -> None:
        """Build ``tag`` from the context directory ``path``; build errors carry the failing step's output."""
        stream = self._call(
            self.api.build,
            path=path,
            tag=tag,
            dockerfile=dockerfile,
            buildargs=args or None,
            labels=labels,
            rm=True,
            forcerm=True,
            decode=True,
        )
        self._drain(stream, "build")

    def load_image(self, archive: str) -> None:
        """Load the images in a ``docker save`` archive."""
        with open(archive, "rb") as data:
            self._drain(self._call(self.api.load_image, data), "load")

    def tag_image(self, image: str, name: str) -> None:
        """Give ``image`` the extra name ``name`` (``repo:tag``)."""
        repository, _sep, tag = name.rpartition(":")
        self._call(self.api.tag, image, repository, tag)

    def remove_image(self, name: str) -> None:
        """Remove an image name (the image goes when no other name or container uses it)."""
        self._call(self.api.remove_image, name)

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
            options=spec.driver_options or None,
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
        # Mounts go through HostConfig.Mounts only, so inspect shows exactly what was asked (no
        # anonymous volumes an image's VOLUME line would add under Binds).
        mounts = [SdkMount(m.target, m.source or None, type=m.type, read_only=m.read_only) for m in spec.mounts]
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
            mounts=mounts or None,
            init=spec.init,
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
            # Sorted, so two runs with the same variables create byte-identical configs.
            environment=[f"{key}={value}" for key, value in sorted(spec.env.items())] or None,
            labels=spec.labels,
            ports=[(b.container_port, b.protocol) for b in spec.ports] or None,
            host_config=host_config,
            networking_config=networking_config,
            healthcheck=_healthcheck_body(spec),
            stop_signal=spec.stop_signal,
            stop_timeout=spec.stop_timeout,
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
    def _drain(stream: Any, what: str) -> None:
        # Build and load report failures inside their JSON progress stream, not as HTTP errors.
        output: list[str] = []
        try:
            for chunk in stream or []:
                if not isinstance(chunk, dict):
                    continue
                if chunk.get("error"):
                    detail = "".join(output[-5:]).strip()
                    suffix = f" (after: {detail})" if detail else ""
                    raise DockerEngineError(f"{what} failed: {chunk['error'].strip()}{suffix}")
                if chunk.get("stream"):
                    output.append(str(chunk["stream"]))
        except DockerException as exc:
            raise DockerEngineError(_explain(exc)) from exc

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
