# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""The docker_batch module's logic: many resources, one module process, one engine connection.

Each item is validated and reconciled exactly like its single-resource module would do it (same
argument spec, same resource class, same Reconciler), in order. The engine is wrapped in
``CachedReads`` so existing state is read once. The first failure stops the batch: the items before
it stay applied (and are reported), nothing after it runs, and the message names the item.
"""

from __future__ import annotations

from typing import Any, NoReturn

from ansible_collections.homelab.iac.plugins.module_utils._docker_common import DockerModuleClient
from ansible_collections.homelab.iac.plugins.module_utils._docker_engine import DockerEngineError
from ansible_collections.homelab.iac.plugins.module_utils._docker_kinds import KINDS, CachedReads, Kind
from ansible_collections.homelab.iac.plugins.module_utils._docker_values import InvalidValue
from ansible_collections.homelab.iac.plugins.module_utils._reconcile import Outcome, ReconcileError, Reconciler

BATCH_ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    "resources": {"type": "list", "elements": "dict", "required": True},
}


class BatchItemError(Exception):
    """One item failed; ``index`` says which."""

    def __init__(self, index: int, message: str) -> None:
        super().__init__(message)
        self.index = index


def item_result(index: int, kind: Kind, name: str, outcome: Outcome) -> dict[str, Any]:
    """One entry of ``results``: the single-resource module's return shape plus kind, name and index."""
    return {
        "index": index,
        "kind": kind.name,
        "name": name,
        "changed": outcome.changed,
        "action": outcome.action.value,
        kind.reasons_key: outcome.replaced_because,
        "updated": outcome.updated,
        kind.facts_key: outcome.facts,
    }


def prepare(items: list[dict[str, Any]]) -> tuple[list[tuple[Kind, dict[str, Any]]], set[str]]:
    """Validate every item before anything runs; bad input anywhere means no change at all."""
    prepared: list[tuple[Kind, dict[str, Any]]] = []
    secrets: set[str] = set()
    for index, item in enumerate(items):
        where = f"resources[{index}]"
        kind_name = item.get("kind")
        kind = KINDS.get(str(kind_name))
        if kind is None:
            raise BatchItemError(index, f"{where}: kind {kind_name!r} is not one of {', '.join(KINDS)}")
        params = {key: value for key, value in item.items() if key != "kind"}
        try:
            validated, hidden = kind.validate(params, where)
        except InvalidValue as exc:
            raise BatchItemError(index, str(exc)) from exc
        prepared.append((kind, validated))
        secrets |= hidden
    return prepared, secrets


def apply_all(
    engine: Any,
    prepared: list[tuple[Kind, dict[str, Any]]],
    check_mode: bool,
    results: list[dict[str, Any]],
    diffs: list[dict[str, Any]],
) -> None:
    """Reconcile the items in order, appending to ``results``/``diffs``; stop at the first failure."""
    for index, (kind, params) in enumerate(prepared):
        name = str(params.get("name"))
        try:
            resource = kind.resource(engine, params)
            outcome = Reconciler(resource, check_mode).run(kind.state(params))
        except (InvalidValue, ReconcileError, DockerEngineError) as exc:
            raise BatchItemError(index, f"resources[{index}] ({kind.name} {name}): {exc}") from exc
        results.append(item_result(index, kind, name, outcome))
        if outcome.changed:
            header = f"{kind.name} {name}"
            diffs.append({"before_header": header, "after_header": header, **outcome.diff})


def run_batch_module() -> NoReturn:
    """Everything homelab.iac.docker_batch does, so the module file stays documentation + main()."""
    client = DockerModuleClient(BATCH_ARGUMENT_SPEC)
    results: list[dict[str, Any]] = []
    diffs: list[dict[str, Any]] = []
    try:
        prepared, secrets = prepare(client.params["resources"])
        # Item options marked no_log (env) are hidden in everything the module returns.
        client.module.no_log_values.update(secrets)
        apply_all(CachedReads(client.engine), prepared, client.check_mode, results, diffs)
    except BatchItemError as exc:
        extra: dict[str, Any] = {"diff": diffs} if client.diff_mode else {}
        client.fail(
            str(exc), failed_index=exc.index, results=results, changed=any(r["changed"] for r in results), **extra
        )
    result: dict[str, Any] = {"changed": any(r["changed"] for r in results), "results": results}
    if client.diff_mode:
        result["diff"] = diffs
    client.module.exit_json(**result)
    raise AssertionError("exit_json returned")
