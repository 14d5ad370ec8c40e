# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""Where cert_deploy puts a pair besides local files: a Docker volume and the OPNsense trust store.

Both follow the file rule of the cert modules: read what is there, compare content (and mode and
ownership for volume files), write only what differs, nothing at all in check mode, and never put
key material in a result or diff (the public key's fingerprint stands in for it). Each is a
resource of the generic Reconciler (``VolumeFiles``, ``TrustCertificate``), which owns the
check-mode guard.

* ``VolumeTarget``: files inside a named volume. The volume is read and written through a
  short-lived helper container that is created (never started) with the volume mounted, using
  ``get_archive``/``put_archive``; the helper is removed afterwards, the volume never.
* ``OpnsenseTarget``: one certificate in System > Trust > Certificates, found by its description,
  imported with ``action: import`` (certificate plus chain, and the key), optionally added to
  HAProxy frontends' ``ssl_certificates``; HAProxy is reconfigured once when it serves a changed
  certificate.
"""

from __future__ import annotations

import io
import posixpath
import tarfile
import time
import traceback
import uuid
from dataclasses import dataclass, field
from typing import Any

from ansible.module_utils.basic import env_fallback
from ansible_collections.homelab.iac.plugins.module_utils._cert_files import CertError
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_client import (
    OPNSENSE_COMMON_ARGS,
    OpnsenseError,
    api_from_params,
    check_saved,
)
from ansible_collections.homelab.iac.plugins.module_utils._reconcile import Action, Field, Reconciler, Resource

try:
    import docker
    from docker.errors import DockerException, NotFound
except ImportError:
    DOCKER_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    DOCKER_IMPORT_ERROR = None

MOUNT = "/target"
HELPER_IMAGE = "homelab/busybox:latest"

# Kept in step with the DOCUMENTATION of modules/cert_deploy.py (docker_volume, opnsense).
VOLUME_ARGS: dict[str, dict[str, Any]] = {
    "name": {"type": "str", "required": True},
    "cert": {"type": "str"},
    "key": {"type": "str", "no_log": False},
    "fullchain": {"type": "str"},
    "bundle": {"type": "str"},
    "owner": {"type": "int"},
    "group": {"type": "int"},
    "helper_image": {"type": "str", "default": HELPER_IMAGE},
    "docker_host": {
        "type": "str",
        "default": "unix:///var/run/docker.sock",
        "fallback": (env_fallback, ["DOCKER_HOST"]),
    },
    "timeout": {"type": "int", "default": 60},
}
OPNSENSE_TARGET_ARGS: dict[str, dict[str, Any]] = {
    "description": {"type": "str", "required": True},
    "haproxy_frontends": {"type": "list", "elements": "str", "default": []},
    **OPNSENSE_COMMON_ARGS,
}


@dataclass
class VolumeFile:
    """One file a run wants in the volume: path relative to the volume root, bytes, mode."""

    path: str
    data: bytes
    mode: int


@dataclass
class VolumeTarget:
    """Files inside one named Docker volume."""

    params: dict[str, Any]
    check_mode: bool
    files: list[VolumeFile] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    created: bool = False

    def add(self, path: str | None, data: bytes, mode: int) -> None:
        if not path:
            return
        clean = posixpath.normpath(path.lstrip("/"))
        if clean.startswith("..") or clean == ".":
            raise CertError(f"docker_volume: {path!r} is not a file path inside the volume")
        self.files.append(VolumeFile(clean, data, mode))

    def apply(self) -> list[str]:
        """Compare every file with the volume and write those that differ (not in check mode).

        The files are one ``VolumeFiles`` resource of the generic Reconciler: a missing volume is
        a create (the volume, then every file), differing files an update; the engine owns the
        check-mode guard.
        """
        if not self.files:
            raise CertError("docker_volume: give at least one of cert, key, fullchain and bundle")
        if DOCKER_IMPORT_ERROR is not None:
            raise CertError("docker_volume needs the Python docker SDK (pip install docker)")
        name = self.params["name"]
        try:
            api = docker.APIClient(base_url=self.params["docker_host"], version=None, timeout=self.params["timeout"])
            files = VolumeFiles(self, api)
            try:
                reconciler = Reconciler(files, self.check_mode)
                plan = reconciler.plan("present")
                self.created = plan.action is Action.CREATE
                self.changed = [file.path for file in self.files] if self.created else list(plan.updated)
                reconciler.apply(plan)
            finally:
                files.close()
        except DockerException as exc:
            detail = getattr(exc, "explanation", None) or exc
            raise CertError(f"docker_volume {name}: {detail}") from None
        return self.changed

    def _helper(self, api: Any) -> str:
        """A created, never started container with the volume mounted: the archive API's handle on it."""
        image = self.params["helper_image"]
        try:
            api.inspect_image(image)
        except NotFound:
            raise CertError(
                f"docker_volume: helper image {image} is not on the engine (set docker_volume.helper_image to a "
                "local image; any image works, it is never started)"
            ) from None
        container = api.create_container(
            image,
            command=["true"],
            name=f"homelab-iac-cert-deploy-{uuid.uuid4().hex[:8]}",
            labels={"io.homelab-iac.managed": "true", "io.homelab-iac.helper": "cert_deploy"},
            host_config=api.create_host_config(binds={self.params["name"]: {"bind": MOUNT, "mode": "rw"}}),
            network_disabled=True,
        )
        return str(container["Id"])

    def _differs(self, api: Any, helper: str, wanted: VolumeFile) -> bool:
        try:
            stream, _stat = api.get_archive(helper, f"{MOUNT}/{wanted.path}")
        except NotFound:
            return True
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as archive:
            member = archive.next()
            if member is None or not member.isfile():
                return True
            handle = archive.extractfile(member)
            current = handle.read() if handle else b""
        owner, group = self.params["owner"], self.params["group"]
        return (
            current != wanted.data
            or member.mode & 0o7777 != wanted.mode
            or (owner is not None and member.uid != owner)
            or (group is not None and member.gid != group)
        )

    def _archive(self, files: list[VolumeFile]) -> bytes:
        """A tar of ``files`` (and their parent directories) with the wanted modes and ids."""
        buffer = io.BytesIO()
        owner, group = self.params["owner"] or 0, self.params["group"] or 0
        with tarfile.open(fileobj=buffer, mode="w") as archive:
            directories: set[str] = set()
            for file in files:
                parent = posixpath.dirname(file.path)
                while parent and parent not in directories:
                    directories.add(parent)
                    parent = posixpath.dirname(parent)
            for directory in sorted(directories):
                archive.addfile(_entry(directory, 0o755, owner, group, tarfile.DIRTYPE))
            for file in files:
                info = _entry(file.path, file.mode, owner, group, tarfile.REGTYPE)
                info.size = len(file.data)
                archive.addfile(info, io.BytesIO(file.data))
        return buffer.getvalue()


class VolumeFiles(Resource[dict[str, str]]):
    """The files a VolumeTarget wants, as one resource: each file is a compared property.

    ``read`` is None while the volume does not exist; otherwise it says of each file "as wanted"
    or "differs" (bytes, mode, and the owner/group when given), read through the helper container.
    """

    kind = "docker volume files"
    fields: tuple[Field, ...] = ()

    def __init__(self, target: VolumeTarget, api: Any) -> None:
        self.target = target
        self.api = api
        self.fields = tuple(Field(file.path) for file in target.files)
        self._helper: str | None = None

    def helper(self) -> str:
        if self._helper is None:
            self._helper = self.target._helper(self.api)
        return self._helper

    def close(self) -> None:
        """Remove the helper container (never the volume)."""
        if self._helper is not None:
            self.api.remove_container(self._helper, v=False, force=True)
            self._helper = None

    def read(self) -> dict[str, str] | None:
        try:
            self.api.inspect_volume(self.target.params["name"])
        except NotFound:
            return None
        return {file.path: "differs" if self.target._differs(self.api, self.helper(), file) else "as wanted"
                for file in self.target.files}  # fmt: skip

    def current(self, observed: dict[str, str]) -> dict[str, Any]:
        return dict(observed)

    def desired(self) -> dict[str, Any]:
        return {file.path: "as wanted" for file in self.target.files}

    def create(self) -> None:
        self.api.create_volume(self.target.params["name"], labels={"io.homelab-iac.managed": "true"})
        self._write(self.target.files)

    def update(self, observed: dict[str, str], changed: list[str]) -> None:
        self._write([file for file in self.target.files if file.path in changed])

    def delete(self, observed: dict[str, str]) -> None:
        raise CertError("docker_volume: removing a volume is homelab.iac.docker_volume's job")

    def facts(self, observed: dict[str, str] | None) -> dict[str, Any]:
        return {}  # cert_deploy reports the volume's name, files and whether it was created

    def _write(self, files: list[VolumeFile]) -> None:
        self.api.put_archive(self.helper(), MOUNT, self.target._archive(files))


def _entry(path: str, mode: int, uid: int, gid: int, kind: bytes) -> tarfile.TarInfo:
    info = tarfile.TarInfo(path)
    info.type, info.mode, info.uid, info.gid, info.mtime = kind, mode, uid, gid, int(time.time())
    return info


def _selected(value: Any) -> list[str]:
    """Selected keys of an option field as ``getX`` renders it (§1.6)."""
    if isinstance(value, dict):
        return [key for key, option in value.items() if isinstance(option, dict) and option.get("selected") and key]
    return [part for part in str(value or "").split(",") if part]


def _pem(text: Any) -> str:
    """A PEM text as compared: surrounding space and CRLF line ends do not count."""
    return str(text or "").strip().replace("\r\n", "\n")


class TrustCertificate(Resource[dict[str, Any]]):
    """One certificate of the OPNsense trust store, found by its description (unique)."""

    kind = "opnsense certificate"
    fields = (Field("certificate"), Field("private_key", secret=True))

    def __init__(self, target: OpnsenseTarget, api: Any, crt_pem: str, key_pem: str) -> None:
        self.target, self.api, self.crt_pem, self.key_pem = target, api, crt_pem, key_pem

    def read(self) -> dict[str, Any] | None:
        description = self.target.params["description"]
        rows = self.api.get("trust/cert/search?searchPhrase=" + _quote(description)).get("rows", [])
        matches = [row for row in rows if row.get("descr") == description]
        if len(matches) > 1:
            raise OpnsenseError(
                f"{len(matches)} certificates are described {description!r}; make the description unique"
            )
        if not matches:
            return None
        self.target.uuid = str(matches[0]["uuid"])
        current = self.target._read(self.api)
        self.target.refid = current.get("refid") or matches[0].get("refid")
        return current

    def current(self, observed: dict[str, Any]) -> dict[str, Any]:
        return {"certificate": _pem(observed.get("crt_payload")), "private_key": _pem(observed.get("prv_payload"))}

    def desired(self) -> dict[str, Any]:
        return {"certificate": _pem(self.crt_pem), "private_key": _pem(self.key_pem)}

    def _wanted(self) -> dict[str, Any]:
        # ``action: import`` matters: a stored pair loads as ``reissue``, which would re-sign it.
        return {"cert": {"action": "import", "descr": self.target.params["description"], "crt_payload": self.crt_pem,
                         "prv_payload": self.key_pem}}  # fmt: skip

    def create(self) -> None:
        answer = check_saved("trust/cert/add", self.api.post("trust/cert/add", self._wanted()))
        self.target.uuid = answer.get("uuid")
        self.target.refid = self.target._read(self.api).get("refid")

    def update(self, observed: dict[str, Any], changed: list[str]) -> None:
        check_saved("trust/cert/set", self.api.post(f"trust/cert/set/{self.target.uuid}", self._wanted()))

    def delete(self, observed: dict[str, Any]) -> None:
        raise OpnsenseError("cert_deploy does not remove certificates from the trust store")

    def facts(self, observed: dict[str, Any] | None) -> dict[str, Any]:
        return {}  # OpnsenseTarget.facts() reports uuid, refid and what was done


@dataclass
class OpnsenseTarget:
    """One certificate in the OPNsense trust store, and the HAProxy frontends that serve it."""

    params: dict[str, Any]
    check_mode: bool
    action: str = "noop"
    uuid: str | None = None
    refid: str | None = None
    frontends_changed: list[str] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.action != "noop" or bool(self.frontends_changed)

    def apply(self, crt_pem: str, key_pem: str) -> None:
        try:
            api = api_from_params(self.params)
            self._store(api, crt_pem, key_pem)
            self._frontends(api)
            if self.params["haproxy_frontends"] and self.changed and not self.check_mode:
                answer = api.post("haproxy/service/reconfigure")
                if not isinstance(answer, dict) or answer.get("status") != "ok":
                    raise OpnsenseError(f"haproxy/service/reconfigure answered {answer!r}")
                self.applied.append("haproxy")
        except OpnsenseError as exc:
            raise CertError(f"opnsense: {exc}") from None

    def _store(self, api: Any, crt_pem: str, key_pem: str) -> None:
        """Import or update the pair through the Reconciler (check mode guarded there)."""
        stored = TrustCertificate(self, api, crt_pem, key_pem)
        self.action = Reconciler(stored, self.check_mode).run("present").action.value

    def _read(self, api: Any) -> dict[str, Any]:
        answer = api.get(f"trust/cert/get/{self.uuid}")
        if not isinstance(answer, dict) or "cert" not in answer:
            raise OpnsenseError(f"certificate {self.uuid} vanished while it was being deployed")
        return dict(answer["cert"])

    def _frontends(self, api: Any) -> None:
        names = self.params["haproxy_frontends"]
        if not names:
            return
        rows = api.get("haproxy/settings/searchFrontends").get("rows", [])
        by_name = {row.get("name"): row.get("uuid") for row in rows}
        missing = [name for name in names if name not in by_name]
        if missing:
            raise OpnsenseError(f"HAProxy frontend(s) {', '.join(missing)} not found")
        for name in names:
            frontend_uuid = by_name[name]
            frontend = api.get(f"haproxy/settings/getFrontend/{frontend_uuid}").get("frontend", {})
            current = _selected(frontend.get("ssl_certificates"))
            if self.refid is not None and self.refid in current:
                continue
            self.frontends_changed.append(name)
            if not self.check_mode:
                body = {"frontend": {"ssl_certificates": ",".join([*current, str(self.refid)])}}
                check_saved(f"HAProxy frontend {name}", api.post(f"haproxy/settings/setFrontend/{frontend_uuid}", body))

    def facts(self) -> dict[str, Any]:
        return {
            "description": self.params["description"],
            "uuid": self.uuid,
            "refid": self.refid,
            "action": self.action,
            "haproxy_frontends_changed": self.frontends_changed,
            "applied": self.applied,
        }


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")
