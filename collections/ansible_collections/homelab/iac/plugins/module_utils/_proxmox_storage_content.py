# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""Files on a storage (container templates, ISO images): the resource and the module's logic.

A volume is identified by its volid, ``<storage>:<content>/<file name>``. It is fetched either from
the Proxmox appliance index (``appliance``: ``POST /nodes/{node}/aplinfo``) or from a URL
(``download-url``); both are tasks, waited for like any other. Existing files are never replaced.
"""

from __future__ import annotations

from typing import Any, NoReturn

from ansible_collections.homelab.iac.plugins.module_utils._proxmox_common import (
    ProxmoxModuleClient,
    PveApi,
    TaskWaiter,
)
from ansible_collections.homelab.iac.plugins.module_utils._proxmox_values import InvalidValue
from ansible_collections.homelab.iac.plugins.module_utils._reconcile import (
    Field,
    ReconcileError,
    Resource,
)

CONTENT_ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    "storage": {"type": "str", "default": "local"},
    "content": {"type": "str", "default": "vztmpl", "choices": ["vztmpl", "iso"]},
    "filename": {"type": "str"},
    "appliance": {"type": "str"},
    "url": {"type": "str"},
    "checksum": {"type": "str"},
    "checksum_algorithm": {"type": "str", "choices": ["md5", "sha1", "sha224", "sha256", "sha384", "sha512"]},
    "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
}


def file_name(params: dict[str, Any]) -> str:
    """The volume's file name: ``filename``, else ``appliance``, else the last part of ``url``."""
    filename = params.get("filename") or params.get("appliance")
    if not filename and params.get("url"):
        filename = params["url"].rstrip("/").rsplit("/", 1)[-1]
    if not filename:
        raise InvalidValue("filename, appliance or url is required")
    return str(filename)


def volume_id(params: dict[str, Any]) -> str:
    """``<storage>:<content>/<file name>``."""
    return f"{params['storage']}:{params['content']}/{file_name(params)}"


class StorageContent(Resource[dict[str, Any]]):
    """One file (volume) on a storage; nothing about it can change in place."""

    kind = "proxmox storage content"
    fields = (Field("volid"),)

    def __init__(self, api: PveApi, tasks: TaskWaiter, node: str, params: dict[str, Any]) -> None:
        self.api, self.tasks, self.node, self.params = api, tasks, node, params
        self.filename = file_name(params)
        self.volid = volume_id(params)

    def read(self) -> dict[str, Any] | None:
        items = self.api.get(f"nodes/{self.node}/storage/{self.params['storage']}/content",
                             content=self.params["content"])
        return next((item for item in items if item.get("volid") == self.volid), None)

    def current(self, observed: dict[str, Any]) -> dict[str, Any]:
        return {"volid": observed.get("volid")}

    def desired(self) -> dict[str, Any]:
        return {"volid": self.volid}

    def check_create(self) -> None:
        if not self.params.get("appliance") and not self.params.get("url"):
            raise ReconcileError(f"{self.volid} is missing: give appliance or url to fetch it")
        if self.params.get("appliance") and self.params["content"] != "vztmpl":
            raise InvalidValue("appliance: only container templates (content vztmpl) come from the appliance index")

    def create(self) -> None:
        storage = self.params["storage"]
        if self.params.get("appliance"):
            upid = self.api.post(f"nodes/{self.node}/aplinfo", storage=storage, template=self.params["appliance"])
        else:
            upid = self.api.post(f"nodes/{self.node}/storage/{storage}/download-url", url=self.params["url"],
                                 content=self.params["content"], filename=self.filename,
                                 checksum=self.params.get("checksum"),
                                 **{"checksum-algorithm": self.params.get("checksum_algorithm")})
        self.tasks.wait(upid, f"downloading {self.volid}")

    def delete(self, observed: dict[str, Any]) -> None:
        self.tasks.wait(self.api.delete(f"nodes/{self.node}/storage/{self.params['storage']}/content/{self.volid}"),
                        f"removing {self.volid}")

    def facts(self, observed: dict[str, Any] | None) -> dict[str, Any]:
        if observed is None:
            return {}
        return {key: observed.get(key) for key in ("volid", "content", "format", "size", "ctime")}


def run_storage_content_module() -> NoReturn:
    """Everything homelab.iac.proxmox_storage_content does."""
    client = ProxmoxModuleClient(CONTENT_ARGUMENT_SPEC, mutually_exclusive=[("appliance", "url")])
    outcome = client.reconcile(
        lambda: StorageContent(client.api, client.tasks, client.node, client.params), client.params["state"]
    )
    client.finish(outcome.changed, outcome.action.value, outcome.diff, volume=outcome.facts,
                  volid=volume_id(client.params))
