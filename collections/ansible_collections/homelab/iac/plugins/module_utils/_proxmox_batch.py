# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""proxmox_batch: many VMs, containers, templates and storage files in one module process.

Each item is validated against the argument spec of its single-resource module and reconciled by
the same resource class, so a batch and a loop of single tasks decide identically. The batch saves
Ansible's per-task cost and repeated reads: GETs go through a cache that lives until the next
write, so the node listings are read once for a run of unchanged items.

Results follow the batch contract (``_batch``): one entry per item that ran, in input order, with ``index``;
a failure stops the run (``stop_on_error``, the default) and reports ``failed_index`` with the
results of the items before it. With ``stop_on_error=false`` every item runs, a failed item's
entry carries ``failed: true`` and ``msg``, and ``failed_index`` is the first failure.
"""

from __future__ import annotations

import copy
import time
from typing import Any, NoReturn

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible_collections.homelab.iac.plugins.module_utils._batch import (
    ITEMS_ARG,
    BatchItemError,
    finish_batch,
    item_result,
    run_in_order,
)
from ansible_collections.homelab.iac.plugins.module_utils._proxmox_common import (
    ProxmoxError,
    ProxmoxModuleClient,
    PveApi,
)
from ansible_collections.homelab.iac.plugins.module_utils._proxmox_guest import (
    SNAPSHOT_ARG,
    reconcile_guest,
    snapshot_name,
)
from ansible_collections.homelab.iac.plugins.module_utils._proxmox_lxc import LXC_ARGUMENT_SPEC, ProxmoxContainer
from ansible_collections.homelab.iac.plugins.module_utils._proxmox_storage_content import (
    CONTENT_ARGUMENT_SPEC,
    StorageContent,
)
from ansible_collections.homelab.iac.plugins.module_utils._proxmox_template import (
    TEMPLATE_ARGUMENT_SPEC,
    ProxmoxTemplate,
)
from ansible_collections.homelab.iac.plugins.module_utils._proxmox_values import InvalidValue
from ansible_collections.homelab.iac.plugins.module_utils._proxmox_vm import VM_ARGUMENT_SPEC, ProxmoxVm
from ansible_collections.homelab.iac.plugins.module_utils._reconcile import ReconcileError, Reconciler

BATCH_ARGUMENT_SPEC: dict[str, dict[str, Any]] = {**ITEMS_ARG, "stop_on_error": {"type": "bool", "default": True}}
KINDS: dict[str, dict[str, dict[str, Any]]] = {
    "vm": {**VM_ARGUMENT_SPEC, **SNAPSHOT_ARG},
    "lxc": {**LXC_ARGUMENT_SPEC, **SNAPSHOT_ARG},
    "template": TEMPLATE_ARGUMENT_SPEC,
    "storage_content": CONTENT_ARGUMENT_SPEC,
}


class CachingApi(PveApi):
    """PveApi whose GET answers are reused until the next write."""

    def __init__(self, inner: PveApi) -> None:
        super().__init__(inner.prox)
        self.writes = inner.writes
        self._cache: dict[tuple[str, tuple[tuple[str, Any], ...]], Any] = {}

    def get(self, path: str, **params: Any) -> Any:
        # Task status must always be fresh; everything else is stable until we write.
        if "/tasks/" in path:
            return super().get(path, **params)
        key = (path, tuple(sorted(params.items())))
        if key not in self._cache:
            self._cache[key] = super().get(path, **params)
        return copy.deepcopy(self._cache[key])

    def _call(self, method: str, path: str, params: dict[str, Any]) -> Any:
        if method != "get":
            self._cache.clear()
        return super()._call(method, path, params)


def validate_item(item: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The item's kind and its parameters with the single module's defaults; errors name the option."""
    kind = item.get("kind")
    if kind not in KINDS:
        raise InvalidValue(f"kind: expected one of {', '.join(sorted(KINDS))}, got {kind!r}")
    args = {key: value for key, value in item.items() if key != "kind"}
    result = ArgumentSpecValidator({**KINDS[kind], "node": {"type": "str"}}).validate(args)
    if result.error_messages:
        raise InvalidValue(f"{kind}: {'; '.join(result.error_messages)}")
    return kind, result.validated_parameters


def apply_item(client: ProxmoxModuleClient, index: int, kind: str, params: dict[str, Any]) -> dict[str, Any]:
    """Reconcile one item; the same classes and decisions as the single-resource modules."""
    node = params.get("node") or client.node
    taken: list[str] = []
    if kind in ("vm", "lxc"):
        cls = ProxmoxVm if kind == "vm" else ProxmoxContainer
        resource = cls(client.api, client.tasks, node, params)
        name = snapshot_name(params.get("snapshot_before_change"), time.time())
        outcome, changed, diff = reconcile_guest(client, resource, "qemu" if kind == "vm" else "lxc",
                                                 params["state"], name, taken)
    else:
        target = ProxmoxTemplate(client.api, client.tasks, node, params) if kind == "template" else \
            StorageContent(client.api, client.tasks, node, params)
        state = "present" if kind == "template" else params["state"]
        outcome = Reconciler(target, client.check_mode).run(state)
        changed, diff = outcome.changed, outcome.diff
    extra = {"snapshot": taken[0]} if taken else {}
    return item_result(index, kind, changed, outcome.action.value, outcome.facts, diff, updated=outcome.updated,
                       **extra)  # fmt: skip


def run_batch_module() -> NoReturn:
    """Everything homelab.iac.proxmox_batch does."""
    client = ProxmoxModuleClient(BATCH_ARGUMENT_SPEC)
    client.api = CachingApi(client.api)
    client.tasks.api = client.api
    items = client.params["items"]

    def run_one(index: int) -> dict[str, Any]:
        item = items[index]
        try:
            kind, params = validate_item(item)
            return apply_item(client, index, kind, params)
        except (InvalidValue, ReconcileError, ProxmoxError) as exc:
            label = item.get("name") or item.get("hostname") or item.get("vmid") or ""
            where = f"items[{index}] ({item.get('kind')}{f' {label}' if label else ''})"
            raise BatchItemError(index, f"{where}: {exc}") from exc

    def failed_result(error: BatchItemError) -> dict[str, Any]:
        # stop_on_error=false: the failed item has an entry of its own, the run goes on.
        kind = items[error.index].get("kind") if error.index is not None else None
        return item_result(error.index or 0, kind, False, "failed", {}, {"before": {}, "after": {}}, failed=True,
                           msg=str(error))  # fmt: skip

    run = run_in_order(range(len(items)), run_one, client.params["stop_on_error"], failed_result)
    extra: dict[str, Any] = {"upids": list(client.tasks.upids), "writes": len(client.api.writes)}
    if client.diff_mode and not run.errors:
        extra["diff"] = {"before": {str(r["index"]): r["diff"]["before"] for r in run.results},
                         "after": {str(r["index"]): r["diff"]["after"] for r in run.results}}  # fmt: skip
    finish_batch(client, run, "; ".join(str(error) for error in run.errors), **extra)
