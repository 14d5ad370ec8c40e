"""A fuller in-memory Docker engine for the docker unit tests: volumes, images, listings, new container fields.

``FakeDockerEngine`` (tests/unit/conftest.py) covers networks and basic containers; this subclass
adds what the later modules need, with the same rule: every write is recorded in ``writes`` so a
test can prove that a rerun or check mode writes nothing.
"""

from __future__ import annotations

import copy
import hashlib
import io
import tarfile
from typing import Any, BinaryIO

from ansible_collections.homelab.iac.plugins.module_utils._docker_engine import DockerEngineError
from ansible_collections.homelab.iac.plugins.module_utils._docker_values import ContainerSpec
from ansible_collections.homelab.iac.tests.unit.conftest import FakeDockerEngine

BUSYBOX = "homelab/busybox:latest"


def _matches(labels: dict[str, str] | None, wanted: dict[str, str] | None) -> bool:
    return all((labels or {}).get(key) == value for key, value in (wanted or {}).items())


class FullFakeDockerEngine(FakeDockerEngine):
    """FakeDockerEngine plus volumes, builds/loads, listings and the full container spec."""

    def __init__(self) -> None:
        super().__init__()
        self.volumes: dict[str, dict[str, Any]] = {}
        # What a volume holds, file name -> content, for export_volume.
        self.volume_files: dict[str, dict[str, bytes]] = {}
        self.reads: list[tuple[str, str]] = []
        self.images[BUSYBOX]["RepoTags"] = [BUSYBOX]
        self.images[BUSYBOX]["Config"]["Labels"] = {"org.homelab-iac.built-by": "lab"}

    # reads -------------------------------------------------------------------------------
    def inspect_container(self, name: str) -> dict[str, Any] | None:
        self.reads.append(("inspect_container", name))
        return super().inspect_container(name)

    def inspect_image(self, name: str) -> dict[str, Any] | None:
        self.reads.append(("inspect_image", name))
        return super().inspect_image(name)

    def inspect_volume(self, name: str) -> dict[str, Any] | None:
        self.reads.append(("inspect_volume", name))
        return copy.deepcopy(self.volumes.get(name))

    def list_containers(self, labels: dict[str, str] | None = None) -> list[dict[str, Any]]:
        self.reads.append(("list_containers", str(labels)))
        return [
            {"Id": c["Id"], "Names": [c["Name"]], "Image": c["Config"]["Image"], "Labels": c["Config"]["Labels"],
             "State": c["State"]["Status"], "Status": c["State"]["Status"],
             "Ports": [{"IP": host["HostIp"], "PrivatePort": int(key.split("/")[0]), "PublicPort": int(host["HostPort"]),
                        "Type": key.split("/")[1]}
                       for key, hosts in c["HostConfig"]["PortBindings"].items() for host in hosts],
             # Only static addresses: the fake hands every dynamic endpoint the same one.
             "NetworkSettings": {"Networks": {
                 name: {"IPAddress": (endpoint.get("IPAMConfig") or {}).get("IPv4Address") or ""}
                 for name, endpoint in c["NetworkSettings"]["Networks"].items()}},
             "Mounts": [{"Type": m["Type"], "Name": m["Source"]} for m in c["HostConfig"].get("Mounts") or []
                        if m["Type"] == "volume"]}
            for c in self.containers.values() if _matches(c["Config"]["Labels"], labels)
        ]

    def containers_using_volume(self, name: str) -> list[str]:
        self.reads.append(("containers_using_volume", name))
        return sorted(c["Name"].lstrip("/") for c in self.containers.values()
                      if any(m["Source"] == name for m in c["HostConfig"].get("Mounts") or []))

    def list_images(self) -> list[dict[str, Any]]:
        self.reads.append(("list_images", ""))
        return [{"Id": image["Id"], "RepoTags": image.get("RepoTags") or [], "Size": image.get("Size", 1)}
                for image in self.images.values()]

    def list_networks(self, labels: dict[str, str]) -> list[dict[str, Any]]:
        return [{"Name": n["Name"]} for n in self.networks.values() if _matches(n["Labels"], labels)]

    def list_volumes(self, labels: dict[str, str]) -> list[dict[str, Any]]:
        return [{"Name": v["Name"]} for v in self.volumes.values() if _matches(v["Labels"], labels)]

    # writes ------------------------------------------------------------------------------
    def create_container(self, spec: ContainerSpec) -> str:
        container_id = super().create_container(spec)
        found = self.containers[spec.name]
        found["Config"]["Env"] = ["PATH=/bin"] + [f"{k}={v}" for k, v in sorted(spec.env.items())]
        found["HostConfig"]["Mounts"] = [
            {"Type": m.type, "Source": m.source, "Target": m.target, "ReadOnly": m.read_only} for m in spec.mounts
        ]
        found["HostConfig"]["Init"] = spec.init
        if spec.healthcheck is not None:
            check = spec.healthcheck
            found["Config"]["Healthcheck"] = {"Test": list(check.test), "Interval": check.interval,
                                              "Timeout": check.timeout, "Retries": check.retries,
                                              "StartPeriod": check.start_period}
        if spec.stop_signal:
            found["Config"]["StopSignal"] = spec.stop_signal
        if spec.stop_timeout is not None:
            found["Config"]["StopTimeout"] = spec.stop_timeout
        return container_id

    def remove_container(self, container: str) -> None:
        # Like dockerd: a removed container leaves its networks.
        container_id = self._container(container)["Id"]
        super().remove_container(container)
        for network in self.networks.values():
            network["Containers"].pop(container_id, None)

    def create_volume(self, name: str, driver: str, driver_options: dict[str, str], labels: dict[str, str]) -> None:
        self.writes.append(("create_volume", name))
        self.volumes[name] = {"Name": name, "Driver": driver, "Options": dict(driver_options) or None,
                              "Labels": dict(labels), "Mountpoint": f"/var/lib/docker/volumes/{name}/_data",
                              "Scope": "local"}

    def remove_volume(self, name: str) -> None:
        self.writes.append(("remove_volume", name))
        for container in self.containers.values():
            if any(m["Source"] == name for m in container["HostConfig"].get("Mounts") or []):
                raise DockerEngineError(f"remove {name}: volume is in use - [{container['Id']}]")
        del self.volumes[name]
        self.volume_files.pop(name, None)

    def export_volume(self, name: str, image: str, out: BinaryIO) -> None:
        """The tar dockerd streams for ``/volume/.`` of a helper container: entries ``./...``."""
        self.writes.append(("export_volume", f"{name} via {image}"))
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as archive:
            root = tarfile.TarInfo(".")
            root.type, root.mode = tarfile.DIRTYPE, 0o755
            archive.addfile(root)
            for file_name, content in sorted(self.volume_files.get(name, {}).items()):
                info = tarfile.TarInfo(f"./{file_name}")
                info.size = len(content)
                archive.addfile(info, io.BytesIO(content))
        out.write(buffer.getvalue())

    def build_image(self, path: str, tag: str, dockerfile: str | None, args: dict[str, str],
                    labels: dict[str, str]) -> None:
        self.writes.append(("build_image", tag))
        image_id = "sha256:" + hashlib.sha256(repr((path, tag, sorted(labels.items()))).encode()).hexdigest()
        self.images[tag] = {"Id": image_id, "RepoTags": [tag], "Config": {"Labels": dict(labels), "Env": []},
                            "Size": 1, "Created": "now"}

    def remove_image(self, name: str) -> None:
        self.writes.append(("remove_image", name))
        del self.images[name]
