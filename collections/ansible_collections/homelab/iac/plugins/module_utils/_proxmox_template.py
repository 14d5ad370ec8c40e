# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""Turning a VM into a template: the resource for the reconcile engine and the module's logic.

A template cannot be turned back into a VM, so the only state is ``present`` (is a template); the
engine still owns the read, the decision and the check-mode guard.
"""

from __future__ import annotations

from typing import Any, NoReturn

from ansible_collections.homelab.iac.plugins.module_utils._proxmox_common import (
    ProxmoxModuleClient,
    PveApi,
    TaskWaiter,
)
from ansible_collections.homelab.iac.plugins.module_utils._proxmox_guest import find_guest
from ansible_collections.homelab.iac.plugins.module_utils._reconcile import (
    Field,
    ReconcileError,
    Resource,
)

TEMPLATE_ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    "vmid": {"type": "int"},
    "name": {"type": "str"},
    "force": {"type": "bool", "default": False},
}


class ProxmoxTemplate(Resource[dict[str, Any]]):
    """The ``template`` flag of an existing VM."""

    kind = "proxmox template"
    fields = (Field("template"),)

    def __init__(self, api: PveApi, tasks: TaskWaiter, node: str, params: dict[str, Any]) -> None:
        self.api, self.tasks, self.node, self.params = api, tasks, node, params
        self.vmid: int | None = params.get("vmid")

    def read(self) -> dict[str, Any] | None:
        if self.vmid is None:
            self.vmid = find_guest(self.api, self.node, "qemu", self.params["name"])
            if self.vmid is None:
                return None
        listing = {int(vm["vmid"]): vm for vm in self.api.get(f"nodes/{self.node}/qemu")}
        if self.vmid not in listing:
            return None
        return {**self.api.get(f"nodes/{self.node}/qemu/{self.vmid}/config"), "__status": listing[self.vmid]["status"]}

    def current(self, observed: dict[str, Any]) -> dict[str, Any]:
        return {"template": bool(observed.get("template"))}

    def desired(self) -> dict[str, Any]:
        return {"template": True}

    def check_create(self) -> None:
        raise ReconcileError(f"no VM {self.vmid if self.vmid is not None else repr(self.params['name'])} "
                             f"on node {self.node} to turn into a template")

    def create(self) -> None:
        raise ReconcileError("unreachable: check_create refuses")

    def update(self, observed: dict[str, Any], changed: list[str]) -> None:
        base = f"nodes/{self.node}/qemu/{self.vmid}"
        if observed.get("__status") == "running":
            if not self.params.get("force"):
                raise ReconcileError(f"VM {self.vmid} is running: set force: true to stop it and convert it")
            self.tasks.wait(self.api.post(f"{base}/status/stop"), f"stopping VM {self.vmid}")
        self.tasks.wait(self.api.post(f"{base}/template"), f"converting VM {self.vmid} to a template")

    def delete(self, observed: dict[str, Any]) -> None:
        raise ReconcileError("a template cannot be turned back into a VM")

    def facts(self, observed: dict[str, Any] | None) -> dict[str, Any]:
        if observed is None:
            return {}
        disks = {k: v for k, v in observed.items() if k.rstrip("0123456789") in ("scsi", "virtio", "sata", "ide")
                 and k[-1].isdigit() and "media=cdrom" not in str(v)}
        return {"vmid": self.vmid, "node": self.node, "name": observed.get("name"),
                "template": bool(observed.get("template")), "disks": disks}


def run_template_module() -> NoReturn:
    """Everything homelab.iac.proxmox_template does."""
    client = ProxmoxModuleClient(TEMPLATE_ARGUMENT_SPEC, required_one_of=[("vmid", "name")])
    outcome = client.reconcile(lambda: ProxmoxTemplate(client.api, client.tasks, client.node, client.params), "present")
    client.finish(outcome.changed, outcome.action.value, outcome.diff, template=outcome.facts)
